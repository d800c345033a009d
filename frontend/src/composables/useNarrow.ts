import { onBeforeUnmount, ref } from "vue";

/** True on a phone-sized screen (lists show cards there instead of tables). */
export function useNarrow(maxWidth = 600) {
  const mq = typeof window !== "undefined" && window.matchMedia ? window.matchMedia(`(max-width: ${maxWidth}px)`) : null;
  const narrow = ref(mq?.matches ?? false);
  const onChange = (e: MediaQueryListEvent) => (narrow.value = e.matches);
  mq?.addEventListener("change", onChange);
  onBeforeUnmount(() => mq?.removeEventListener("change", onChange));
  return narrow;
}

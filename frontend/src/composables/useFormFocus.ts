import { onBeforeUnmount, onMounted, ref } from "vue";

/**
 * A form that takes the focus when it opens (its first field) and gives it back to what
 * had it (the button that opened it) when it closes, for keyboard users. A form closes on
 * Escape unless a control inside used the key (an open date picker or list closes first).
 */
export function useFormFocus() {
  const form = ref<HTMLElement | null>(null);
  let opener: HTMLElement | null = null;
  onMounted(() => {
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    form.value?.querySelector<HTMLElement>("input:not([type=hidden]):not([disabled]), select, textarea")?.focus();
  });
  onBeforeUnmount(() => {
    const active = document.activeElement;
    const lost = !active || active === document.body || (form.value?.contains(active) ?? false);
    if (lost && opener?.isConnected) setTimeout(() => opener?.focus(), 0);
  });
  return form;
}

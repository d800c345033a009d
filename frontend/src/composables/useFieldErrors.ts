import { nextTick } from "vue";

/**
 * After a failed save: bring the first field marked wrong into view (not the form's end,
 * where the general message is) and put the cursor in it.
 */
export async function focusFirstError(root: HTMLElement | null | undefined): Promise<boolean> {
  await nextTick();
  const bad = root?.querySelector<HTMLElement>(".el-form-item.is-error, [aria-invalid=true], .bad");
  if (!bad) return false;
  bad.scrollIntoView({ block: "center" });
  const input = bad.matches("input, select, textarea") ? bad : bad.querySelector<HTMLElement>("input:not([type=hidden]):not([readonly]), textarea, select");
  input?.focus({ preventScroll: true });
  return true;
}

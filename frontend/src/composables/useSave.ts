import { ref } from "vue";
import { saveFailure } from "../api/problem";
import { i18n } from "../i18n";
import { toastOk } from "../utils/toast";

/**
 * One save action of a form: busy while it runs, then either a confirmation or the server's
 * message, with field messages by field (412: changed by someone else meanwhile).
 */
export function useSave() {
  const busy = ref(false);
  const message = ref("");
  const error = ref("");
  const fields = ref<Record<string, string>>({});
  async function run(fn: () => Promise<unknown>, saved = i18n.global.t("common.saved")): Promise<boolean> {
    busy.value = true;
    message.value = error.value = "";
    fields.value = {};
    try {
      await fn();
      message.value = saved;
      toastOk(saved);
      return true;
    } catch (e) {
      const t = i18n.global.t;
      const r = saveFailure(e, { stale: t("common.stale"), network: t("common.networkError"), fallback: t("common.error") });
      // a message about the whole record (no field named) goes with the general one
      const whole = r.fields._;
      error.value = [r.message || (Object.keys(r.fields).length ? t("policy.fixFields") : t("common.error")), whole].filter(Boolean).join("：");
      fields.value = r.fields;
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, message, error, fields, run };
}

import { createI18n } from "vue-i18n";
import zhCN from "./zh-CN";

export type Locale = "zh-CN" | "en";
const KEY = "eldercare.locale";

function initial(): Locale {
  try {
    return localStorage.getItem(KEY) === "en" ? "en" : "zh-CN";
  } catch {
    return "zh-CN";
  }
}

// zh-CN is bundled; English is loaded when chosen. Messages are compiled just in time
// (no eval), which the content security policy requires.
export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: "zh-CN",
  messages: { "zh-CN": zhCN } as Record<string, typeof zhCN>,
});

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale;
}

export async function setLocale(locale: Locale): Promise<void> {
  if (!i18n.global.availableLocales.includes(locale)) {
    const mod = await import("./en");
    i18n.global.setLocaleMessage(locale, mod.default as never);
  }
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(KEY, locale);
  } catch {
    /* private mode */
  }
}

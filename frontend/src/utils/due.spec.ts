import { describe, expect, it } from "vitest";
import { i18n } from "../i18n";
import en from "../i18n/en";
import { dueText } from "./due";

i18n.global.setLocaleMessage("en", en as never);

function say(locale: "zh-CN" | "en", dueInDays: number): string {
  i18n.global.locale.value = locale;
  return dueText(i18n.global.t as never, dueInDays);
}

describe("when a visit is due", () => {
  it("says overdue, today or in N days in Chinese", () => {
    expect(say("zh-CN", -3)).toBe("逾期 3 天");
    expect(say("zh-CN", -1)).toBe("逾期 1 天");
    expect(say("zh-CN", 0)).toBe("今天到期");
    expect(say("zh-CN", 1)).toBe("1 天后到期");
    expect(say("zh-CN", 7)).toBe("7 天后到期");
  });
  it("says the same in English, singular and plural", () => {
    expect(say("en", -3)).toBe("3 days overdue");
    expect(say("en", -1)).toBe("1 day overdue");
    expect(say("en", 0)).toBe("Due today");
    expect(say("en", 1)).toBe("Due in 1 day");
    expect(say("en", 7)).toBe("Due in 7 days");
  });
});

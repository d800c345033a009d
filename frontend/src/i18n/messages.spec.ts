import { describe, expect, it } from "vitest";
import zh from "./zh-CN";
import en from "./en";

function keys(o: object, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe("messages", () => {
  it("English has exactly the Chinese keys", () => {
    expect(keys(en).sort()).toEqual(keys(zh).sort());
  });
  it("Chinese messages are in Chinese", () => {
    const latinOnly = keys(zh).filter((k) => {
      const v = k.split(".").reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], zh) as string;
      return !/[\u4e00-\u9fff]/.test(v);
    });
    // Only the language switch (naming the other language) is not Chinese.
    expect(latinOnly).toEqual(["common.language"]);
  });
});

import { describe, expect, it, vi } from "vitest";
import { focusFirstError } from "./useFieldErrors";

describe("focusFirstError", () => {
  it("scrolls to and focuses the first field marked wrong", async () => {
    document.body.innerHTML = `<form id="f">
      <div class="el-form-item"><input name="a" /></div>
      <div class="el-form-item is-error"><input name="b" /></div>
      <div class="el-form-item is-error"><input name="c" /></div>
      <p class="err">general</p></form>`;
    const root = document.getElementById("f");
    const item = root!.querySelectorAll<HTMLElement>(".el-form-item")[1];
    const scroll = vi.fn();
    item.scrollIntoView = scroll;
    expect(await focusFirstError(root)).toBe(true);
    expect(scroll).toHaveBeenCalled();
    expect((document.activeElement as HTMLInputElement).name).toBe("b");
  });
  it("does nothing when no field is wrong", async () => {
    document.body.innerHTML = `<form id="f"><div class="el-form-item"><input name="a" /></div></form>`;
    expect(await focusFirstError(document.getElementById("f"))).toBe(false);
  });
});

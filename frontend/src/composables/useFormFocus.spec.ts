import { describe, expect, it } from "vitest";
import { defineComponent, h, nextTick } from "vue";
import { mount } from "@vue/test-utils";
import { useFormFocus } from "./useFormFocus";

const Form = defineComponent({
  setup() {
    const formEl = useFormFocus();
    return () => h("form", { ref: formEl }, [h("input", { type: "hidden" }), h("input", { name: "first" }), h("select", { name: "second" })]);
  },
});

describe("form focus", () => {
  it("focuses the first field on opening and gives the focus back on closing", async () => {
    const opener = document.createElement("button");
    document.body.appendChild(opener);
    opener.focus();
    const host = document.createElement("div");
    document.body.appendChild(host);
    const w = mount(Form, { attachTo: host });
    expect((document.activeElement as HTMLInputElement).name).toBe("first");
    w.unmount();
    await new Promise((ok) => setTimeout(ok, 5));
    await nextTick();
    expect(document.activeElement).toBe(opener);
  });
});

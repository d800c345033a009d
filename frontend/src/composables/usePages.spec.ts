import { describe, expect, it } from "vitest";
import { usePages } from "./usePages";

// 45 rows, keyset pages: the cursor is the index of the next row
function api() {
  const calls: (string | undefined)[] = [];
  const fetch = async (cursor: string | undefined, limit: number, count: boolean) => {
    calls.push(cursor);
    const start = cursor ? Number(cursor) : 0;
    const rows = Array.from({ length: 45 }, (_, i) => i).slice(start, start + limit);
    const next = start + limit < 45 ? String(start + limit) : null;
    return { items: rows, next_cursor: next, total: count ? 45 : null };
  };
  return { calls, fetch };
}

describe("usePages", () => {
  it("counts on the first page and follows cursors to a later page once", async () => {
    const a = api();
    const p = usePages<number>(a.fetch, 10);
    await p.load();
    expect(p.total.value).toBe(45);
    expect(p.items.value).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await p.goTo(4);
    expect(p.page.value).toBe(4);
    expect(p.items.value[0]).toBe(30);
    expect(a.calls).toEqual([undefined, "10", "20", "30"]);
    await p.goTo(2); // a page seen: one request
    expect(p.items.value[0]).toBe(10);
    expect(a.calls.length).toBe(5);
    expect(p.total.value).toBe(45);
  });
  it("stops at the last page", async () => {
    const a = api();
    const p = usePages<number>(a.fetch, 20);
    await p.load();
    await p.goTo(9);
    expect(p.page.value).toBe(3);
    expect(p.items.value).toEqual([40, 41, 42, 43, 44]);
    expect(p.hasNext.value).toBe(false);
  });
  it("starts again when the page size changes", async () => {
    const a = api();
    const p = usePages<number>(a.fetch, 10);
    await p.load();
    await p.goTo(2);
    await p.setSize(50);
    expect(p.page.value).toBe(1);
    expect(p.items.value.length).toBe(45);
  });
});

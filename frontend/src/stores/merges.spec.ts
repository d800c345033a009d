import { beforeEach, describe, expect, it } from "vitest";
import { createPinia, setActivePinia } from "pinia";
import { useMergesStore, type RecentMerge } from "./merges";
import { useAuthStore } from "./auth";

function merge(id: string): RecentMerge {
  return { id, survivor_id: `s${id}`, merged_id: `m${id}`, survivor_name: "张秀英", merged_name: "章秀英", merged_at: "2026-11-29T10:00:00Z", undone_at: null };
}

describe("recent merges", () => {
  beforeEach(() => {
    sessionStorage.clear();
    setActivePinia(createPinia());
  });

  it("keeps merges newest first, marks undone ones, and survives a reload of the page", () => {
    const s = useMergesStore();
    s.added(merge("1"));
    s.added(merge("2"));
    s.added(merge("1")); // the same merge again moves to the top, once
    expect(s.recent.map((m) => m.id)).toEqual(["1", "2"]);
    s.undone("2", "2026-11-29T10:05:00Z");
    expect(s.undoable.map((m) => m.id)).toEqual(["1"]);
    setActivePinia(createPinia());
    const again = useMergesStore();
    expect(again.recent.map((m) => [m.id, m.undone_at])).toEqual([["1", null], ["2", "2026-11-29T10:05:00Z"]]);
    again.forget("1");
    expect(again.recent.map((m) => m.id)).toEqual(["2"]);
  });

  it("adds the merges the server lists, newest first, without repeating the session's own", () => {
    const s = useMergesStore();
    s.added({ ...merge("1"), merged_at: "2026-11-29T10:00:00Z" });
    s.known([
      { ...merge("2"), merged_at: "2026-11-28T09:00:00Z" },
      { ...merge("1"), merged_at: "2026-11-29T10:00:00Z", survivor_name: "张秀英（服务器）" },
      { ...merge("3"), merged_at: "2026-11-29T11:00:00Z" },
    ]);
    expect(s.recent.map((m) => m.id)).toEqual(["3", "1", "2"]);
    expect(s.recent[1].survivor_name).toBe("张秀英（服务器）");
  });

  it("keeps the last 20 only", () => {
    const s = useMergesStore();
    for (let i = 0; i < 25; i++) s.added(merge(String(i)));
    expect(s.recent).toHaveLength(20);
    expect(s.recent[0].id).toBe("24");
  });

  it("is forgotten when the session ends", () => {
    useMergesStore().added(merge("1"));
    useAuthStore().clear();
    setActivePinia(createPinia());
    expect(useMergesStore().recent).toEqual([]);
  });

  it("ignores a damaged stored list", () => {
    sessionStorage.setItem("eldercare.merges", "{not json");
    expect(useMergesStore().recent).toEqual([]);
  });
});

import { defineStore } from "pinia";

/** A merge made in this browser session or listed by the server, kept so it can be undone
 * after leaving the screen. */
export interface RecentMerge {
  id: string;
  survivor_id: string;
  merged_id: string;
  survivor_name: string;
  merged_name: string;
  merged_at: string;
  undone_at: string | null;
  /** the villages of the two records, by name, where known */
  survivor_village?: string;
  merged_village?: string;
}

const KEY = "eldercare.merges";
const KEEP = 20;

function load(): RecentMerge[] {
  try {
    const raw = sessionStorage.getItem(KEY);
    const list = raw ? (JSON.parse(raw) as RecentMerge[]) : [];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

export const useMergesStore = defineStore("merges", {
  state: () => ({ recent: load() }),
  getters: {
    /** Merges that may still be undone (the server decides whether they can). */
    undoable: (s) => s.recent.filter((m) => !m.undone_at),
  },
  actions: {
    added(m: RecentMerge): void {
      this.recent = [m, ...this.recent.filter((x) => x.id !== m.id)].slice(0, KEEP);
      this.save();
    },
    /** Merges the server lists (standing ones in scope, from any session): shown with the
     * session's own, newest first, the server's fields winning. */
    known(list: RecentMerge[]): void {
      const byId = new Map(this.recent.map((m) => [m.id, m]));
      for (const m of list) byId.set(m.id, { ...byId.get(m.id), ...m });
      this.recent = [...byId.values()].sort((a, b) => Date.parse(b.merged_at) - Date.parse(a.merged_at)).slice(0, KEEP);
      this.save();
    },
    undone(id: string, at: string): void {
      this.recent = this.recent.map((m) => (m.id === id ? { ...m, undone_at: at } : m));
      this.save();
    },
    /** Forget a merge the server will not undo any more (undone elsewhere, or changed since). */
    forget(id: string): void {
      this.recent = this.recent.filter((m) => m.id !== id);
      this.save();
    },
    clear(): void {
      this.recent = [];
      this.save();
    },
    save(): void {
      try {
        sessionStorage.setItem(KEY, JSON.stringify(this.recent));
      } catch {
        /* storage full or blocked: the list lives as long as the page */
      }
    },
  },
});

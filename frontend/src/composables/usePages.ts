import { ref, shallowRef } from "vue";
import { problemMessage } from "../api/problem";
import { i18n } from "../i18n";
import type { Page } from "./useLoader";

/**
 * Numbered pages over a keyset-paginated list. The API gives a cursor for the next page
 * only, so the cursor of each page reached is kept: going back, or to a page already seen,
 * is one request; going further forward follows the cursors page by page (each page read
 * once). The total comes with the first page (`count`), so the number of pages is known.
 */
export function usePages<T>(fetchPage: (cursor: string | undefined, limit: number, count: boolean) => Promise<Page<T>>, pageSize = 20) {
  const items = shallowRef<T[]>([]);
  const page = ref(1);
  const size = ref(pageSize);
  const total = ref<number | null>(null);
  const loading = ref(false);
  const error = ref("");
  const hasNext = ref(false);
  // cursors[i]: the cursor of page i + 1 (undefined for the first); null: no such page
  let cursors: (string | undefined | null)[] = [undefined];
  let latest = 0;

  async function goTo(p: number): Promise<void> {
    const mine = ++latest;
    loading.value = true;
    error.value = "";
    try {
      let known = Math.min(p, cursors.length);
      while (known >= 1 && cursors[known - 1] === null) known -= 1;
      let result: Page<T> | null = null;
      for (let i = Math.max(known, 1); i <= p; i++) {
        const cursor = cursors[i - 1];
        if (cursor === null) break;
        result = await fetchPage(cursor, size.value, i === 1);
        if (mine !== latest) return;
        if (i === 1) total.value = result.total ?? null;
        cursors[i] = result.next_cursor ?? null;
        page.value = i;
        if (!result.next_cursor) break;
      }
      if (result) {
        items.value = result.items;
        hasNext.value = Boolean(result.next_cursor);
      }
    } catch (e) {
      if (mine !== latest) return;
      error.value = problemMessage(
        e instanceof TypeError ? i18n.global.t("common.networkError") : (e as { problem?: unknown }).problem ?? e,
        i18n.global.t("common.error"),
      );
    } finally {
      if (mine === latest) loading.value = false;
    }
  }
  /** From the first page again (new filters, sort or page size). */
  function load(): Promise<void> {
    cursors = [undefined];
    return goTo(1);
  }
  function setSize(n: number): Promise<void> {
    size.value = n;
    return load();
  }
  return { items, page, size, total, loading, error, hasNext, goTo, load, setSize };
}

import { ref, shallowRef, type Ref } from "vue";
import { problemMessage } from "../api/problem";
import { i18n } from "../i18n";

export interface Loader<T> {
  data: Ref<T | null>;
  loading: Ref<boolean>;
  error: Ref<string>;
  run: () => Promise<void>;
}

/** Loading / error / data state of one request, for the StateBlock component. */
export function useLoader<T>(fn: () => Promise<T>): Loader<T> {
  const data = shallowRef<T | null>(null) as Ref<T | null>;
  const loading = ref(false);
  const error = ref("");
  // Only the latest run's outcome shows (an earlier, slower one, e.g. for the record the
  // page left, must not overwrite it).
  let latest = 0;
  async function run(): Promise<void> {
    const mine = ++latest;
    loading.value = true;
    error.value = "";
    try {
      const value = await fn();
      if (mine === latest) data.value = value;
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
  return { data, loading, error, run };
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
  total?: number | null;
}

/** A keyset-paginated list: first page, "load more", and the total when asked. */
export function usePaged<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([]);
  const next = ref<string | null>(null);
  const total = ref<number | null>(null);
  const loading = ref(false);
  const error = ref("");
  const loaded = ref(false);
  async function load(more = false): Promise<void> {
    loading.value = true;
    error.value = "";
    try {
      const page = await fetchPage(more ? next.value ?? undefined : undefined);
      items.value = more ? [...items.value, ...page.items] : page.items;
      next.value = page.next_cursor ?? null;
      if (!more) total.value = page.total ?? null;
      loaded.value = true;
    } catch (e) {
      error.value = problemMessage(
        e instanceof TypeError ? i18n.global.t("common.networkError") : (e as { problem?: unknown }).problem ?? e,
        i18n.global.t("common.error"),
      );
    } finally {
      loading.value = false;
    }
  }
  return { items, next, total, loading, error, loaded, load };
}

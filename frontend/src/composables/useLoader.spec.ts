import { describe, expect, it } from "vitest";
import { useLoader } from "./useLoader";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("useLoader", () => {
  it("shows the latest run only: an earlier, slower failure does not overwrite it", async () => {
    const first = deferred<string>();
    const second = deferred<string>();
    const calls = [first, second];
    const loader = useLoader(() => calls.shift()!.promise);
    const a = loader.run();
    const b = loader.run();
    second.resolve("new record");
    await b;
    first.reject(new Error("404 for the record left"));
    await a;
    expect(loader.data.value).toBe("new record");
    expect(loader.error.value).toBe("");
    expect(loader.loading.value).toBe(false);
  });
});

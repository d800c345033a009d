import { describe, expect, it } from "vitest";
import { filenameFromDisposition, isFinished, mediaTypeFor, newIdempotencyKey, pollImport, type ImportReport } from "./imports";

function report(status: ImportReport["status"], rows = 0): ImportReport {
  return {
    id: "job1", resource: "elders", status, mode: "atomic", dry_run: false, written: false, format: "csv",
    encoding: "utf-8", rows, created: 0, updated: 0, unchanged: 0, failed: 0, errors: [], errors_truncated: false,
    warnings: [],
    error_file: null, error: null, attempts: 1, replayed: false, created_at: "2026-01-01T00:00:00Z",
    started_at: null, finished_at: null,
  };
}

describe("imports", () => {
  it("sends each file type with the media type the API reads", () => {
    expect(mediaTypeFor("老人.CSV")).toBe("text/csv");
    expect(mediaTypeFor("a.xlsx")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(mediaTypeFor("a.ndjson")).toBe("application/x-ndjson");
    expect(mediaTypeFor("a.jsonl")).toBe("application/x-ndjson");
    expect(mediaTypeFor("a.json")).toBe("application/json");
    expect(mediaTypeFor("a.xls")).toBeNull();
    expect(mediaTypeFor("noext")).toBeNull();
  });

  it("reads the file name of Content-Disposition, UTF-8 form first", () => {
    expect(filenameFromDisposition('attachment; filename="elders.errors.csv"', "x")).toBe("elders.errors.csv");
    expect(filenameFromDisposition("attachment; filename=a.xlsx", "x")).toBe("a.xlsx");
    expect(filenameFromDisposition("attachment; filename=\"a.csv\"; filename*=UTF-8''%E8%80%81%E4%BA%BA.csv", "x")).toBe("老人.csv");
    expect(filenameFromDisposition(null, "fallback.csv")).toBe("fallback.csv");
    expect(filenameFromDisposition("attachment", "fallback.csv")).toBe("fallback.csv");
  });

  it("makes a different key for each upload", () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^web-/);
    expect(a.length).toBeLessThanOrEqual(200);
    expect(newIdempotencyKey()).not.toBe(a);
  });

  it("polls a job until it ends, reporting progress, with a growing interval", async () => {
    const answers = [report("running", 2000), report("running", 4000), report("succeeded", 5000)];
    const seen: number[] = [];
    const waits: number[] = [];
    const out = await pollImport(report("queued"), (r) => seen.push(r.rows), {
      intervalMs: 100,
      sleep: async (ms) => void waits.push(ms),
      fetchReport: async () => answers.shift()!,
    });
    expect(out.status).toBe("succeeded");
    expect(seen).toEqual([2000, 4000, 5000]);
    expect(waits).toEqual([100, 150, 225]);
    expect(isFinished(out)).toBe(true);
  });

  it("does not poll a finished report and stops when aborted", async () => {
    let calls = 0;
    const fetchReport = async () => {
      calls += 1;
      return report("running");
    };
    await pollImport(report("failed"), () => undefined, { fetchReport, sleep: async () => undefined });
    expect(calls).toBe(0);
    const signal = { aborted: false };
    const out = await pollImport(report("running"), () => {
      if (calls >= 3) signal.aborted = true;
    }, { fetchReport, signal, sleep: async () => undefined });
    expect(calls).toBe(3);
    expect(out.status).toBe("running");
  });
});

"""Bulk data through the API: import 100,000 elders from CSV (against a raw COPY of the same
rows), re-import them unchanged, the server's peak memory on a large NDJSON import, and
exporting elders as CSV.

python bench_bulk.py [--database-url postgresql://...] [--rows 100000] [--rss-rows 200000]
                     [--province-url <a database made by generate.py --scale province>]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from datetime import date, timedelta

import httpx
from bench_elders import SECRET, token
from common import database_url, drop_database, free_port, start_server
from eldercare import identity
from eldercare.db import make_engine
from generate import generate
from sqlalchemy import select


def villages(url: str) -> list[str]:
    from eldercare.regions.models import Region

    engine = make_engine(url)
    with engine.connect() as conn:
        codes = list(
            conn.execute(
                select(Region.code).where(Region.level == "village", Region.code.like("431127%"))
            ).scalars()
        )
    engine.dispose()
    return codes


def rows(n: int, codes: list[str], address: str = "439001") -> list[list[str]]:
    """Valid elders with ID numbers no generated elder has (another address code)."""
    start = date(1936, 1, 1)
    out = []
    arrangements = ["独居", "与配偶同住", "与子女同住", "与孙辈同住"]
    for i in range(n):
        number = identity.make(address, start + timedelta(days=i // 450), i % 450, i % 2 == 0)
        out.append(
            [
                number,
                "王秀英" if i % 2 else "李建国",
                codes[i % len(codes)],
                arrangements[i % 4],
                f"138{i:08d}",
                "2",
            ]
        )
    return out


HEADER = ["身份证号", "姓名", "村代码", "居住状况", "联系电话", "家庭人口"]


def as_csv(data: list[list[str]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADER)
    w.writerows(data)
    return out.getvalue().encode()


def as_ndjson(data: list[list[str]]) -> bytes:
    return "".join(
        json.dumps(dict(zip(HEADER, r, strict=True)), ensure_ascii=False) + "\n" for r in data
    ).encode()


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed_import(base: str, tok: str, body: bytes, content_type: str) -> tuple[float, dict]:
    """Seconds from sending the body to the job's end, polled ten times a second.

    One client for all requests: a new one per poll would load the CA bundle each time,
    about 15 % of a core taken from the server on this same machine.
    """
    headers = {"Authorization": f"Bearer {tok}", "Content-Type": content_type}
    headers["Prefer"] = "respond-async"
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        started = time.perf_counter()
        response = client.post("/api/v1/imports/elders", params={"mode": "per_row"}, content=body)
        if response.status_code >= 400:
            raise SystemExit(f"import refused: {response.status_code} {response.text[:500]}")
        report = response.json()
        upload = time.perf_counter() - started
        while report["status"] in ("queued", "running"):
            time.sleep(0.1)
            report = client.get(f"/api/v1/imports/{report['id']}").json()
        seconds = time.perf_counter() - started
    return seconds, {**report, "_upload_seconds": upload}


def raw_copy_seconds(url: str) -> float | None:
    """COPY the imported rows, as stored, into a table shaped like ``elders`` (its indexes too)."""
    if not url.startswith("postgresql"):
        return None
    import psycopg
    from eldercare.db import normalize_url

    dsn = normalize_url(url).replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE elders_raw (LIKE elders INCLUDING ALL)")
        conn.commit()
        cols = [
            c
            for (c,) in cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'elders' "
                "AND is_generated = 'NEVER' ORDER BY ordinal_position"
            ).fetchall()
        ]
        buf2 = io.BytesIO()
        with cur.copy(
            f"COPY (SELECT {', '.join(cols)} FROM elders WHERE id_number LIKE '439001%') TO STDOUT"
        ) as copy:
            for piece in copy:
                buf2.write(piece)
        started = time.perf_counter()
        with cur.copy(f"COPY elders_raw ({', '.join(cols)}) FROM STDIN") as copy:
            copy.write(buf2.getvalue())
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE elders_raw")
        conn.commit()
    return seconds


def export_in_process(url: str, prefix: str) -> dict[str, object]:
    """The CSV export's body over every elder under ``prefix`` (a province: 1,000,000)."""
    from eldercare import db as dbmod
    from eldercare.bulk import export
    from eldercare.context import Principal, RequestCtx
    from eldercare.db import utcnow
    from eldercare.elders.filters import ElderFilters
    from eldercare.roles import Role

    dbmod.set_engine(make_engine(url))
    p = Principal("user", "bench", "bench", Role.county_officer, prefix, frozenset(), "x", utcnow())
    ctx = RequestCtx(None, None, "zh-CN", p)
    started = time.perf_counter()
    n = size = 0
    for piece in export.csv_body(ctx, "elders", ElderFilters(), False, None):  # as the route serves
        size += len(piece)
        n += piece.count(b"\n")
    seconds = time.perf_counter() - started
    dbmod.set_engine(None)
    return {"rows": n - 1, "seconds": round(seconds, 1), "rows_per_s": round((n - 1) / seconds)}


def run(db_arg: str, n: int, rss_rows: int, province_url: str | None) -> dict[str, object]:
    url, _ = database_url(db_arg, "bulk")
    out: dict[str, object] = {"database": url.split(":")[0], "rows": n}
    try:
        generate(url, "county")
        codes = villages(url)
        tok, _ = token(url, "county_officer")
        env = {
            "ELDERCARE_DATABASE_URL": url,
            "ELDERCARE_JWT_SECRET": SECRET,
            "ELDERCARE_LOG_LEVEL": "WARNING",
            "ELDERCARE_AUTH_CACHE": "false",
            "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
            # a 1,000,000-row NDJSON body is about 176 MB: above the default limit of 100 MB
            "ELDERCARE_MAX_UPLOAD_MB": str(max(100, rss_rows // 2_000)),
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(
            [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)], env, port
        )
        try:
            data = rows(n, codes)
            body = as_csv(data)
            seconds, report = timed_import(base, tok, body, "text/csv")
            out["import"] = {
                "seconds": round(seconds, 2),
                "upload_seconds": round(report["_upload_seconds"], 2),
                "rows_per_s": round(n / seconds),
                "created": report["created"],
                "failed": report["failed"],
                "target_rows_per_s": 10_000,
            }
            seconds, report = timed_import(base, tok, body, "text/csv")
            out["reimport_unchanged"] = {
                "seconds": round(seconds, 2),
                "rows_per_s": round(n / seconds),
                "unchanged": report["unchanged"],
                "target_rows_per_s": 20_000,
            }
            copy_s = raw_copy_seconds(url)
            if copy_s is not None:
                out["raw_copy"] = {"seconds": round(copy_s, 2), "rows_per_s": round(n / copy_s)}
                out["import_vs_copy"] = round(copy_s / out["import"]["seconds"], 3)  # type: ignore[index]
                out["import_vs_copy_target"] = 0.2
            big = as_ndjson(rows(rss_rows, codes, "439002"))
            del data, body
            seconds, report = timed_import(base, tok, big, "application/x-ndjson")
            out["ndjson_import"] = {
                "rows": rss_rows,
                "bytes": len(big),
                "seconds": round(seconds, 1),
                "rows_per_s": round(rss_rows / seconds),
                "created": report["created"],
                "server_peak_rss_mb": round(peak_rss_mb(proc.pid), 1),
                "target_peak_rss_mb": 400,
            }
            del big
            headers = {"Authorization": f"Bearer {tok}"}
            started = time.perf_counter()
            lines = 0
            with httpx.stream(
                "GET", f"{base}/api/v1/exports/elders", headers=headers, timeout=600
            ) as r:
                for piece in r.iter_bytes():
                    lines += piece.count(b"\n")
            seconds = time.perf_counter() - started
            out["export_http_county"] = {
                "rows": lines - 1,
                "seconds": round(seconds, 2),
                "rows_per_s": round((lines - 1) / seconds),
            }
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        drop_database(url, db_arg)
    if province_url:
        out["export_province"] = {
            **export_in_process(province_url, ""),
            "target_rows_per_s": 50_000,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rss-rows", type=int, default=200_000)
    parser.add_argument("--province-url")
    args = parser.parse_args()
    print(json.dumps(run(args.database_url, args.rows, args.rss_rows, args.province_url)))


if __name__ == "__main__":
    main()

"""Run every benchmark and print its figures.

python bench/run.py                      # SQLite
python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import time

import bench_auth
import bench_bulk
import bench_care
import bench_elders
import bench_relief
import bench_rosters
import bench_stats
import bench_visits
from common import database_url, drop_database
from generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--province-url", help="a database made by generate.py --scale province (kept)"
    )
    args = parser.parse_args()

    print("== data generator: one county (30,000 elders)")
    url, _ = database_url(args.database_url, "gen")
    started = time.perf_counter()
    try:
        report = generate(url, "county")
    finally:
        drop_database(url, args.database_url)
    print(json.dumps(report), f"total {time.perf_counter() - started:.1f} s")

    print("== GET /api/v1/auth/me vs bare Starlette doing the same work (16 clients)")
    result = bench_auth.run(args.database_url, args.seconds)
    for name in ("app", "bare"):
        r = result[name]
        print(
            f"{name:>5}: {r['rps']:8.0f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"
        )  # type: ignore[index]
    print(f"ratio app/bare: {result['ratio']} (target >= {result['target']})")

    print("== the elder list, search and deep pages on a generated county (30,000 elders)")
    url, _ = database_url(args.database_url, "elders")
    try:
        generate(url, "county")
        r = bench_elders.run(url, args.seconds)
    finally:
        drop_database(url, args.database_url)
    print(json.dumps(r))
    print("== visits due and rates on a generated county")
    print(json.dumps(bench_visits.run(args.database_url, args.seconds)))
    print("== the care loop on a generated county (one follow-up per five elders): follow-ups,")
    print("   the worklist with due services and follow-ups, service schedules recomputed")
    print(json.dumps(bench_care.run(args.database_url, args.seconds)))
    print("== relief: batch pre-screening, gap list and payments to check on a generated county")
    print(json.dumps(bench_relief.run(args.database_url, args.seconds)))
    print("== the statistics summary on a generated county (and province, with --province-url)")
    print(json.dumps(bench_stats.county(args.database_url, args.seconds)))
    if args.province_url:
        print(json.dumps(bench_stats.province(args.province_url)))
    print("== bulk data: import 100,000 elders from CSV (and a raw COPY of them), re-import,")
    print("   a large NDJSON import's server peak RSS, exports (1,000,000 with --province-url)")
    print(json.dumps(bench_bulk.run(args.database_url, 100_000, 200_000, args.province_url)))
    print("== reconciliation: a 100,000-row death roster against a generated county")
    print(json.dumps(bench_rosters.run(args.database_url)))
    print("For 1,000,000 elders: python generate.py --scale province --database-url URL, then")
    print("python bench_elders.py --database-url <the database it printed>")


if __name__ == "__main__":
    main()

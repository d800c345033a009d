"""Relief on a generated county (30,000 elders): batch pre-screening of every program, and
the gap list (应保尽保) and payments to check over HTTP.

python bench_relief.py [--database-url postgresql://...]
python bench_relief.py --province-url postgresql://.../eldercare_bench_gen_province_xxxx [--jobs 2]

The first form measures the batch on the county (with relief facts for most elders, as the
demo seed makes them) and extrapolates it to 1,000,000 elders. The second runs the batch
for real on an existing database made by ``generate.py --scale province`` (every county,
``--jobs`` processes): only ``relief_screenings`` is written there, nothing else changes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time

import httpx
from bench_elders import SECRET, token
from common import database_url, drop_database, free_port, load, start_server
from eldercare.db import make_engine
from generate import generate
from sqlalchemy import text
from sqlalchemy.orm import Session

COUNTY = "431127"


def run(db_arg: str, seconds: float) -> dict[str, object]:
    url, _ = database_url(db_arg, "relief")
    out: dict[str, object] = {"database": url.split(":")[0]}
    try:
        generate(url, "county")
        engine = make_engine(url)
        from eldercare import wiring
        from eldercare.devtools import demo
        from eldercare.relief import screening

        wiring.install()  # the demo seed recomputes elders, as the app would
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            seeded = demo.seed_relief(s)  # policy, relief facts, benefits, first screening
        out.update(seeded)
        out["seed_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            n = screening.refresh_region(s, COUNTY)
        spent = time.perf_counter() - started
        out["batch_elders"] = n
        out["batch_s"] = round(spent, 2)
        out["batch_elders_per_s"] = round(n / spent)
        out["batch_1m_extrapolated_s"] = round(1_000_000 / (n / spent), 1)
        started = time.perf_counter()
        with Session(engine) as s, s.begin():
            stale = screening.refresh_stale(s, COUNTY)
        out["stale_check_county_ms"] = round((time.perf_counter() - started) * 1000, 1)
        out["stale_found"] = stale
        engine.dispose()

        env = {
            "ELDERCARE_DATABASE_URL": url,
            "ELDERCARE_JWT_SECRET": SECRET,
            "ELDERCARE_LOG_LEVEL": "WARNING",
            "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
        }
        ctok, _ = token(url, "county_officer")
        h = {"Authorization": f"Bearer {ctok}"}
        port = free_port()
        app = start_server(
            [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)], env, port
        )
        try:
            first = "/api/v1/eligibility/gaps?limit=50&count=true"
            load(port, first, h, 1, 1)
            out["gaps_county_first_page_p50_ms"] = load(port, first, h, 1, seconds)["p50_ms"]
            program = "/api/v1/eligibility/gaps?limit=50&program=old_age_allowance"
            out["gaps_county_program_p50_ms"] = load(port, program, h, 1, seconds)["p50_ms"]
            check = "/api/v1/eligibility/payments-to-check?limit=50"
            out["to_check_county_p50_ms"] = load(port, check, h, 1, seconds)["p50_ms"]
            out["coverage_county_p50_ms"] = load(
                port, "/api/v1/eligibility/coverage", h, 1, seconds
            )["p50_ms"]
            # the whole gap list of the county, every page of 500
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=h) as client:
                started = time.perf_counter()
                cursor, rows = None, 0
                while True:
                    params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
                    r = client.get("/api/v1/eligibility/gaps", params=params)
                    assert r.status_code == 200, r.text
                    body = r.json()
                    rows += len(body["items"])
                    cursor = body["next_cursor"]
                    if not cursor:
                        break
                out["gaps_county_rows"] = rows
                out["gaps_county_all_pages_s"] = round(time.perf_counter() - started, 2)
        finally:
            app.terminate()
            app.wait()
    finally:
        drop_database(url, db_arg)
    return out


def run_province(url: str, jobs: int, seed: bool = False, empty: bool = False) -> dict[str, object]:
    """Every program for every elder of an existing generated database, as the nightly
    batch does it: counties largest first, ``jobs`` at a time in processes of their own.

    ``seed``: first give every county the demo county's policy, relief facts for 92% of
    its elders and benefits (``demo.seed_relief``); only on a database of your own.
    ``empty``: empty ``relief_screenings`` first, so every row is written (the first run);
    otherwise only the rows whose result changed are (the nightly run)."""
    from eldercare import wiring
    from eldercare.devtools import demo
    from eldercare.elders.models import Elder
    from eldercare.relief import screening
    from eldercare.relief.models import ReliefFacts, ReliefPolicyVersion
    from sqlalchemy import func, select

    wiring.install()  # the demo seed recomputes elders, as the app would

    engine = make_engine(url)
    out: dict[str, object] = {}
    if seed:
        with Session(engine) as s:
            all_counties = list(s.scalars(select(Elder.county_code).distinct()))
        started = time.perf_counter()
        policy = demo.DEMO_RELIEF_POLICIES["431127"]
        for county in all_counties:
            with Session(engine) as s, s.begin():
                demo.seed_relief(s, policies={county: policy})
        out["seed_s"] = round(time.perf_counter() - started, 1)
    if empty:
        with Session(engine) as s, s.begin():
            s.execute(text("DELETE FROM relief_screenings"))
    with Session(engine) as s:
        screenings_before = s.scalar(text("SELECT count(*) FROM relief_screenings"))
        counties = list(
            s.scalars(
                select(Elder.county_code)
                .where(Elder.merged_into_id.is_(None))
                .group_by(Elder.county_code)
                .order_by(func.count().desc())
            )
        )
        with_facts = s.scalar(select(func.count(func.distinct(ReliefFacts.elder_id))))
        policies = s.scalar(select(func.count(func.distinct(ReliefPolicyVersion.county_code))))
    engine.dispose()
    import os
    import resource

    load_before = os.getloadavg()[0]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    n = screening.refresh_counties(url, counties, jobs)
    spent = time.perf_counter() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    # CPU of the Python side (the worker processes, or this one with --jobs 1): the part of
    # the wall time that other work on the machine cannot inflate
    python_cpu = (
        children_after.ru_utime + children_after.ru_stime - children.ru_utime - children.ru_stime
    ) + (own_after.ru_utime + own_after.ru_stime - own.ru_utime - own.ru_stime)
    return {
        **out,
        "database": url.split(":")[0],
        "counties": len(counties),
        "counties_with_policy": policies,
        "screenings_before": screenings_before,
        "elders_with_relief_facts": with_facts,
        "jobs": jobs,
        "batch_elders": n,
        "batch_s": round(spent, 1),
        "batch_elders_per_s": round(n / spent),
        "batch_1m_s": round(1_000_000 / (n / spent), 1),
        "python_cpu_s": round(python_cpu, 1),
        "load_average_before_after": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument(
        "--province-url", help="an existing database of generate.py --scale province"
    )
    parser.add_argument("--jobs", type=int, default=2, help="processes for --province-url")
    parser.add_argument(
        "--seed-relief",
        action="store_true",
        help="with --province-url: first seed the demo policy, relief facts and benefits in "
        "every county (a database of your own only)",
    )
    parser.add_argument(
        "--empty-screenings",
        action="store_true",
        help="with --province-url: empty relief_screenings first (the first run)",
    )
    args = parser.parse_args()
    if args.province_url:
        out = run_province(args.province_url, args.jobs, args.seed_relief, args.empty_screenings)
        print(json.dumps(out))
    else:
        print(json.dumps(run(args.database_url, args.seconds)))


if __name__ == "__main__":
    main()

"""Month snapshots: freezing last month for every county, and reading a frozen county month.

python bench_months.py [--database-url postgresql://...] [--scale county|province]
                       [--visits 12] [--existing URL]

A database is generated (``generate.py``; ``--visits`` visits per elder over the last
year), or ``--existing`` names one made by ``generate.py`` (migrated to head, never
dropped; its elders' periods are moved back as below, so use a copy of your own). The
generated register is taken to have stood as it is all year: every elder's first period
starts a year and a half ago (the generator registers them all today). Then every county's
last month is frozen (as the workers do on the freeze day), timed in all and per county,
and a frozen county month is read (``months.month_of``, the API's read) 50 times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta

from common import database_url, drop_database
from eldercare import clock, migrate
from eldercare.db import make_engine, set_engine
from generate import add_visits, generate
from sqlalchemy import text
from sqlalchemy.orm import Session


def _prepare(url: str) -> None:
    engine = make_engine(url)
    since = clock.today() - timedelta(days=540)
    with engine.begin() as conn:
        conn.execute(text("UPDATE elder_periods SET valid_from = :d"), {"d": since})
        conn.execute(text("DELETE FROM month_snapshots"))
        conn.execute(text("DELETE FROM month_snapshot_revisions"))
        conn.execute(text("DELETE FROM month_freezes"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE elder_periods"))
            conn.execute(text("ANALYZE"))
    engine.dispose()


def run(url: str, reads: int = 50) -> dict[str, object]:
    from eldercare import wiring
    from eldercare.regions.models import Region
    from eldercare.stats import months

    wiring.install()
    engine = make_engine(url)
    set_engine(engine)
    last = months.previous_first(months.this_month())
    out: dict[str, object] = {"month": months.month_key(last)}
    with Session(engine) as s:
        counties = months.counties(s)
        out["counties"] = len(counties)
        out["elders"] = s.execute(text("SELECT count(*) FROM elders")).scalar_one()
        out["visits"] = s.execute(text("SELECT count(*) FROM visits")).scalar_one()
        out["periods"] = s.execute(text("SELECT count(*) FROM elder_periods")).scalar_one()
    per_county = []
    started = time.perf_counter()
    for county in counties:
        t0 = time.perf_counter()
        with Session(engine) as s, s.begin():
            months.freeze(s, county, last)
        per_county.append((time.perf_counter() - t0) * 1000)
    out["freeze_all_counties_s"] = round(time.perf_counter() - started, 2)
    out["freeze_county_ms_median"] = round(statistics.median(per_county), 1)
    out["freeze_county_ms_max"] = round(max(per_county), 1)
    elders = int(str(out["elders"]))
    if elders:
        out["freeze_extrapolated_1m_elders_s"] = round(
            float(str(out["freeze_all_counties_s"])) * 1_000_000 / elders, 1
        )
    times = []
    with Session(engine) as s:
        county = s.get(Region, counties[0])
        assert county is not None
        for _ in range(reads):
            t0 = time.perf_counter()
            answer = months.month_of(s, county, last)
            times.append((time.perf_counter() - t0) * 1000)
            s.rollback()
        assert answer["frozen"], "the month was frozen above"
        out["county_special_difficulty"] = answer["figures"]["visits"]["special_difficulty"]
        out["county_monthly_visit_rate"] = answer["figures"]["visits"]["monthly_visit_rate"]
    times.sort()
    out["read_frozen_county_ms_p50"] = round(statistics.median(times), 2)
    out["read_frozen_county_ms_p95"] = round(times[int(len(times) * 0.95) - 1], 2)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--scale", default="county")
    parser.add_argument("--visits", type=int, default=12)
    parser.add_argument("--existing", help="a generated database to use (kept)")
    args = parser.parse_args()
    if args.existing:
        url, created = args.existing, False
        migrate.upgrade(url)
    else:
        url, created = database_url(args.database_url, "months")
    report: dict[str, object] = {"database": url.split(":")[0], "today": str(date.today())}
    try:
        if created:
            started = time.perf_counter()
            generate(url, args.scale)
            if args.visits:
                report.update(add_visits(url, args.visits))
            report["generate_s"] = round(time.perf_counter() - started, 1)
        _prepare(url)
        report.update(run(url))
    finally:
        if created:
            drop_database(url, args.database_url)
    json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()

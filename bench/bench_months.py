"""Month snapshots: freezing last month for every county, and reading a frozen county month.

python bench_months.py [--database-url postgresql://...] [--scale county|province]
                       [--visits 12] [--existing URL]

A database is generated (``generate.py``; ``--visits`` visits per elder over the last
year), or ``--existing`` names one made by ``generate.py`` (migrated to head, never
dropped; its elders' periods are moved back as below, so use a copy of your own). The
generated register is taken to have stood as it is all year: every elder's first period
starts a year and a half ago (the generator registers them all today). On PostgreSQL, contacts
with the children (about three a year for half the elders) and follow-ups (one for a fifth
of the elders, found over the year, half of those older than a month resolved) are added
(their figures are counted too). Then every county's
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

_HISTORY_SQL = [
    """INSERT INTO guardian_contacts (id, elder_id, guardian_id, guardian_name,
           guardian_relation, contacted_at, method, contacted_by, note, source, author_id,
           created_at, version)
       SELECT md5(e.id || '-c' || g), e.id, md5(e.id), '张', 'son',
              now() - random() * interval '365 days', 'phone', '', '', 'manual', 'bench',
              now(), 1
       FROM elders e CROSS JOIN generate_series(1, 6) g
       WHERE e.status = 'active' AND random() < 0.5""",
    """INSERT INTO follow_ups (id, elder_id, village_code, category, kind, description,
           severity, found_by_type, found_by_id, found_by_name, found_at, last_seen_at,
           times_seen, owner_type, owner_name, due_date, status, closure_note, created_at,
           updated_at, version)
       SELECT md5(e.id || '-f'), e.id, e.village_code, 'hazard', 'fall_risk', '', 'high',
              'user', 'bench', '', now(), now(), 1, 'village_worker', '', current_date,
              'open', '', now(), now(), 1
       FROM elders e WHERE e.status = 'active' AND random() < 0.2""",
    """UPDATE follow_ups SET found_at = now() - random() * interval '365 days'""",
    """UPDATE follow_ups SET last_seen_at = found_at,
           due_date = (found_at + interval '14 days')::date""",
    """INSERT INTO follow_up_transitions (follow_up_id, action, to_status, note, actor_id,
           actor_name, at, due_date)
       SELECT id, 'opened', 'open', '', 'bench', 'bench', found_at, due_date FROM follow_ups""",
    """UPDATE follow_ups SET status = 'resolved',
           closed_at = found_at + random() * interval '30 days'
       WHERE found_at < now() - interval '30 days' AND random() < 0.5""",
    """INSERT INTO follow_up_transitions (follow_up_id, action, from_status, to_status, note,
           actor_id, actor_name, at, due_date)
       SELECT id, 'moved', 'open', 'resolved', '', 'bench', 'bench', closed_at, due_date
       FROM follow_ups WHERE status = 'resolved'""",
]


def _prepare(url: str) -> None:
    engine = make_engine(url)
    since = clock.today() - timedelta(days=540)
    with engine.begin() as conn:
        conn.execute(text("UPDATE elder_periods SET valid_from = :d"), {"d": since})
        if engine.dialect.name == "postgresql":
            has = conn.execute(text("SELECT count(*) FROM follow_ups")).scalar_one()
            for sql in _HISTORY_SQL if not has else []:
                conn.execute(text(sql))
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
        for table in ("guardian_contacts", "follow_ups"):
            out[table] = s.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
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
        f = answer["figures"]
        out["county_services_due_served"] = [f["services"]["due"], f["services"]["served"]]
        out["county_contact_rate"] = f["contacts"]["contact_rate"]
        fu = f["follow_ups"]
        out["county_follow_ups"] = [fu[k] for k in ("opened", "resolved", "open_at_end")]
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

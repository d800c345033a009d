"""Write a synthetic county or province into a database, quickly and reproducibly.

    python bench/generate.py --scale county   --database-url sqlite            (30,000 elders)
    python bench/generate.py --scale province --database-url postgresql://...  (1,000,000)

Regions, one account per role per county, and the register (households, elders with their
derived categories and risk, guardians) go into the database set-based (COPY on
PostgreSQL). ``--elders-out`` also writes the raw rows as NDJSON, with ``--dirty`` a share
of them dirty the way real spreadsheets are (for import tests).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date
from pathlib import Path

from common import ROOT, bulk_write, database_url
from eldercare import migrate
from eldercare.auth.models import User
from eldercare.auth.security import hash_password
from eldercare.db import make_engine, new_id, utcnow
from eldercare.devtools import synth
from eldercare.regions.models import Region
from eldercare.regions.service import read_region_file
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

SCALES = {"county": (30_000, 0), "province": (1_000_000, 33)}
BENCH_PASSWORD = "bench-password-123"


def regions_for(scale: str) -> list[synth.SynthRegion]:
    real = []
    for path in sorted((ROOT / "data" / "regions").glob("*.csv")):
        real += [
            synth.SynthRegion(r["code"], r["name"], r["level"], r["parent_code"] or None)
            for r in read_region_file(path)
        ]
    _, counties = SCALES[scale]
    return real + (synth.synthetic_province(counties) if counties else [])


def settle(engine: Engine, table: str = "") -> None:
    """On PostgreSQL, the state autovacuum keeps a database in: statistics and visibility.

    Outside a transaction: ANALYZE's statistics are transactional, and VACUUM refuses one.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM ANALYZE {table}".strip()))


def generate(
    url: str, scale: str, seed: int = 42, elders_out: Path | None = None, dirty_share: float = 0.0
) -> dict[str, float]:
    started = time.perf_counter()
    migrate.upgrade(url)
    engine = make_engine(url)
    regions = regions_for(scale)
    order = {"province": 0, "prefecture": 1, "county": 2, "township": 3, "village": 4}
    regions.sort(key=lambda r: (order[r.level], r.code))
    pw = hash_password(BENCH_PASSWORD)
    now = utcnow()
    counties = [r.code for r in regions if r.level == "county"]
    villages = [r.code for r in regions if r.level == "village"]
    townships = [r.code for r in regions if r.level == "township"]
    users = []
    for county in counties:
        t = next(x for x in townships if x.startswith(county))
        v = next(x for x in villages if x.startswith(t))
        for role, region in (
            ("county_admin", county),
            ("county_officer", county),
            ("township_officer", t),
            ("village_worker", v),
        ):
            users.append(
                (new_id(), f"bench_{role}_{county}", pw, role, region, "", True, now, now, 1)
            )
    with engine.begin() as conn:
        bulk_write(
            conn,
            Region.__table__,
            ["code", "name", "level", "parent_code"],  # type: ignore[arg-type]
            ((r.code, r.name, r.level, r.parent_code) for r in regions),
        )
        bulk_write(
            conn,
            User.__table__,  # type: ignore[arg-type]
            [
                "id",
                "username",
                "password_hash",
                "role",
                "region_code",
                "display_name",
                "active",
                "created_at",
                "updated_at",
                "version",
            ],
            users,
        )
    region_seconds = time.perf_counter() - started
    total, _ = SCALES[scale]
    rng = random.Random(seed)
    # the county scale uses the real villages of 蓝山县; the province scale all of them
    chosen = [v for v in villages if v.startswith("431127")] if scale == "county" else villages
    plan = synth.plan_villages(chosen, total, rng)
    elder_started = time.perf_counter()
    today = date.today()
    if elders_out:
        with elders_out.open("w", encoding="utf-8") as fh:
            for e in synth.elders(plan, today, seed=seed, dirty_share=dirty_share):
                fh.write(
                    json.dumps(
                        {**e.__dict__, "birth_date": e.birth_date.isoformat()}, ensure_ascii=False
                    )
                )
                fh.write("\n")
    with Session(engine) as session, session.begin():
        counts = synth.write_register(session, synth.elders(plan, today, seed=seed), today, seed)
    settle(engine)
    n = counts["elders"]
    engine.dispose()
    return {
        "regions": len(regions),
        "users": len(users),
        "elders": n,
        "guardians": counts["guardians"],
        "households": counts["households"],
        "regions_seconds": round(region_seconds, 2),
        "elders_per_second": round(n / (time.perf_counter() - elder_started)),
    }


_VISIT_COLUMNS = (
    "id, elder_id, village_code, author_id, visited_at, method, findings, safety_risks, "
    "needs, services, guardian_contacted, follow_up, notes, created_at, updated_at, version"
)
# Set-based: on average ``per_elder`` visits (0 to twice that) for each active elder, spread
# over the last 365 days, a third each by home visit, phone and video; a quarter each record
# companionship only, or also a service of the default plans (cleaning, a check-up, laundry
# and a haircut).
_VISITS_SQL = {
    "postgresql": f"""
        INSERT INTO visits ({_VISIT_COLUMNS})
        SELECT md5(e.id || ':' || g), e.id, e.village_code, 'bench',
               now() - random() * interval '365 days',
               (ARRAY['home_visit', 'phone', 'video'])[1 + floor(random() * 3)::int],
               '{{}}', '[]', '[]',
               (ARRAY['["companionship"]', '["cleaning", "companionship"]',
                      '["health_checkup"]', '["laundry", "haircut"]']
               )[1 + floor(random() * 4)::int]::json,
               false, '', '', now(), now(), 1
        FROM elders e CROSS JOIN generate_series(1, 2 * :n) g
        WHERE e.status = 'active' AND random() < 0.5
    """,
    "sqlite": f"""
        WITH RECURSIVE k(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM k WHERE g < 2 * :n)
        INSERT INTO visits ({_VISIT_COLUMNS})
        SELECT lower(hex(randomblob(16))), e.id, e.village_code, 'bench',
               strftime('%Y-%m-%d %H:%M:%f', 'now',
                        '-' || (abs(random()) % 31536000) || ' seconds'),
               CASE abs(random()) % 3 WHEN 0 THEN 'home_visit' WHEN 1 THEN 'phone'
                    ELSE 'video' END,
               '{{}}', '[]', '[]',
               CASE abs(random()) % 4 WHEN 0 THEN '["companionship"]'
                    WHEN 1 THEN '["cleaning", "companionship"]' WHEN 2 THEN '["health_checkup"]'
                    ELSE '["laundry", "haircut"]' END,
               0, '', '',
               datetime('now'), datetime('now'), 1
        FROM elders e CROSS JOIN k
        WHERE e.status = 'active' AND abs(random()) % 2 = 0
    """,
}


def add_visits(url: str, per_elder: int) -> dict[str, float]:
    """Visits for every active elder, then every county's schedules (set-based both)."""
    from eldercare.visits import services
    from eldercare.visits.schedule import refresh_county

    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(_VISITS_SQL[engine.dialect.name]), {"n": per_elder})
        visits = conn.execute(text("SELECT count(*) FROM visits")).scalar_one()
    visit_seconds = time.perf_counter() - started
    settle(engine, "visits")
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        counties = session.scalars(text("SELECT code FROM regions WHERE level = 'county'")).all()
        schedules = sum(refresh_county(session, county) for county in counties)
        service_schedules = sum(
            services.refresh(session, county, rescan=True) for county in counties
        )
    schedule_seconds = time.perf_counter() - started
    settle(engine)
    engine.dispose()
    return {
        "visits": visits,
        "visits_seconds": round(visit_seconds, 1),
        "schedules": schedules,
        "service_schedules": service_schedules,
        "schedules_seconds": round(schedule_seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="county")
    parser.add_argument(
        "--database-url",
        default="sqlite",
        help="'sqlite' for a temp file, or a PostgreSQL server URL (a new database is created)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dirty", type=float, default=0.0, help="share of dirty rows, e.g. 0.015")
    parser.add_argument("--elders-out", type=Path)
    parser.add_argument(
        "--visits", type=int, default=0, help="average visits per elder, then every schedule"
    )
    parser.add_argument(
        "--existing", action="store_true", help="--database-url names a generated database"
    )
    args = parser.parse_args()
    if args.existing:
        url, report = args.database_url, {}
        migrate.upgrade(url)
    else:
        url, _ = database_url(args.database_url, f"gen_{args.scale}")
        report = generate(url, args.scale, args.seed, args.elders_out, args.dirty)
    if args.visits:
        report.update(add_visits(url, args.visits))
    print(json.dumps({"database": url, **report}, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Visits due and visit rates on a generated county (30,000 elders, about 300,000 visits):
schedule and service-schedule recompute after a policy change, worklist (with each elder's
due services), the service worklist, logging a visit, visit rates.

With ``--recompute-url`` (a generated database kept, e.g. the province with
``generate.py --visits 10``): a policy change in every county, and every schedule and
service schedule recomputed.

python bench_visits.py [--database-url postgresql://...]
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
from generate import add_visits, generate
from sqlalchemy import select
from sqlalchemy.orm import Session


def run(db_arg: str, seconds: float) -> dict[str, object]:
    url, _ = database_url(db_arg, "visits")
    out: dict[str, object] = {"database": url.split(":")[0]}
    try:
        generate(url, "county")
        # about ten visits per elder (300,000), and every schedule built from them
        built = add_visits(url, 10)
        out["visits"] = built["visits"]
        out["schedules"] = built["schedules"]
        changed = recompute_all(url, jobs=1)
        out["schedule_recompute_after_policy_change_s"] = changed["recompute_all_s"]
        out["service_schedules"] = changed["service_schedules"]
        out["service_recompute_after_policy_change_s"] = changed["services_recompute_all_s"]
        out["service_recompute_s_per_million_elders"] = changed["services_s_per_million_elders"]
        out.update(measure_http(url, seconds))
    finally:
        drop_database(url, db_arg)
    return out


def measure_http(url: str, seconds: float) -> dict[str, object]:
    """Over HTTP on one worker: a township's worklist, the county's visit rates, and
    logging visits (the schedule update included)."""
    out: dict[str, object] = {}
    engine = make_engine(url)
    from eldercare.elders.models import Elder

    tok, township = token(url, "township_officer")
    with engine.connect() as conn:
        elder_ids = list(
            conn.execute(
                select(Elder.id).where(Elder.village_code.like(f"{township}%")).limit(200)
            ).scalars()
        )
    engine.dispose()
    env = {
        "ELDERCARE_DATABASE_URL": url,
        "ELDERCARE_JWT_SECRET": SECRET,
        "ELDERCARE_LOG_LEVEL": "WARNING",
        "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
    }
    ctok, _ = token(url, "county_officer")
    h = {"Authorization": f"Bearer {tok}"}
    port = free_port()
    app = start_server(
        [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)], env, port
    )
    try:
        load(port, "/api/v1/worklist?limit=50", h, 1, 1)
        out["worklist_township_p50_ms"] = load(port, "/api/v1/worklist?limit=50", h, 1, seconds)[
            "p50_ms"
        ]
        out["service_worklist_township_p50_ms"] = load(
            port, "/api/v1/worklist/services?limit=50", h, 1, seconds
        )["p50_ms"]
        out["rates_county_p50_ms"] = load(
            port, "/api/v1/visit-rates", {"Authorization": f"Bearer {ctok}"}, 1, seconds
        )["p50_ms"]
        times = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=h) as client:
            for elder_id in elder_ids[:200]:
                t = time.perf_counter()
                r = client.post(
                    "/api/v1/visits",
                    json={
                        "elder_id": elder_id,
                        "method": "phone",
                        "services": ["companionship"],
                    },
                )
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 201, r.text
        times.sort()
        out["log_visit_p50_ms"] = round(times[len(times) // 2], 1)
    finally:
        app.terminate()
        app.wait()
    return out


def recompute_all(url: str, jobs: int = 2) -> dict[str, object]:
    """A policy change in every county of a generated database (e.g. the province with
    ``generate.py --visits 10``), then every next due date recomputed: the time it takes."""
    from datetime import date

    from eldercare import migrate
    from eldercare.clock import today
    from eldercare.visits import services
    from eldercare.visits.models import VisitPolicyVersion
    from eldercare.visits.rules import VisitPolicy
    from eldercare.visits.schedule import policy_for, refresh_counties
    from sqlalchemy import delete, func, text

    migrate.upgrade(url)
    engine = make_engine(url)
    on: date = today()
    with Session(engine) as s, s.begin():
        counties = list(s.scalars(text("SELECT code FROM regions WHERE level = 'county'")))
        visits = s.scalar(select(func.count()).select_from(text("visits")))
        elders = s.scalar(select(func.count()).select_from(text("elders")))
        for county in counties:
            current = policy_for(s, county, on)[0]
            changed = VisitPolicy.model_validate(current.model_dump())
            for rule in changed.tiers.values():  # every interval moves, so every row changes
                rule.interval_days += 1 if rule.interval_days % 2 == 0 else -1
            for service in changed.services:  # and every service's interval
                service.interval_days += 1 if service.interval_days % 2 == 0 else -1
            s.execute(
                delete(VisitPolicyVersion).where(
                    VisitPolicyVersion.county_code == county,
                    VisitPolicyVersion.effective_date == on,
                )
            )
            s.add(
                VisitPolicyVersion(
                    county_code=county, effective_date=on, settings=changed.model_dump()
                )
            )
    from eldercare import db as dbmod

    dbmod.set_engine(engine)
    started = time.perf_counter()
    schedules = refresh_counties(counties, jobs)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    service_rows = services.refresh_counties(counties, jobs)
    service_seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "counties": len(counties),
        "elders": elders,
        "visits": visits,
        "schedules": schedules,
        "recompute_all_s": round(seconds, 1),
        "service_schedules": service_rows,
        "services_recompute_all_s": round(service_seconds, 1),
        "services_s_per_million_elders": round(service_seconds * 1_000_000 / max(1, elders), 1),
        "jobs": jobs,
        "target_s_per_million": 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument(
        "--recompute-url",
        help="a generated database with visits (kept): time a policy change everywhere",
    )
    args = parser.parse_args()
    if args.recompute_url:
        result = recompute_all(args.recompute_url)
        result.update(measure_http(args.recompute_url, args.seconds))
        print(json.dumps(result))
        return
    print(json.dumps(run(args.database_url, args.seconds)))


if __name__ == "__main__":
    main()

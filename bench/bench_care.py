"""The care loop on a generated county (30,000 elders, about 300,000 visits) with one
follow-up per five elders (written set-based): a township's follow-ups (``GET
/follow-ups``, plain, by region and overdue), the worklist with due services and the
follow-ups the reader holds (a township officer's and a village worker's), an elder's due
services, logging a visit that finds a hazard, and every service schedule recomputed after
a policy change (``--jobs`` counties at a time, as ``eldercare visits recompute``; per
1,000,000 elders), then again rescanning the visits (``--rescan-visits``, the repair: what
a policy change cost before each elder's last time per service was kept). The load average
is printed with the figures: the machine may be shared.

python bench_care.py [--database-url postgresql://...] [--generate county]
python bench_care.py --existing-url URL   # a generated database with visits, kept
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import httpx
from bench_elders import SECRET, token
from bench_visits import recompute_all
from common import database_url, drop_database, free_port, load, start_server
from eldercare.db import make_engine
from generate import add_visits, generate, settle
from sqlalchemy import select, text

# One item per five active elders: kinds, severities, statuses and owners spread by the
# elder's row number; found over the last 120 days, so about a third are overdue.
_HAZARDS = "'fall_risk', 'fire_gas', 'electrical', 'housing', 'water'"
_NEEDS = "'medical', 'daily_care', 'emotional_support', 'relief', 'assistive_device'"
_COLUMNS = (
    "id, elder_id, village_code, category, kind, description, severity, found_by_type,"
    " found_by_id, found_by_name, found_at, last_seen_at, times_seen, owner_type, owner_id,"
    " owner_name, due_date, status, closure_note, created_at, updated_at, version"
)
_FOLLOW_UPS_SQL = {
    "postgresql": f"""
        WITH e AS (
            SELECT id, village_code, row_number() OVER (ORDER BY id) AS n
            FROM elders WHERE status = 'active'
        ), f AS (
            SELECT e.*, now() - (n % 120) * interval '1 day' AS found
            FROM e WHERE n % 5 = 0
        )
        INSERT INTO follow_ups ({_COLUMNS})
        SELECT md5('fu:' || id), id, village_code,
               CASE WHEN n % 3 = 2 THEN 'need' WHEN n % 3 = 1 THEN 'hazard' ELSE 'general' END,
               CASE WHEN n % 3 = 2 THEN (ARRAY[{_NEEDS}])[1 + (n / 3) % 5]
                    WHEN n % 3 = 1 THEN (ARRAY[{_HAZARDS}])[1 + (n / 3) % 5]
                    ELSE 'general' END,
               'bench', (ARRAY['high', 'medium', 'low'])[1 + (n / 7) % 3], 'user', 'bench',
               'bench', found, found, 1,
               CASE WHEN n % 10 = 0 THEN 'township' ELSE 'village_worker' END, NULL, '',
               (found + interval '30 days')::date,
               (ARRAY['open', 'open', 'in_progress', 'resolved', 'resolved'])[1 + (n / 5) % 5],
               '', now(), now(), 1
        FROM f
    """,
    "sqlite": f"""
        WITH e AS (
            SELECT id, village_code, row_number() OVER (ORDER BY id) AS n
            FROM elders WHERE status = 'active'
        ), f AS (
            SELECT e.*, datetime('now', '-' || (n % 120) || ' days') AS found
            FROM e WHERE n % 5 = 0
        )
        INSERT INTO follow_ups ({_COLUMNS})
        SELECT lower(hex(randomblob(16))), id, village_code,
               CASE WHEN n % 3 = 2 THEN 'need' WHEN n % 3 = 1 THEN 'hazard' ELSE 'general' END,
               CASE WHEN n % 3 = 2 THEN json_extract('[{_NEEDS.replace("'", '"')}]',
                                                     '$[' || ((n / 3) % 5) || ']')
                    WHEN n % 3 = 1 THEN json_extract('[{_HAZARDS.replace("'", '"')}]',
                                                     '$[' || ((n / 3) % 5) || ']')
                    ELSE 'general' END,
               'bench', json_extract('["high", "medium", "low"]', '$[' || ((n / 7) % 3) || ']'),
               'user', 'bench', 'bench', found, found, 1,
               CASE WHEN n % 10 = 0 THEN 'township' ELSE 'village_worker' END, NULL, '',
               date(found, '+30 days'),
               json_extract('["open", "open", "in_progress", "resolved", "resolved"]',
                            '$[' || ((n / 5) % 5) || ']'),
               '', datetime('now'), datetime('now'), 1
        FROM f
    """,
}


def add_follow_ups(url: str) -> dict[str, float]:
    """One follow-up per five active elders (one statement); resolved ones get a closing
    date."""
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(_FOLLOW_UPS_SQL[engine.dialect.name]))
        conn.execute(
            text(
                "UPDATE follow_ups SET closed_at = last_seen_at, closure_note = 'bench'"
                " WHERE status = 'resolved' AND description = 'bench'"
            )
        )
        made = conn.execute(text("SELECT count(*) FROM follow_ups")).scalar_one()
    seconds = time.perf_counter() - started
    settle(engine, "follow_ups")
    engine.dispose()
    return {"follow_ups": made, "follow_ups_seconds": round(seconds, 1)}


def loadavg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def measure_http(url: str, seconds: float) -> dict[str, object]:
    out: dict[str, object] = {"load_average_before": loadavg()}
    engine = make_engine(url)
    from eldercare.elders.models import Elder

    tok, township = token(url, "township_officer")
    wtok, village = token(url, "village_worker")
    with engine.connect() as conn:
        elder_ids = list(
            conn.execute(
                select(Elder.id).where(Elder.village_code.like(f"{township}%")).limit(100)
            ).scalars()
        )
        out["township_follow_ups"] = conn.execute(
            text("SELECT count(*) FROM follow_ups WHERE township_code = :t"), {"t": township}
        ).scalar_one()
    engine.dispose()
    env = {
        "ELDERCARE_DATABASE_URL": url,
        "ELDERCARE_JWT_SECRET": SECRET,
        "ELDERCARE_LOG_LEVEL": "WARNING",
        "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
    }
    h = {"Authorization": f"Bearer {tok}"}
    wh = {"Authorization": f"Bearer {wtok}"}
    port = free_port()
    app = start_server(
        [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)], env, port
    )

    def p50(path: str, headers: dict[str, str]) -> float:
        load(port, path, headers, 1, 0.5)  # warm
        return round(load(port, path, headers, 1, seconds)["p50_ms"], 1)

    try:
        out["follow_ups_township_p50_ms"] = p50("/api/v1/follow-ups?limit=50", h)
        out["follow_ups_township_count_p50_ms"] = p50("/api/v1/follow-ups?limit=50&count=true", h)
        out["follow_ups_township_overdue_p50_ms"] = p50(
            "/api/v1/follow-ups?limit=50&overdue=true", h
        )
        out["follow_ups_township_hazards_open_p50_ms"] = p50(
            "/api/v1/follow-ups?limit=50&category=hazard&status=open", h
        )
        out["follow_ups_village_region_p50_ms"] = p50(
            f"/api/v1/follow-ups?limit=50&region={village}", h
        )
        out["worklist_township_p50_ms"] = p50("/api/v1/worklist?limit=50", h)
        out["worklist_village_worker_p50_ms"] = p50("/api/v1/worklist?limit=50", wh)
        out["elder_services_p50_ms"] = p50(f"/api/v1/elders/{elder_ids[0]}/services", h)
        times = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=h) as client:
            for elder_id in elder_ids:
                t = time.perf_counter()
                r = client.post(
                    "/api/v1/visits",
                    json={
                        "elder_id": elder_id,
                        "method": "home_visit",
                        "services": ["companionship"],
                        "safety_risks": ["fire_gas"],
                    },
                )
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 201, r.text
        times.sort()
        out["log_visit_with_hazard_p50_ms"] = round(times[len(times) // 2], 1)
    finally:
        app.terminate()
        app.wait()
    out["load_average_after"] = loadavg()
    return out


def run(db_arg: str, seconds: float, scale: str = "county", jobs: int = 2) -> dict[str, object]:
    url, _ = database_url(db_arg, "care")
    out: dict[str, object] = {"database": url.split(":")[0], "scale": scale}
    try:
        out["elders"] = generate(url, scale).get("elders")
        out["visits"] = add_visits(url, 10)["visits"]
        out.update(add_follow_ups(url))
        out.update(measure(url, seconds, jobs))
    finally:
        drop_database(url, db_arg)
    return out


def measure(url: str, seconds: float, jobs: int = 2) -> dict[str, object]:
    out: dict[str, object] = {}
    out.update(measure_http(url, seconds))
    out["load_average_recompute"] = loadavg()
    changed = recompute_all(url, jobs=jobs)
    out["recompute_jobs"] = jobs
    out["elders_total"] = changed["elders"]
    out["visits_total"] = changed["visits"]
    out["service_schedules"] = changed["service_schedules"]
    out["service_recompute_after_policy_change_s"] = changed["services_recompute_all_s"]
    out["service_recompute_s_per_million_elders"] = changed["services_s_per_million_elders"]
    out["load_average_rescan"] = loadavg()
    out["service_recompute_rescanning_visits_s"] = rescan_all(url, jobs)
    out["load_average_end"] = loadavg()
    return out


def rescan_all(url: str, jobs: int) -> float:
    """The same recompute rebuilding each elder's last time per service from the visits
    first (``eldercare visits recompute --rescan-visits``, a repair): what a policy change
    cost when it read the visits."""
    from eldercare import db as dbmod
    from eldercare.visits import services

    engine = make_engine(url)
    with engine.connect() as conn:
        counties = list(conn.scalars(text("SELECT code FROM regions WHERE level = 'county'")))
    dbmod.set_engine(engine)
    started = time.perf_counter()
    services.refresh_counties(counties, jobs, rescan=True)
    seconds = time.perf_counter() - started
    engine.dispose()
    return round(seconds, 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--generate", choices=("county", "province"), default="county")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument(
        "--jobs", type=int, default=2, help="counties recomputed at a time (the CLI's default)"
    )
    parser.add_argument(
        "--existing-url",
        help="a generated database with visits (kept); follow-ups are added if it has none",
    )
    args = parser.parse_args()
    if args.existing_url:
        engine = make_engine(args.existing_url)
        with engine.connect() as conn:
            has = conn.execute(text("SELECT count(*) FROM follow_ups")).scalar_one()
        engine.dispose()
        result: dict[str, object] = {} if has else add_follow_ups(args.existing_url)
        result.update(measure(args.existing_url, args.seconds, args.jobs))
        print(json.dumps(result))
        return
    print(json.dumps(run(args.database_url, args.seconds, args.generate, args.jobs)))


if __name__ == "__main__":
    main()

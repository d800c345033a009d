"""The statistics summary: a generated county (30,000 elders, helpers, six months of visits,
incidents) over HTTP, and optionally a generated province (1,000,000 elders) in-process.

python bench_stats.py [--database-url postgresql://...] [--province-url postgresql://.../db]

The province database is one made by ``generate.py --scale province``; it is migrated to
head and analysed, never dropped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time

from bench_elders import SECRET, token
from common import database_url, drop_database, free_port, load, start_server
from eldercare import migrate
from eldercare.db import make_engine
from generate import generate
from sqlalchemy import text
from sqlalchemy.orm import Session


def _analyze(url: str) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def county(db_arg: str, seconds: float) -> dict[str, object]:
    from eldercare import wiring
    from eldercare.devtools.demo import seed_helpers_and_visits, seed_incidents
    from eldercare.stats.service import refresh_county

    wiring.install()  # the demo seed runs the domains' services, as the app would

    url, _ = database_url(db_arg, "stats")
    out: dict[str, object] = {"database": url.split(":")[0]}
    try:
        generate(url, "county")
        engine = make_engine(url)
        with Session(engine) as s, s.begin():
            out.update(seed_helpers_and_visits(s))
            out["incidents"] = seed_incidents(s)
        engine.dispose()
        _analyze(url)
        engine = make_engine(url)
        times = []
        for _ in range(3):
            with Session(engine) as s, s.begin():
                started = time.perf_counter()
                refresh_county(s, "431127")
                times.append((time.perf_counter() - started) * 1000)
        out["rollup_recompute_county_ms"] = round(statistics.median(times))
        engine.dispose()
        env = {
            "ELDERCARE_DATABASE_URL": url,
            "ELDERCARE_JWT_SECRET": SECRET,
            "ELDERCARE_LOG_LEVEL": "WARNING",
            "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
        }
        ctok, _ = token(url, "county_officer")
        ttok, _ = token(url, "township_officer")
        port = free_port()
        app = start_server(
            [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)], env, port
        )
        try:
            path = "/api/v1/stats/summary"
            for name, tok in (("county", ctok), ("township", ttok)):
                h = {"Authorization": f"Bearer {tok}"}
                load(port, path, h, 1, 1)
                r = load(port, path, h, 1, seconds)
                out[f"summary_{name}_p50_ms"] = round(r["p50_ms"], 1)
                out[f"summary_{name}_p99_ms"] = round(r["p99_ms"], 1)
        finally:
            app.terminate()
            app.wait()
    finally:
        drop_database(url, db_arg)
    return out


def province(url: str) -> dict[str, object]:
    from eldercare.regions.models import Region
    from eldercare.stats.service import refresh_all, summary

    migrate.upgrade(url)
    _analyze(url)
    engine = make_engine(url)
    out: dict[str, object] = {}
    with Session(engine) as s, s.begin():
        started = time.perf_counter()
        out["counties"] = refresh_all(s)
        out["rollup_refresh_all_s"] = round(time.perf_counter() - started, 1)
    with Session(engine) as s:
        for code in ("980000", "980100", "980121"):
            region = s.get(Region, code)
            if region is None:
                continue
            times = []
            for _ in range(5):
                started = time.perf_counter()
                data = summary(s, region)
                times.append((time.perf_counter() - started) * 1000)
            out[f"summary_{region.level}_{code}_ms"] = round(statistics.median(times))
            out[f"elders_{code}"] = data["totals"]["elders"]
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--province-url", help="a database made by generate.py --scale province")
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    print(json.dumps(county(args.database_url, args.seconds)))
    if args.province_url:
        print(json.dumps(province(args.province_url)))


if __name__ == "__main__":
    main()

"""Reconciling a death roster against a generated register over HTTP: upload (queued as a
job, run by the server's embedded worker), match every row, write the discrepancies.

python bench_rosters.py [--database-url postgresql://...] [--rows 100000] [--on-register 20000]
python bench_rosters.py --existing-url postgresql://.../eldercare_bench_gen_province_xxxx

The roster has ``--rows`` rows (GBK CSV with Chinese headers, as 殡葬/公安 send it):
``--on-register`` of them are active elders of the register (one in ten written in the
15-digit form where the birth year allows, one in ten with a wrong check digit), the
rest valid numbers of the same county that are on no record. The first form generates a
county (30,000 elders); the second uses a kept database (a province: 1,000,000 elders),
whose register is untouched (only the roster's rows and discrepancies are written).
The time is the job's, from the upload to its end; matching is one indexed lookup per
row, so it depends on the roster's length far more than on the register's.
"""

from __future__ import annotations

import argparse
import json
import random
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
from sqlalchemy import select, text

COUNTY = "431127"


def roster(url: str, rows: int, on_register: int, seed: int = 7) -> tuple[bytes, dict[str, int]]:
    """The roster file (GBK CSV) and what it holds."""
    from eldercare.elders.models import Elder

    rng = random.Random(seed)
    engine = make_engine(url)
    with engine.connect() as conn:
        county = conn.execute(
            text(
                "SELECT region_code FROM users WHERE role = 'county_officer' "
                "AND region_code LIKE :c ORDER BY region_code LIMIT 1"
            ),
            {"c": COUNTY + "%"},
        ).scalar_one()[:6]
        known = list(
            conn.execute(
                select(Elder.id_number).where(Elder.county_code == county, Elder.status == "active")
            ).scalars()
        )
        everyone = set(conn.execute(select(Elder.id_number)).scalars())
    engine.dispose()
    rng.shuffle(known)
    picked = known[:on_register]
    lines = ["姓名,公民身份号码,死亡日期,备注"]
    kinds = {"exact": 0, "fifteen": 0, "typo": 0, "stranger": 0}
    day = date(2026, 11, 1)
    for i, number in enumerate(picked):
        written = number
        if i % 10 == 0 and number[6:8] == "19":
            written, kinds["fifteen"] = number[:6] + number[8:17], kinds["fifteen"] + 1
        elif i % 10 == 1:
            wrong = "0" if number[17] != "0" else "1"
            written, kinds["typo"] = number[:17] + wrong, kinds["typo"] + 1
        else:
            kinds["exact"] += 1
        lines.append(f"死者{i},{written},{day - timedelta(days=i % 300)},病故")
    while len(lines) - 1 < rows:
        birth = date(1920, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        number = identity.make(county, birth, rng.randrange(500), rng.random() < 0.5)
        if number in everyone:
            continue
        everyone.add(number)
        kinds["stranger"] += 1
        lines.append(f"逝者,{number},{day - timedelta(days=rng.randrange(300))},")
    return ("\n".join(lines) + "\n").encode("gbk"), kinds


def reconcile(url: str, rows: int, on_register: int) -> dict[str, object]:
    body, kinds = roster(url, rows, on_register)
    out: dict[str, object] = {"database": url.split(":")[0], "rows": rows, **kinds}
    out["file_mb"] = round(len(body) / 1e6, 1)
    with make_engine(url).connect() as conn:
        out["register_elders"] = conn.execute(text("SELECT count(*) FROM elders")).scalar_one()
    env = {
        "ELDERCARE_DATABASE_URL": url,
        "ELDERCARE_JWT_SECRET": SECRET,
        "ELDERCARE_LOG_LEVEL": "WARNING",
        "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
        "ELDERCARE_EMBEDDED_WORKER": "true",
        "ELDERCARE_WORKER_POLL_SECONDS": "0.2",
    }
    tok, _ = token(url, "county_officer")
    headers = {"Authorization": f"Bearer {tok}"}
    port = free_port()
    app = start_server(
        [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)], env, port
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600) as c:
            started = time.perf_counter()
            r = c.post(
                "/api/v1/rosters",
                params={"kind": "deaths", "file_name": "bench.csv"},
                content=body,
                headers={"Content-Type": "text/csv"},
            )
            assert r.status_code in (200, 202), r.text
            report = r.json()
            out["upload_s"] = round(time.perf_counter() - started, 2)
            while report["status"] in ("queued", "running"):
                time.sleep(0.2)
                report = c.get(f"/api/v1/rosters/{report['id']}").json()
            out["reconcile_s"] = round(time.perf_counter() - started, 2)
            out["rows_per_s"] = round(rows / (time.perf_counter() - started))
            for key in ("status", "matched", "near_misses", "not_found", "failed", "discrepancies"):
                out[key] = report[key]
            page = f"/api/v1/rosters/{report['id']}/discrepancies"
            times = []
            for _ in range(20):
                t0 = time.perf_counter()
                assert c.get(page, params={"limit": 50}).status_code == 200
                times.append(time.perf_counter() - t0)
            out["discrepancies_first_page_p50_ms"] = round(sorted(times)[10] * 1000, 1)
    finally:
        app.terminate()
        app.wait()
    return out


def run(db_arg: str, rows: int = 100_000, on_register: int = 20_000) -> dict[str, object]:
    url, _ = database_url(db_arg, "rosters")
    try:
        started = time.perf_counter()
        generate(url, "county")
        generated = round(time.perf_counter() - started, 1)
        out = reconcile(url, rows, on_register)
        out["generate_s"] = generated
        return out
    finally:
        drop_database(url, db_arg)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--existing-url", help="a kept database (generate.py --scale province)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--on-register", type=int, default=20_000)
    args = parser.parse_args()
    if args.existing_url:
        print(json.dumps(reconcile(args.existing_url, args.rows, args.on_register)))
    else:
        print(json.dumps(run(args.database_url, args.rows, args.on_register)))


if __name__ == "__main__":
    main()

"""The elder list: one township's first page sorted by name, at 8 concurrent clients.

Compared, in the same run, with a bare Starlette + psycopg endpoint that runs the same SQL
and returns the same JSON (PostgreSQL). Also: pinyin-initials search in a county, and page
1,000 against page 1.

    python bench_elders.py --database-url URL   # a database made by generate.py (kept)
    python bench_elders.py --generate county|province --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from common import free_port, load, start_server
from eldercare.auth.models import User
from eldercare.auth.security import issue_access_token
from eldercare.config import Settings
from eldercare.context import Principal, RequestCtx
from eldercare.db import make_engine, normalize_url, utcnow
from eldercare.elders.filters import ElderFilters
from eldercare.elders.service import list_statement
from eldercare.pagination import encode_cursor
from eldercare.roles import Role
from sqlalchemy import select, text

SECRET = "bench-" + "e" * 40
ROUNDS = 5


def token(url: str, role: str) -> tuple[str, str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        user = conn.execute(
            select(User).where(User.role == role, User.region_code.like("431127%")).limit(1)
        ).one()
    engine.dispose()
    settings = Settings(jwt_secret=SECRET, database_url=url)
    tok, _, _ = issue_access_token(
        settings, sub=user.id, kind="user", role=user.role, region=user.region_code, scopes=[]
    )
    return tok, user.region_code


def township_sql(url: str, township: str) -> str:
    """The app's own statement for the first page, with literal values, as the bare app runs it."""
    principal = Principal(
        "user", "x", "x", Role.township_officer, township, frozenset(), "x", utcnow()
    )
    ctx = RequestCtx(None, None, "zh-CN", principal)
    stmt, order = list_statement(ctx, ElderFilters(), sort="name")
    stmt = stmt.order_by(*[c.asc() for c, _ in order]).limit(51)
    engine = make_engine(url)
    sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    engine.dispose()
    return sql


def timed(port: int, path: str, headers: dict[str, str], n: int) -> float:
    return load(port, path, headers, 1, n)["p50_ms"]


def run(url: str, seconds: float) -> dict[str, object]:
    env = {
        "ELDERCARE_DATABASE_URL": url,
        "ELDERCARE_JWT_SECRET": SECRET,
        "ELDERCARE_LOG_LEVEL": "WARNING",
        "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
    }
    tok, township = token(url, "township_officer")
    ctok, county = token(url, "county_officer")
    engine = make_engine(url)
    with engine.connect() as conn:
        n_elders = conn.execute(text("SELECT count(*) FROM elders")).scalar_one()
        in_township = conn.execute(
            text(f"SELECT count(*) FROM elders WHERE village_code LIKE '{township}%'")
        ).scalar_one()
        row = conn.execute(
            text(
                f"SELECT name_pinyin, id FROM elders WHERE village_code LIKE '{county}%' "
                "ORDER BY name_pinyin, id LIMIT 1 OFFSET 19999"
            )
        ).one_or_none()
    engine.dispose()
    results: dict[str, object] = {
        "database": url.split(":")[0],
        "elders": n_elders,
        "township_elders": in_township,
    }
    h = {"Authorization": f"Bearer {tok}"}
    ch = {"Authorization": f"Bearer {ctok}"}
    path = "/api/v1/elders?limit=50&sort=name"
    port = free_port()
    app = start_server(
        [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)], env, port
    )
    bare = bare_port = None
    if url.startswith("postgresql"):
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as sql_file:
            sql_file.write(township_sql(url, township))
        benv = {
            **env,
            "BARE_DSN": normalize_url(url).replace("+psycopg", ""),
            "BARE_SQL_FILE": sql_file.name,
        }
        bare_port = free_port()
        bare = start_server(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bare_elders:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--app-dir",
                os.path.dirname(__file__),
            ],
            benv,
            bare_port,
        )
    try:
        load(port, path, h, 8, 2)
        if bare_port is None:
            results["list_app"] = load(port, path, h, 8, seconds)
        else:
            # Rounds alternate between the app and the bare endpoint, so that whatever else
            # the machine is doing weighs on both alike; the median round is reported.
            load(bare_port, path, h, 8, 2)
            rounds = []
            for _ in range(ROUNDS):
                a = load(port, path, h, 8, seconds / ROUNDS)
                b = load(bare_port, path, h, 8, seconds / ROUNDS)
                rounds.append((a["rps"] / b["rps"], a, b))
            rounds.sort(key=lambda r: r[0])
            ratio, results["list_app"], results["list_bare"] = rounds[len(rounds) // 2]
            results["round_ratios"] = [round(r[0], 3) for r in rounds]
            results["throughput_ratio"] = round(ratio, 3)
        results["list_app_one_client_p50_ms"] = timed(port, path, h, 3)
        results["search_initials_county_p50_ms"] = timed(
            port, "/api/v1/elders?q=zxy&limit=50", ch, 3
        )
        p1 = timed(port, "/api/v1/elders?limit=20&sort=name", ch, 3)
        results["page_1_p50_ms"] = p1
        if row:
            cursor = encode_cursor([row[0], row[1]])
            p1000 = timed(port, f"/api/v1/elders?limit=20&sort=name&cursor={cursor}", ch, 3)
            results["page_1000_p50_ms"] = p1000
            results["page_1000_over_page_1"] = round(p1000 / p1, 2)
    finally:
        for server in (app, bare):
            if server is not None:
                server.terminate()
                server.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--generate", choices=["county", "province"])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    url = args.database_url
    if args.generate or url == "sqlite":
        from common import database_url
        from generate import generate

        url, _ = database_url(args.database_url, f"elders_{args.generate or 'county'}")
        started = time.perf_counter()
        print(
            json.dumps(generate(url, args.generate or "county")),
            f"{time.perf_counter() - started:.0f} s",
        )
    r = run(url, args.seconds)
    a = r["list_app"]
    print(f"elders {r['elders']:,}, township {r['township_elders']:,} ({r['database']})")
    print(
        f"list, app : {a['rps']:7.0f} req/s  p50 {a['p50_ms']:.1f} ms  "  # type: ignore[index]
        f"p99 {a['p99_ms']:.1f} ms (8 clients)"
    )  # type: ignore[index]
    if "list_bare" in r:
        b = r["list_bare"]
        print(
            f"list, bare: {b['rps']:7.0f} req/s  p50 {b['p50_ms']:.1f} ms  p99 {b['p99_ms']:.1f} ms"
        )  # type: ignore[index]
        print(
            f"throughput ratio app/bare: {r['throughput_ratio']} (target >= 0.5), "
            f"rounds {r['round_ratios']}"
        )
    print(f"list, app, one client: p50 {r['list_app_one_client_p50_ms']:.1f} ms")
    print(f"pinyin-initials search in a county: p50 {r['search_initials_county_p50_ms']:.1f} ms")
    if "page_1000_p50_ms" in r:
        print(
            f"page 1 p50 {r['page_1_p50_ms']:.1f} ms, page 1000 p50 {r['page_1000_p50_ms']:.1f} ms "
            f"(x{r['page_1000_over_page_1']})"
        )
    print(json.dumps(r))


if __name__ == "__main__":
    main()

"""The elder list: one township's first page sorted by name, at 8 concurrent clients.

Compared, in the same run and in alternating rounds, with a bare Starlette + psycopg
endpoint that gives the same answer with the same SQL, pool, JSON and access log
(``bare_elders.py`` says what it shares with the app and what it leaves out), twice: the
plain page, and the page with its total (``count=true``, what the web app asks). With
``--before DIR`` the app of another checkout (the code before a change) joins the rounds.
Also: pinyin-initials search in a county, and page 1,000 against page 1.

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
from pathlib import Path

from common import free_port, load, start_server
from eldercare.auth.models import User
from eldercare.auth.security import issue_access_token
from eldercare.config import Settings
from eldercare.db import make_engine, normalize_url
from eldercare.pagination import encode_cursor
from sqlalchemy import select, text

SECRET = "bench-" + "e" * 40
ROUNDS = 5
CLIENTS = 8


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


def timed(port: int, path: str, headers: dict[str, str], n: int) -> float:
    return load(port, path, headers, 1, n)["p50_ms"]


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(port: int, pid: int, path: str, headers: dict[str, str], seconds: float) -> dict:
    """``load`` and the server's CPU time per request (steadier than the throughput on a
    busy machine: what the server spends, not what it was given)."""
    before = cpu_seconds(pid)
    figures = load(port, path, headers, CLIENTS, seconds)
    figures["cpu_ms_per_request"] = (cpu_seconds(pid) - before) * 1000 / figures["requests"]
    return figures


def rounds(
    servers: dict[str, tuple[int, int]],
    path: str,
    headers: dict[str, str],
    seconds: float,
    baseline: str = "bare",
) -> dict[str, object]:
    """Alternating rounds over ``servers`` (name -> port and process id), so that whatever
    else the machine is doing weighs on each alike; each server's figures from its round of
    the median ratio to ``baseline``, and the median of its CPU time per request."""
    for port, _ in servers.values():
        load(port, path, headers, CLIENTS, 2)
    runs: list[dict[str, dict[str, float]]] = []
    for _ in range(ROUNDS):
        runs.append(
            {
                name: measured(port, pid, path, headers, seconds)
                for name, (port, pid) in servers.items()
            }
        )
    out: dict[str, object] = {}
    for name in servers:
        if name == baseline:
            continue
        ratios = sorted(
            ((r[name]["rps"] / r[baseline]["rps"], r) for r in runs), key=lambda x: x[0]
        )
        ratio, median = ratios[len(ratios) // 2]
        out[name] = median[name]
        out[f"{name}_{baseline}"] = median[baseline]
        out[f"{name}_ratio"] = round(ratio, 3)
        out[f"{name}_round_ratios"] = [round(x[0], 3) for x in ratios]
    for name in servers:
        cpu = sorted(r[name]["cpu_ms_per_request"] for r in runs)
        out[f"{name}_cpu_ms_per_request"] = round(cpu[len(cpu) // 2], 3)
    out["baseline"] = baseline
    return out


def run(url: str, seconds: float, before: Path | None = None) -> dict[str, object]:
    env = {
        "ELDERCARE_DATABASE_URL": url,
        "ELDERCARE_JWT_SECRET": SECRET,
        # production's level: every request writes its access line (to /dev/null here)
        "ELDERCARE_LOG_LEVEL": "INFO",
        "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
        # requests only: queued work (imports, month freezing) is the workers' (production
        # runs them apart), and a freeze of a large database would share the rounds' CPU
        "ELDERCARE_EMBEDDED_WORKER": "false",
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
    serve = [sys.executable, "-m", "eldercare.cli", "serve", "--port"]
    port = free_port()
    started = [start_server([*serve, str(port)], env, port)]
    servers = {"app": (port, started[-1].pid)}
    try:
        if before is not None:
            bport = free_port()
            benv = {**env, "PYTHONPATH": str(before / "backend")}
            started.append(start_server([*serve, str(bport)], benv, bport))
            servers["before"] = (bport, started[-1].pid)
        if url.startswith("postgresql"):
            bare_port = free_port()
            bare_env = {
                **env,
                "BARE_DSN": normalize_url(url).replace("+psycopg", ""),
                "BARE_TOWNSHIP": township,
            }
            bare_args = [sys.executable, "-m", "uvicorn", "bare_elders:app", "--port"]
            bare_opts = ["--log-level", "warning", "--no-access-log"]
            bare_opts += ["--app-dir", os.path.dirname(__file__)]
            started.append(
                start_server([*bare_args, str(bare_port), *bare_opts], bare_env, bare_port)
            )
            servers["bare"] = (bare_port, started[-1].pid)
        if "bare" in servers:
            results["list"] = rounds(servers, path, h, seconds / ROUNDS)
            results["list_count"] = rounds(servers, path + "&count=true", h, seconds / ROUNDS)
        else:
            results["list"] = {"app": load(port, path, h, CLIENTS, seconds)}
        if "before" in servers:
            # a filtered page with its total: a session in a worker thread
            threads = {"app": servers["app"], "before": servers["before"]}
            filtered = path + "&status=active&count=true"
            results["list_filtered"] = rounds(threads, filtered, h, seconds / ROUNDS, "before")
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
        for server in started:
            server.terminate()
            server.wait()
    return results


def _line(label: str, f: dict[str, float]) -> str:
    return (
        f"{label}: {f['rps']:7.0f} req/s  p50 {f['p50_ms']:.1f} ms  p99 {f['p99_ms']:.1f} ms"
        f" ({CLIENTS} clients)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--generate", choices=["county", "province"])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument(
        "--before", type=Path, help="another checkout whose app joins the rounds (the code before)"
    )
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
        print(f"database: {url}")
    r = run(url, args.seconds, args.before)
    print(f"elders {r['elders']:,}, township {r['township_elders']:,} ({r['database']})")
    for key, title in (
        ("list", "first page"),
        ("list_count", "first page with count=true"),
        ("list_filtered", "filtered first page with count=true (worker threads)"),
    ):
        figures = r.get(key)
        if not isinstance(figures, dict):
            continue
        print(f"-- {title}")
        baseline = figures.get("baseline", "bare")
        for name in ("app", "before"):
            if name not in figures:
                continue
            print(_line(f"{name:6}", figures[name]))
            if f"{name}_ratio" in figures:
                print(_line(f"  {baseline}", figures[f"{name}_{baseline}"]))
                print(
                    f"  ratio {name}/{baseline}: {figures[f'{name}_ratio']}, "
                    f"rounds {figures[f'{name}_round_ratios']}"
                )
        cpu = {k[: -len("_cpu_ms_per_request")]: v for k, v in figures.items() if "_cpu_" in k}
        if cpu:
            per = ", ".join(f"{k} {v} ms" for k, v in cpu.items())
            print(f"  server CPU per request (median): {per}")
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

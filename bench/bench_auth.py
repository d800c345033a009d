"""Authenticated GET /api/v1/auth/me against a bare Starlette endpoint doing the same work.

Both run in one uvicorn worker on this machine; 16 keep-alive clients; five alternating
rounds, the median ratio printed (target >= 0.35). The baseline (``bare_auth.py``) is like
for like: per request it verifies the token through the same cache, reads the account
from the same principal cache, answers the same body with the same JSON encoder and logs
the same access line; what the ratio measures is the framework and the middleware.

``--before DIR`` also serves the app from another checkout (DIR/backend, e.g. a worktree
of the code before a change) in the same rounds, so both are measured under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from common import database_url, drop_database, free_port, load, start_server
from eldercare.auth.security import issue_access_token
from eldercare.config import Settings

CONCURRENCY = 16
ROUNDS = 5
TARGET = 0.35


def cpu_seconds(pid: int) -> float | None:
    """The CPU time a process has used so far (Linux), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(db_arg: str | None, seconds: float, before: str | None = None) -> dict[str, object]:
    url, _ = database_url(db_arg, "auth")
    secret = "bench-" + "s" * 40
    env = {
        "ELDERCARE_DATABASE_URL": url,
        "ELDERCARE_JWT_SECRET": secret,
        "ELDERCARE_LOG_LEVEL": "INFO",
        "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
        # requests only: queued work (imports, month freezing) is the workers' (production
        # runs them apart), and a freeze of a large database would share the rounds' CPU
        "ELDERCARE_EMBEDDED_WORKER": "false",
    }
    from generate import generate

    generate(url, "county")
    from eldercare.auth.models import User
    from eldercare.db import make_engine
    from sqlalchemy import select

    engine = make_engine(url)
    with engine.connect() as conn:
        user = conn.execute(select(User).where(User.role == "township_officer").limit(1)).one()
    engine.dispose()
    settings = Settings(jwt_secret=secret, database_url=url)
    token, _, _ = issue_access_token(
        settings, sub=user.id, kind="user", role=user.role, region=user.region_code, scopes=[]
    )
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, object] = {"database": url.split(":")[0], "concurrency": CONCURRENCY}
    try:
        backend = str(Path(__file__).resolve().parents[1] / "backend")
        ports = {"app": free_port(), "bare": free_port()}
        if before:
            ports["before"] = free_port()
        servers = {}
        for name, port in ports.items():
            if name == "bare":
                args = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "bare_auth:app",
                    "--port",
                    str(port),
                    "--no-access-log",
                    "--no-server-header",
                    "--no-proxy-headers",
                    "--app-dir",
                    os.path.dirname(__file__),
                ]
            else:
                args = [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(port)]
            code = str(Path(before) / "backend") if name == "before" and before else backend
            servers[name] = start_server(args, {**env, "PYTHONPATH": code}, port)
        try:
            for port in ports.values():
                load(port, "/api/v1/auth/me", headers, CONCURRENCY, 2)  # warm up
            # Rounds alternate between the servers, so that whatever else the machine is
            # doing weighs on all alike; the ratio is the median of the rounds'.
            rounds = []
            for _ in range(ROUNDS):
                measured = {}
                for name, port in ports.items():
                    spent = cpu_seconds(servers[name].pid)
                    r = load(port, "/api/v1/auth/me", headers, CONCURRENCY, seconds / ROUNDS)
                    if spent is not None:  # the server's own CPU time: steadier under load
                        used = (cpu_seconds(servers[name].pid) or spent) - spent
                        r["cpu_us_per_request"] = used * 1e6 / r["requests"]
                    measured[name] = r
                rounds.append(measured)
        finally:
            for server in servers.values():
                server.terminate()
                server.wait()
    finally:
        drop_database(url, db_arg)
    for name in ports:
        if name == "bare":
            continue
        ratios = [r[name]["rps"] / r["bare"]["rps"] for r in rounds]
        middle = rounds[ratios.index(sorted(ratios)[len(ratios) // 2])]
        key = "ratio" if name == "app" else f"ratio_{name}"
        results[key] = round(sorted(ratios)[len(ratios) // 2], 3)
        results[f"round_{key}s"] = [round(r, 3) for r in sorted(ratios)]
        if all("cpu_us_per_request" in r[name] for r in rounds):
            # The same comparison in the servers' CPU time per request (bare / this one).
            cpu = sorted(
                r["bare"]["cpu_us_per_request"] / r[name]["cpu_us_per_request"] for r in rounds
            )
            results[f"cpu_{key}"] = round(cpu[len(cpu) // 2], 3)
        results[name] = middle[name]
        if name == "app":
            results["bare"] = middle["bare"]
    results["target"] = TARGET
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--before", help="also serve the app from this checkout's backend/")
    args = parser.parse_args()
    result = run(args.database_url, args.seconds, args.before)
    for name in ("app", "bare", "before"):
        if name not in result:
            continue
        r = result[name]
        line = (
            f"{name:>5}: {r['rps']:8.0f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"  # type: ignore[index]
        )
        if "cpu_us_per_request" in r:  # type: ignore[operator]
            line += f"  CPU {r['cpu_us_per_request']:.0f} µs/request"  # type: ignore[index]
        print(line)
    print(
        f"ratio app/bare: {result['ratio']} (target >= {result['target']}) on {result['database']}"
    )
    if "ratio_before" in result:
        print(f"ratio before/bare: {result['ratio_before']}")
    for key in ("cpu_ratio", "cpu_ratio_before"):
        if key in result:
            print(f"{key.replace('_', ' ')} (CPU per request, bare/app): {result[key]}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Authenticated GET /api/v1/auth/me against a bare Starlette endpoint decoding the same JWT.

Both run in one uvicorn worker on this machine; 16 keep-alive clients; five alternating
rounds, the median ratio printed (target >= 0.6). The app's number includes what
production does per request: verify the token, make sure the account is still valid (the
principal cache, kept honest by the database), build the answer, log.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from common import database_url, drop_database, free_port, load, start_server
from eldercare.auth.security import issue_access_token
from eldercare.config import Settings

CONCURRENCY = 16
ROUNDS = 5


def run(db_arg: str | None, seconds: float) -> dict[str, object]:
    url, _ = database_url(db_arg, "auth")
    secret = "bench-" + "s" * 40
    env = {
        "ELDERCARE_DATABASE_URL": url,
        "ELDERCARE_JWT_SECRET": secret,
        "ELDERCARE_LOG_LEVEL": "INFO",
        "ELDERCARE_VAR_DIR": tempfile.mkdtemp(prefix="eldercare-bench-var-"),
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
        app_port, bare_port = free_port(), free_port()
        app = start_server(
            [sys.executable, "-m", "eldercare.cli", "serve", "--port", str(app_port)], env, app_port
        )
        bare = start_server(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bare_auth:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--app-dir",
                os.path.dirname(__file__),
            ],
            env,
            bare_port,
        )
        try:
            for port in (app_port, bare_port):
                load(port, "/api/v1/auth/me", headers, CONCURRENCY, 2)  # warm up
            # Rounds alternate between the two, so that whatever else the machine is doing
            # weighs on both alike; the ratio is the median of the rounds'.
            rounds = []
            for _ in range(ROUNDS):
                a = load(app_port, "/api/v1/auth/me", headers, CONCURRENCY, seconds / ROUNDS)
                b = load(bare_port, "/api/v1/auth/me", headers, CONCURRENCY, seconds / ROUNDS)
                rounds.append((a, b))
        finally:
            for server in (app, bare):
                server.terminate()
                server.wait()
    finally:
        drop_database(url, db_arg)
    ratios = sorted(a["rps"] / b["rps"] for a, b in rounds)
    middle = rounds[[a["rps"] / b["rps"] for a, b in rounds].index(ratios[len(ratios) // 2])]
    results["app"], results["bare"] = middle
    results["round_ratios"] = [round(r, 3) for r in ratios]
    results["ratio"] = round(ratios[len(ratios) // 2], 3)
    results["target"] = 0.6
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="sqlite")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    result = run(args.database_url, args.seconds)
    for name in ("app", "bare"):
        r = result[name]
        print(
            f"{name:>5}: {r['rps']:8.0f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"
        )  # type: ignore[index]
    print(
        f"ratio app/bare: {result['ratio']} (target >= {result['target']}) on {result['database']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

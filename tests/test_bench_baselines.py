"""The benchmarks' baselines compare like with like: the same answer as the app's."""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.factories import TOWNSHIP, make_client, make_user, token_for

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_the_auth_baseline_answers_the_app_s_bytes(client, db):
    sys.path.insert(0, str(BENCH))
    try:
        import bare_auth
    finally:
        sys.path.remove(str(BENCH))
    for principal in (
        make_user(db, "township_officer", TOWNSHIP, display_name='欧阳 "秀英"'),
        make_client(db, TOWNSHIP, scopes=["registry:read", "changes:read"]),
    ):
        token = token_for(principal)
        app_body = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert app_body.status_code == 200
        with ThreadPoolExecutor(1) as pool:  # an event loop of its own
            bare_body = pool.submit(asyncio.run, bare_auth.body_of(token)).result()
        assert bare_body == app_body.content
        assert len(bare_body) > 1000  # the whole answer, permissions and all

"""The built SPA is served at / with a history fallback; the API keeps its own 404s."""

from __future__ import annotations

import pytest
from eldercare.config import get_settings
from fastapi.testclient import TestClient


@pytest.fixture
def spa_client(tmp_path, monkeypatch, engine):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        "<!doctype html><title>关爱</title><div id=app></div>", encoding="utf-8"
    )
    (dist / "assets" / "app-1234.js").write_text("console.log('app')", encoding="utf-8")
    (dist / "assets" / "big-1234.js").write_text("console.log('关爱');\n" * 500, encoding="utf-8")
    monkeypatch.setattr(get_settings(), "frontend_dist", dist)
    from eldercare.main import create_app

    with TestClient(create_app()) as c:
        yield c


def test_root_serves_index(spa_client):
    r = spa_client.get("/")
    assert r.status_code == 200
    assert "关爱" in r.text
    assert r.headers["cache-control"] == "no-cache"


def test_client_side_route_falls_back_to_index(spa_client):
    r = spa_client.get("/elders/abc/visits")
    assert r.status_code == 200
    assert "<div id=app>" in r.text


def test_assets_are_cached_for_long(spa_client):
    r = spa_client.get("/assets/app-1234.js")
    assert r.status_code == 200
    assert "immutable" in r.headers["cache-control"]


def test_missing_asset_is_404_not_index(spa_client):
    assert spa_client.get("/assets/missing.js").status_code == 404


def test_unknown_api_route_is_still_a_problem_404(spa_client):
    r = spa_client.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_docs_stay_reachable(spa_client):
    assert spa_client.get("/docs").status_code == 200
    assert spa_client.get("/openapi.json").status_code == 200


def test_bundles_are_compressed_for_slow_networks(spa_client):
    r = spa_client.get("/assets/big-1234.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert int(r.headers["content-length"]) < 1000  # 10 kB of repeated text
    assert r.text.count("关爱") == 500  # the client inflates it
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-security-policy" in r.headers
    plain = spa_client.get("/assets/big-1234.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers

"""Forged cursors and out-of-range parameters: a 400 or 422 problem, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from tests.factories import COUNTY, VILLAGE, auth, make_elder, make_user


def b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor(values: object) -> str:
    return b64(json.dumps(values))


# Cursors no list can accept, whatever its sort columns: each list sorts by one to four
# columns, so each shape is tried at every length.
FORGED = [
    "!!!not-base64!!!",
    b64("not json"),
    b64('{"a": 1}'),
    cursor([]),
    cursor([1, 2, 3, 4, 5, 6]),
    b64("[" * 5000 + "]" * 5000),
    *(cursor([[1]] * n) for n in range(1, 5)),
    *(cursor([[["x"]], {"x": 1}, [], {}][:n]) for n in range(1, 5)),
    *(cursor([10**30] * n) for n in range(1, 5)),
    *(cursor(["\u0000"] * n) for n in range(1, 5)),
    *(cursor([True] * n) for n in range(1, 5)),
    *(cursor([{"dt": "2024-01-01T00:00:00+00:00", "x": 1}] * n) for n in range(1, 5)),
    *(cursor([{"d": 5}] * n) for n in range(1, 5)),
    *(cursor([{"d": "2024-13-45"}] * n) for n in range(1, 5)),
]


def cursor_lists(app) -> list[str]:
    """Every GET operation that takes a ``cursor``, from the application itself."""
    found = []
    for path, ops in app.openapi()["paths"].items():
        op = ops.get("get")
        if op and any(p["name"] == "cursor" for p in op.get("parameters", [])):
            found.append(path)
    return sorted(found)


@pytest.fixture
def admin(db):
    return make_user(db, "county_admin", COUNTY)


def test_every_list_is_covered(app):
    assert len(cursor_lists(app)) >= 16


def _url(path: str, elder_id: str) -> str:
    return path.replace("{elder_id}", elder_id)


@pytest.mark.parametrize(
    ("path", "forged"),
    [
        # The cursors of the report: right length, wrong types.
        ("/api/v1/visits", "WyJ6IiwieCJd"),
        ("/api/v1/pairings", "WyJ6IiwieCJd"),
        ("/api/v1/incidents", "WyJ6IiwieCJd"),
        ("/api/v1/worklist", "WyJ6IiwieCJd"),
        ("/api/v1/volunteers", "WzEsbnVsbF0"),
        ("/api/v1/eligibility/gaps", "WzEsbnVsbF0"),
        ("/api/v1/elders/{elder_id}/history", "WyJ4Il0"),
        ("/api/v1/audit", cursor(["x"])),
        ("/api/v1/elders", cursor([1, "x"])),
        ("/api/v1/elders/merges", cursor([{"dt": "2024-01-01T00:00:00"}, "x"])),
        ("/api/v1/eligibility/age-milestones", cursor(["2024-01-01", 1, None])),
        ("/api/v1/eligibility/age-milestones", cursor([{"dt": "2024-01-01T00:00:00"}, "a", "b"])),
    ],
)
def test_reported_cursors_are_bad_cursor(client, db, admin, path, forged):
    elder = make_elder(db, VILLAGE)
    r = client.get(_url(path, elder.id), params={"cursor": forged}, headers=auth(admin))
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "bad_cursor"


def test_forged_cursors_are_bad_cursor_on_every_list(client, db, admin, app):
    elder = make_elder(db, VILLAGE)
    failures = []
    for path in cursor_lists(app):
        for forged in FORGED:
            r = client.get(_url(path, elder.id), params={"cursor": forged}, headers=auth(admin))
            if r.status_code != 400 or r.json().get("code") != "bad_cursor":
                failures.append((path, forged[:40], r.status_code, r.text[:200]))
    assert failures == []


def test_a_real_cursor_still_pages(client, db, admin):
    for _ in range(3):
        make_elder(db, VILLAGE)
    first = client.get("/api/v1/elders", params={"limit": 2}, headers=auth(admin)).json()
    assert first["next_cursor"]
    r = client.get(
        "/api/v1/elders", params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth(admin)
    )
    assert r.status_code == 200, r.text
    assert r.json()["items"]


@pytest.mark.parametrize(
    "since", ["-1_0", "0_-1", "99999999999999999999999_1", "1_9223372036854775808", "1_2_3", "x"]
)
def test_changes_since_out_of_range_is_bad_cursor(client, db, admin, since):
    r = client.get("/api/v1/changes", params={"since": since}, headers=auth(admin))
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "bad_cursor"


def test_changes_since_largest_value_is_served(client, db, admin):
    r = client.get(
        "/api/v1/changes",
        params={"since": "9223372036854775807_9223372036854775807"},
        headers=auth(admin),
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("month", ["0000-00", "2024-00", "2024-13", "9999-12", "0001-01"])
def test_visit_rates_month_out_of_range_is_422(client, db, admin, month):
    r = client.get("/api/v1/visit-rates", params={"month": month}, headers=auth(admin))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["query", "month"]


def test_visit_rates_month_in_range(client, db, admin):
    r = client.get("/api/v1/visit-rates", params={"month": "2024-02"}, headers=auth(admin))
    assert r.status_code == 200, r.text

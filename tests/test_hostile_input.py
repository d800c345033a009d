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


def _url(path: str, elder_id: str, **ids: str) -> str:
    path = path.replace("{elder_id}", elder_id)
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def _parents(client, admin) -> dict[str, str]:
    """A sweep and a roster of the admin's county: the lists under them take cursors too."""
    sweep = client.post(
        "/api/v1/sweeps",
        json={"name": "排查", "period": "special", "starts_on": "2026-01-01"},
        headers=auth(admin),
    )
    roster = client.post(
        "/api/v1/rosters",
        params={"kind": "deaths"},
        content="身份证号,死亡日期\n".encode(),
        headers={**auth(admin), "Content-Type": "text/csv"},
    )
    assert sweep.status_code == 201, sweep.text
    assert roster.status_code == 200, roster.text
    return {"sweep_id": sweep.json()["id"], "roster_id": roster.json()["id"]}


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
    parents = _parents(client, admin)
    failures = []
    for path in cursor_lists(app):
        for forged in FORGED:
            url = _url(path, elder.id, **parents)
            r = client.get(url, params={"cursor": forged}, headers=auth(admin))
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


# ----------------------------------------------------------------------------- NUL


def assert_nul(r, loc):
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "validation_failed"
    assert {"loc": loc, "code": "string.nul"} in [
        {"loc": e["loc"], "code": e["code"]} for e in body["errors"]
    ]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/elders", "q"),
        ("/api/v1/elders", "region"),
        ("/api/v1/volunteers", "q"),
        ("/api/v1/users", "q"),
        ("/api/v1/regions", "q"),
        ("/api/v1/audit", "resource_id"),
        ("/api/v1/visits", "elder_id"),
        ("/api/v1/incidents", "elder_id"),
        ("/api/v1/pairings", "volunteer_id"),
        ("/api/v1/exports/elders", "q"),
        ("/api/v1/exports/volunteers", "region"),
        ("/api/v1/changes", "since"),
    ],
)
def test_nul_in_a_query_parameter_is_422(client, db, admin, path, name):
    make_elder(db, VILLAGE)
    r = client.get(path, params={name: "王\u0000"}, headers=auth(admin))
    assert_nul(r, ["query", name])


def test_nul_in_a_query_parameter_of_a_csv_export_is_422_not_a_broken_200(client, db, admin):
    make_elder(db, VILLAGE)
    with client.stream("GET", "/api/v1/exports/elders?format=csv&q=%00", headers=auth(admin)) as r:
        r.read()
    assert_nul(r, ["query", "q"])


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/elders/abc%00def", "elder_id"),
        ("/api/v1/guardians/%00", "guardian_id"),
        ("/api/v1/elders/%00/history", "elder_id"),
        ("/api/v1/incidents/x%00", "incident_id"),
    ],
)
def test_nul_in_a_path_id_is_422(client, db, admin, path, name):
    assert_nul(client.get(path, headers=auth(admin)), ["path", name])


def test_nul_in_a_path_of_no_route_is_422(client, db, admin):
    assert_nul(client.get("/api/v1/eld%00ers", headers=auth(admin)), ["path"])


def test_nul_in_the_token_form_is_422(client, db):
    r = client.post("/api/v1/auth/token", data={"username": "a\u0000b", "password": "x"})
    assert_nul(r, ["body", "username"])
    r = client.post(
        "/api/v1/auth/token",
        files={"username": (None, "a\u0000b"), "password": (None, "x")},
    )
    assert_nul(r, ["body", "username"])


def test_nul_in_a_json_body_is_422(client, db):
    worker = make_user(db, "village_worker", VILLAGE)
    body = {
        "id_number": "431127194405060007",
        "name": "王\u0000桂英",
        "village_code": VILLAGE,
        "living_arrangement": "alone",
        "guardians": [{"name": "子\u0000", "relation": "son"}],
    }
    r = client.post("/api/v1/elders", json=body, headers=auth(worker))
    assert_nul(r, ["body", "name"])
    assert_nul(r, ["body", "guardians", 0, "name"])
    # the escape of a backslash followed by "u0000" is no NUL
    body = {"notes": "C:\\u0000"}
    elder = make_elder(db, VILLAGE)
    etag = client.get(f"/api/v1/elders/{elder.id}", headers=auth(worker)).headers["etag"]
    r = client.patch(
        f"/api/v1/elders/{elder.id}", json=body, headers={**auth(worker), "If-Match": etag}
    )
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == "C:\\u0000"


def _import(client, user, body: bytes, content_type: str):
    return client.post(
        "/api/v1/imports/elders",
        content=body,
        params={"mode": "per_row"},
        headers={**auth(user), "Content-Type": content_type},
    )


def _rows() -> list[dict[str, str]]:
    from tests.factories import id_number

    return [
        {
            "id_number": id_number(f"194{i}-03-0{i + 1}"),
            "name": name,
            "village_code": VILLAGE,
            "living_arrangement": "alone",
        }
        for i, name in enumerate(["王建国", "李\u0000秀英", "张春生"])
    ]


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "json"])
def test_an_import_row_with_nul_fails_alone(client, db, fmt):
    import csv
    import io

    from eldercare.elders.models import Elder
    from sqlalchemy import select

    worker = make_user(db, "village_worker", VILLAGE)
    rows = _rows()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        body, media = out.getvalue().encode(), "text/csv"
    elif fmt == "ndjson":
        body = "\n".join(json.dumps(r) for r in rows).encode()
        media = "application/x-ndjson"
    else:
        body, media = json.dumps(rows).encode(), "application/json"
    r = _import(client, worker, body, media)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["created"], report["failed"]) == (2, 1), report
    assert report["errors"][0]["row"] == (3 if fmt == "csv" else 2)
    assert report["errors"][0]["code"] == "string.nul"
    assert report["errors"][0]["field"] == "name"  # the column holding the NUL
    names = set(db.scalars(select(Elder.name).where(Elder.village_code == VILLAGE)))
    assert names == {"王建国", "张春生"}
    error_file = client.get(report["error_file"], headers=auth(worker))
    assert error_file.status_code == 200
    assert "\x00" not in error_file.content.decode("utf-8-sig", "replace")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_an_unreadable_body_is_400_bad_body(client, db, lang):
    worker = make_user(db, "village_worker", VILLAGE)
    headers = {**auth(worker), "Accept-Language": lang, "Content-Type": "application/json"}
    form = "&".join(f"f{i}=x" for i in range(1100))  # more fields than a form may have
    bodies = [
        ("/api/v1/elders", headers, b"[" * 5000 + b"]" * 5000),  # too deeply nested
        ("/api/v1/elders", headers, b'{"name": "\xff\xfe"}'),  # not UTF-8
        (
            "/api/v1/auth/token",
            {"Accept-Language": lang, "Content-Type": "application/x-www-form-urlencoded"},
            form.encode(),
        ),
    ]
    for path, h, content in bodies:
        r = client.post(path, content=content, headers=h)
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["code"] == "request.bad_body", body
        assert body["detail"] != "请求无法处理"
        assert ("请求" in body["detail"]) == (lang == "zh-CN"), body["detail"]


def test_an_import_nul_error_names_the_column_as_its_field(client, db):
    from tests.factories import id_number

    worker = make_user(db, "village_worker", VILLAGE)
    body = (
        "身份证号,姓名,村,居住情况,备注说明\n"
        f"{id_number('1941-03-02')},李\x00秀英,{VILLAGE},alone,\n"  # a known column: its field
        f"{id_number('1942-03-02')},李秀兰,{VILLAGE},alone,有\x00空字符\n"  # unknown: as written
    ).encode()
    r = _import(client, worker, body, "text/csv")
    assert r.status_code == 200, r.text
    errors = {e["row"]: e for e in r.json()["errors"]}
    assert (errors[2]["field"], errors[2]["code"]) == ("name", "string.nul")
    assert (errors[3]["field"], errors[3]["code"]) == ("备注说明", "string.nul")

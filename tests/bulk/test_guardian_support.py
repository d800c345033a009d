"""Issue 16.10 in bulk: the 特困 supporters are the register's guardians, so the guardian
import, export and template carry the supporter's facts (birth year, situation, income,
assets), and a guardian written by an import rescreens its elder as an API write does
(《特困人员认定办法》 condition 3: no supporter, or none able to pay)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from eldercare.elders.models import Guardian
from openpyxl import load_workbook
from sqlalchemy import select

from tests.bulk.test_imports import CSV, XLSX, as_csv
from tests.factories import COUNTY, VILLAGE, auth, make_elder, make_user
from tests.relief.test_relief_api import POLICY, POOR, put_facts, put_policy

TEKUN = "extreme_poverty_support"
SUPPORT = ("birth_year", "support_situation", "annual_income", "assets_within_limit")


@pytest.fixture
def officer(db):
    return make_user(db, "county_officer", COUNTY)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


def import_guardians(client, user, body, content_type=CSV):
    r = client.post(
        "/api/v1/imports/guardians",
        content=body.encode() if isinstance(body, str) else body,
        headers={**auth(user), "Content-Type": content_type},
        params={"mode": "per_row"},
    )
    assert r.status_code == 200, r.text
    return r.json()


def tekun(client, user, elder) -> str:
    ev = client.get(f"/api/v1/elders/{elder.id}/eligibility", headers=auth(user)).json()
    return next(p for p in ev["programs"] if p["program"] == TEKUN)["status"]


def gap_ids(client, user) -> set[str]:
    r = client.get(f"/api/v1/eligibility/gaps?program={TEKUN}", headers=auth(user)).json()
    return {i["elder_id"] for i in r["items"]}


def test_an_imported_supporters_facts_rescreen_the_elder(client, db, officer, worker):
    put_policy(client, officer, POLICY)
    updated = make_elder(
        db, name="五保甲", guardians=[{"name": "王大", "relation": "son", "alive": True}]
    )
    created = make_elder(db, name="五保乙", birth="1948-02-02")
    put_facts(client, worker, updated, {**POOR, "supporters_complete": True})
    put_facts(client, worker, created, {**POOR, "supporters_complete": True})
    assert tekun(client, worker, updated) == "unknown"  # the son's situation unknown
    assert tekun(client, worker, created) == "eligible"  # confirmed: no supporter
    body = as_csv(
        [
            {  # the son is 75, poor, assets within the limit: unable (an update)
                "老人身份证号": updated.id_number,
                "姓名": "王大",
                "关系": "儿子",
                "出生年份": str(date.today().year - 75),
                "赡养能力情况": "具备赡养能力",
                "年收入（元）": "6000",
                "财产是否在限额内": "是",
            },
            {  # a daughter of 45 with an income: able (a new guardian)
                "老人身份证号": created.id_number,
                "姓名": "李二",
                "关系": "女儿",
                "出生年份": "1981",
                "赡养能力情况": "具备赡养能力",
                "年收入（元）": "60000",
                "财产是否在限额内": "否",
            },
        ]
    )
    report = import_guardians(client, worker, body)
    assert (report["updated"], report["created"], report["failed"]) == (1, 1, 0), report
    son = db.scalar(select(Guardian).where(Guardian.elder_id == updated.id))
    db.refresh(son)
    assert (son.support_situation, int(son.annual_income), son.assets_within_limit) == (
        "able",
        6000,
        True,
    )
    assert tekun(client, worker, updated) == "eligible"
    assert tekun(client, worker, created) == "not_eligible"
    # the stored screening the gap list reads was rewritten by the import too
    assert gap_ids(client, worker) >= {updated.id}
    assert created.id not in gap_ids(client, worker)


def test_labels_of_the_situation_are_the_columns_own(client, worker):
    """``extreme_poverty`` is the supporter's own 特困 support here (本人为特困人员)."""
    book = load_workbook(
        io.BytesIO(client.get("/api/v1/imports/guardians/template", headers=auth(worker)).content)
    )
    head = [c.value for c in book["导入数据"][1]]
    for header in ("出生年份", "赡养能力情况", "年收入（元）", "财产是否在限额内"):
        assert header in head
    column = head.index("赡养能力情况") + 1
    options = [r[column - 1].value for r in book["选项"].iter_rows() if r[column - 1].value]
    assert options == [
        "具备赡养能力",
        "本人为特困人员",
        "本人享受低保",
        "重度残疾",
        "无民事行为能力",
        "失踪/下落不明",
        "服刑在押",
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_revealed_guardian_export_imports_back_unchanged(client, db, officer, worker, fmt):
    make_elder(
        db,
        name="甲",
        guardians=[
            {
                "name": "=王大",  # a formula in a spreadsheet: written inert, read back
                "relation": "son",
                "alive": True,
                "phone": "13912345678",
                "birth_year": 1955,
                "support_situation": "extreme_poverty",
                "annual_income": 6000,
                "assets_within_limit": True,
            },
            {"name": "李二", "relation": "daughter", "alive": True},
        ],
    )
    before = {g.name: tuple(getattr(g, f) for f in SUPPORT) for g in db.scalars(select(Guardian))}
    r = client.get(
        "/api/v1/exports/guardians",
        headers=auth(officer),
        params={"format": fmt, "reveal": True, "labels": "codes"},
    )
    assert r.status_code == 200, r.text
    if fmt == "csv":
        lines = r.content.decode("utf-8-sig").split("\n", 1)[1]  # the watermark is for people
        rows = list(csv.DictReader(io.StringIO(lines)))
        assert {x["support_situation"] for x in rows} == {"extreme_poverty", ""}
        body: bytes | str = lines
    else:
        book = load_workbook(io.BytesIO(r.content))
        book.active.delete_rows(1)
        buf = io.BytesIO()
        book.save(buf)
        body = buf.getvalue()
    report = import_guardians(client, worker, body, CSV if fmt == "csv" else XLSX)
    assert (report["unchanged"], report["failed"]) == (2, 0), report
    db.expire_all()
    after = {g.name: tuple(getattr(g, f) for f in SUPPORT) for g in db.scalars(select(Guardian))}
    assert after == before


def test_a_masked_guardian_export_masks_the_elders_number_and_the_phone(client, db, worker):
    elder = make_elder(
        db, guardians=[{"name": "王大", "relation": "son", "alive": True, "phone": "13912345678"}]
    )
    r = client.get("/api/v1/exports/guardians", headers=auth(worker), params={"labels": "codes"})
    (row,) = csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))
    assert row["elder_id_number"] == elder.id_number[:3] + "*" * 11 + elder.id_number[-4:]
    assert row["phone"] == "139****5678"
    assert "13912345678" not in r.text

"""The worklist as a file: Chinese headers, values in words, the list's filters and scope,
the region names of each row, phones masked."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from eldercare import labels
from eldercare.visits.router import WORKLIST_COLUMNS

from tests.factories import (
    OTHER_COUNTY,
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_user,
)

API = "/api/v1"


def rows_of(r) -> list[list]:
    assert r.status_code == 200, r.text
    if r.headers["content-type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    return [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def township(db):
    return make_user(db, "township_officer", TOWNSHIP)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_chinese_headers_words_and_region_names(client, db, township, fmt):
    make_elder(
        db,
        name="王桂花",
        living_arrangement="with_children",
        phone="13812345678",
        address="南风坳 3 组",
    )
    r = client.get(f"{API}/worklist/export", headers=auth(township), params={"format": fmt})
    head, *body = rows_of(r)
    assert head[:4] == ["乡镇", "村（社区）", "村代码", "老人姓名"]
    [row] = body
    cell = dict(zip(head, row, strict=True))
    assert cell["乡镇"] == "所城镇"
    assert cell["村（社区）"] == "南风坳村委会"
    assert cell["老人姓名"] == "王桂花"
    assert cell["联系电话"] == "138****5678"
    assert cell["风险等级"] in {"高风险", "重点", "一般"}
    assert cell["探访间隔依据"].startswith("尚未探访")
    assert cell["上次探访"] == "未探访"
    assert cell["到期情况"].startswith("逾期") or cell["到期情况"] == "今天到期"
    assert "attachment" in r.headers["content-disposition"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_english_headers_and_words_for_a_user_who_chose_english(client, db, township, fmt):
    make_elder(db, name="王桂花", living_arrangement="alone", phone="13812345678")
    r = client.get(f"{API}/worklist/export", headers=auth(township, "en"), params={"format": fmt})
    head, *body = rows_of(r)
    assert [k for k in WORKLIST_COLUMNS if k not in labels.COLUMNS | labels.ENUMS["field"]] == []
    assert list(head) == list(labels.headings(WORKLIST_COLUMNS, "en"))
    assert head[:4] == ["Township", "Village", "Village code", "Elder"]
    [row] = body
    cell = dict(zip(head, row, strict=True))
    assert cell["Village"] == "南风坳村委会"
    assert cell["Phone"] == "138****5678"
    assert cell["Risk level"] in {"High", "Key", "General"}
    assert "Living alone" in cell["Categories"].split(", ")
    assert cell["Last visit"] == "Never visited"
    assert cell["Visit interval rule"].startswith("Never visited (")
    assert cell["Due"].endswith("days overdue") or cell["Due"] in {"1 day overdue", "Due today"}
    assert not {"high", "key", "general", "living_alone"} & set(row)
    assert "（" not in cell["Visit interval rule"]


def test_the_lists_filters_apply(client, db, township):
    make_elder(db, name="甲老人", living_arrangement="with_children")
    make_elder(db, OTHER_VILLAGE, name="乙老人", living_arrangement="with_children")

    def names(**params) -> list[str]:
        r = client.get(
            f"{API}/worklist/export", headers=auth(township), params={"format": "csv", **params}
        )
        head, *body = rows_of(r)
        return sorted(row[head.index("老人姓名")] for row in body)

    listed = client.get(f"{API}/worklist", headers=auth(township), params={"limit": 200})
    assert sorted(i["name"] for i in listed.json()["items"]) == names() == ["乙老人", "甲老人"]
    assert names(region=VILLAGE) == ["甲老人"]
    assert names(region=OTHER_VILLAGE) == ["乙老人"]


def test_a_volunteer_may_not_export(client, db):
    volunteer = make_user(db, "volunteer", VILLAGE)
    assert client.get(f"{API}/worklist/export", headers=auth(volunteer)).status_code == 403


@pytest.mark.parametrize(
    ("role", "region"),
    [
        ("village_worker", OTHER_VILLAGE),
        ("township_officer", OTHER_TOWNSHIP),
        ("county_officer", OTHER_COUNTY),
    ],
)
def test_neighbours_get_404_and_see_nothing(client, db, role, region):
    make_elder(db, name="王桂花", living_arrangement="with_children")
    h = auth(make_user(db, role, region))
    r = client.get(f"{API}/worklist/export", headers=h, params={"region": VILLAGE})
    assert r.status_code == 404
    r = client.get(f"{API}/worklist/export", headers=h, params={"format": "csv"})
    _head, *body = rows_of(r)
    assert body == []
    assert "王桂花" not in r.content.decode("utf-8-sig")

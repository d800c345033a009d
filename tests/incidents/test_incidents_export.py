"""The incident list as a file: Chinese headers, values in words, the list's filters and
scope, the region names of each row."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from eldercare import labels
from eldercare.incidents.router import EXPORT_COLUMNS
from eldercare.labels import label

from tests.factories import (
    COUNTY,
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


def report(client, user, elder, **over):
    body = {
        "elder_id": elder.id,
        "type": "critical_illness",
        "severity": "critical",
        "description": "老人突发高烧，无人照料",
    }
    body.update(over)
    r = client.post(f"{API}/incidents", headers=auth(user), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def rows_of(r) -> list[list]:
    assert r.status_code == 200, r.text
    if r.headers["content-type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    return [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def county(db):
    return make_user(db, "county_officer", COUNTY)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_chinese_headers_words_and_region_names(client, db, worker, county, fmt):
    e = make_elder(db, name="王桂花")
    report(client, worker, e, type="abuse", severity="high")
    r = client.get(f"{API}/incidents/export", headers=auth(county), params={"format": fmt})
    head, *body = rows_of(r)
    assert head[:4] == ["乡镇", "村（社区）", "村代码", "老人姓名"]
    [row] = body
    cell = dict(zip(head, row, strict=True))
    assert cell["乡镇"] == "所城镇"
    assert cell["村（社区）"] == "南风坳村委会"
    assert cell["村代码"] == VILLAGE
    assert cell["老人姓名"] == "王桂花"
    assert cell["事件类型"] == label("incidentType", "abuse") == "遭受虐待"
    assert cell["紧急程度"] == "高"
    assert cell["状态"] == "已上报"
    assert cell["办理层级"] == "乡镇"
    assert cell["子女是否已通知"] == "否"
    assert "attachment" in r.headers["content-disposition"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_english_headers_and_words_for_a_user_who_chose_english(client, db, worker, county, fmt):
    e = make_elder(db, name="王桂花")
    report(client, worker, e, type="abuse", severity="high")
    r = client.get(f"{API}/incidents/export", headers=auth(county, "en"), params={"format": fmt})
    head, *body = rows_of(r)
    assert [k for k in EXPORT_COLUMNS if k not in labels.COLUMNS | labels.ENUMS["field"]] == []
    assert list(head) == list(labels.headings(EXPORT_COLUMNS, "en"))
    assert head[:4] == ["Township", "Village", "Village code", "Elder"]
    [row] = body
    cell = dict(zip(head, row, strict=True))
    assert cell["Township"] == "所城镇"
    assert cell["Incident type"] == label("incidentType", "abuse", "en") == "Abuse"
    assert cell["Severity"] == "High"
    assert cell["Status"] == "Reported"
    assert cell["Handled at"] == "Township"
    assert cell["Children notified"] == "No"
    assert cell["Overdue"] == "No"
    assert not {"abuse", "high", "reported", "township"} & set(row)


def test_the_lists_filters_apply(client, db, worker, county):
    a = make_elder(db, name="甲老人")
    b = make_elder(db, OTHER_VILLAGE, name="乙老人")
    other = make_user(db, "village_worker", OTHER_VILLAGE)
    report(client, worker, a, type="abuse", severity="high")
    report(client, other, b, type="accident", severity="low")

    def names(**params) -> list[str]:
        r = client.get(
            f"{API}/incidents/export", headers=auth(county), params={"format": "csv", **params}
        )
        head, *body = rows_of(r)
        return sorted(row[head.index("老人姓名")] for row in body)

    assert names() == ["乙老人", "甲老人"]
    assert names(type="accident") == ["乙老人"]
    assert names(severity="high") == ["甲老人"]
    assert names(region=VILLAGE) == ["甲老人"]
    assert names(region=TOWNSHIP) == ["乙老人", "甲老人"]
    assert names(status="resolved") == []


def test_a_volunteer_may_not_export(client, db):
    volunteer = make_user(db, "volunteer", VILLAGE)
    assert client.get(f"{API}/incidents/export", headers=auth(volunteer)).status_code == 403


@pytest.mark.parametrize(
    ("role", "region"),
    [
        ("village_worker", OTHER_VILLAGE),
        ("township_officer", OTHER_TOWNSHIP),
        ("county_officer", OTHER_COUNTY),
    ],
)
def test_neighbours_get_404_and_see_nothing(client, db, worker, role, region):
    e = make_elder(db, name="王桂花")
    report(client, worker, e)
    h = auth(make_user(db, role, region))
    assert (
        client.get(f"{API}/incidents/export", headers=h, params={"region": VILLAGE}).status_code
        == 404
    )
    own = region if role != "village_worker" else OTHER_VILLAGE
    _head, *body = rows_of(
        client.get(f"{API}/incidents/export", headers=h, params={"region": own, "format": "csv"})
    )
    assert body == []
    _head, *body = rows_of(
        client.get(f"{API}/incidents/export", headers=h, params={"format": "csv"})
    )
    assert body == []

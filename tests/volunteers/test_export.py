"""The volunteer and pairing lists as files: headers and words in the request's language
(Chinese unless English is asked for), places named, the list's filters, and scope (a region
outside it is 404, a neighbour's rows never appear)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from eldercare import labels
from eldercare.volunteers import export

from tests.factories import (
    OTHER_COUNTY,
    OTHER_COUNTY_VILLAGE,
    OTHER_TOWNSHIP,
    OTHER_TOWNSHIP_VILLAGE,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    auth,
    make_elder,
    make_pairing,
    make_user,
    make_volunteer,
)

API = "/api/v1"


def rows_of(r) -> list[list]:
    assert r.status_code == 200, r.text
    if r.headers["content-type"].startswith("text/csv"):
        import csv

        return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def officer(db):
    return make_user(db, "township_officer", TOWNSHIP)


@pytest.fixture
def paired(db):
    v = make_volunteer(db, VILLAGE, name="陈志强", kind="party_member")
    e = make_elder(db, VILLAGE, name="王桂花")
    make_pairing(db, e, v, primary=True)
    other = make_volunteer(db, OTHER_VILLAGE, name="李红梅")
    db.commit()
    return v, e, other


class TestVolunteersExport:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_chinese_headers_words_and_places(self, client, officer, paired, fmt):
        v, _, _ = paired
        rows = rows_of(
            client.get(f"{API}/volunteers/export", headers=auth(officer), params={"format": fmt})
        )
        head = rows[0]
        assert head[:4] == ["乡镇", "村（社区）", "姓名", "联系电话"]
        row = next(r for r in rows[1:] if r[2] == "陈志强")
        assert row[0] == "所城镇"
        assert row[1].startswith("南风坳")
        assert row[3] != v.phone  # masked, as the list shows it
        assert "****" in row[3]
        assert row[head.index("类别")] == "党员"
        assert row[head.index("结对老人")] == "王桂花"
        assert str(row[head.index("在结对数")]) == "1"
        assert row[head.index("是否在岗")] == "是"

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_english_headers_and_words_when_asked(self, client, db, officer, paired, fmt):
        v, _, _ = paired
        v.team = "medical_care"
        db.commit()
        rows = rows_of(
            client.get(
                f"{API}/volunteers/export", headers=auth(officer, "en"), params={"format": fmt}
            )
        )
        head = rows[0]
        assert head == list(labels.headings(export.VOLUNTEER_COLUMNS, "en"))
        assert head[:4] == ["Township", "Village", "Name", "Phone"]
        assert "Open pairings" in head
        row = next(r for r in rows[1:] if r[2] == "陈志强")
        assert row[head.index("Kind")] == "Party member"
        assert row[head.index("Team")] == "Medical care"
        assert row[head.index("Active")] == "Yes"

    def test_as_filtered(self, client, officer, paired):
        both = rows_of(client.get(f"{API}/volunteers/export", headers=auth(officer)))
        assert {r[2] for r in both[1:]} == {"陈志强", "李红梅"}
        one = rows_of(
            client.get(
                f"{API}/volunteers/export", headers=auth(officer), params={"region": OTHER_VILLAGE}
            )
        )
        assert [r[2] for r in one[1:]] == ["李红梅"]
        named = rows_of(
            client.get(f"{API}/volunteers/export", headers=auth(officer), params={"q": "志强"})
        )
        assert [r[2] for r in named[1:]] == ["陈志强"]

    @pytest.mark.parametrize(
        ("role", "region"),
        [
            ("village_worker", OTHER_VILLAGE),
            ("township_officer", OTHER_TOWNSHIP),
            ("county_officer", OTHER_COUNTY),
        ],
    )
    def test_neighbours_get_404_for_the_region_and_none_of_its_rows(
        self, client, db, paired, role, region
    ):
        user = make_user(db, role, region)
        db.commit()
        h = auth(user)
        for path in ("volunteers/export", "pairings/export"):
            r = client.get(f"{API}/{path}", headers=h, params={"region": VILLAGE})
            assert r.status_code == 404, (path, r.text)
            everything = rows_of(client.get(f"{API}/{path}", headers=h, params={"format": "csv"}))
            assert all("陈志强" not in r and "王桂花" not in r for r in everything[1:])
        v, _, _ = paired
        r = client.get(f"{API}/pairings/export", headers=h, params={"volunteer_id": v.id})
        assert r.status_code == 404

    def test_a_region_of_another_county_is_404_for_a_county_officer(self, client, db):
        county = make_user(db, "county_officer", VILLAGE[:6])
        db.commit()
        r = client.get(
            f"{API}/volunteers/export",
            headers=auth(county),
            params={"region": OTHER_COUNTY_VILLAGE},
        )
        assert r.status_code == 404
        r = client.get(
            f"{API}/volunteers/export",
            headers=auth(county),
            params={"region": OTHER_TOWNSHIP_VILLAGE},
        )
        assert r.status_code == 200

    def test_a_volunteer_may_not_export(self, client, db):
        login = make_user(db, "volunteer", VILLAGE)
        db.commit()
        for path in ("volunteers/export", "pairings/export"):
            assert client.get(f"{API}/{path}", headers=auth(login)).status_code == 403


class TestPairingsExport:
    def test_pairings_in_words_with_the_elders_place(self, client, db, officer, paired):
        v, _, _ = paired
        ended = make_elder(db, OTHER_VILLAGE, name="袁月英")
        p = make_pairing(db, ended, v)
        p.services = ["cleaning", "companionship"]
        p.end_date = date(2026, 3, 1)
        p.end_reason = "moved"
        db.commit()
        open_rows = rows_of(client.get(f"{API}/pairings/export", headers=auth(officer)))
        head = open_rows[0]
        assert head[:4] == ["乡镇", "村（社区）", "老人姓名", "帮扶人"]
        assert [r[2] for r in open_rows[1:]] == ["王桂花"]
        row = open_rows[1]
        assert row[0] == "所城镇"
        assert row[3] == "陈志强"
        assert row[head.index("帮扶人身份")] == "党员"
        assert row[head.index("包保责任人")] == "是"
        all_rows = rows_of(
            client.get(
                f"{API}/pairings/export",
                headers=auth(officer),
                params={"state": "all", "region": OTHER_VILLAGE, "format": "csv"},
            )
        )
        [gone] = all_rows[1:]
        assert gone[2] == "袁月英"
        assert gone[1].startswith("所城")
        assert gone[head.index("服务内容")] == "打扫卫生、陪伴聊天"
        assert gone[head.index("结束日期")] == "2026-03-01"
        assert gone[head.index("结束原因")] == "老人迁往他村"
        assert gone[head.index("包保责任人")] == "否"

    def test_english_headers_and_words_when_asked(self, client, db, officer, paired):
        v, _, _ = paired
        ended = make_elder(db, OTHER_VILLAGE, name="袁月英")
        p = make_pairing(db, ended, v)
        p.services = ["cleaning", "companionship"]
        p.end_date = date(2026, 3, 1)
        p.end_reason = "moved"
        db.commit()
        rows = rows_of(
            client.get(
                f"{API}/pairings/export",
                headers=auth(officer, "en"),
                params={"state": "all", "format": "csv"},
            )
        )
        head = rows[0]
        assert head == list(labels.headings(export.PAIRING_COLUMNS, "en"))
        assert head[:5] == ["Township", "Village", "Elder", "Helper", "Helper type"]
        gone = next(r for r in rows[1:] if r[2] == "袁月英")
        assert gone[head.index("Helper type")] == "Party member"
        assert gone[head.index("Is primary")] == "No"
        assert gone[head.index("Services")] == "Cleaning, Company"
        assert gone[head.index("End reason")] == "The elder moved to another village"
        still = next(r for r in rows[1:] if r[2] == "王桂花")
        assert still[head.index("Is primary")] == "Yes"
        assert still[head.index("End reason")] == ""


def test_every_column_has_a_heading_in_both_languages():
    for key in export.VOLUNTEER_COLUMNS + export.PAIRING_COLUMNS:
        for lang in ("zh-CN", "en"):
            assert labels.heading(key, lang) != key, (key, lang)

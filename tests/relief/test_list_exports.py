"""Issue 16.7 and 16.10 in the files: the gap list's CSV and XLSX carry what the JSON list
shows, line for line: the note naming the other basic-living program's status (一人只享受
一项基本生活救助，特困优先) and, on a household program's line (低保 is granted to the
共同生活家庭, 《最低生活保障审核确认办法》), the household's other elders listed with it."""

from __future__ import annotations

import io

import pytest
from eldercare.relief import screening
from eldercare.sheets.inert import restored
from openpyxl import load_workbook

from tests.factories import COUNTY, VILLAGE, auth, make_elder, make_user
from tests.relief.test_relief_api import (
    POLICY,
    POOR,
    RICH,
    add_benefit,
    csv_rows,
    put_facts,
    put_policy,
)


@pytest.fixture
def officer(db):
    return make_user(db, "county_officer", COUNTY)


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def crafted(client, db, officer, worker):
    """A couple in one 低保 household (the wife's name would be a formula in a spreadsheet)
    and a 特困 elder who also meets 低保."""
    from eldercare.elders.models import Elder

    put_policy(client, officer, POLICY)
    husband = make_elder(db, name="李老汉", birth="1940-03-15", male=True)
    wife = make_elder(db, name="=王老太", birth="1942-05-01")
    db.get(Elder, wife.id).household_id = husband.household_id
    db.flush()
    put_facts(client, worker, husband, {**POOR, "household_size": 2, "income": {"wages": "600"}})
    tekun = make_elder(db, name="特困甲", birth="1950-03-15")
    put_facts(client, worker, tekun, {**POOR, "supporters_complete": True})


def json_lines(client, user, path):
    """(name, program label, note, household names) per elder and program of the JSON list;
    the household's names belong to its household programs' lines."""
    items = client.get(path, headers=auth(user)).json()["items"]
    return sorted(
        (
            i["name"],
            p["label"],
            p["note"],
            "、".join(i["household_members"])
            if p["program"] in screening.HOUSEHOLD_PROGRAMS and "payments" not in path
            else "",
        )
        for i in items
        for p in i["programs"]
    )


def file_lines(rows):
    return sorted(
        (
            restored(r["姓名"]),
            r["救助项目"],
            r["说明"],
            restored(r["同户一并列出的成员"]),
        )
        for r in rows
    )


def test_the_gap_file_has_the_lists_notes_and_household_line_for_line(client, worker, crafted):
    path = "/api/v1/eligibility/gaps"
    listed = json_lines(client, worker, path)
    rows = csv_rows(client.get(path + "/export", headers=auth(worker)))
    assert file_lines(rows) == listed
    # the cases themselves: the couple is one 低保 line naming her, 特困 names 低保's status
    dibao = [r for r in rows if r["救助项目"] == "最低生活保障（低保）"]
    assert [(r["姓名"], r["同户一并列出的成员"]) for r in dibao] == [("李老汉", "'=王老太")]
    assert "特困人员救助供养" in dibao[0]["说明"]  # its partner program's status, in words
    (t,) = [r for r in rows if r["姓名"] == "特困甲" and r["救助项目"] == "特困人员救助供养"]
    assert t["说明"] == "最低生活保障（低保）：符合条件；一人只享受一项基本生活救助，特困优先"
    assert not any(r["姓名"] == "特困甲" and r["救助项目"].startswith("最低") for r in rows)
    old_age = {r["姓名"]: r["同户一并列出的成员"] for r in rows if r["救助项目"] == "高龄津贴"}
    assert old_age == {"李老汉": "", "'=王老太": ""}  # per person, nobody else on the line

    x = client.get(path + "/export", headers=auth(worker), params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(x.content)).active
    values = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    head = values[0]
    assert head[-2:] == ["说明", "同户一并列出的成员"]
    assert file_lines([dict(zip(head, v, strict=True)) for v in values[1:]]) == listed


def test_the_payments_file_has_the_lists_notes(client, db, worker, crafted):
    # an elder now above the line still receives 低保: a payment to check, with 特困's status
    rich = make_elder(db, name="富裕乙", birth="1948-07-01")
    put_facts(client, worker, rich, RICH)
    r = add_benefit(client, worker, rich, "minimum_living_allowance")
    assert r.status_code == 201, r.text
    path = "/api/v1/eligibility/payments-to-check"
    listed = json_lines(client, worker, path)
    rows = csv_rows(client.get(path + "/export", headers=auth(worker)))
    assert file_lines(rows) == listed
    assert ("富裕乙", "最低生活保障（低保）") in {line[:2] for line in listed}
    assert all(note.startswith("特困人员救助供养：") for _, _, note, _ in listed)

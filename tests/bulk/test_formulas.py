"""No file the server writes holds a formula: every export, the import error file and the
templates, read back with openpyxl and csv. Strings a spreadsheet would take for a formula
(leading ``= + - @``, tab, CR) carry an apostrophe, and an import takes it off again."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from eldercare.elders.models import Elder
from eldercare.sheets.inert import inert, restored
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from tests.bulk.test_imports import CSV, XLSX, post
from tests.factories import COUNTY, VILLAGE, auth, id_number, make_elder, make_user, make_volunteer
from tests.relief.test_relief_api import POLICY, TODAY, add_benefit, put_policy, years_before

HOSTILE = [
    '=HYPERLINK("http://x","点我")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+1",
    "\t=1+2",
    "\r=1+2",
]
LEADS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_cells(content: bytes) -> list[str]:
    """Every string of every sheet; fails on a formula or an unneutralised leading character."""
    book = load_workbook(io.BytesIO(content))
    out = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert c.data_type == "s", (c.coordinate, c.value)
                    assert not c.value.startswith(LEADS), (c.coordinate, c.value)
                    out.append(c.value)
    return out


def csv_cells(content: bytes) -> list[str]:
    out = []
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")):
        for value in row:
            assert not value.startswith(LEADS), value
            out.append(value)
    return out


def cells(r) -> list[str]:
    """The strings of a CSV or XLSX answer (XML reads a CR in a cell as a line feed)."""
    assert r.status_code == 200, r.text
    if r.headers["content-type"].startswith("text/csv"):
        return csv_cells(r.content)
    return [v.replace("\n", "\r") for v in xlsx_cells(r.content)]


def neutralised(values: list[str]) -> list[str]:
    return ["'" + v for v in values]


def test_the_rule_is_inverted_by_reading():
    for value in [*HOSTILE, "'=x", "''-1", "'abc", "abc", "", "'", "张三", "-"]:
        assert restored(inert(value)) == value
        assert not inert(value).startswith(LEADS)
    assert inert("'=x") == "''=x"
    assert inert("'abc") == "'abc"
    assert restored("'abc") == "'abc"


@pytest.fixture
def officer(db):
    return make_user(db, "county_officer", COUNTY)


@pytest.fixture
def hostile_elders(db):
    return [
        make_elder(db, VILLAGE, name=name, address=address, phone="13812345678")
        for name, address in zip(HOSTILE, reversed(HOSTILE), strict=True)
    ]


class TestExports:
    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    @pytest.mark.parametrize("reveal", [False, True])
    def test_elders(self, client, officer, hostile_elders, fmt, reveal):
        params = {"format": fmt, "reveal": reveal}
        got = cells(client.get("/api/v1/exports/elders", headers=auth(officer), params=params))
        assert set(neutralised(HOSTILE)) <= set(got)

    @pytest.mark.parametrize("reveal", [False, True])
    def test_the_database_writes_the_same_csv(self, db, hostile_elders, reveal):
        from eldercare.bulk import export
        from eldercare.context import Principal, RequestCtx
        from eldercare.elders.filters import ElderFilters
        from eldercare.roles import Role
        from eldercare.sheets import write

        make_elder(db, VILLAGE, name="'=x", address="''-1", phone=None)
        make_elder(db, VILLAGE, name="'abc", address="")
        db.commit()
        p = Principal("user", "u", "u", Role.county_officer, COUNTY, frozenset(), "x", None)
        ctx = RequestCtx(None, None, "zh-CN", p)
        columns, rows = export.records(ctx, "elders", ElderFilters(), reveal)
        by_row = b"".join(write.as_csv(columns, rows, None))
        body = b"".join(export.csv_body(ctx, "elders", ElderFilters(), reveal, None))
        assert body == by_row  # the database's CSV on PostgreSQL, the row writer elsewhere
        got = csv_cells(body)
        assert {*neutralised(HOSTILE), "''=x", "'''-1", "'abc"} <= set(got)

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_volunteers(self, client, db, officer, fmt):
        for name in HOSTILE:
            make_volunteer(db, VILLAGE, name=name)
        r = client.get("/api/v1/exports/volunteers", headers=auth(officer), params={"format": fmt})
        assert set(neutralised(HOSTILE)) <= set(cells(r))

    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_relief_lists(self, client, db, officer, fmt):
        put_policy(client, officer, POLICY)
        worker = make_user(db, "village_worker", VILLAGE)
        gap = make_elder(
            db, name=HOSTILE[0], address=HOSTILE[1], birth=str(years_before(TODAY, 85))
        )
        soon = years_before(TODAY + timedelta(days=30), 80)
        make_elder(db, name=HOSTILE[2], address=HOSTILE[3], birth=str(soon))
        dead = make_elder(
            db,
            name=HOSTILE[4],
            address=HOSTILE[5],
            status="deceased",
            status_date=TODAY - timedelta(days=40),
        )
        add_benefit(client, worker, dead, "minimum_living_allowance")
        params = {"format": fmt}
        lists = {
            "gaps": [gap.name, gap.address],
            "payments-to-check": [dead.name, dead.address],
            "age-milestones": [HOSTILE[2]],
        }
        for path, expected in lists.items():
            path = f"/api/v1/eligibility/{path}/export"
            r = client.get(path, headers=auth(worker), params=params)
            assert set(neutralised(expected)) <= set(cells(r)), path

    @pytest.mark.parametrize(
        "resource", ["elders", "guardians", "volunteers", "pairings", "visits"]
    )
    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_templates(self, client, officer, resource, fmt):
        r = client.get(
            f"/api/v1/imports/{resource}/template", headers=auth(officer), params={"format": fmt}
        )
        assert cells(r)


def hostile_upload_rows() -> list[list[str]]:
    """A header with a hostile unknown column, a good row and rows that fail."""
    header = ["身份证号", "姓名", "村代码", "住址", "电话", "@note"]
    good = [id_number("1950-01-02"), "王五", VILLAGE, HOSTILE[1], "+86 138 1234 5678", "-"]
    bad = [["123", value, VILLAGE, value, "-", "=1"] for value in HOSTILE]
    return [header, good, *bad]


class TestErrorFile:
    @pytest.mark.parametrize("fmt", ["csv", "xlsx"])
    def test_the_uploaded_cells_come_back_inert(self, client, db, officer, fmt):
        rows = hostile_upload_rows()
        if fmt == "csv":
            out = io.StringIO()
            csv.writer(out).writerows(rows)
            body, media = out.getvalue().encode(), CSV
        else:
            book = Workbook()
            for row in rows:
                book.active.append(row)
            for row in book.active.iter_rows():
                for c in row:
                    c.data_type = "s"  # the upload holds the text, not formulas
            buf = io.BytesIO()
            book.save(buf)
            body, media = buf.getvalue(), XLSX
        report = post(client, officer, body, media, mode="per_row").json()
        assert (report["created"], report["failed"]) == (1, len(HOSTILE)), report
        got = cells(client.get(report["error_file"], headers=auth(officer)))
        # (a CR at the start of an uploaded XLSX cell reads as a line feed: nothing to guard)
        sent = [v for v in HOSTILE if fmt == "csv" or v[0] != "\r"]
        assert {*neutralised(sent), "'@note", "'-", "'=1", "'+86 138 1234 5678"} <= set(got)
        elder = db.scalar(select(Elder).where(Elder.name == "王五"))
        assert (elder.address, elder.phone) == (HOSTILE[1], "13812345678")

    def test_the_error_file_imports_back_as_it_was_uploaded(self, client, db, officer):
        rows = hostile_upload_rows()
        rows[2][0], rows[2][4] = id_number("1951-02-03"), "13912345678"  # a good row
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        report = post(client, officer, out.getvalue(), CSV, mode="per_row").json()
        error_file = client.get(report["error_file"], headers=auth(officer))
        again = post(client, officer, error_file.content, CSV, mode="per_row").json()
        assert (report["created"], report["failed"]) == (2, len(HOSTILE) - 1), report
        # the same rows again: the good two unchanged (the file's error column is not data)
        assert (again["unchanged"], again["failed"]) == (2, len(HOSTILE) - 1), again
        fixed = db.scalar(select(Elder).where(Elder.id_number == rows[2][0]))
        assert fixed.name == HOSTILE[0]


class TestRoundTrip:
    @pytest.mark.parametrize(("fmt", "lang"), [("csv", "zh-CN"), ("xlsx", "zh-CN"), ("csv", "en")])
    def test_a_revealed_export_imports_back_unchanged(self, client, db, officer, fmt, lang):
        """An export in words (Chinese, or English when the user reads English) imports
        back: its headers and words are understood as fields and codes."""
        worker = make_user(db, "village_worker", VILLAGE)
        # (an import strips the blanks around a value: no leading tab or CR here)
        values = [*HOSTILE[:4], "'=x", "''@y", "'abc"]
        before = {
            e.id_number: (e.name, e.address)
            for e in [
                make_elder(db, VILLAGE, name=name, address=address, phone="13812345678")
                for name, address in zip(values, reversed(values), strict=True)
            ]
        }
        r = client.get(
            "/api/v1/exports/elders",
            headers={**auth(officer), "Accept-Language": lang},
            params={"format": fmt, "reveal": True},
        )
        assert r.status_code == 200
        body = r.content
        words = ("身份证号", "居住状况") if lang == "zh-CN" else ("ID number", "Living arrangement")
        if fmt == "csv":  # the header row of a file for people
            assert all(w.encode() in body for w in words)
        # the watermark line is for people: a file to import starts with its header
        if fmt == "csv":
            body = b"\xef\xbb\xbf" + body.decode("utf-8-sig").split("\n", 1)[1].encode()
        else:
            book = load_workbook(io.BytesIO(body))
            book.active.delete_rows(1)
            buf = io.BytesIO()
            book.save(buf)
            body = buf.getvalue()
        report = post(client, worker, body, CSV if fmt == "csv" else XLSX, mode="per_row").json()
        assert (report["unchanged"], report["failed"]) == (len(values), 0), report
        db.expire_all()
        after = {
            e.id_number: (e.name, e.address)
            for e in db.scalars(select(Elder).where(Elder.id_number.in_(before)))
        }
        assert after == before

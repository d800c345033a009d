"""Rows formatted ahead for COPY (PostgreSQL) arrive exactly as written row by row."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from eldercare.bulkload import CopyData, copy_in
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    select,
    text,
)

from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="COPY is PostgreSQL's")

TABLE = Table(
    "copy_probe",
    MetaData(),
    Column("xid", BigInteger),
    Column("name", Text),
    Column("n", Integer),
    Column("born", Date),
    Column("at", DateTime(timezone=True)),
    Column("money", Numeric(12, 2)),
    Column("flag", Boolean),
    Column("doc", JSON),
)
COLUMNS = ("name", "n", "born", "at", "money", "flag", "doc")

AWKWARD = [
    ("tab\there", 1, date(1940, 2, 29), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("two\nlines\r\n", -7, None, None),
    ("back\\slash \\N", None, date(2000, 1, 1), None),
    ("", 0, None, datetime(2026, 11, 29, 23, 59, tzinfo=UTC)),
    (None, 2**31 - 1, None, None),
    ("王秀英 · 中文", 3, None, None),
]


def _rows() -> list[tuple[object, ...]]:
    docs = ['{"k": "a\\nb\\t\\\\"}', "[]", '{"名": "值"}', "null", '["x"]', "{}"]
    moneys = [Decimal("1234.50"), None, Decimal("0.01"), Decimal(0), None, Decimal("-3")]
    flags = [True, False, None, True, False, None]
    return [(*a, m, f, d) for a, m, f, d in zip(AWKWARD, moneys, flags, docs, strict=True)]


def test_formatted_rows_arrive_as_written_and_take_a_first_column(db):
    conn = db.connection()
    conn.execute(
        text(
            "CREATE TEMP TABLE copy_probe (xid bigint, name text, n integer, born date, "
            "at timestamptz, money numeric(12, 2), flag boolean, doc json) ON COMMIT DROP"
        )
    )
    rows = _rows()
    data = CopyData.of(conn, TABLE, COLUMNS, rows)
    assert data.data.count(b"\n") == len(rows)  # newlines inside values are escaped
    copy_in(conn, data.with_first("xid", "4242"))
    stored = conn.execute(select(TABLE).order_by(TABLE.c.n.nulls_first())).all()
    by_name = {r.name: r for r in stored}
    assert len(stored) == len(rows)
    assert {r.xid for r in stored} == {4242}
    for name, n, born, at, money, flag, doc in rows:
        got = by_name[name]
        assert (got.n, got.born, got.at, got.money, got.flag) == (n, born, at, money, flag)
        assert got.doc == json.loads(doc)


def test_no_rows_stay_no_rows():
    empty = CopyData(TABLE, COLUMNS, b"")
    assert empty.with_first("xid", "1").data == b""
    assert empty.with_first("xid", "1").columns == ("xid", *COLUMNS)

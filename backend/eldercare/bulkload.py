"""Set-based loading: COPY on PostgreSQL, batched executemany elsewhere."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, null

_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(v, ensure_ascii=False)


def _copy_from(table: Table, columns: Sequence[str]) -> str:
    cols = ", ".join(f'"{c}"' for c in columns)
    return f'COPY "{table.name}" ({cols}) FROM STDIN'


def bulk_write(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write rows (tuples in ``columns`` order); returns how many were written.

    A JSON column takes a list or dict, or text already encoded as JSON; None is SQL NULL
    (as COPY writes it), not the JSON ``null`` an insert would make of it.
    """
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        # Only JSON columns need converting: find them once, not per value.
        json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        dumps = _encode
        with raw.cursor() as cur, cur.copy(_copy_from(table, columns)) as copy:  # type: ignore[union-attr]
            write = copy.write_row
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        v = row[i]
                        if isinstance(v, dict | list):
                            row[i] = dumps(v)
                write(row)
                n += 1
        return n
    batch: list[dict[str, Any]] = []
    sql_null = null()
    json_cols = [c for c in columns if isinstance(table.c[c].type, JSON)]
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        for c in json_cols:  # the insert encodes JSON itself: decode text encoded already
            value = values[c]
            if isinstance(value, str):
                values[c] = json.loads(value)
            elif value is None:
                values[c] = sql_null
        batch.append(values)
        if len(batch) >= 5000:
            conn.execute(table.insert(), batch)
            n += len(batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
        n += len(batch)
    return n


class CopyData:
    """Rows already in COPY's text format (PostgreSQL), for a later :func:`copy_in`.

    Formatting is the Python half of a COPY: done ahead, in the thread that prepares the
    rows, the thread that writes them only moves bytes and waits on the server, and the
    two no longer take turns at the interpreter lock row by row.
    """

    __slots__ = ("columns", "data", "table")

    def __init__(self, table: Table, columns: Sequence[str], data: bytes) -> None:
        self.table = table
        self.columns = columns
        self.data = data

    @classmethod
    def of(
        cls, conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> CopyData:
        """Format ``rows`` (tuples in ``columns`` order, JSON as text) with psycopg's own
        adapters; nothing is sent: ``conn`` only lends its adapters and encoding."""
        from psycopg import Cursor
        from psycopg.copy import Copy, FileWriter

        buf = io.BytesIO()
        raw = conn.connection.driver_connection
        with Cursor(raw) as cur, Copy(cur, writer=FileWriter(buf)) as copy:  # type: ignore[arg-type]
            write = copy.write_row
            for row in rows:
                write(row)
        return cls(table, columns, buf.getvalue())

    def with_first(self, column: str, value: str) -> CopyData:
        """The same rows with one more column, the same value in each, before the others.

        A row ends at the only unescaped newline of its line (COPY escapes those in values).
        """
        prefix = value.encode() + b"\t"
        data = prefix + self.data.replace(b"\n", b"\n" + prefix)
        return CopyData(self.table, (column, *self.columns), data[: -len(prefix)])


def copy_in(conn: Connection, payload: CopyData) -> None:
    """Send formatted rows to their table in one COPY (PostgreSQL)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(_copy_from(payload.table, payload.columns)) as copy:  # type: ignore[union-attr]
        copy.write(payload.data)

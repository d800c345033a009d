"""Set-based loading: COPY on PostgreSQL, batched executemany elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table

_encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(v, ensure_ascii=False)


def bulk_write(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write rows (tuples in ``columns`` order); returns how many were written.

    A JSON column takes a list or dict, or text already encoded as JSON.
    """
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        cols = ", ".join(f'"{c}"' for c in columns)
        # Only JSON columns need converting: find them once, not per value.
        json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        dumps = _encode
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:  # type: ignore[union-attr]
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
    json_cols = [c for c in columns if isinstance(table.c[c].type, JSON)]
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        for c in json_cols:  # the insert encodes JSON itself: decode text encoded already
            if isinstance(values[c], str):
                values[c] = json.loads(values[c])
        batch.append(values)
        if len(batch) >= 5000:
            conn.execute(table.insert(), batch)
            n += len(batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
        n += len(batch)
    return n

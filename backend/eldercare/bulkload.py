"""Set-based loading: COPY on PostgreSQL, batched executemany elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table


def bulk_write(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write rows (tuples in ``columns`` order); returns how many were written."""
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        cols = ", ".join(f'"{c}"' for c in columns)
        # Only JSON columns need converting: find them once, not per value.
        json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
        dumps = json.dumps
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:  # type: ignore[union-attr]
            write = copy.write_row
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        v = row[i]
                        if isinstance(v, dict | list):
                            row[i] = dumps(v, ensure_ascii=False)
                write(row)
                n += 1
        return n
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) >= 5000:
            conn.execute(table.insert(), batch)
            n += len(batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)
        n += len(batch)
    return n

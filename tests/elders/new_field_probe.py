"""Run by test_new_field.py in a fresh interpreter: add a field to the register the way a
change would (a column on the model, a field on the create schema, a column of the
import, and ALTER TABLE for its migration), then create elders on every path and print
what each wrote in the new column, as JSON.

The field goes in before any module that reads the model's columns is imported, as it
would be in the source: ``python -m tests.elders.new_field_probe`` with
``ELDERCARE_DATABASE_URL`` naming a migrated database.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys

from eldercare.elders import models, schemas
from pydantic.fields import FieldInfo
from sqlalchemy import String, select, text
from sqlalchemy.orm import mapped_column

FIELD, HEADER, DEFAULT = "religion", "宗教信仰", "未登记"

# The edit ----------------------------------------------------------------------------
models.Elder.religion = mapped_column(String(20))  # type: ignore[attr-defined]
schemas.ElderCreate.__pydantic_fields__[FIELD] = FieldInfo.from_annotated_attribute(str, DEFAULT)
schemas.ElderCreate.model_rebuild(force=True)

from eldercare.bulk import columns  # noqa: E402

columns.SPECS["elders"] = columns.Spec(
    "elders", (*columns.ELDERS.columns, columns.Column(FIELD, HEADER))
)
# --------------------------------------------------------------------------------------

from datetime import date  # noqa: E402

from eldercare.db import get_engine  # noqa: E402
from eldercare.devtools import synth  # noqa: E402
from eldercare.elders.models import Elder, ElderChange  # noqa: E402
from eldercare.main import create_app  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from tests.factories import VILLAGE, auth, id_number, load_test_regions, make_user  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table(rows: list[dict[str, str]]) -> list[list[str]]:
    return [list(rows[0]), *[list(r.values()) for r in rows]]


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table(rows))
    return out.getvalue().encode()


def as_xlsx(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    for row in table(rows):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_ndjson(rows: list[dict[str, str]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def main() -> None:
    engine = get_engine()
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE elders ADD COLUMN {FIELD} VARCHAR(20)"))  # the migration
    with Session(engine) as db, db.begin():
        load_test_regions(db)
        worker = make_user(db, "village_worker", VILLAGE)
        headers = auth(worker)

    made: dict[str, str] = {}  # id number -> the path that made it

    def elder(path: str, value: str, key: str = FIELD) -> dict[str, str]:
        number = id_number(f"1940-0{len(made) + 1}-01")
        made[number] = path
        return {"id_number": number, "姓名": "王秀英", "村代码": VILLAGE, key: value}

    with TestClient(create_app()) as client:
        body = {"id_number": id_number("1939-01-01"), "name": "王秀英", "village_code": VILLAGE}
        r = client.post("/api/v1/elders", headers=headers, json={**body, FIELD: "佛教"})
        assert r.status_code == 201, r.text
        made[body["id_number"]] = "api"
        files = {
            "text/csv": as_csv([elder("csv", "道教", HEADER)]),
            XLSX: as_xlsx([elder("xlsx", "伊斯兰教")]),
            "application/x-ndjson": as_ndjson([elder("ndjson", "无")]),
        }
        for content_type, content in files.items():
            r = client.post(
                "/api/v1/imports/elders",
                headers={**headers, "Content-Type": content_type},
                content=content,
            )
            assert r.json()["created"] == 1, r.text

    with Session(engine) as db, db.begin():
        plan = synth.plan_villages([VILLAGE], 3, random.Random(1))
        today = date.today()
        synth.write_register(db, synth.elders(plan, today, seed=5), today, seed=5)

    out: dict[str, dict[str, object]] = {}
    with Session(engine) as db:
        for number, value, elder_id in db.execute(
            select(Elder.id_number, text(f"elders.{FIELD}"), Elder.id)
        ):
            history = db.scalar(select(ElderChange.changes).where(ElderChange.elder_id == elder_id))
            out[number] = {
                "path": made.get(number, "generator"),
                "value": value,
                "history": (history or {}).get(FIELD),
            }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
    sys.exit(0)

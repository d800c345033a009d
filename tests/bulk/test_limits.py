"""Bounded input: the request body limit (413), XLSX inflation and cell caps, deep JSON."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import random
import zipfile

import pytest
from eldercare.bulk.models import ImportJob
from eldercare.config import get_settings
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.bulk.test_imports import CSV, NDJSON, XLSX, as_csv, elder_rows, post
from tests.factories import VILLAGE, auth, make_user

MB = 1024 * 1024


def jobs(db) -> int:
    return db.scalar(select(func.count()).select_from(ImportJob))


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(get_settings(), "max_upload_mb", 1)


class TestBodyLimit:
    @pytest.mark.parametrize("lang", ["zh-CN", "en"])
    def test_a_declared_length_over_the_limit_is_413_unread(
        self, client, db, worker, small_limit, lang
    ):
        r = post(client, worker, b"x" * (MB + 1), CSV, lang=lang)
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["x-request-id"]
        body = r.json()
        assert (body["status"], body["code"]) == (413, "request.too_large")
        assert "1 MB" in body["detail"]
        assert ("上限" in body["detail"]) == (lang == "zh-CN")
        assert jobs(db) == 0

    @pytest.mark.parametrize(
        ("method", "path"), [("GET", "/api/v1/elders"), ("DELETE", "/api/v1/guardians/x")]
    )
    def test_the_limit_applies_to_operations_without_a_body_and_the_contract_says_so(
        self, client, worker, small_limit, method, path
    ):
        r = client.request(method, path, content=b"z" * (MB + 1), headers=auth(worker))
        assert r.status_code == 413, r.text
        assert r.json()["code"] == "request.too_large"
        responses = client.app.openapi()["paths"][path.replace("/x", "/{guardian_id}")]
        assert "413" in responses[method.lower()]["responses"]

    def test_every_operation_documents_413(self, client):
        for path, item in client.app.openapi()["paths"].items():
            for method, operation in item.items():
                assert "413" in operation["responses"], (method, path)

    def test_a_chunked_body_is_413(self, client, db, worker, small_limit):
        pieces = (b"y" * 65536 for _ in range(32))  # 2 MB, no Content-Length
        headers = {**auth(worker), "Content-Type": CSV}
        r = client.post("/api/v1/imports/elders", content=pieces, headers=headers)
        assert r.status_code == 413, r.text
        assert r.json()["code"] == "request.too_large"
        assert jobs(db) == 0

    def test_reading_stops_at_the_first_piece_over_the_limit(self, small_limit):
        from eldercare.middleware import RequestChecks

        read = 0

        async def reader(scope, receive, send):  # an app that reads all it is sent
            while (await receive())["more_body"]:
                pass
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        async def receive():
            nonlocal read
            read += 1
            return {"type": "http.request", "body": b"z" * 65536, "more_body": read < 64}

        sent = []

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/",
            "headers": [(b"transfer-encoding", b"chunked")],
            "query_string": b"",
        }
        asyncio.run(RequestChecks(reader)(scope, receive, send))
        assert sent[0]["status"] == 413
        assert json.loads(sent[1]["body"])["code"] == "request.too_large"
        assert read == 17  # 16 pieces make 1 MB: the 17th is over

    def test_a_chunked_json_body_is_413_too(self, client, worker, small_limit):
        body = json.dumps({"name": "x" * (2 * MB)}).encode()
        headers = {**auth(worker), "Content-Type": "application/json"}
        r = client.post("/api/v1/elders", content=iter([body]), headers=headers)
        assert r.status_code == 413, r.text
        assert r.json()["code"] == "request.too_large"

    def test_bodies_within_the_limit_pass_either_way(self, client, worker, small_limit):
        body = as_csv(elder_rows(2)).encode()
        assert post(client, worker, body).json()["created"] == 2
        headers = {**auth(worker), "Content-Type": CSV}
        again = client.post("/api/v1/imports/elders", content=iter([body]), headers=headers)
        assert again.status_code == 200, again.text
        assert again.json()["unchanged"] == 2

    def test_the_default_is_100_mb(self):
        assert get_settings().max_upload_mb == 100


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(xlsx: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with ``old`` replaced by ``new`` in its parts, as another program could
    write it (openpyxl itself would not write some of these)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info).replace(old, new), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def padded(xlsx: bytes, padding: bytes) -> bytes:
    """The workbook with ``padding`` (XML whitespace or a comment) at the end of its sheet."""
    return rewritten(xlsx, b"</worksheet>", padding + b"</worksheet>")


def good_rows() -> list[list[object]]:
    rows = elder_rows(2)
    return [list(rows[0]), *[list(r.values()) for r in rows]]


def failed_with(problem: dict) -> tuple[str, str | None]:
    """An unreadable file is a 422 problem naming why, with the failed job's report in it."""
    assert problem["status"] == 422, problem
    report = problem["report"]
    assert report["status"] == "failed", report
    assert report["created"] == 0
    assert problem["code"] == report["error"]["code"]
    assert problem["errors"][0]["loc"] == ["body"]
    return problem["code"], problem["params"].get("reason")


class TestXlsx:
    def test_a_zip_bomb_fails_by_its_ratio(self, client, db, worker):
        bomb = padded(workbook(good_rows()), b" " * (16 * MB))
        assert len(bomb) < MB // 4  # a small file that inflates 64 times over
        report = post(client, worker, bomb, XLSX).json()
        assert failed_with(report) == ("import.bad_xlsx", "compression_ratio")

    def test_the_inflated_size_is_capped(self, client, db, worker, monkeypatch):
        monkeypatch.setattr(get_settings(), "import_xlsx_max_inflated_mb", 1)
        monkeypatch.setattr(get_settings(), "import_inline_max_bytes", 4 * MB)  # one request
        # compresses only some 2:1, well within the ratio, but inflates past 1 MB
        noise = base64.b64encode(random.Random(7).randbytes(MB))
        body = padded(workbook(good_rows()), b"<!-- " + noise + b" -->")
        assert len(body) < get_settings().max_upload_mb * MB
        report = post(client, worker, body, XLSX).json()
        assert failed_with(report) == ("import.bad_xlsx", "inflated_size")
        monkeypatch.setattr(get_settings(), "import_xlsx_max_inflated_mb", 500)
        assert post(client, worker, body, XLSX).json()["created"] == 2

    def test_a_cell_longer_than_excel_allows_fails(self, client, db, worker):
        rows = good_rows()
        rows[2][1] = "PLACEHOLDER"
        body = rewritten(workbook(rows), b"PLACEHOLDER", "长".encode() * 40_000)
        report = post(client, worker, body, XLSX, mode="per_row").json()
        assert failed_with(report) == ("import.bad_xlsx", "cell_too_long")
        assert report["params"]["row"] == 3

    def test_a_header_longer_than_excel_allows_fails_too(self, client, db, worker):
        rows = good_rows()
        rows[0].append("PLACEHOLDER")  # an extra column, whose header would be warned about
        body = rewritten(workbook(rows), b"PLACEHOLDER", "长".encode() * 40_000)
        report = post(client, worker, body, XLSX, mode="per_row").json()
        assert failed_with(report) == ("import.bad_xlsx", "cell_too_long")
        assert report["params"]["row"] == 1
        assert "长" * 100 not in json.dumps(report, ensure_ascii=False)

    def test_a_broken_sheet_is_a_bad_file_not_a_crash(self, client, db, worker):
        broken = padded(workbook(good_rows()), b"<row><c r='A9'><v>1</c></row>")
        report = post(client, worker, broken, XLSX).json()
        assert failed_with(report)[0] == "import.bad_xlsx"


DEEP = "[" * 5000 + "]" * 5000


class TestDeepJson:
    def test_a_deep_array_element_is_bad_json(self, client, db, worker):
        row = elder_rows(1)[0]
        body = f"[{json.dumps(row)}, {DEEP}]"
        r = post(client, worker, body, "application/json")
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        assert failed_with(r.json())[0] == "import.bad_json"
        job = client.get(r.headers["Location"], headers=auth(worker)).json()
        assert (job["status"], job["error"]["code"]) == ("failed", "import.bad_json")

    def test_deep_ndjson_lines_are_row_errors(self, client, db, worker):
        row = elder_rows(1)[0]
        nested = {**elder_rows(2)[1], "name": json.loads("[" * 20 + "]" * 20)}
        lines = [json.dumps(row), DEEP, '{"name": ' + DEEP + "}", json.dumps(nested)]
        report = post(client, worker, "\n".join(lines), NDJSON, mode="per_row").json()
        assert (report["created"], report["failed"]) == (1, 3), report
        assert [(e["row"], e["code"]) for e in report["errors"]] == [
            (2, "import.bad_json"),
            (3, "import.bad_json"),
            (4, "import.bad_json"),
        ]
        f = client.get(report["error_file"], headers=auth(worker))
        assert f.status_code == 200
        assert len(f.content.splitlines()) == 4

    def test_a_deep_json_array_in_a_row_is_bad_json(self, client, db, worker):
        nested = {**elder_rows(1)[0], "health_conditions": json.loads("[" * 12 + "]" * 12)}
        report = post(client, worker, json.dumps([nested]), "application/json").json()
        assert report["failed"] == 1, report
        assert report["errors"][0]["code"] == "import.bad_json"

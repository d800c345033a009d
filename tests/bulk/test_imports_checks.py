"""Imports: unknown columns, duplicate keys across batches, and the audit of bulk creates."""

from __future__ import annotations

import pytest
from eldercare.audit.models import AuditEvent
from eldercare.bulk import jobs
from eldercare.elders.models import Elder
from sqlalchemy import select

from tests.bulk.test_imports import CSV, as_csv, count, elder_rows, post
from tests.factories import TOWNSHIP, VILLAGE, auth, make_elder, make_user


@pytest.fixture
def worker(db):
    return make_user(db, "village_worker", VILLAGE)


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 2)


class TestUnknownColumns:
    def rows(self) -> str:
        rows = elder_rows(2)
        return as_csv(rows, {"id_number": "身份证号", "name": "姓名", "village_code": "村"})

    def test_the_report_lists_them_and_a_missing_field_names_the_likely_column(
        self, client, db, worker
    ):
        report = post(client, worker, self.rows(), mode="per_row").json()
        assert report["failed"] == 2
        assert [(w["code"], w["columns"]) for w in report["warnings"]] == [
            ("import.unknown_columns", ["村"])
        ]
        assert "村" in report["warnings"][0]["message"]
        first = report["errors"][0]
        assert (first["field"], first["code"]) == ("village_code", "missing")
        assert "“村”" in first["message"]
        assert "村代码" in first["message"]
        assert count(db) == 0

    def test_in_english(self, client, worker):
        report = post(client, worker, self.rows(), lang="en").json()
        assert report["warnings"][0]["message"].startswith("These columns are not recognised")
        message = report["errors"][0]["message"]
        assert "“村”" in message
        assert "village_code" in message

    def test_the_error_file_carries_the_hint(self, client, worker):
        report = post(client, worker, self.rows(), mode="per_row").json()
        text = client.get(report["error_file"], headers=auth(worker)).content.decode("utf-8-sig")
        assert "“村”" in text.splitlines()[1]

    def test_known_columns_give_no_warning_and_no_hint(self, client, worker):
        rows = elder_rows(1)
        del rows[0]["village_code"]
        report = post(client, worker, as_csv(rows), lang="en").json()
        assert report["warnings"] == []
        assert report["errors"][0]["message"] == "Field required"


class TestDuplicatesAcrossBatches:
    @pytest.mark.parametrize("mode", ["per_row", "atomic"])
    def test_a_repeated_id_number_in_a_later_batch_fails_naming_the_first_row(
        self, client, db, worker, small_batches, mode
    ):
        rows = elder_rows(3)
        changed = {**rows[0], "living_arrangement": "with_spouse"}
        report = post(client, worker, as_csv([*rows, changed]), mode=mode).json()
        assert report["failed"] == 1
        assert [(e["row"], e["field"], e["code"]) for e in report["errors"]] == [
            (5, "id_number", "import.duplicate_row")
        ]
        assert "2" in report["errors"][0]["message"]
        if mode == "per_row":
            assert report["created"] == 3
            elder = db.scalar(select(Elder).where(Elder.id_number == rows[0]["id_number"]))
            assert (elder.living_arrangement, elder.version) == ("alone", 1)
        else:
            assert count(db) == 0

    def test_also_when_the_first_row_was_unchanged(self, client, db, worker, small_batches):
        rows = elder_rows(3)
        post(client, worker, as_csv(rows))
        report = post(client, worker, as_csv([*rows, rows[1]]), mode="per_row").json()
        assert (report["unchanged"], report["failed"]) == (3, 1)
        assert report["errors"][0]["code"] == "import.duplicate_row"
        assert report["errors"][0]["row"] == 5

    def test_a_resumed_job_remembers_the_rows_of_its_earlier_run(
        self, client, db, worker, small_batches, monkeypatch
    ):
        from datetime import UTC, datetime

        from eldercare.bulk.handlers.elders import ElderHandler
        from eldercare.bulk.models import ImportJob

        rows = elder_rows(3)
        body = as_csv([*rows, {**rows[0], "living_arrangement": "with_spouse"}])
        calls = []
        batch = ElderHandler.batch

        def cut_off(self, todo):  # the first run dies after its first batch
            calls.append(len(todo))
            if len(calls) > 1:
                raise RuntimeError("killed")
            return batch(self, todo)

        monkeypatch.setattr(ElderHandler, "batch", cut_off)
        key = {"headers": {"Idempotency-Key": "resume-1"}}
        first = post(client, worker, body, mode="per_row", **key).json()
        assert first["rows"] == 2
        job = db.get(ImportJob, first["id"])
        job.status, job.heartbeat_at = "running", datetime(2000, 1, 1, tzinfo=UTC)
        db.commit()
        monkeypatch.setattr(ElderHandler, "batch", batch)
        again = post(client, worker, body, mode="per_row", **key).json()
        assert (again["status"], again["created"], again["failed"]) == ("succeeded", 3, 1)
        assert [(e["row"], e["code"]) for e in again["errors"]] == [(5, "import.duplicate_row")]
        assert count(db) == 3

    def test_guardians_and_volunteers(self, client, db, small_batches):
        officer = make_user(db, "township_officer", TOWNSHIP)
        h = {**auth(officer), "Content-Type": CSV}
        people = [
            {"name": "李春生", "phone": f"1371234567{i}", "kind": "党员", "region_code": VILLAGE}
            for i in range(3)
        ]
        body = as_csv([*people, {**people[0], "name": "李春"}]).encode()
        r = client.post(
            "/api/v1/imports/volunteers", content=body, headers=h, params={"mode": "per_row"}
        ).json()
        assert (r["created"], r["failed"]) == (3, 1)
        assert [(e["row"], e["code"]) for e in r["errors"]] == [(5, "import.duplicate_volunteer")]

        elder = make_elder(db, VILLAGE)
        kin = [
            {"老人身份证号": elder.id_number, "姓名": name, "关系": "儿子"}
            for name in ("王建国", "王建军", "王建民")
        ]
        body = as_csv([*kin, {**kin[1], "外出范围": "省外"}]).encode()
        r = client.post(
            "/api/v1/imports/guardians", content=body, headers=h, params={"mode": "per_row"}
        ).json()
        assert (r["created"], r["failed"]) == (3, 1)
        assert [(e["row"], e["code"]) for e in r["errors"]] == [(5, "import.duplicate_guardian")]


class TestAudit:
    def test_each_imported_elder_is_audited_like_one_made_by_hand(self, client, db, worker):
        by_hand, *imported = elder_rows(3)
        r = client.post("/api/v1/elders", json=by_hand, headers=auth(worker))
        assert r.status_code == 201, r.text
        report = post(client, worker, as_csv(imported)).json()
        assert report["created"] == 2

        def event(number: str) -> AuditEvent:
            elder = db.scalar(select(Elder).where(Elder.id_number == number))
            found = db.scalars(
                select(AuditEvent).where(
                    AuditEvent.resource == "elder", AuditEvent.resource_id == elder.id
                )
            ).all()
            assert len(found) == 1
            return found[0]

        hand = event(by_hand["id_number"])
        for row in imported:
            bulk = event(row["id_number"])
            for attr in ("action", "actor_type", "actor_id", "actor_name", "role", "outcome"):
                assert getattr(bulk, attr) == getattr(hand, attr), attr
            assert (bulk.region_code, bulk.actor_region) == (hand.region_code, hand.actor_region)
            assert bulk.fields == hand.fields
            assert bulk.detail == {"job_id": report["id"]}
            assert bulk.occurred_at is not None

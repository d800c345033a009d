"""Care in a real browser: a village worker logs a contact with a child on the elder detail
(the log and the last contact date follow), the township sees the 子女未联系 and 无人照料
lists, and records on an emergency that a child was notified."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.conftest import Server, login, shot

pytestmark = pytest.mark.slow

WORKER = "lanshan_village"
TOWNSHIP = "lanshan_township"


def _elder_with_a_child(server: Server) -> tuple[dict[str, Any], dict[str, Any]]:
    for elder in server.get(WORKER, "/elders", status="active", limit=100)["items"]:
        children = [
            g
            for g in server.get(WORKER, f"/elders/{elder['id']}/guardians")
            if g["alive"] and g["relation"] in ("son", "daughter")
        ]
        if children:
            return elder, children[0]
    raise AssertionError("the demo has no elder with a living child in the village")


def test_a_worker_logs_a_contact_with_a_child(new_page: Any, server: Server) -> None:
    elder, child = _elder_with_a_child(server)
    before = len(server.get(WORKER, f"/elders/{elder['id']}/contacts")["items"])
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.wait_for_selector("[data-test=contact-log]")
    row = page.wait_for_selector(f".guardian-row:has-text('{child['name']}')")
    assert row is not None
    row.query_selector("[data-test=log-contact]").click()
    page.wait_for_selector("[data-test=contact-form]")
    page.fill(
        "textarea[data-test=contact-note], [data-test=contact-note] textarea",
        "告知老人近况，请每周视频一次",
    )
    page.click("[data-test=contact-save]")
    page.wait_for_selector("[data-test=contact-table] :text('告知老人近况，请每周视频一次')")
    text = page.inner_text("[data-test=contact-table]")
    assert child["name"] in text
    assert "电话" in text  # the method in words
    log = server.get(WORKER, f"/elders/{elder['id']}/contacts")["items"]
    assert len(log) == before + 1
    assert (log[0]["guardian_id"], log[0]["method"], log[0]["source"]) == (
        child["id"],
        "phone",
        "manual",
    )
    stored = server.get(WORKER, f"/guardians/{child['id']}")
    local = datetime.fromisoformat(log[0]["contacted_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert stored["last_contact_date"] == local.date().isoformat()
    shot(page, "contact-logged")


def test_the_township_sees_the_care_lists(new_page: Any, server: Server) -> None:
    expected = server.get(TOWNSHIP, "/care/contacts-overdue", limit=1, count="true")["total"]
    page = new_page()
    login(page, TOWNSHIP)
    page.click("nav >> text=子女未联系")
    page.wait_for_url("**/care/contacts")
    page.wait_for_selector("[data-test=contacts-overdue-total]")
    assert str(expected) in page.inner_text("[data-test=contacts-overdue-total]")
    assert "每 30 天" in page.inner_text("[data-test=contact-rule]")
    if expected:
        page.wait_for_selector("[data-test=contacts-overdue-table] .el-table__row")
    shot(page, "contacts-overdue")
    home = server.get(
        TOWNSHIP, "/elders", no_one_at_home="true", status="active", limit=1, count="true"
    )["total"]
    page.click("nav >> text=无人照料")
    page.wait_for_url("**/care/home")
    page.wait_for_selector("[data-test=home-total]")
    assert str(home) in page.inner_text("[data-test=home-total]")
    shot(page, "no-one-at-home")


def test_the_township_records_that_a_child_was_notified(new_page: Any, server: Server) -> None:
    elder, child = _elder_with_a_child(server)
    r = httpx.post(
        f"{server.base}/api/v1/incidents",
        headers={"Authorization": f"Bearer {server.token(WORKER)}"},
        json={
            "elder_id": elder["id"],
            "type": "accident",
            "severity": "high",
            "description": "在家摔倒",
        },
        timeout=30,
    )
    assert r.status_code == 201, r.text
    incident = r.json()
    page = new_page()
    login(page, TOWNSHIP)
    page.goto(f"/incidents/{incident['id']}")
    tag = page.wait_for_selector("h1 [data-test=children-notified]")
    assert tag is not None
    assert tag.inner_text() == "未通知子女"
    page.click("[data-test=notify-guardian]")
    page.click(f".el-select-dropdown__item:has-text('{child['name']}')")
    page.fill(
        "textarea[data-test=notify-note], [data-test=notify-note] textarea", "已告知，明天返乡"
    )
    page.click("[data-test=notify-save]")
    page.wait_for_selector("h1 [data-test=children-notified]:has-text('已通知子女')")
    assert "已告知，明天返乡" in page.inner_text("[data-test=notifications-table]")
    detail = server.get(TOWNSHIP, f"/incidents/{incident['id']}")
    assert detail["children_notified"] is True
    assert [n["guardian_id"] for n in detail["notifications"]] == [child["id"]]
    shot(page, "children-notified")


def test_the_care_lists_are_cards_on_a_phone(new_page: Any, server: Server) -> None:
    total = server.get(TOWNSHIP, "/care/contacts-overdue", limit=1, count="true")["total"]
    assert total, "the demo has left-behind elders whose children were not contacted"
    page = new_page(360, 740)
    login(page, TOWNSHIP)
    page.goto("/care/contacts")
    page.wait_for_selector("[data-test=overdue-card]")
    assert page.locator("[data-test=contacts-overdue-table]").count() == 0
    assert page.locator("[data-test=overdue-card]").count() == min(total, 20)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "contacts-overdue-phone")

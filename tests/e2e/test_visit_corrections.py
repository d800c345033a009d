"""In a real browser: a visit opened from the elder's timeline with everything recorded, its
author correcting it (kept in its history), due services on the worklist, and the county's
service plan and visit intervals by category on the policies screen."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, login, shot

pytestmark = pytest.mark.slow

WORKER = "lanshan_village"


def _post(server: Server, username: str, path: str, body: dict[str, Any]) -> Any:
    r = httpx.post(
        f"{server.base}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {server.token(username)}"},
        timeout=30,
    )
    assert r.is_success, r.text
    return r.json()


def test_a_visit_opened_from_the_timeline_and_corrected(new_page: Any, server: Server) -> None:
    # an elder still in the village (other browser tests move and decease some)
    elder = server.get(WORKER, "/elders", limit=1, status="active")["items"][0]
    visit = _post(
        server,
        WORKER,
        "/visits",
        {
            "elder_id": elder["id"],
            "method": "home_visit",
            "safety_risks": ["fire_gas"],
            "services": ["cleaning", "haircut"],
            "follow_up": "提醒更换燃气软管",
        },
    )
    page = new_page(390, 844)  # a phone
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.click(f"[data-test=open-visit][data-visit='{visit['id']}']")
    page.wait_for_selector("[data-test=visit-detail]")
    assert "打扫卫生" in page.inner_text("[data-test=vd-services]")
    assert "用火用气" in page.inner_text("[data-test=vd-safety]")
    assert "cleaning" not in page.inner_text("[data-test=visit-dialog]")  # codes in words
    shot(page, "visit-dialog")
    page.click("[data-test=vd-correct]")
    # Element Plus checkboxes: the label is what is clicked (the native box is hidden)
    page.locator(".el-checkbox", has=page.locator("input[name=svc_haircut]")).click()
    assert not page.is_checked("input[name=svc_haircut]")
    page.fill("textarea[name=notes]", "理发未完成，下次补上")
    page.fill("input[name=reason]", "误选理发")
    page.click("[data-test=vd-save]")
    page.wait_for_selector("[data-test=vd-history] li")
    history = page.inner_text("[data-test=vd-history]")
    assert "误选理发" in history
    assert "打扫卫生、理发 → 打扫卫生" in history
    got = server.get(WORKER, f"/visits/{visit['id']}")
    assert got["services"] == ["cleaning"]
    assert got["notes"] == "理发未完成，下次补上"
    shot(page, "visit-dialog-corrected")


def test_due_services_on_the_worklist(new_page: Any, server: Server) -> None:
    due = server.get(WORKER, "/worklist/services", due_within_days=7, limit=5)["items"]
    page = new_page()
    login(page, WORKER)
    page.goto("/worklist")
    if not due:
        page.wait_for_selector("text=近期没有到期的服务。")
        return
    row = page.wait_for_selector(
        f"[data-test=service-worklist] tr:has([data-elder='{due[0]['elder_id']}']"
        f"[data-service='{due[0]['service']}'])"
    )
    assert row is not None
    assert due[0]["label"] in row.inner_text()
    shot(page, "worklist-services")


def test_the_service_plan_and_category_visits_on_the_policies_screen(
    new_page: Any, server: Server
) -> None:
    county = "lanshan_county"
    before = server.get(county, "/policies/visits")
    page = new_page()
    login(page, county)
    page.goto("/admin/policies")
    page.wait_for_selector("[data-test=service-plan] [data-service=cleaning]")
    assert "打扫卫生" in page.inner_text("[data-test=service-plan]")
    page.click("[data-test=add-category]")
    page.locator(".el-select-dropdown__item:visible").filter(has_text=re.compile("^空巢$")).click()
    page.fill("input[name=category_interval_empty_nest]", "7")
    page.fill("input[name=correction_window_days]", "5")
    page.click("[data-test=save-visits]")
    page.wait_for_selector("[data-test=policy-visits] [role=status]", timeout=90_000)
    policy = server.get(county, "/policies/visits")
    assert policy["categories"] == {"empty_nest": {"interval_days": 7}}
    assert policy["correction_window_days"] == 5
    assert any(s["service"] == "health_checkup" for s in policy["services"])
    shot(page, "policies-service-plan")
    # the policy as it was, for the tests after this one
    r = httpx.put(
        f"{server.base}/api/v1/policies/visits",
        json={k: v for k, v in before.items() if k != "effective_date"},
        headers={"Authorization": f"Bearer {server.token(county)}"},
        timeout=60,
    )
    r.raise_for_status()

"""Sweeps and reconciliation in a real browser: a township opens a sweep, a village worker
confirms an elder with the checklist and the village's progress moves; a county uploads a
death roster, applies one discrepancy (the elder is deceased) and dismisses another with a
reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, cascade, close_cascader, login, shot

pytestmark = pytest.mark.slow

VILLAGE = "431127104230"  # lanshan_village's village


def _active_elders(server: Server, user: str, n: int) -> list[dict[str, Any]]:
    items = server.get(user, "/elders", region=VILLAGE, status="active", limit=50)["items"]
    return items[:n]


def test_a_sweep_opened_by_the_township_is_confirmed_by_the_village(
    new_page: Any, server: Server
) -> None:
    page = new_page()
    login(page, "lanshan_township")
    page.click("nav >> text=摸底排查")
    page.wait_for_url("**/sweeps")
    page.click("[data-test=sweep-new]")
    page.fill("[data-test=sweep-form] input[name=name]", "浏览器春季排查")
    # the region is chosen by name in the cascader, never typed as a code
    assert page.locator("[data-test=sweep-form] input[name=region_code]").count() == 0
    village_name = server.get("lanshan_township", f"/regions/{VILLAGE}")["name"]
    cascade(page, "sweep", [village_name])
    close_cascader(page)  # any level may be chosen: the panel stays open
    shown = page.input_value("[data-test=region-sweep] .el-cascader input")
    assert village_name in shown
    page.click("[data-test=sweep-create]")
    detail = page.wait_for_selector("[data-test=sweep-detail]")
    assert detail is not None
    assert "浏览器春季排查" in detail.inner_text()
    opened = server.get("lanshan_township", "/sweeps", limit=1)["items"][0]
    sweep_id = opened["id"]
    assert opened["region_code"] == VILLAGE
    assert village_name in detail.inner_text()

    worker = new_page()
    login(worker, "lanshan_village")
    worker.click("nav >> text=摸底排查")
    worker.click(f"[data-test=sweep-open-{sweep_id}]")
    progress = f"[data-test=sweep-progress] tbody tr:has([data-region='{VILLAGE}'])"
    row = worker.wait_for_selector(progress)
    assert row is not None
    before = row.inner_text().split()
    first = worker.locator("[data-test=sweep-pending] tbody tr").first
    elder_id = first.locator("[data-elder]").get_attribute("data-elder")
    first.locator("[data-test^=confirm-]").click()
    worker.wait_for_selector("[data-test=sweep-checklist]")
    # something not right needs a note, said at the note
    worker.uncheck("[data-test=check-contacts_right]")
    worker.click("[data-test=checklist-save]")
    error = worker.wait_for_selector("[data-test=sweep-checklist] [data-test=err-note]")
    assert error is not None
    assert "须说明" in error.inner_text()
    worker.check("[data-test=check-contacts_right]")
    worker.click("[data-test=checklist-save]")
    worker.wait_for_selector("[data-test=sweep-checklist]", state="detached")
    worker.wait_for_function(
        "([v, n]) => document.querySelector(`[data-test=sweep-progress] [data-region='${v}']`)"
        "?.closest('tr')?.innerText.split(/\\s+/)[1] === String(n)",
        arg=[VILLAGE, int(before[1]) + 1],
    )
    shot(worker, "sweep-progress")
    elder = server.get("lanshan_village", f"/elders/{elder_id}")
    assert elder["verified_on"] is not None


def test_a_death_roster_is_applied_and_dismissed_in_the_browser(
    new_page: Any, server: Server, tmp_path: Path
) -> None:
    one, two = _active_elders(server, "lanshan_county", 2)
    numbers = [
        server.get("lanshan_county", f"/elders/{e['id']}", reveal="id_number")["id_number"]
        for e in (one, two)
    ]
    sheet = tmp_path / "死亡名单.csv"
    sheet.write_bytes(
        (
            "姓名,公民身份号码,死亡日期\n"
            f"{one['name']},{numbers[0]},2026-11-02\n"
            f"{two['name']},{numbers[1][:17]}{'0' if numbers[1][17] != '0' else '1'},2026-11-03\n"
            "错号,12345,2026-11-03\n"
        ).encode("gbk")
    )
    page = new_page()
    login(page, "lanshan_county")
    page.click("nav >> text=名单比对")
    page.wait_for_url("**/rosters")
    page.set_input_files("[data-test=roster-file] input[type=file]", str(sheet))
    page.click("[data-test=roster-upload]")
    page.wait_for_selector("[data-test=discrepancies] tr:has([data-discrepancy])")
    rows = page.locator("[data-test=discrepancies] tr:has([data-discrepancy])")
    assert rows.count() == 2
    assert page.locator("[data-test=near-miss]").count() == 1
    assert "名单显示已死亡" in rows.first.inner_text()
    shot(page, "roster-discrepancies")

    target = page.locator(f"[data-test=discrepancies] tr:has(a[href='/elders/{one['id']}'])")
    target.locator("button", has_text="按名单更正").click()
    # applying is confirmed in a dialog first: cancelled, nothing changes
    page.click("[data-test=apply-dialog] button:has-text('取消')")
    assert server.get("lanshan_county", f"/elders/{one['id']}")["status"] == "active"
    target.locator("button", has_text="按名单更正").click()
    page.click("[data-test=apply-confirm]")
    page.wait_for_selector(
        f"[data-test=discrepancies] a[href='/elders/{one['id']}']", state="detached"
    )
    assert server.get("lanshan_county", f"/elders/{one['id']}")["status"] == "deceased"

    other = page.locator(f"[data-test=discrepancies] tr:has(a[href='/elders/{two['id']}'])")
    other.locator("button", has_text="忽略").click()
    page.click("[data-test=dismiss-save]")
    said = page.wait_for_selector("[data-test=dismiss-form] .el-form-item__error")
    assert "须填写理由" in said.inner_text()
    page.fill("[data-test=dismiss-reason]", "入户核实本人健在")
    page.click("[data-test=dismiss-save]")
    page.wait_for_selector(
        f"[data-test=discrepancies] a[href='/elders/{two['id']}']", state="detached"
    )
    assert server.get("lanshan_county", f"/elders/{two['id']}")["status"] == "active"
    assert page.locator("[data-test=roster-error-file]").count() >= 1


def test_a_sweeps_progress_is_cards_on_a_phone(new_page: Any, server: Server) -> None:
    r = httpx.post(
        f"{server.base}/api/v1/sweeps",
        headers={"Authorization": f"Bearer {server.token('lanshan_township')}"},
        json={"name": "手机上的排查", "period": "special", "starts_on": "2026-11-01"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    sweep = r.json()
    villages = sweep["children"]
    assert len(villages) > 1, "a township's sweep shows each of its villages"
    page = new_page(360, 740)
    login(page, "lanshan_township")
    page.goto("/sweeps")
    page.click(f"[data-test=sweep-open-{sweep['id']}]")
    page.wait_for_selector("ul[data-test=sweep-progress] li")
    assert (
        page.locator("table[data-test=sweep-progress], [data-test=sweep-progress] table").count()
        == 0
    )
    cards = page.locator("[data-test=sweep-progress] li")
    assert cards.count() == len(villages)
    first = villages[0]
    card = page.locator(f"[data-test=sweep-progress] li:has([data-region='{first['code']}'])")
    assert first["name"] in card.inner_text()
    assert card.locator("[data-test=confirmed]").inner_text() == str(first["confirmed"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "sweep-progress-phone")

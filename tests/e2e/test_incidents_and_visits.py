"""The emergencies list (resolving from it needs a note, the export) and the visit entry
on a phone (the whole width of the screen, 40 px tap targets; its dialog full screen)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import Server, login, shot

pytestmark = pytest.mark.slow

WORKER = "lanshan_village"
TOWNSHIP = "lanshan_township"


def _call(server: Server, user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(
        f"{server.base}/api/v1{path}",
        headers={"Authorization": f"Bearer {server.token(user)}"},
        json=body,
        timeout=30,
    )
    assert r.is_success, r.text
    return r.json()


def test_resolving_from_the_list_needs_a_note_in_a_dialog(new_page: Any, server: Server) -> None:
    elder = server.get(WORKER, "/elders", limit=1, status="active")["items"][0]
    incident = _call(
        server,
        WORKER,
        "/incidents",
        {"elder_id": elder["id"], "type": "accident", "severity": "medium", "description": "摔伤"},
    )
    for to in ("acknowledged", "in_progress"):
        _call(server, TOWNSHIP, f"/incidents/{incident['id']}/transitions", {"to": to})

    page = new_page(1366, 768)
    login(page, TOWNSHIP)
    page.goto("/incidents")
    row = page.locator("[data-test=incidents-table] tr.el-table__row").filter(
        has=page.locator(f"a[data-incident='{incident['id']}']")
    )
    row.locator("[data-test=resolve-row]").click()
    dialog = page.locator(".el-dialog:visible")
    dialog.wait_for()
    assert elder["name"] in dialog.inner_text()
    # nothing follows, and no note: refused at the field, nothing sent
    dialog.locator("[data-test=arrange] .el-radio", has_text="无需跟进").click()
    dialog.locator("[data-test=arrange-submit]").click()
    page.wait_for_selector("[data-test=err-note]")
    assert page.inner_text("[data-test=err-note]") == "请填写处置说明"
    assert server.get(TOWNSHIP, f"/incidents/{incident['id']}")["status"] == "in_progress"
    shot(page, "incident-resolve-needs-a-note")
    # with a note it is resolved, and the list shows it
    dialog.locator("textarea[data-test=arrange-note]").fill("已送医，家属已接回照料")
    dialog.locator("[data-test=arrange-submit]").click()
    page.wait_for_selector("text=事件已办结")
    done = server.get(TOWNSHIP, f"/incidents/{incident['id']}")
    assert done["status"] == "resolved"
    assert done["timeline"][-1]["note"] == "已送医，家属已接回照料"
    # the list shows open incidents by default: it is gone from it
    page.locator(f"[data-test=incidents-table] a[data-incident='{incident['id']}']").wait_for(
        state="detached"
    )


def test_the_incidents_export_has_chinese_headers(new_page: Any, server: Server) -> None:
    page = new_page(1366, 768)
    login(page, TOWNSHIP)
    page.goto("/incidents")
    page.wait_for_selector("[data-test=incidents-total]")
    with page.expect_download() as dl:
        page.click("[data-test=incidents-export]")
    assert dl.value.suggested_filename.startswith("incidents-")
    assert dl.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    head, body = rows[0], rows[1:]
    assert head[:4] == ["乡镇", "村（社区）", "村代码", "老人姓名"]
    assert "事件类型" in head
    assert "状态" in head
    # the list as filtered (open incidents, the screen's default), all of them, in words
    listed = server.get(TOWNSHIP, "/incidents", open="true", limit=200, count="true")
    assert len(body) == listed["total"]
    statuses = {r[head.index("状态")] for r in body}
    assert statuses <= {"已上报", "已受理", "处置中", "已上报县级"}
    township = server.get(TOWNSHIP, "/auth/me")["region"]["name"]
    assert body
    assert all(r[head.index("乡镇")] == township for r in body)


def test_the_visit_entry_on_a_phone_takes_the_whole_width(new_page: Any, server: Server) -> None:
    page = new_page(360, 740, is_mobile=True, has_touch=True)
    login(page, WORKER)
    page.wait_for_selector("[data-test=worklist] li")
    first = page.locator("[data-test=worklist] li").first
    elder_id = first.get_attribute("data-elder")
    first.locator("[data-test=log-visit]").click()
    entry = page.wait_for_selector("[data-test=visit-entry]")
    assert entry is not None
    box = entry.bounding_box()
    width = page.evaluate("document.documentElement.clientWidth")
    assert box is not None
    assert box["x"] <= 0.5
    assert box["width"] >= width - 1, f"the visit entry is {box['width']} px of {width}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("[data-test=visit-more]")
    targets = page.eval_on_selector_all(
        "[data-test=visit-entry] button, [data-test=visit-entry] .el-checkbox",
        "els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height])",
    )
    small = [t for t in targets if t[1] < 40]
    assert not small, f"tap targets under 40 px: {small}"
    shot(page, "visit-entry-phone", full_page=False)
    page.click("[data-value=companionship]")
    page.click("[data-test=save-visit]")
    page.wait_for_url("**/worklist")

    # the visit opened from the elder's timeline fills the screen too
    page.goto(f"/elders/{elder_id}")
    page.locator("[data-test=open-visit]").first.click()
    page.wait_for_selector("[data-test=visit-detail]")
    dialog = page.locator(".el-dialog.is-fullscreen:visible")
    dialog.wait_for()
    dbox = dialog.bounding_box()
    assert dbox is not None
    assert dbox["width"] >= width - 1


def test_the_worklist_export_has_chinese_headers(new_page: Any, server: Server) -> None:
    page = new_page(1366, 768)
    login(page, WORKER)
    page.wait_for_selector("[data-test=worklist] li")
    with page.expect_download() as dl:
        page.click("[data-test=worklist-export]")
    assert dl.value.suggested_filename.startswith("worklist-")
    sheet = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    head, body = rows[0], rows[1:]
    assert head[:4] == ["乡镇", "村（社区）", "村代码", "老人姓名"]
    # the same elders as the list on screen (all pages), in words
    listed = server.get(WORKER, "/worklist", due_within_days=7, limit=200, count="true")
    assert len(body) == listed["total"]
    assert {r[head.index("老人姓名")] for r in body} == {i["name"] for i in listed["items"]}
    assert {r[head.index("风险等级")] for r in body} <= {"高风险", "重点", "一般"}

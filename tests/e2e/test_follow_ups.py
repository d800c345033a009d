"""The care loop on screen: a village worker logs a visit with a gas hazard on a phone, the
township sees it in its hazard list and assigns it, and the worker closes it on the next
visit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Server, login, shot

pytestmark = pytest.mark.slow

WORKER = "lanshan_village"
TOWNSHIP = "lanshan_township"
VILLAGE = "431127104230"


def test_a_gas_hazard_found_assigned_and_closed(new_page: Any, server: Server) -> None:
    due = server.get(WORKER, "/worklist", limit=50)["items"]
    elder = next(
        i
        for i in due
        if not server.get(WORKER, f"/elders/{i['elder_id']}/follow-ups", open="true")["items"]
    )
    elder_id, name = elder["elder_id"], elder["name"]

    # the village worker, on a phone: a visit that finds a gas hazard
    phone = new_page(360, 740)
    login(phone, WORKER)
    phone.goto(f"/visit/{elder_id}")
    phone.wait_for_selector("[data-test=save-visit]")
    phone.click("form button[aria-expanded]")  # the optional findings
    phone.click("[data-value=fire_gas]")
    assert phone.get_attribute("[data-value=fire_gas]", "aria-pressed") == "true"
    shot(phone, "follow-up-visit-hazard-phone")
    phone.click("[data-test=save-visit]")
    phone.wait_for_url("**/worklist")
    [item] = server.get(WORKER, f"/elders/{elder_id}/follow-ups", open="true")["items"]
    assert (item["kind"], item["owner_type"]) == ("fire_gas", "village_worker")
    # the worklist shows the item the worker holds
    card = phone.locator(f"[data-test=worklist-follow-ups] li[data-follow-up='{item['id']}']")
    card.wait_for()
    assert "用火用气" in card.inner_text()

    # the township: the hazard list, its village's count, assign it to the township
    township = new_page()
    login(township, TOWNSHIP)
    township.goto("/follow-ups")
    township.wait_for_selector(f"[data-test=fu-table] a[data-follow-up='{item['id']}']")
    hazards = township.locator(f"[data-test=open-hazards][data-village='{VILLAGE}']")
    assert int(hazards.inner_text()) >= 1
    row = township.locator("[data-test=fu-table] tr.el-table__row").filter(
        has=township.locator(f"a[data-follow-up='{item['id']}']")
    )
    assert name in row.inner_text()
    assert "用火用气" in row.locator("[data-test=fu-kind-cell]").inner_text()
    row.locator(".el-checkbox").first.click()
    township.click("[data-test=fu-assign]")
    township.wait_for_selector("[data-test=fu-assign-submit]")
    shot(township, "follow-up-assign")
    township.click("[data-test=fu-assign-submit]")
    township.wait_for_selector("text=已指派 1 项")
    row = township.locator("[data-test=fu-table] tr.el-table__row").filter(
        has=township.locator(f"a[data-follow-up='{item['id']}']")
    )
    row.locator("[data-test=fu-owner-cell]", has_text="乡镇").wait_for()
    assigned = server.get(TOWNSHIP, f"/follow-ups/{item['id']}")
    assert (assigned["owner_type"], assigned["owner_id"]) == ("township", None)

    # the worker's next visit closes it
    phone.goto(f"/visit/{elder_id}")
    box = phone.locator(f"[data-test=visit-open-follow-ups] [data-follow-up='{item['id']}']")
    box.check()
    shot(phone, "follow-up-closed-on-visit-phone")
    phone.click("[data-test=save-visit]")
    phone.wait_for_url("**/worklist")
    done = server.get(WORKER, f"/follow-ups/{item['id']}")
    assert done["status"] == "resolved"
    assert done["closed_visit_id"] is not None
    assert done["history"][-1]["to_status"] == "resolved"

    # and the township's list of resolved hazards shows it in words
    township.goto("/follow-ups")
    township.wait_for_selector("[data-test=fu-filters]")
    township.locator("[data-test=fu-status]").click()
    township.locator(".el-select-dropdown__item", has_text="已解决").click()
    cell = township.locator("[data-test=fu-table] tr.el-table__row").filter(
        has=township.locator(f"a[data-follow-up='{item['id']}']")
    )
    cell.locator("[data-test=fu-status-cell]", has_text="已解决").wait_for()


def test_a_named_owner_due_services_and_an_incidents_follow_ups(
    new_page: Any, server: Server
) -> None:
    import httpx

    # the demo's care loop: open hazards in the village, one of them handed to a named worker
    [worker] = [u for u in server.get("lanshan_admin", "/users", role="village_worker")["items"]
                if u["username"] == WORKER]  # fmt: skip
    hazards = server.get(TOWNSHIP, "/follow-ups", category="hazard", open="true", limit=50)
    item = next(
        i for i in hazards["items"] if i["village_code"] == VILLAGE and i["owner_id"] is None
    )
    township = new_page()
    login(township, TOWNSHIP)
    township.goto("/follow-ups")
    row = township.locator("[data-test=fu-table] tr.el-table__row").filter(
        has=township.locator(f"a[data-follow-up='{item['id']}']")
    )
    row.wait_for()
    row.locator(".el-checkbox").first.click()
    township.click("[data-test=fu-assign]")
    township.locator("[data-test=fu-owner-type]").click()
    township.locator(".el-select-dropdown__item", has_text="本村工作人员").click()
    township.locator("[data-test=fu-owner-person]").click()
    township.locator(".el-select-dropdown__item", has_text="南风坳村 李专干").click()
    shot(township, "follow-up-assign-named")
    township.click("[data-test=fu-assign-submit]")
    township.wait_for_selector("text=已指派 1 项")
    assigned = server.get(TOWNSHIP, f"/follow-ups/{item['id']}")
    assert (assigned["owner_type"], assigned["owner_id"]) == ("village_worker", worker["id"])

    # the elder's due services on the elder's page
    township.goto(f"/elders/{item['elder_id']}")
    services = township.locator("[data-test=elder-services] li[data-service]")
    services.first.wait_for()
    assert "健康体检" in township.locator("[data-test=elder-services]").inner_text()

    # an incident resolved with a follow-up arranged links to the item it opened
    incident = next(
        i
        for i in server.get(TOWNSHIP, "/incidents", status="in_progress")["items"]
        if "resolved" in server.get(TOWNSHIP, f"/incidents/{i['id']}")["allowed_transitions"]
    )
    r = httpx.post(
        f"{server.base}/api/v1/incidents/{incident['id']}/transitions",
        headers={"Authorization": f"Bearer {server.token(TOWNSHIP)}"},
        json={
            "to": "resolved",
            "note": "已送医",
            "follow_up": {"kind": "daily_care", "description": "出院后安排邻里照看"},
        },
        timeout=30,
    )
    assert r.status_code == 200, r.text
    [opened] = r.json()["follow_up_ids"]
    township.goto(f"/incidents/{incident['id']}")
    link = township.locator(f"[data-test=incident-follow-ups] li[data-follow-up='{opened}'] a")
    link.wait_for()
    assert link.inner_text() == "生活照料"


def test_export_selected_holds_only_the_chosen_rows(new_page: Any, server: Server) -> None:
    import io
    from pathlib import Path

    import openpyxl

    hazards = server.get(TOWNSHIP, "/follow-ups", category="hazard", open="true", limit=50)
    assert len(hazards["items"]) >= 2
    chosen = hazards["items"][1]
    township = new_page()
    login(township, TOWNSHIP)
    township.goto("/follow-ups")
    row = township.locator("[data-test=fu-table] tr.el-table__row").filter(
        has=township.locator(f"a[data-follow-up='{chosen['id']}']")
    )
    row.wait_for()
    assert township.is_disabled("[data-test=fu-export-selected]")
    row.locator(".el-checkbox").first.click()
    assert "1" in township.inner_text("[data-test=fu-export-selected]")
    with township.expect_download() as dl:
        township.click("[data-test=fu-export-selected]")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    head, *rows = list(sheet.iter_rows(values_only=True))
    assert head[:3] == ("村（社区）", "村代码", "老人姓名")
    assert len(rows) == 1
    assert rows[0][2] == chosen["elder_name"]
    assert rows[0][1] == chosen["village_code"]


def test_the_hazard_list_is_numbered_pages_and_cards_on_a_phone(
    new_page: Any, server: Server
) -> None:
    everything = server.get(TOWNSHIP, "/follow-ups", limit=1, count="true", open="false")
    assert everything["total"] >= 1
    # a desktop: numbered pages with the total, the village of each row named
    page = new_page()
    login(page, TOWNSHIP)
    page.goto("/follow-ups")
    page.wait_for_selector("[data-test=fu-table] tr.el-table__row")
    page.wait_for_selector("[data-test=fu-pager]")
    assert "共" in page.inner_text("[data-test=fu-pager]")
    first_place = page.locator("[data-test=fu-table] tr.el-table__row td").nth(2)
    page.wait_for_function("el => el.innerText.trim().length > 0", arg=first_place.element_handle())
    assert not any(ch.isdigit() for ch in first_place.inner_text())  # a name, not a code

    # a phone: cards, nothing wider than the screen
    phone = new_page(360, 740, is_mobile=True, has_touch=True)
    login(phone, TOWNSHIP)
    phone.goto("/follow-ups")
    phone.wait_for_selector("[data-test=fu-card]")
    assert phone.locator("[data-test=fu-table]").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shot(phone, "follow-ups-cards-phone", full_page=False)

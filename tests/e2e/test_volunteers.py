"""The volunteers screen in a real browser: the list names each volunteer's village, the
export downloads with Chinese headers and village names, a volunteer is added in a checked
form with the region chosen by name, and a pairing ends only after the dialog's confirmation."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, cascade, close_cascader, login, shot

pytestmark = pytest.mark.slow

OFFICER = "lanshan_township"
VILLAGE = "431127104230"
CODE = re.compile(r"\d{9,12}")


def _post(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(
        f"{server.base}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {server.token(OFFICER)}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_the_volunteer_export_has_chinese_headers_and_names(new_page: Any, server: Server) -> None:
    page = new_page()
    login(page, OFFICER)
    page.goto("/volunteers")
    page.wait_for_selector("[data-test=volunteers-table] tbody tr")
    places = page.eval_on_selector_all("[data-test=place]", "c => c.map(x => x.textContent)")
    assert any(places)
    assert not any(CODE.search(p or "") for p in places), places
    with page.expect_download() as dl:
        page.click("[data-test=volunteers-export-csv]")
    text = Path(dl.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["乡镇", "村（社区）", "姓名", "联系电话"]
    assert "结对老人" in rows[0]
    body = rows[1:]
    assert len(body) == server.get(OFFICER, "/volunteers", limit=1, count="true")["total"]
    assert all(r[0] == "所城镇" for r in body)
    assert not any(CODE.search(r[1]) for r in body)
    assert all("*" in r[3] for r in body if r[3])  # phones masked
    shot(page, "volunteers")


def test_a_volunteer_is_added_and_a_pairing_ended_after_confirming(
    new_page: Any, server: Server
) -> None:
    page = new_page()
    login(page, OFFICER)
    page.goto("/volunteers")
    page.wait_for_selector("[data-test=volunteers-table] tbody tr")
    page.click("[data-test=volunteer-new]")
    page.click("[data-test=nv-save]")  # nothing filled in: said at the fields
    errors = page.locator("[data-test=volunteer-form] .el-form-item__error")
    errors.first.wait_for()
    assert errors.count() >= 2
    page.fill("[data-test=volunteer-form] input[name=name]", "浏览器志愿者")
    page.fill("[data-test=volunteer-form] input[name=phone]", "13766660001")
    village = server.get(OFFICER, f"/regions/{VILLAGE}")["name"]
    cascade(page, "volunteer-region", [village])
    close_cascader(page)  # any level may be chosen: the panel stays open
    page.click("[data-test=nv-save]")
    page.wait_for_selector("[data-test=volunteer-form]", state="hidden")
    [added] = server.get(OFFICER, "/volunteers", q="浏览器志愿者")["items"]
    assert added["region_code"] == VILLAGE

    elder = server.get(OFFICER, "/elders", region=VILLAGE, status="active", limit=1)["items"][0]
    # begun well before today, whatever day the browser's clock says it is
    pairing = _post(
        server,
        "/pairings",
        {"elder_id": elder["id"], "volunteer_id": added["id"], "start_date": "2026-01-01"},
    )
    page.fill("[data-test=volunteer-search]", "浏览器志愿者")
    page.click("[data-test=volunteer-filter-submit]")
    page.click(f"[data-test=volunteer-{added['id']}]")
    page.click(f"[data-test=end-{pairing['id']}]")
    dialog = page.locator(".el-dialog:has([data-test=end-confirm])")
    dialog.wait_for()
    assert elder["name"] in dialog.inner_text()
    dialog.locator("button", has_text="取消").click()
    assert server.get(OFFICER, f"/pairings/{pairing['id']}")["end_date"] is None
    page.click(f"[data-test=end-{pairing['id']}]")
    page.click("[data-test=end-confirm]")
    page.wait_for_selector(f"[data-test=end-{pairing['id']}]", state="detached")
    assert server.get(OFFICER, f"/pairings/{pairing['id']}")["end_date"] is not None


@pytest.mark.parametrize("path", ["/volunteers", "/sweeps", "/elders/duplicates"])
def test_lists_are_cards_on_a_phone(new_page: Any, path: str) -> None:
    page = new_page(360, 740, is_mobile=True, has_touch=True)
    login(page, OFFICER)
    page.goto(path)
    page.wait_for_selector("main li.card, main .state")
    assert page.locator("main .el-table").count() == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} overflows a 360 px screen ({width} px)"

"""Duplicate records in a real browser: the township officer finds a pair registered twice,
compares it side by side, merges it taking chosen fields, and undoes the merge."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import pytest
from eldercare import identity

from tests.e2e.conftest import Server, login, shot

pytestmark = pytest.mark.slow

OFFICER = "lanshan_township"
VILLAGE = "431127104230"
OTHER_VILLAGE = "431127104204"  # same township
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _register(server: Server, **body: Any) -> dict[str, Any]:
    r = httpx.post(
        f"{server.base}/api/v1/elders",
        json=body,
        headers={"Authorization": f"Bearer {server.token(OFFICER)}"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _twins(
    server: Server, born: date, name: str, male: bool, first: dict[str, Any], second: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """One person registered twice (two ID numbers, the same birth and name): both records
    and the pair's key as the duplicates screen marks it."""
    a, b = (
        _register(
            server,
            id_number=identity.make("431127", born, serial, male),
            name=name,
            **fields,
        )
        for serial, fields in ((born.day * 10 + 1, first), (born.day * 10 + 2, second))
    )
    return a, b, f"{min(a['id'], b['id'])}-{max(a['id'], b['id'])}"


def _status(server: Server, path: str) -> int:
    r = httpx.get(
        f"{server.base}/api/v1{path}",
        headers={"Authorization": f"Bearer {server.token(OFFICER)}"},
        timeout=30,
    )
    return r.status_code


def _revealed(server: Server, a: str, b: str) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{server.base}/api/v1/elders/duplicates/id-numbers",
        params={"a": a, "b": b},
        headers={"Authorization": f"Bearer {server.token(OFFICER)}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return list(r.json())


def test_a_duplicate_is_compared_merged_and_the_merge_undone(new_page: Any, server: Server) -> None:
    a, b, pair = _twins(
        server,
        date(1941, 7, 19),
        "钱桂芝",
        False,
        {"village_code": VILLAGE, "address": "南风坳村3组"},
        {
            "village_code": OTHER_VILLAGE,
            "notes": "另一份登记：女儿在广东务工",
            "phone": "13912345678",
            "living_arrangement": "alone",
        },
    )
    page = new_page()
    login(page, OFFICER)
    page.goto("/elders")
    page.click("[data-test=duplicates-link]")
    row = page.wait_for_selector(f"[data-test=duplicates] tr:has([data-pair='{pair}'])")
    assert "姓名相同" in row.inner_text()
    # two records of one name are told apart by their villages
    places = [p.inner_text() for p in row.query_selector_all("[data-test=place]")]
    assert len(places) == 2
    assert places[0] != places[1]
    row.query_selector("[data-test=compare]").click()
    page.wait_for_selector("[data-test=merge-form]")
    page.wait_for_function("() => document.activeElement?.id === 'cmp-title'")
    # keeping the record with a phone: the other's empty phone is not offered as a value to
    # take, only as an explicit, unticked "clear"
    page.check(f"[data-test=keep-{b['id']}]")
    assert page.locator("input[name=take_phone]").count() == 0
    assert page.locator("input[name=clear_phone]").count() == 1
    assert not page.is_checked("input[name=clear_phone]")
    assert "清空" in page.inner_text("tr:has([data-field=phone])")
    # both full ID numbers side by side, on request
    page.click("[data-test=reveal-ids]")
    id_row = page.locator("tr:has([data-field=id_number])")
    page.wait_for_function(
        "() => !document.querySelector('[data-field=id_number]').closest('tr').innerText"
        ".includes('*')"
    )
    full = {r["id"]: r["id_number"] for r in _revealed(server, a["id"], b["id"])}
    assert full[a["id"]] in id_row.inner_text()
    assert full[b["id"]] in id_row.inner_text()
    page.check(f"[data-test=keep-{a['id']}]")
    # what the record kept lacks is offered from the other; nothing else is ticked
    assert page.is_checked("input[name=take_notes]")
    assert page.is_checked("input[name=take_phone]")
    # the other record has no address: never taken over this one, only cleared explicitly
    assert page.locator("input[name=take_address]").count() == 0
    assert not page.is_checked("input[name=clear_address]")
    assert page.locator("input[name=take_name]").count() == 0  # the same in both
    page.uncheck("label:has(input[name=take_phone])")
    shot(page, "merge-compare")

    page.click("[data-test=do-merge]")  # no reason given
    assert CHINESE.search(page.inner_text("[data-test=merge-error-reason]"))
    assert _status(server, f"/elders/{b['id']}") == 200  # nothing merged

    page.fill("input[name=merge_reason]", "同一人重复登记")
    page.click("[data-test=do-merge]")
    # the new merge's undo button takes the focus (other merges may be listed already)
    page.wait_for_function("() => document.activeElement?.dataset.test?.startsWith('undo-')")
    merge_id = page.evaluate("() => document.activeElement.dataset.test.slice(5)")
    recent = page.locator(f"[data-test=recent-merges] li[data-merge='{merge_id}']")
    assert recent.count() == 1
    for code in (VILLAGE, OTHER_VILLAGE):
        assert server.get(OFFICER, f"/regions/{code}")["name"] in recent.inner_text()
    kept = server.get(OFFICER, f"/elders/{a['id']}")
    assert kept["notes"] == "另一份登记：女儿在广东务工"
    assert kept["phone"] is None
    assert kept["address"] == "南风坳村3组"
    assert _status(server, f"/elders/{b['id']}") == 410  # gone, pointing to the survivor
    assert page.locator(f"[data-test=duplicates] tr:has([data-pair='{pair}'])").count() == 0
    shot(page, "merge-done")

    # the merged record's address leads to the record kept, with a notice; its history
    # shows the merge and its reason
    other = new_page()
    login(other, OFFICER)
    other.goto(f"/elders/{b['id']}")
    other.wait_for_url(f"**/elders/{a['id']}?merged_from={b['id']}")
    other.wait_for_selector("[data-test=merged-notice]")
    merged_row = other.wait_for_selector("tr:has([data-history-action=merge])")
    assert "同一人重复登记" in merged_row.inner_text()
    other.close()

    # another session (a new tab: its own session storage) finds it through the server
    other = new_page()
    login(other, OFFICER)
    other.goto("/elders/duplicates")
    other.wait_for_selector(f"[data-test=recent-merges] li[data-merge='{merge_id}']")
    other.close()

    page.keyboard.press("Enter")  # the undo button has the focus
    page.wait_for_selector("[data-test=recent-merges] [role=status]")
    assert _status(server, f"/elders/{b['id']}") == 200
    assert server.get(OFFICER, f"/elders/{a['id']}")["notes"] == ""
    page.wait_for_selector(f"[data-test=duplicates] tr:has([data-pair='{pair}'])")


def test_the_duplicates_screen_is_for_townships_and_up(new_page: Any) -> None:
    page = new_page()
    login(page, "lanshan_village")
    page.goto("/elders")
    page.wait_for_selector("[data-test=elders-table] tbody tr")
    assert page.locator("[data-test=duplicates-link]").count() == 0
    page.goto("/elders/duplicates")
    page.wait_for_url("**/worklist")


def test_the_comparison_is_cards_on_a_phone(new_page: Any, server: Server) -> None:
    a, _, pair = _twins(
        server,
        date(1943, 2, 11),
        "孙德明",
        True,
        {"village_code": VILLAGE, "address": "南风坳村5组"},
        {"village_code": OTHER_VILLAGE, "phone": "13912345699"},
    )
    page = new_page(360, 740)
    login(page, OFFICER)
    page.goto("/elders/duplicates")
    card = page.wait_for_selector(f"ul[data-test=duplicates] li[data-pair='{pair}']")
    card.query_selector("[data-test=compare]").click()
    page.wait_for_selector("ul[data-test=merge-fields] li")
    assert page.locator("[data-test=merge-fields] table").count() == 0
    page.check(f"[data-test=keep-{a['id']}]")
    phone = page.locator("[data-test=merge-fields] li:has([data-field=phone])")
    assert "13912345699"[-4:] in phone.inner_text()  # the other record's phone, masked
    assert page.is_checked("input[name=take_phone]")  # what the kept record lacks is offered
    assert "相同" in page.inner_text("[data-test=merge-fields] li:has([data-field=name])")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "merge-compare-phone")

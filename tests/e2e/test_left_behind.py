"""A child entered in the app makes an elder left-behind: the guardian form asks where the
child works (province / city / county by name), shows how far away that is, and the elder
gets the 留守 tag the API gives (domain.md: all children away from the county for six months
or more, plans 八 and 九)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from eldercare import identity

from tests.e2e.conftest import Server, choose, login, shot

pytestmark = pytest.mark.slow

WORKER = "lanshan_village"
VILLAGE = "431127104230"
CATS = "section[aria-labelledby=s-cat]"  # categories and risk on the elder detail


def _new_elder(server: Server) -> dict[str, Any]:
    """An elder of the worker's village with no children recorded yet."""
    for seq in range(900, 960):
        body = {
            "id_number": identity.make("431127", date(1947, 2, 13), seq, False),
            "name": "邓桂兰",
            "village_code": VILLAGE,
            "living_arrangement": "alone",
            "self_care": "independent",
        }
        r = httpx.post(
            f"{server.base}/api/v1/elders",
            json=body,
            headers={"Authorization": f"Bearer {server.token(WORKER)}"},
            timeout=30,
        )
        if r.status_code == 201:
            return dict(r.json())
        assert r.status_code == 409, r.text  # an ID number the demo already has
    raise AssertionError("no free ID number")


def _scope(page: Any) -> tuple[bool, str]:
    """How far away the child is, as the form shows it: (worked out by the form, words)."""
    scope = page.locator("[data-test=g-away-scope]")
    disabled = scope.locator(".el-select__wrapper.is-disabled").count() == 1
    return disabled, scope.locator(".el-select__placeholder").inner_text().strip()


def test_a_son_working_in_shenzhen_since_2019_makes_the_elder_left_behind(
    new_page: Any, server: Server
) -> None:
    elder = _new_elder(server)
    assert elder["is_left_behind"] is False
    page = new_page(360, 740, is_mobile=True, has_touch=True)
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.wait_for_selector(CATS)
    assert "留守" not in [t.strip() for t in page.locator(f"{CATS} .tag").all_inner_texts()]

    page.click("[data-test=add-guardian]")
    page.fill("input[name=g_name]", "邓建军")
    choose(page, "关系", "儿子")
    # the place of work, by name: 广东省, then 深圳市, then 宝安区 (found by typing part of
    # its name); no code is typed or shown
    choose(page, "务工地省份", "广东省")
    choose(page, "务工地地市", "深圳市")
    page.click(".el-select:has(input[aria-label='务工地区县'])")
    page.keyboard.type("宝安")
    menu = ".el-select-dropdown:visible:has(.el-select-dropdown__item:has-text('宝安区'))"
    options = page.locator(menu).locator(".el-select-dropdown__item:visible")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.el-select-dropdown__item')]"
        ".filter(o => o.offsetParent && o.innerText.includes('区')).length === 1"
    )
    assert options.all_inner_texts() == ["宝安区"]  # the list of 深圳's districts, filtered
    options.first.click()
    chosen = page.inner_text("[data-test=work-region-chosen]")
    assert "广东省 深圳市 宝安区" in chosen, chosen
    assert "440306" not in page.inner_text("[data-test=guardian-form]")
    page.fill("input[name=g_work_location]", "电子厂")
    assert _scope(page) == (True, "省外")
    page.fill("input[name=g_away_since]", "2019-03-01")
    page.keyboard.press("Tab")
    shot(page, "guardian-work-region")
    page.click("[data-test=save-guardian]")

    row = page.wait_for_selector(".guardian-row:has-text('邓建军')")
    assert row is not None
    assert "电子厂" in row.inner_text()
    assert "省外" in row.inner_text()
    # the change history names the place too, never its code
    page.locator("[data-test=history-table]", has_text="广东省 深圳市 宝安区").wait_for()
    assert "440306" not in page.inner_text("#main")
    page.wait_for_selector(f"{CATS} .tag >> text=留守")
    reason = page.inner_text(CATS)
    assert "1 名子女均离开本县满 6 个月" in reason, reason
    assert "去向或外出时间不详" not in reason

    # as the API makes it
    stored = server.get(WORKER, f"/elders/{elder['id']}")
    assert stored["is_left_behind"] is True
    (son,) = server.get(WORKER, f"/elders/{elder['id']}/guardians")
    assert (son["work_region_code"], son["away_scope"]) == ("440306", "outside_province")
    assert son["away_since"] == "2019-03-01"


def test_a_child_in_the_elders_own_city_is_asked_how_far_away(
    new_page: Any, server: Server
) -> None:
    elder = _new_elder(server)
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.click("[data-test=add-guardian]")
    page.fill("input[name=g_name]", "邓建华")
    choose(page, "务工地省份", "湖南省")
    choose(page, "务工地地市", "永州市")
    assert _scope(page)[0] is False
    page.wait_for_selector("[data-test=scope-choose]")
    # the elder's own county: nearby, chosen for the user
    choose(page, "务工地区县", "蓝山县")
    assert _scope(page) == (True, "本县其他乡镇")
    # another county of 永州: outside the county
    choose(page, "务工地区县", "江华瑶族自治县")
    assert _scope(page) == (True, "县外省内")
    page.fill("input[name=g_away_since]", "2018-05-01")
    page.keyboard.press("Tab")
    page.click("[data-test=save-guardian]")
    page.wait_for_selector(f"{CATS} .tag >> text=留守")
    (child,) = server.get(WORKER, f"/elders/{elder['id']}/guardians")
    assert (child["work_region_code"], child["away_scope"]) == ("431129", "outside_county")

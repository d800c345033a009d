"""Element Plus forms and lists: field errors where they belong, regions chosen by name,
numbered pages, cards on a phone, the dashboard's drill-down and a plain login screen."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from eldercare import identity

from tests.e2e.conftest import Server, cascade, login, shot

VILLAGE = "431127104230"  # 南风坳村 of 所城镇
OTHER_VILLAGE = "431127104204"  # 所城村


def _in_view_and_focused(page: Any, name: str) -> bool:
    return bool(
        page.evaluate(
            """n => {
              const el = document.querySelector(`input[name=${n}]`);
              const r = el.getBoundingClientRect();
              return document.activeElement === el && r.top >= 0 && r.bottom <= innerHeight;
            }""",
            name,
        )
    )


def test_a_failed_save_marks_the_fields_and_jumps_to_the_first(
    new_page: Any, server: Server
) -> None:
    page = new_page(1366, 768)
    login(page, "lanshan_township")
    page.goto("/elders/new")
    page.wait_for_selector("[data-test=elder-form]")
    # no browser bubbles ("Please fill out this field"): the form checks, in Chinese
    assert page.locator("[data-test=elder-form] [required]").count() == 0
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.click("[data-test=save-elder]")
    page.wait_for_selector(".el-form-item.is-error .el-form-item__error >> text=请选择所在村")
    errors = page.inner_text("[data-test=elder-form]")
    assert "请填写身份证号" in errors
    assert "请填写姓名" in errors
    assert "请选择所在村" in errors
    page.wait_for_function("document.activeElement?.name === 'id_number'")
    assert _in_view_and_focused(page, "id_number")

    # the server's message goes under the field it is about, and the page goes there
    page.fill("input[name=id_number]", "431127194501011234")
    page.fill("input[name=name]", "级联测试老人")
    cascade(page, "village_code", ["南风坳村"])
    assert "南风坳村" in page.input_value("[data-test=region-village_code] input")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.click("[data-test=save-elder]")
    err = page.wait_for_selector("[data-test=err-id_number]")
    assert err.inner_text() == "身份证号码校验位不正确，请核对"
    page.wait_for_function("document.activeElement?.name === 'id_number'")
    assert _in_view_and_focused(page, "id_number")
    shot(page, "elder-form-field-errors", full_page=False)

    good = identity.make("431127", date(1941, 6, 9), 517, True)
    page.fill("input[name=id_number]", good)
    page.click("[data-test=save-elder]")
    page.wait_for_url(re.compile(r".*/elders/[0-9a-f]{32}$"))
    elder_id = page.url.rsplit("/", 1)[1]
    assert server.get("lanshan_township", f"/elders/{elder_id}")["village_code"] == VILLAGE


def test_the_register_filters_by_a_village_chosen_by_name(new_page: Any, server: Server) -> None:
    page = new_page(1366, 768)
    login(page, "lanshan_county")
    page.goto("/elders")
    page.wait_for_selector("[data-test=elders-table] tbody tr")
    # a county's list names the township and village of each row
    page.wait_for_selector("[data-test=place] >> text=所城镇 · ")
    cascade(page, "filter", ["所城镇", "所城村"])
    page.click("[data-test=elder-filter-submit]")
    expected = server.get(
        "lanshan_county", "/elders", region=OTHER_VILLAGE, status="active", count="true", limit=1
    )["total"]
    page.wait_for_function(
        "n => (document.querySelector('[data-test=elders-total]')?.textContent || '')"
        ".replace(/,/g, '').includes(String(n))",
        arg=expected,
    )
    villages = page.eval_on_selector_all(
        "[data-test=elders-table] tbody tr [data-village]", "c => c.map(x => x.dataset.village)"
    )
    assert villages
    assert set(villages) == {OTHER_VILLAGE}
    places = page.eval_on_selector_all("[data-test=place]", "c => c.map(x => x.textContent)")
    names = [
        server.get("lanshan_county", f"/regions/{c}")["name"] for c in ("431127104", OTHER_VILLAGE)
    ]
    assert set(places) == {" · ".join(names)}, places
    shot(page, "elders-filter-cascader", full_page=False)


def test_the_register_has_numbered_pages_and_sorts_by_age(new_page: Any, server: Server) -> None:
    page = new_page(1366, 768)
    login(page, "lanshan_township")
    page.goto("/elders")
    page.wait_for_selector("[data-test=elders-table] tbody tr")
    total = server.get("lanshan_township", "/elders", status="active", count="true", limit=1)
    assert total["total"] > 40
    # the third page, reached by its number, holds rows 41 to 60 of the API's order
    page.click("[data-test=elders-pager] .el-pager li >> text=3")
    api_rows = server.get("lanshan_township", "/elders", status="active", limit=60)["items"][40:]
    page.wait_for_function(
        "id => document.querySelector(`[data-test=elders-table] tbody tr a[href$='${id}']`)",
        arg=api_rows[0]["id"],
    )
    # sorting by the age column asks the API for that order
    page.click("[data-test=elders-table] th:has-text('年龄') .caret-wrapper .ascending")
    youngest = server.get("lanshan_township", "/elders", status="active", sort="age", limit=1)
    page.wait_for_function(
        "id => document.querySelector("
        "`[data-test=elders-table] tbody tr:first-child a[href$='${id}']`)",
        arg=youngest["items"][0]["id"],
    )


def test_lists_are_cards_on_a_phone(new_page: Any) -> None:
    page = new_page(360, 740, is_mobile=True, has_touch=True)
    login(page, "lanshan_township")
    page.goto("/elders")
    page.wait_for_selector("[data-test=elder-card]")
    assert page.locator("[data-test=elders-table]").count() == 0
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 361)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, wide
    # a name is one line, not a column of single characters
    heights = page.eval_on_selector_all(
        "[data-test=elder-card] .name",
        "c => c.map(x => x.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(x).fontSize))",
    )
    assert heights
    assert max(heights) < 2, heights
    # the log-out button is one line too
    page.click(".menu-btn")
    box = page.locator("[data-test=logout]").bounding_box()
    assert box is not None
    assert box["height"] < 40
    assert box["width"] > box["height"]
    shot(page, "elders-cards-phone", full_page=False)


def test_the_dashboard_drills_down_to_a_township(new_page: Any, server: Server) -> None:
    page = new_page(1366, 768)
    login(page, "lanshan_county")
    page.wait_for_url("**/dashboard")
    page.wait_for_selector("[data-test=kpi-elders]")
    assert "各乡镇老人类别" in page.inner_text("[data-test=per-child-title]")
    assert page.locator(".echart canvas").count() >= 4
    page.click("[data-test=drill-links] button >> text=所城镇")
    page.wait_for_selector("[data-test=per-child-title] >> text=所城镇 · 各村老人类别")
    s = server.get("lanshan_county", "/stats/summary", region="431127104")
    assert page.inner_text("[data-test=kpi-elders]").strip() == str(s["totals"]["elders"])
    assert page.locator("[data-test=drill-links]").count() == 0  # villages are the last level
    shot(page, "dashboard-township")
    page.click("[data-test=drill-up]")
    page.wait_for_selector("[data-test=per-child-title] >> text=各乡镇老人类别")


def test_the_login_screen_speaks_plainly(new_page: Any) -> None:
    for width, height in ((1366, 768), (360, 740)):
        page = new_page(width, height)
        page.goto("/login")
        page.wait_for_selector("input[name=username]")
        text = page.inner_text("body")
        for word in ("API", "凭证", "token", "Token"):
            assert word not in text, word
        assert page.locator("a[href='/docs']").count() == 0
        assert page.locator("[required]").count() == 0
        page.click("button[type=submit]")
        assert page.inner_text("[data-test=login-error]") == "请输入用户名和密码"
        shot(page, f"login-{width}", full_page=False)

"""The county policies screen in a real browser: the relief parameters saved as a new
version (listed with the earlier ones), the register settings with If-Match, and the
server's Chinese messages under the fields of all four policies."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import Server, login, shot

pytestmark = pytest.mark.slow

COUNTY = "lanshan_county"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _chinese(page: Any, selector: str) -> str:
    text = page.wait_for_selector(selector).inner_text()
    assert CHINESE.search(text), text
    return text


def test_relief_parameters_are_saved_as_a_new_version(new_page: Any, server: Server) -> None:
    before = server.get(COUNTY, "/policies/relief/versions")
    page = new_page()
    login(page, COUNTY)
    page.goto("/admin/policies")
    page.wait_for_selector("[data-test=relief-form]")
    page.fill("input[name=relief_single_person_share]", "2")
    page.fill("input[name=relief_minimum_living_standard]", "650")
    page.fill("input[name=relief_extreme_poverty_basic]", "700")
    page.click("[data-test=save-relief]")
    _chinese(page, "[data-test=relief-error-single_person_share]")
    _chinese(page, "[data-test=relief-error]")
    assert server.get(COUNTY, "/policies/relief/versions") == before  # nothing written
    # the rule across two fields: the basic standard at least 1.3 × the minimum standard
    page.fill("input[name=relief_single_person_share]", "0.5")
    page.click("[data-test=save-relief]")
    page.wait_for_selector("[data-test=relief-error] >> text=1.3 倍")
    assert server.get(COUNTY, "/policies/relief/versions") == before

    page.fill("input[name=relief_extreme_poverty_basic]", "845")
    page.fill("input[name=relief_note]", "2026年新标准")
    page.click("[data-test=add-tier]")
    page.wait_for_function("() => document.activeElement?.name?.startsWith('tier_age_')")
    focused = page.evaluate("document.activeElement.name")
    assert focused.startswith("tier_age_"), focused
    page.keyboard.type("85")
    page.fill(f"input[name={focused.replace('age', 'amount')}]", "60")
    page.click("[data-test=save-relief]")
    # in force today: every elder of the county is screened again
    page.wait_for_selector("[data-test=policy-relief] [role=status]", timeout=90_000)
    after = server.get(COUNTY, "/policies/relief/versions")
    assert len(after["items"]) == len(before["items"]) + 1
    newest = next(v for v in after["items"] if v["version_id"] == after["latest_version_id"])
    assert newest["note"] == "2026年新标准"
    assert float(newest["settings"]["minimum_living_standard"]) == 650
    assert float(newest["settings"]["single_person_share"]) == 0.5
    assert float(newest["settings"]["extreme_poverty_basic"]) == 845
    assert [t["min_age"] for t in newest["settings"]["old_age_tiers"]].count(85) == 1
    page.wait_for_selector(f"[data-test=relief-versions] [data-version='{newest['version_id']}']")
    shot(page, "policies-relief")


def test_register_settings_with_the_servers_messages(new_page: Any, server: Server) -> None:
    before = server.get(COUNTY, "/policies/register")
    page = new_page()
    login(page, COUNTY)
    page.goto("/admin/policies")
    page.wait_for_selector("[data-test=policy-register] form")
    # a number out of bounds is brought back within them where it is typed
    page.fill("input[name=reg_advanced_age]", "50")
    page.keyboard.press("Tab")
    assert page.input_value("input[name=reg_advanced_age]") == "60"
    # what the server refuses is shown under its field (the answer of a refusing server)
    refusal = {
        "status": 422,
        "title": "参数有误",
        "errors": [{"loc": ["body", "advanced_age"], "code": "x", "message": "高龄起始年龄不合理"}],
    }

    def refuse(route: Any) -> None:
        route.fulfill(
            status=422, json=refusal, headers={"Content-Type": "application/problem+json"}
        )

    page.route(
        "**/api/v1/policies/register",
        lambda r: refuse(r) if r.request.method == "PUT" else r.continue_(),
    )
    page.click("[data-test=save-register]")
    assert "高龄起始年龄不合理" in _chinese(page, "[data-test=reg-error-advanced_age]")
    _chinese(page, "[data-test=reg-error]")
    page.unroute("**/api/v1/policies/register")
    assert server.get(COUNTY, "/policies/register") == before
    page.fill("input[name=reg_advanced_age]", "85")
    page.click("[data-test=save-register]")
    # every elder of the county is recomputed: give it time on a busy machine
    page.wait_for_selector("[data-test=policy-register] [role=status]", timeout=90_000)
    assert server.get(COUNTY, "/policies/register")["advanced_age"] == 85
    # a second save sends the new version (If-Match): back to what it was
    page.fill("input[name=reg_advanced_age]", str(before["advanced_age"]))
    page.click("[data-test=save-register]")
    deadline = time.monotonic() + 90
    while server.get(COUNTY, "/policies/register")["advanced_age"] != before["advanced_age"]:
        assert page.locator("[data-test=reg-error]").count() == 0, page.inner_text("main")
        assert time.monotonic() < deadline, "the second save did not arrive"
        page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-test=save-register]').disabled"
        " && document.querySelector('[data-test=policy-register] [role=status]')",
        timeout=30_000,
    )
    shot(page, "policies-register")


def test_visit_and_emergency_policies_show_the_servers_messages(
    new_page: Any, server: Server
) -> None:
    visits = server.get(COUNTY, "/policies/visits")
    incidents = server.get(COUNTY, "/policies/incidents")
    page = new_page()
    login(page, COUNTY)
    page.goto("/admin/policies")
    page.wait_for_selector("input[name=interval_high]")
    # bounded where typed: 0 days becomes 1
    page.fill("input[name=interval_high]", "0")
    page.keyboard.press("Tab")
    assert page.input_value("input[name=interval_high]") == "1"
    # a tier with no visit method: the server's message under the tiers
    checked = page.locator("[data-tier=high] .el-checkbox.is-checked")
    while checked.count():
        checked.first.click()
    page.click("[data-test=save-visits]")
    _chinese(page, "[data-test=visits-error-tiers]")
    # resolving before acknowledging: the server's message under the deadlines
    page.fill("input[name=ack_critical]", "100")
    page.fill("input[name=resolve_critical]", "10")
    page.click("[data-test=save-incidents]")
    _chinese(page, "[data-test=incidents-error-deadlines]")
    assert server.get(COUNTY, "/policies/visits") == visits
    assert server.get(COUNTY, "/policies/incidents") == incidents
    # the four sections are reachable from the links at the top, by keyboard
    for section in ("visits", "incidents", "relief", "register"):
        assert page.locator(f"a[href='#policy-{section}']").count() == 1
        assert page.locator(f"#policy-{section}").count() == 1

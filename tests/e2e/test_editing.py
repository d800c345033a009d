"""The editing screens of the elder detail in a real browser: a guardian added shows up,
a pairing with the server's refusal of a second primary helper, a status change refused
because the record changed meanwhile (If-Match), and a benefit recorded and ended."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, cascade, choose, login, shot

pytestmark = pytest.mark.slow

WORKER = "lanshan_village"


def _elders(server: Server, limit: int = 50) -> list[dict[str, Any]]:
    return server.get(WORKER, "/elders", status="active", limit=limit)["items"]


def _pick(page: Any, label: str, option: str) -> None:
    """`choose`, then make sure the select shows the option (a click on a list still
    opening can miss on a loaded machine: try once more)."""
    from playwright.sync_api import TimeoutError as Late

    select = page.locator(f".el-select:has(input[aria-label='{label}'])")
    for _ in range(2):
        choose(page, label, option)
        try:
            select.locator(".el-select__placeholder", has_text=option).wait_for(timeout=3000)
            return
        except Late:  # retried once, then the assertion below says why
            page.keyboard.press("Escape")
    assert option in select.inner_text(), select.inner_text()


def test_adding_a_guardian_shows_on_the_elder_detail(new_page: Any, server: Server) -> None:
    elder = _elders(server)[3]
    page = new_page(360, 740, is_mobile=True, has_touch=True)
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.focus("[data-test=add-guardian]")
    page.keyboard.press("Enter")  # with the keyboard: the form opens on its first field
    page.wait_for_selector("[data-test=guardian-form]")
    # the form moves the focus to its first field once it is on screen
    page.wait_for_function("() => document.activeElement?.name === 'g_name'")
    page.keyboard.press("Escape")  # closes it, the focus back on the button
    page.wait_for_selector("[data-test=guardian-form]", state="detached")
    page.wait_for_function("() => document.activeElement?.dataset.test === 'add-guardian'")
    page.click("[data-test=add-guardian]")
    page.fill("input[name=g_name]", "郑测试")
    choose(page, "关系", "女儿")
    page.fill("input[name=g_phone]", "13900001111")
    page.fill("input[name=g_work_location]", "广东省东莞市")
    page.click("[data-test=save-guardian]")
    row = page.wait_for_selector(".guardian-row:has-text('郑测试')")
    assert row is not None
    assert "女儿" in row.inner_text()
    assert "广东省东莞市" in row.inner_text()
    assert page.query_selector("[data-test=guardian-form]") is None
    stored = server.get(WORKER, f"/elders/{elder['id']}/guardians")
    assert [g["relation"] for g in stored if g["name"] == "郑测试"] == ["daughter"]
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('#main *')]"
        ".filter(e => e.getBoundingClientRect().right > 360)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 12)"
    )
    assert width <= 360, f"the elder detail overflows a 360 px screen ({width} px): {wide}"
    shot(page, "guardian-added")

    # a bad phone number: the server's own message under the phone field (marked wrong,
    # the cursor in it), nothing added
    page.click("[data-test=add-guardian]")
    page.fill("input[name=g_name]", "郑测试二")
    page.fill("input[name=g_phone]", "123")
    page.click("[data-test=save-guardian]")
    field = page.locator(".el-form-item:has(input[name=g_phone])")
    err = field.locator("[data-test=err-g_phone]")
    err.wait_for()
    refused = httpx.post(
        f"{server.base}/api/v1/elders/{elder['id']}/guardians",
        json={"name": "郑测试二", "relation": "son", "phone": "123"},
        headers={"Authorization": f"Bearer {server.token(WORKER)}"},
        timeout=30,
    )
    assert refused.status_code == 422
    said = next(e["message"] for e in refused.json()["errors"] if e["loc"][-1] == "phone")
    assert err.inner_text().strip() == said
    assert any("\u4e00" <= ch <= "\u9fff" for ch in said)
    assert "is-error" in (field.get_attribute("class") or "")
    page.wait_for_function("() => document.activeElement?.name === 'g_phone'")
    names = [g["name"] for g in server.get(WORKER, f"/elders/{elder['id']}/guardians")]
    assert "郑测试二" not in names


def test_the_children_are_cards_on_a_phone_and_no_name_wraps(new_page: Any, server: Server) -> None:
    """At 360 px the children/guardians list is cards, not a squeezed table whose name
    column broke each name into one character a line."""
    elder = next(
        e for e in _elders(server) if len(server.get(WORKER, f"/elders/{e['id']}/guardians")) >= 2
    )
    page = new_page(360, 740, is_mobile=True, has_touch=True)
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.wait_for_selector("[data-test=guardian-cards] [data-test=guardian-row]")
    assert page.locator("[data-test=guardian-table]").count() == 0
    names = page.eval_on_selector_all(
        "[data-test=guardian-cards] [data-test=guardian-name]",
        "ns => ns.map(n => { const r = n.getBoundingClientRect(), s = getComputedStyle(n);"
        " return { text: n.innerText, h: r.height, w: r.width, font: parseFloat(s.fontSize) }; })",
    )
    assert len(names) >= 2, names
    for n in names:
        # one line high (a line is under twice the font size) and wider than one character
        assert n["h"] < 2 * n["font"], n
        assert len(n["text"]) < 2 or n["w"] > 1.5 * n["font"], n
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("[data-test=guardian-cards]").scroll_into_view_if_needed()
    shot(page, "guardian-cards-phone", full_page=False)

    # on a desktop the same list is a table with one row per child
    wide = new_page()
    login(wide, WORKER)
    wide.goto(f"/elders/{elder['id']}")
    wide.wait_for_selector("[data-test=guardian-table] .guardian-row")
    assert wide.locator("[data-test=guardian-table] .guardian-row").count() == len(names)


def test_deleting_a_guardian_is_confirmed_in_a_dialog(new_page: Any, server: Server) -> None:
    elder = _elders(server)[13]
    r = httpx.post(
        f"{server.base}/api/v1/elders/{elder['id']}/guardians",
        json={"name": "待删除", "relation": "relative"},
        headers={"Authorization": f"Bearer {server.token(WORKER)}"},
        timeout=30,
    )
    r.raise_for_status()
    gid = r.json()["id"]
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    row = page.locator(".guardian-row", has_text="待删除")
    row.locator("[data-test=remove-guardian]").click()
    dialog = page.locator(".el-dialog:visible")
    dialog.wait_for()
    assert "待删除" in dialog.inner_text()
    dialog.get_by_role("button", name="取消").click()
    dialog.wait_for(state="hidden")
    assert gid in [g["id"] for g in server.get(WORKER, f"/elders/{elder['id']}/guardians")]
    row.locator("[data-test=remove-guardian]").click()
    page.click("[data-test=confirm-remove-guardian]")
    row.wait_for(state="detached")
    assert gid not in [g["id"] for g in server.get(WORKER, f"/elders/{elder['id']}/guardians")]


def test_a_pairing_is_created_and_a_second_primary_is_refused(
    new_page: Any, server: Server
) -> None:
    pairs = server.get(WORKER, "/pairings", state="open", limit=200)["items"]
    primary = next(p for p in pairs if p["is_primary"])
    volunteers = server.get(WORKER, "/volunteers", limit=50)["items"]
    other = next(
        v
        for v in volunteers
        if v["id"] != primary["volunteer_id"]
        and v["active"]
        and (v.get("active_pairings") or 0) < v["max_pairings"]
    )
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{primary['elder_id']}")
    page.click("[data-test=add-pairing]")
    page.click(f"[data-test=pick-{other['id']}]")
    page.check("[data-test=pairing-primary]")
    page.click("[data-test=save-pairing]")
    err = page.wait_for_selector("[data-test=pairing-error]")
    assert err is not None
    assert "已有包保责任人" in err.inner_text()

    page.uncheck("[data-test=pairing-primary]")
    page.click("[data-test=save-pairing]")
    page.wait_for_selector(f"#s-p >> xpath=../.. >> text={other['name']}")
    page.wait_for_selector("[data-test=pairing-form]", state="detached")
    open_now = server.get(WORKER, "/pairings", elder_id=primary["elder_id"], state="open")["items"]
    new = next(p for p in open_now if p["volunteer_id"] == other["id"] and not p["is_primary"])

    # ending it cannot be undone: a dialog names the volunteer and asks first
    page.click(f"[data-pairing='{new['id']}'] [data-test=end-pairing]")
    dialog = page.locator(".el-dialog:visible")
    dialog.wait_for()
    assert other["name"] in dialog.inner_text()
    assert server.get(WORKER, f"/pairings/{new['id']}")["end_date"] is None
    page.click("[data-test=confirm-end-pairing]")
    page.locator(f"[data-pairing='{new['id']}'] [data-test=end-pairing]").wait_for(state="detached")
    assert server.get(WORKER, f"/pairings/{new['id']}")["end_date"] is not None


def test_a_status_change_on_a_stale_record_is_refused_and_explained(
    new_page: Any, server: Server
) -> None:
    elder = _elders(server)[5]
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.click("[data-test=change-status]")
    # someone else changes the elder meanwhile
    current = server.get(WORKER, f"/elders/{elder['id']}")
    r = httpx.patch(
        f"{server.base}/api/v1/elders/{elder['id']}",
        json={"notes": "他人修改", "version": current["version"]},
        headers={"Authorization": f"Bearer {server.token(WORKER)}"},
    )
    r.raise_for_status()
    choose(page, "新状态", "已迁出")
    page.fill("input[name=reason]", "随子女进城居住")
    page.click("[data-test=save-status]")
    err = page.wait_for_selector("[data-test=status-error]")
    assert err is not None
    assert "已被他人修改" in err.inner_text()
    assert server.get(WORKER, f"/elders/{elder['id']}")["status"] == "active"

    # read again, and the change goes through
    page.reload()
    page.click("[data-test=change-status]")
    choose(page, "新状态", "已迁出")
    page.fill("input[name=reason]", "随子女进城居住")
    page.click("[data-test=save-status]")
    page.wait_for_selector("[data-test=status-form]", state="detached")
    page.wait_for_selector("h1 >> text=已迁出")
    assert server.get(WORKER, f"/elders/{elder['id']}")["status"] == "moved_out"


def test_a_benefit_is_recorded_and_ended(new_page: Any, server: Server) -> None:
    elder = _elders(server)[7]
    before = len(server.get(WORKER, f"/elders/{elder['id']}/benefits"))
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.click("[data-test=add-benefit]")
    _pick(page, "救助项目", "临时救助")
    page.fill("input[name=b_start]", "2026-01-05")
    page.keyboard.press("Tab")
    page.fill("input[name=monthly_amount]", "300")
    page.click("[data-test=save-benefit]")
    page.wait_for_selector("[data-test=benefit-form]", state="detached")
    stored = server.get(WORKER, f"/elders/{elder['id']}/benefits")
    assert len(stored) == before + 1
    new = next(b for b in stored if b["program"] == "temporary_assistance")
    row = page.locator("[data-test=benefit-row]", has_text=new["label"])
    row.get_by_role("button", name="终止").click()
    page.fill("input[name=end_date]", "2026-02-05")
    page.keyboard.press("Tab")
    page.click("[data-test=save-benefit]")
    # ending cannot be undone: a dialog asks first, and nothing is sent until confirmed
    dialog = page.wait_for_selector("[data-test=confirm-end-benefit]")
    assert server.get(WORKER, f"/benefits/{new['id']}")["active"]
    assert "2026-02-05" in page.inner_text(".el-dialog:visible")
    dialog.click()
    page.wait_for_selector("[data-test=benefit-form]", state="detached")
    ended = server.get(WORKER, f"/benefits/{new['id']}")
    assert ended["end_date"] == "2026-02-05"
    assert not ended["active"]


def test_relief_facts_are_recorded_as_a_new_version(new_page: Any, server: Server) -> None:
    elder = _elders(server)[9]
    before = server.get(WORKER, f"/elders/{elder['id']}/relief-facts")
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.click("[data-test=edit-facts]")
    page.fill("input[name=household_size]", "2")
    page.fill("input[name=income_wages]", "650")
    choose(page, "有机动车", "否")
    choose(page, "老年人能力等级", "中度失能")
    page.fill("input[name=facts_source]", "2026年入户核查")
    page.click("[data-test=save-facts]")
    page.wait_for_selector("[data-test=facts-form]", state="detached")
    after = server.get(WORKER, f"/elders/{elder['id']}/relief-facts")
    assert after["revision"] == before["revision"] + 1
    assert after["household_size"] == 2
    assert float(after["income"]["wages"]) == 650
    assert after["owns_vehicle"] is False
    assert after["ability_level"] == "moderate"
    assert after["supporters"] == before["supporters"]  # the guardians, untouched
    assert after["supporters_complete"] == before["supporters_complete"]  # carried over
    page.wait_for_selector(f"[data-test=facts-revision] >> text=第 {after['revision']} 版")


def test_the_township_moves_an_elder_to_another_village(new_page: Any, server: Server) -> None:
    elder = _elders(server)[11]
    target = "431127104204"  # lanshan_village2's village, in the same township
    page = new_page()
    login(page, "lanshan_township")
    page.goto(f"/elders/{elder['id']}")
    page.click("[data-test=move-elder]")
    # no village chosen: the server's message, in Chinese
    page.fill("input[name=reason]", "投靠亲属")
    page.click("[data-test=save-move]")
    err = page.wait_for_selector("[data-test=move-error]")
    assert err is not None
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.inner_text())
    assert server.get("lanshan_township", f"/elders/{elder['id']}")["village_code"] != target

    cascade(page, "village_code", [server.get("lanshan_township", f"/regions/{target}")["name"]])
    page.click("[data-test=save-move]")
    page.wait_for_selector("[data-test=move-form]", state="detached")
    moved = server.get("lanshan_township", f"/elders/{elder['id']}")
    assert moved["village_code"] == target
    page.wait_for_selector(f"text={moved['village_name']}")


def _with_supporters(server: Server, skip: int = 0) -> dict[str, Any]:
    """An elder whose children/guardians list holds supporters (son, daughter...)."""
    found = [
        e
        for e in _elders(server, 100)[13:]
        if server.get(WORKER, f"/elders/{e['id']}/relief-facts")["supporters"]
    ]
    return found[skip]


def test_supporters_are_the_guardians_edited_in_the_relief_facts(
    new_page: Any, server: Server
) -> None:
    elder = _with_supporters(server)
    before = server.get(WORKER, f"/elders/{elder['id']}/relief-facts")
    son = before["supporters"][0]
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.click("[data-test=edit-facts]")
    # the rows are the guardians: names from the register, nothing to add or remove here
    page.wait_for_selector(f"[data-test=supporter-0] >> text={son['name']}")
    assert page.locator("[data-test=add-supporter]").count() == 0
    page.fill("input[name=supporter_birth_year_0]", "1800")
    choose(page, f"{son['name']}的赡养能力情况", "本人享受低保")
    page.fill("input[name=supporter_income_0]", "12000")
    choose(page, "名单是否完整", "以上即全部义务人")
    page.click("[data-test=save-facts]")
    error = page.wait_for_selector("[data-test=supporter-error-0-birth_year]")
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text()), error.inner_text()
    assert server.get(WORKER, f"/elders/{elder['id']}/relief-facts") == before  # nothing written
    page.fill("input[name=supporter_birth_year_0]", "1962")
    page.click("[data-test=save-facts]")
    page.wait_for_selector("[data-test=facts-form]", state="detached")
    after = server.get(WORKER, f"/elders/{elder['id']}/relief-facts")
    assert after["revision"] == before["revision"] + 1
    assert after["supporters_complete"] is True
    saved = after["supporters"][0]
    assert saved["guardian_id"] == son["guardian_id"]
    assert (saved["birth_year"], saved["situation"]) == (1962, "minimum_living")
    assert float(saved["annual_income"]) == 12000
    guardian = server.get(WORKER, f"/guardians/{son['guardian_id']}")
    assert guardian["support_situation"] == "minimum_living"  # one record: the guardian
    shot(page, "relief-facts-supporters")


def test_the_guardian_form_edits_the_support_facts_too(new_page: Any, server: Server) -> None:
    """Issue 16.10: the supporter's facts are the guardian's, so the register's guardian
    form edits them (not only the relief-facts form), beside the work-region picker."""
    elder = _with_supporters(server, 2)
    son = server.get(WORKER, f"/elders/{elder['id']}/relief-facts")["supporters"][0]
    page = new_page()
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    row = page.locator(".guardian-row", has_text=son["name"]).first
    row.get_by_role("button", name="修改").click()
    form = page.locator("[data-test=guardian-form]")
    form.wait_for()
    assert form.locator("[data-test=g-support]").count() == 1
    assert form.locator("[data-test=work-region]").count() == 1  # the picker is still there
    page.fill("input[name=g_birth_year]", "1950")
    choose(page, "赡养能力情况", "服刑在押")
    page.fill("input[name=g_annual_income]", "3000")
    choose(page, "财产在规定范围内", "是")
    page.click("[data-test=save-guardian]")
    form.wait_for(state="detached")
    cell = page.locator(".guardian-row", has_text=son["name"]).first
    cell.locator("[data-test=guardian-support]", has_text="服刑在押").wait_for()
    guardian = server.get(WORKER, f"/guardians/{son['guardian_id']}")
    assert (guardian["birth_year"], guardian["support_situation"]) == (1950, "in_prison")
    assert (float(guardian["annual_income"]), guardian["assets_within_limit"]) == (3000, True)
    facts = server.get(WORKER, f"/elders/{elder['id']}/relief-facts")
    same = next(s for s in facts["supporters"] if s["guardian_id"] == son["guardian_id"])
    assert same["situation"] == "in_prison"  # one record, shown in the relief facts too
    # opened again, the form shows what was saved
    cell.get_by_role("button", name="修改").click()
    assert page.input_value("input[name=g_birth_year]") == "1950"
    assert "服刑在押" in page.inner_text("[data-test=g-support-situation]")
    shot(page, "guardian-support-facts")


def test_the_supporters_editor_fits_a_phone_and_works_with_the_keyboard(
    new_page: Any, server: Server
) -> None:
    elder = _with_supporters(server, 1)
    page = new_page(360, 740, is_mobile=True, has_touch=True)
    login(page, WORKER)
    page.goto(f"/elders/{elder['id']}")
    page.focus("[data-test=edit-facts]")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-test=facts-form]")
    page.wait_for_selector("[data-test=supporters] li")
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > 361 && !e.closest('.table-wrap'))"
        ".map(e => e.tagName + '.' + e.className + '#' + (e.getAttribute('name') || ''))"
        ".slice(0, 8)"
    )
    assert width <= 360, f"the relief facts form overflows a 360 px screen ({width} px): {wide}"
    heights = page.eval_on_selector_all(
        "[data-test=supporters] :is(.el-input__wrapper, .el-select__wrapper, button)",
        "c => c.map(x => x.getBoundingClientRect().height)",
    )
    assert min(heights) >= 36, heights
    shot(page, "relief-facts-supporters-phone", full_page=False)
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-test=facts-form]", state="detached")
    page.wait_for_function("() => document.activeElement?.dataset.test === 'edit-facts'")

"""Chinese is the default; English is one tap away and covers the key screens, the server's
messages and the exports included, and stays chosen after a reload."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import PASSWORD, Server, cascade, shot

pytestmark = pytest.mark.slow

CJK = re.compile(r"[\u3400-\u9fff]")


def _heading(page: Any) -> str:
    return str(page.wait_for_selector("main h1").inner_text())


def test_chinese_is_the_default(new_page: Any) -> None:
    page = new_page()
    page.goto("/login")
    page.wait_for_selector("button[type=submit]")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("button[type=submit]").strip() == "登录"
    assert page.is_visible("button >> text=English")


def test_english_on_the_key_screens(new_page: Any, server: Server) -> None:
    page = new_page()
    page.goto("/login")
    page.click("button >> text=English")
    page.wait_for_selector("button[type=submit] >> text=Log in")
    assert page.get_attribute("html", "lang") == "en"
    page.fill("input[name=username]", "lanshan_township")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-test=who]")
    page.wait_for_url("**/township")
    assert _heading(page) == "Township desk"
    nav = page.inner_text("nav#main-nav")
    for word in ("Visits due", "Elders", "Emergencies", "Volunteers & pairings"):
        assert word in nav, nav
    assert not CJK.search(nav), nav  # the menu is all English

    page.goto("/elders")
    page.wait_for_selector("[data-test=elders-table] tbody tr")
    assert _heading(page) == "Elders"
    head = page.inner_text("[data-test=elders-table] thead")
    assert not CJK.search(head), head
    # codes shown as English labels: status, risk
    statuses = page.eval_on_selector_all(
        "[data-test=elders-table] tbody tr td:last-child", "c => c.map(x => x.textContent)"
    )
    assert set(statuses) <= {"Active", "Moved out", "Deceased", "Not left-behind"}, statuses
    shot(page, "elders-english")

    elder = server.get("lanshan_township", "/elders", limit=1, status="active")["items"][0]
    page.goto(f"/elders/{elder['id']}")
    page.wait_for_selector("[data-test=facts]")
    page.wait_for_selector("main >> text=Benefits")
    page.wait_for_selector("main >> text=History")

    page.goto("/elders/duplicates")
    assert _heading(page) == "Duplicate records and merging"

    page.goto("/incidents")
    assert _heading(page) == "Emergencies"

    # the server answers in the user's language too
    page.goto("/elders/new")
    page.fill("input[name=id_number]", "431127194501011234")
    page.fill("input[name=name]", "Test")
    cascade(page, "village_code", ["南风坳村"])
    page.click("[data-test=save-elder]")
    err = page.wait_for_selector("[data-test=err-id_number]").inner_text()
    assert not CJK.search(err), err
    assert "check" in err.lower(), err
    shot(page, "elder-form-english")

    # the choice is kept after a reload, and switching back gives Chinese again
    page.reload()
    page.wait_for_selector("[data-test=who]")
    assert page.get_attribute("html", "lang") == "en"
    page.click("header button >> text=中文")
    page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
    page.goto("/elders")
    assert _heading(page) == "老人台账"


def test_an_export_downloads_in_the_language_the_user_chose(new_page: Any, server: Server) -> None:
    page = new_page(1366, 768)
    page.goto("/login")
    page.click("button >> text=English")
    page.wait_for_selector("button[type=submit] >> text=Log in")
    page.fill("input[name=username]", "lanshan_township")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-test=who]")
    page.goto("/incidents")
    page.wait_for_selector("[data-test=incidents-total]")
    with page.expect_download() as dl:
        page.click("[data-test=incidents-export]")
    sheet = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    head, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert head[:4] == ["Township", "Village", "Village code", "Elder"]
    assert not CJK.search(" ".join(head)), head
    assert body
    statuses = {r[head.index("Status")] for r in body}
    assert statuses <= {"Reported", "Acknowledged", "In progress", "Escalated"}, statuses

"""The worklist says when a visit is due: overdue by N days, due today or in N days, in the
chosen language, with the server's reasons in that language too."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.conftest import Server, login, shot

pytestmark = pytest.mark.slow

CJK = re.compile(r"[\u3400-\u9fff]")
SH = ZoneInfo("Asia/Shanghai")
WORKER = "lanshan_village"


def _log_visit(server: Server, elder_id: str, days_ago: int) -> None:
    now = datetime.now(SH)
    when = datetime.combine(now.date() - timedelta(days=days_ago), time(12), SH)
    when = min(when, now - timedelta(minutes=1))  # today before noon: not in the future
    r = httpx.post(
        f"{server.base}/api/v1/visits",
        headers={"Authorization": f"Bearer {server.token(WORKER)}"},
        json={"elder_id": elder_id, "method": "home_visit", "visited_at": when.isoformat()},
        timeout=30,
    )
    assert r.status_code == 201, r.text


def _expected(due_in: int, lang: str) -> str:
    if lang == "en":
        if due_in < 0:
            return f"{-due_in} day overdue" if due_in == -1 else f"{-due_in} days overdue"
        if due_in == 0:
            return "Due today"
        return f"Due in {due_in} day" if due_in == 1 else f"Due in {due_in} days"
    if due_in < 0:
        return f"逾期 {-due_in} 天"
    return "今天到期" if due_in == 0 else f"{due_in} 天后到期"


def _shown(page: Any) -> list[tuple[str, int, str, str]]:
    """(elder, due_in_days, due text, reason) of each card on the worklist, all pages."""
    page.wait_for_selector("[data-test=worklist] li")
    more = page.locator("button.more")
    while more.count():
        n = page.locator("[data-test=worklist] li").count()
        more.click()
        page.wait_for_function(
            f"() => document.querySelectorAll('[data-test=worklist] li').length > {n}"
        )
    return [
        (
            str(li.get_attribute("data-elder")),
            int(li.get_attribute("data-due-in") or "x"),
            li.locator("[data-test=due]").inner_text().split("·")[0].strip(),
            li.locator("[data-test=due-reason]").inner_text().strip(),
        )
        for li in page.locator("[data-test=worklist] li").all()
    ]


def test_the_worklist_says_when_in_both_languages(new_page: Any, server: Server) -> None:
    # Two high-risk elders (a visit a week) not visited for a week: one visited a week ago is
    # due today, one visited today is due in 7 days; the demo has overdue ones besides.
    due = server.get(WORKER, "/worklist", limit=200)["items"]
    high = [i["elder_id"] for i in due[1:] if i["risk_level"] == "high" and i["due_in_days"] <= 0]
    assert len(high) >= 2, "the demo village needs two high-risk elders due"
    today_id, ahead_id = high[-2], high[-1]
    _log_visit(server, today_id, 7)
    _log_visit(server, ahead_id, 0)

    page = new_page(360, 740)
    login(page, WORKER)
    shown = _shown(page)
    by_id = {elder: (due_in, text) for elder, due_in, text, _ in shown}
    assert by_id[today_id] == (0, "今天到期")
    assert by_id[ahead_id] == (7, "7 天后到期")
    assert any(due_in < 0 for _, due_in, _, _ in shown), "the demo has overdue elders"
    for _, due_in, text, reason in shown:
        assert text == _expected(due_in, "zh-CN")
        assert CJK.search(reason), reason
    shot(page, "worklist-when", full_page=False)

    # English: the dates and the server's reasons both switch, without a reload...
    page.click("header button >> text=English")
    page.wait_for_selector("[data-test=worklist] li [data-test=due] >> text=Due today")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-test=due-reason]')]
            .every(e => !/[\\u3400-\\u9fff]/.test(e.textContent))"""
    )
    # ...and after one, when the first requests go out before the English messages are in
    page.reload()
    shown = _shown(page)
    for elder, due_in, text, reason in shown:
        assert text == _expected(due_in, "en"), (elder, due_in, text)
        assert not CJK.search(reason), reason
    assert {e: t for e, _, t, _ in shown}[ahead_id] == "Due in 7 days"
    shot(page, "worklist-when-english", full_page=False)

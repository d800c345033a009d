"""Administration, notifications, the county's relief screens and print views in a real
browser: a password reset forces a change before anything else, a badge count appears after
an escalation, the county opens its gap list from the menu and filters it, and the elder's
record prints to a PDF that says what the record says."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, login, shot
from tests.e2e.pdftext import pdf_text

pytestmark = pytest.mark.slow


def post(server: Server, username: str, path: str, body: dict[str, Any]) -> Any:
    r = httpx.post(
        f"{server.base}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {server.token(username)}"},
        timeout=30,
    )
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


def choose(page: Any, select: str, option: str) -> None:
    """Pick an option of an Element Plus select by its label."""
    page.click(f"[data-test={select}]")
    page.click(f".el-select-dropdown__item:visible:has-text('{option}')")


def test_a_password_reset_forces_a_change_first(new_page: Any, server: Server) -> None:
    village = server.get("lanshan_village", "/auth/me")["region"]["code"]
    post(
        server,
        "lanshan_admin",
        "/users",
        {
            "username": "reset_me",
            "password": "first-pass-4567",
            "role": "village_worker",
            "region": village,
            "display_name": "待重置",
        },
    )
    admin = new_page()
    login(admin, "lanshan_admin")
    admin.goto("/admin/users?q=reset_me")
    row = admin.wait_for_selector("[data-user=reset_me]")
    assert row is not None
    row.query_selector("[data-test=reset-password]").click()
    admin.fill(
        "input[data-test=temp-password], [data-test=temp-password] input", "temporary-pass-890"
    )
    admin.click("[data-test=confirm-reset]")
    admin.wait_for_selector("[data-test=must-change]")
    shot(admin, "admin-users-reset")

    page = new_page()
    login(page, "reset_me", "temporary-pass-890")
    page.wait_for_url("**/account/password")
    assert "管理员重置" in page.inner_text("[data-test=password-forced]")
    page.goto("/elders")  # nothing else opens until the password is changed
    page.wait_for_url("**/account/password")
    page.fill("input[data-test=pw-current], [data-test=pw-current] input", "temporary-pass-890")
    page.fill("input[data-test=pw-new], [data-test=pw-new] input", "my-own-pass-2468")
    page.fill("input[data-test=pw-again], [data-test=pw-again] input", "my-own-pass-2468")
    page.click("[data-test=pw-submit]")
    page.wait_for_url("**/worklist")
    page.wait_for_selector("[data-test=who]")
    me = httpx.post(
        f"{server.base}/api/v1/auth/token",
        data={"username": "reset_me", "password": "my-own-pass-2468"},
    )
    assert me.status_code == 200
    token = me.json()["access_token"]
    who = httpx.get(
        f"{server.base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert who["must_change_password"] is False


def test_a_badge_appears_after_an_escalation(new_page: Any, server: Server) -> None:
    before = server.get("lanshan_county", "/notifications")
    page = new_page()
    login(page, "lanshan_county")
    page.goto("/elders")
    shown = before["incidents_escalated"] + before["incidents_overdue"]
    if shown:
        assert page.inner_text("[data-badge='/incidents']").strip() == str(shown)
    movable = server.get("lanshan_township", "/incidents", open=True, limit=100)["items"]
    incident = next(i for i in movable if "escalated" in i["allowed_transitions"])
    post(
        server,
        "lanshan_township",
        f"/incidents/{incident['id']}/transitions",
        {"to": "escalated", "note": "需县级协调住院"},
    )
    after = server.get("lanshan_county", "/notifications")
    assert after["incidents_escalated"] == before["incidents_escalated"] + 1
    page.goto("/follow-ups")  # every move of the app asks again
    expected = str(after["incidents_escalated"] + after["incidents_overdue"])
    page.wait_for_selector(f"[data-badge='/incidents']:text-is('{expected}')")
    page.click("[data-test=bell]")
    panel = page.wait_for_selector("[data-test=bell-panel] [data-note=incidents_escalated]")
    assert panel is not None
    assert f"已上报县级的应急事件 {after['incidents_escalated']} 件" in panel.inner_text()
    shot(page, "notifications-bell", full_page=False)


def test_the_county_opens_its_gap_list_from_the_menu(new_page: Any, server: Server) -> None:
    total = server.get("lanshan_county", "/eligibility/gaps", count=True, limit=1)["total"]
    assert total > 0
    page = new_page()
    login(page, "lanshan_county")
    page.click("[data-nav='/relief']")
    page.wait_for_selector("[data-test=gaps-table] .el-table__row")
    assert page.inner_text("[data-test=gaps-total]").strip() == f"共 {total} 条"
    # filter by a program (in words) and by a township
    first = server.get("lanshan_county", "/eligibility/gaps", limit=1)["items"][0]
    program = first["programs"][0]
    narrowed = server.get(
        "lanshan_county", "/eligibility/gaps", count=True, limit=1, program=program["program"]
    )["total"]
    choose(page, "relief-program", program["label"])
    page.wait_for_selector(f"[data-test=gaps-total]:text-is('共 {narrowed} 条')")
    assert program["label"] in page.inner_text("[data-test=gaps-table]")
    townships = server.get("lanshan_county", "/regions", parent=first["village_code"][:6])["items"]
    township = next(t for t in townships if first["village_code"].startswith(t["code"]))
    in_township = server.get(
        "lanshan_county",
        "/eligibility/gaps",
        count=True,
        limit=1,
        program=program["program"],
        region=township["code"],
    )["total"]
    choose(page, "relief-township", township["name"])
    page.wait_for_selector(f"[data-test=gaps-total]:text-is('共 {in_township} 条')")
    assert first["village_name"] in page.inner_text("[data-test=gaps-table]")
    shot(page, "county-gaps")
    # the payments to check and the coverage are tabs of the same screen
    page.click(".el-tabs__item:has-text('待核查发放')")
    page.wait_for_selector("[data-test=payments-total], .state-empty, [data-test=payments-table]")
    page.click(".el-tabs__item:has-text('各项目覆盖')")
    page.wait_for_selector("[data-test=coverage-table] .el-table__row")
    assert "覆盖率" in page.inner_text("[data-test=coverage-table]")


def test_the_elders_record_prints_to_pdf(new_page: Any, server: Server) -> None:
    elder = server.get("lanshan_village", "/elders", status="active", limit=1)["items"][0]
    page = new_page()
    login(page, "lanshan_village")
    page.goto(f"/elders/{elder['id']}")
    page.click("[data-test=print-elder]")
    page.wait_for_selector("[data-test=elder-print] [data-test=print-name]")
    page.wait_for_selector("[data-test=print-visits]")
    page.emulate_media(media="print")
    assert not page.is_visible("[data-test=do-print]")  # the buttons do not print
    assert not page.is_visible("header.topbar")
    text = re.sub(r"\s", "", pdf_text(page.pdf(format="A4")))
    assert "留守老年人一人一档" in text
    assert elder["name"] in text
    for heading in ("基本信息", "子女/监护人", "结对帮扶人", "探访记录", "救助待遇"):
        assert heading in text, heading
    detail = server.get("lanshan_village", f"/elders/{elder['id']}")
    assert re.sub(r"\s", "", detail["village_name"]) in text


def test_a_blank_visit_sheet_and_an_incident_report_print(new_page: Any, server: Server) -> None:
    elder = server.get("lanshan_village", "/elders", status="active", limit=1)["items"][0]
    page = new_page()
    login(page, "lanshan_village")
    page.goto(f"/elders/{elder['id']}/visit-sheet")
    page.wait_for_selector("[data-test=visit-sheet]")
    text = re.sub(r"\s", "", pdf_text(page.pdf(format="A4")))
    assert "探访记录表" in text
    assert elder["name"] in text
    assert "跌倒风险" in text
    assert "精神慰藉" in text
    incident = server.get("lanshan_village", "/incidents", limit=1)["items"][0]
    page.goto(f"/incidents/{incident['id']}")
    page.click("[data-test=print-incident]")
    page.wait_for_selector("[data-test=incident-print] [data-test=print-timeline]")
    text = re.sub(r"\s", "", pdf_text(page.pdf(format="A4")))
    assert "应急事件报告单" in text
    assert incident["elder_name"] in text


def test_the_user_list_downloads_as_filtered_with_chinese_headers(
    new_page: Any, server: Server
) -> None:
    import io
    from pathlib import Path

    import openpyxl

    listed = server.get("lanshan_admin", "/users", q="lanshan_village", limit=100)["items"]
    assert listed
    page = new_page()
    login(page, "lanshan_admin")
    page.goto("/admin/users?q=lanshan_village")
    page.wait_for_selector("[data-user=lanshan_village]")
    with page.expect_download() as dl:
        page.click("[data-test=users-export]")
    assert re.fullmatch(r"users-\d{4}-\d{2}-\d{2}\.xlsx", dl.value.suggested_filename)
    sheet = openpyxl.load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    head, *rows = list(sheet.iter_rows(values_only=True))
    assert head == (
        "姓名",
        "用户名",
        "角色",
        "县（区）",
        "乡镇",
        "村（社区）",
        "状态",
        "最近登录",
    )
    assert sorted(r[1] for r in rows) == sorted(u["username"] for u in listed)
    mine = next(r for r in rows if r[1] == "lanshan_village")
    assert mine[2] == "村级专干"
    assert mine[3] == "蓝山县"
    assert mine[5]  # the village by name
    assert not any(str(c).isdigit() and len(str(c)) >= 6 for r in rows for c in r if c)


def test_a_county_officer_is_created_with_the_county_chosen_by_name(
    new_page: Any, server: Server
) -> None:
    from tests.e2e.conftest import cascade

    county = server.get("lanshan_admin", "/auth/me")["region"]
    page = new_page()
    login(page, "lanshan_admin")
    page.goto("/admin/users")
    page.click("[data-test=new-user]")
    form = page.locator("[data-test=user-form]")
    form.locator(".el-form-item:has-text('用户名') input").fill("county_by_name")
    form.locator(".el-form-item:has-text('初始密码') input").fill("a-long-enough-pass-77")
    form.locator(".el-form-item:has-text('姓名') input").first.fill("县局新人")
    choose(page, "user-role", "县民政局")
    # the county itself is offered above its townships
    cascade(page, "form-region", [county["name"]], pick_last=True)
    page.click("[data-test=save-user]")
    page.wait_for_selector("[data-user=county_by_name]")
    [user] = server.get("lanshan_admin", "/users", q="county_by_name")["items"]
    assert (user["role"], user["region"]) == ("county_officer", county["code"])
    row = page.locator("[data-test=users-table] tr.el-table__row").filter(
        has=page.locator("[data-user=county_by_name]")
    )
    assert county["name"] in row.inner_text()

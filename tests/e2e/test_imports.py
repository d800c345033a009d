"""The imports screen in a real browser: a dry run reports a bad row in Chinese and writes
nothing, the error file and a template download, and the real import adds the valid rows."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from eldercare import identity

from tests.e2e.conftest import Server, choose, login, shot

pytestmark = pytest.mark.slow

VILLAGE = "431127104230"  # lanshan_village's village


def _elders_named(server: Server, q: str) -> list[dict[str, Any]]:
    return server.get("lanshan_village", "/elders", q=q, status="active", limit=50)["items"]


def test_dry_run_reports_the_bad_row_then_the_import_adds_the_valid_elders(
    new_page: Any, server: Server, tmp_path: Path
) -> None:
    good1 = identity.make("431127", date(1939, 2, 27), 411, False)
    good2 = identity.make("431127", date(1939, 2, 27), 412, True)
    bad = good1[:-1] + ("0" if good1[-1] != "0" else "1")  # a wrong check digit
    sheet = tmp_path / "导入老人.csv"
    sheet.write_text(
        "身份证号,姓名,村代码\n"
        f"{good1},导入测试甲,{VILLAGE}\n"
        f"{bad},导入测试乙,{VILLAGE}\n"
        f"{good2},导入测试丙,{VILLAGE}\n",
        encoding="utf-8",
    )
    page = new_page()
    login(page, "lanshan_village")
    page.click("nav >> text=批量导入")
    page.wait_for_url("**/imports")

    # the template downloads with the token
    with page.expect_download() as dl:
        page.click("[data-test=template-xlsx]")
    assert dl.value.suggested_filename == "elders-template.xlsx"
    assert Path(dl.value.path()).read_bytes()[:2] == b"PK"

    page.set_input_files("[data-test=import-file] input[type=file]", str(sheet))
    assert page.is_disabled("[data-test=import-run]")  # a dry run comes first
    page.click("[data-test=dry-run]")
    outcome = page.wait_for_selector("[data-test=import-outcome]")
    assert outcome is not None
    report = page.locator("[data-test=import-report]")
    assert report.get_attribute("data-dry-run") == "true"
    assert page.inner_text("[data-test=count-failed]") == "1"
    assert page.inner_text("[data-test=count-created]") == "2"  # would be created
    assert "试导入" in page.inner_text("#im-report")
    rows = page.locator("[data-test=import-errors] tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("[data-row]").get_attribute("data-row") == "3"
    assert "校验位不正确" in rows.first.inner_text()
    assert "身份证号" in rows.first.inner_text()
    assert _elders_named(server, "导入测试") == []  # the dry run wrote nothing
    shot(page, "imports-dry-run")

    # the error file: the uploaded rows with an error column
    with page.expect_download() as dl:
        page.click("[data-test=error-file]")
    assert dl.value.suggested_filename.endswith(".csv")
    text = Path(dl.value.path()).read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    bad_lines = [r for r in lines if bad in r]
    assert len(bad_lines) == 1
    assert any("校验位不正确" in c for c in bad_lines[0]), bad_lines

    # the real import, row by row: the two valid elders are added, the bad row is not
    page.click("[data-test=mode-per_row]")
    page.click("[data-test=dry-run]")  # a new dry run for the new mode
    page.wait_for_selector("[data-test=import-outcome]")
    page.click("[data-test=import-run]")
    page.wait_for_selector(
        "[data-test=import-report][data-dry-run=false] [data-test=import-outcome]"
    )
    assert page.get_attribute("[data-test=import-report]", "data-status") == "succeeded"
    assert page.inner_text("[data-test=count-created]") == "2"
    assert page.inner_text("[data-test=count-failed]") == "1"
    names = sorted(e["name"] for e in _elders_named(server, "导入测试"))
    assert names == ["导入测试丙", "导入测试甲"]
    shot(page, "imports-done")


def test_an_atomic_import_with_a_bad_row_writes_nothing(
    new_page: Any, server: Server, tmp_path: Path
) -> None:
    good = identity.make("431127", date(1938, 3, 3), 413, False)
    sheet = tmp_path / "atomic.csv"
    sheet.write_text(
        f"身份证号,姓名,村代码\n{good},原子测试,{VILLAGE}\n{good[:-1]}Z,原子测试二,{VILLAGE}\n",
        encoding="utf-8",
    )
    page = new_page(360, 740, is_mobile=True, has_touch=True)
    login(page, "lanshan_village")
    page.goto("/imports")
    page.set_input_files("[data-test=import-file] input[type=file]", str(sheet))
    page.click("[data-test=dry-run]")
    page.wait_for_selector("[data-test=import-outcome]")
    page.click("[data-test=import-run]")
    page.wait_for_selector(
        "[data-test=import-report][data-dry-run=false] [data-test=import-outcome]"
    )
    assert "未写入任何数据" in page.inner_text("[data-test=import-outcome]")
    assert _elders_named(server, "原子测试") == []
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('#main *')]"
        ".filter(e => e.getBoundingClientRect().right > 360)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert width <= 360, f"the imports screen overflows a 360 px screen ({width} px): {wide}"


def test_the_elder_list_exports_through_the_api_masked(new_page: Any, server: Server) -> None:
    page = new_page()
    login(page, "lanshan_township")
    page.goto("/elders")
    page.wait_for_selector("[data-test=elders-table] tbody tr")
    with page.expect_download() as dl:
        page.click("[data-test=export-csv]")
    assert dl.value.suggested_filename == "elders.csv"
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_bytes().decode("utf-8-sig"))))
    total = server.get("lanshan_township", "/elders", status="active", count="true", limit=1)
    assert len(rows) - 1 == total["total"]  # the header, then every active elder in scope
    ids = [c for r in rows[1:] for c in r if len(c) == 18 and c[:3].isdigit()]
    assert ids
    assert all("*" in i for i in ids), ids[:3]


def test_the_export_holds_exactly_the_filtered_list(new_page: Any, server: Server) -> None:
    page = new_page()
    login(page, "lanshan_township")
    page.goto("/elders")
    page.wait_for_selector("[data-test=elders-table] tbody tr")
    choose(page, "类别", "高龄")
    page.fill("input[aria-label=最小年龄]", "85")
    page.fill("[data-test=elder-search]", "l")
    page.click("form[role=search] button[type=submit]")
    params = {"category": "advanced_age", "age_min": 85, "q": "l", "status": "active"}
    expected = server.get("lanshan_township", "/elders", count="true", limit=200, **params)
    page.wait_for_function(
        "n => (document.querySelector('[data-test=elders-total]')?.textContent || '')"
        ".replace(/,/g, '').includes(String(n))",
        arg=expected["total"],
    )
    # a filter changed in the form but not applied: the export follows the list on screen
    page.fill("input[aria-label=最大年龄]", "86")
    with page.expect_download() as dl:
        page.click("[data-test=export-csv]")
    text = Path(dl.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert 0 < len(rows) < server.get("lanshan_township", "/elders", count="true", limit=1)["total"]
    # the people's export: Chinese headers, the region named, codes in words
    assert {"编号", "身份证号", "姓名", "乡镇", "村（社区）", "类别"} <= set(rows[0])
    assert sorted(r["编号"] for r in rows) == sorted(i["id"] for i in expected["items"])
    assert all("*" in r["身份证号"] for r in rows)
    assert all("advanced_age" not in r["类别"] and "高龄" in r["类别"] for r in rows)


def test_a_larger_file_runs_as_a_job_and_its_progress_is_followed(
    new_page: Any, server: Server, tmp_path: Path
) -> None:
    lines = ["身份证号,姓名,村代码,现住址"]
    for i in range(120):
        number = identity.make("431127", date(1937, 1, 1 + i % 28), 300 + i // 28, i % 2 == 0)
        lines.append(f"{number},批量测试{i:03d},{VILLAGE},南风坳村{i}组")
    sheet = tmp_path / "batch.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert sheet.stat().st_size > 4096  # above the e2e server's inline limit

    page = new_page()
    login(page, "lanshan_village")
    page.goto("/imports")
    page.set_input_files("[data-test=import-file] input[type=file]", str(sheet))
    with page.expect_response(lambda r: "/api/v1/imports/elders" in r.url) as first:
        page.click("[data-test=dry-run]")
    assert first.value.status == 202  # a job, followed by polling
    page.wait_for_selector("[data-test=import-outcome]")
    assert page.inner_text("[data-test=count-rows]") == "120"
    assert page.inner_text("[data-test=count-failed]") == "0"
    assert "检查通过" in page.inner_text("[data-test=import-outcome]")
    assert _elders_named(server, "批量测试") == []

    with page.expect_response(lambda r: "/api/v1/imports/elders" in r.url) as first:
        page.click("[data-test=import-run]")
    assert first.value.status == 202
    page.wait_for_selector(
        "[data-test=import-report][data-dry-run=false] [data-test=import-outcome]"
    )
    assert page.inner_text("[data-test=count-created]") == "120"
    total = server.get("lanshan_village", "/elders", q="批量测试", count="true", limit=1)["total"]
    assert total == 120


def test_volunteers_are_imported_through_the_upload_box(
    new_page: Any, server: Server, tmp_path: Path
) -> None:
    """What to import is chosen in a select, the file dropped in el-upload, and the dry run
    comes before the import."""
    sheet = tmp_path / "志愿者.csv"
    sheet.write_text(
        f"姓名,联系电话,类别,区划代码\n上传测试志愿者,13755550123,volunteer,{VILLAGE}\n",
        encoding="utf-8",
    )
    page = new_page()
    login(page, "lanshan_township")
    page.goto("/imports")
    choose(page, "导入内容", "志愿者")
    assert page.locator("[data-test=import-form] input[type=file]").count() == 1
    upload = "[data-test=import-file] .el-upload, .el-upload[data-test=import-file]"
    assert page.locator(upload).count() >= 1
    page.set_input_files("[data-test=import-file] input[type=file]", str(sheet))
    assert "志愿者.csv" in page.inner_text("[data-test=file-name]")
    assert page.is_disabled("[data-test=import-run]")
    page.click("[data-test=dry-run]")
    page.wait_for_selector("[data-test=import-outcome]")
    assert page.inner_text("[data-test=count-created]") == "1"
    page.click("[data-test=import-run]")
    page.wait_for_selector(
        "[data-test=import-report][data-dry-run=false] [data-test=import-outcome]"
    )
    assert page.get_attribute("[data-test=import-report]", "data-status") == "succeeded"
    found = server.get("lanshan_township", "/volunteers", q="上传测试志愿者")["items"]
    assert [v["region_code"] for v in found] == [VILLAGE]

"""The web page driven as a clerk would, in headless Chromium (Debian's, driven by Playwright):
download the blank workbook, upload a good and a bad one, read the findings, download and open the files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest

from support import DAZHUANG, PINGTAN
from webserver import Server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE = os.environ.get("NIANBAO_REQUIRE_BROWSER") == "1"
pytestmark = [pytest.mark.skipif(CHROMIUM is None and not REQUIRE, reason="chromium not installed (.ci/run installs it)"), pytest.mark.slow]
# As root, on a machine with no outside network: no sandbox, and no background connections to Google.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("browser-data"), "--jobs", "2")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is required here (NIANBAO_REQUIRE_BROWSER=1)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()


def _download(page, selector: str, tmp_path: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    d = info.value
    target = tmp_path / d.suggested_filename
    d.save_as(target)
    return target


def test_clerk_downloads_template_uploads_good_workbook_and_gets_report(server, page, tmp_path):
    page.goto(server.url + "/")
    assert page.title() == "首页 - 年报生成与检查"
    template = _download(page, "text=下载填报工作簿（2021版）", tmp_path)
    assert template.name == "年报填报模板（2021版）.xlsx"
    assert "基本信息" in openpyxl.load_workbook(template).sheetnames

    page.set_input_files("#file", str(DAZHUANG))
    page.click("#submit")
    page.wait_for_selector("#status")
    assert "已生成报告" in page.inner_text("#status")
    assert "大庄乡人民政府2024年政府信息公开工作年度报告" in page.inner_text("#status")
    report = _download(page, "#download-docx", tmp_path)
    assert report.name == "大庄乡人民政府2024年政府信息公开工作年度报告.docx"
    assert docx.Document(report).paragraphs[0].text.replace("\n", "") == "大庄乡人民政府2024年政府信息公开工作年度报告"
    html = _download(page, "#download-html", tmp_path)
    assert "<table" in html.read_text("utf-8")
    # the warning about "2023年" in 问题及改进 is listed with its cell
    rows = page.locator("#findings tbody tr").all_inner_texts()
    assert any("问题及改进!B4" in r and "警告" in r for r in rows)
    page.screenshot(path=str(tmp_path / "ok.png"), full_page=True)


def test_clerk_uploads_bad_workbook_and_sees_each_problem(server, page, tmp_path):
    wb = openpyxl.load_workbook(PINGTAN)
    wb["依申请公开"]["J6"] = 1
    wb["主动公开"]["B5"] = "很多"
    bad = tmp_path / "平潭-有错.xlsx"
    wb.save(bad)
    page.goto(server.url + "/")
    page.set_input_files("#file", str(bad))
    page.click("#submit")
    page.wait_for_selector("#findings")
    assert "有错误，未生成报告" in page.inner_text("#status")
    assert page.locator("#download-docx").count() == 0
    rows = page.locator("#findings tbody tr.error").all_inner_texts()
    positions = {r.split("\t")[2].strip() for r in rows}
    assert {"依申请公开!J6", "主动公开!B5"} <= positions, rows
    annotated = _download(page, "#download-annotated", tmp_path)
    assert annotated.name == "平潭-有错-标注.xlsx"
    marked = openpyxl.load_workbook(annotated)
    assert marked["依申请公开"]["J6"].comment is not None and "校验结果" in marked.sheetnames
    page.screenshot(path=str(tmp_path / "errors.png"), full_page=True)
    # the result page belongs to this browser only
    other = page.context.browser.new_context()
    try:
        stranger = other.new_page()
        stranger.goto(page.url)
        assert "找不到这个结果" in stranger.inner_text("#status")
    finally:
        other.close()

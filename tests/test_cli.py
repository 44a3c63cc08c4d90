"""The command line as a user meets it: exit codes, where messages go, nothing half-written, the input
never touched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from nianbao.apps.cli import main

from docx_content import texts
from support import DAZHUANG, PINGTAN, sha256


def run(args, cwd=None, capsys=None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        code = main([str(a) for a in args])
    finally:
        os.chdir(old)
    out = capsys.readouterr() if capsys else None
    return code, out


def test_convert_example_writes_the_report_and_leaves_the_input_alone(tmp_path, capsys, example_copy):
    src = example_copy(DAZHUANG)
    before = sha256(src)
    code, out = run(["convert", src], cwd=tmp_path, capsys=capsys)
    assert code == 0
    produced = tmp_path / "大庄乡人民政府2024年政府信息公开工作年度报告.docx"
    assert produced.is_file()
    assert texts(produced.read_bytes())[-1] == "2025年1月2日"
    assert sha256(src) == before
    assert "已生成报告" in out.err and "narrative-year" in out.err
    assert out.out == ""
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_convert_with_errors_writes_nothing_and_exits_1(tmp_path, capsys, edit):
    bad = edit({"依申请公开!J6": 1})
    out_path = tmp_path / "报告.docx"
    code, out = run(["convert", bad, "-o", out_path], capsys=capsys)
    assert code == 1
    assert not out_path.exists()
    assert "依申请公开!J6" in out.err and "未生成报告" in out.err


def test_convert_with_errors_never_clobbers_a_good_report(tmp_path, capsys, edit):
    out_path = tmp_path / "报告.docx"
    assert run(["convert", PINGTAN, "-o", out_path], capsys=capsys)[0] == 0
    good = sha256(out_path)
    assert run(["convert", edit({"依申请公开!J6": 1}), "-o", out_path], capsys=capsys)[0] == 1
    assert sha256(out_path) == good


def test_draft_is_written_and_still_exits_1(tmp_path, capsys, edit):
    out_path = tmp_path / "草稿.docx"
    code, out = run(["convert", edit({"依申请公开!J6": 1}), "-o", out_path, "--draft"], capsys=capsys)
    assert code == 1 and out_path.is_file()
    assert "草稿" in out.err


def test_check_prints_findings_and_json(capsys, edit):
    code, out = run(["check", DAZHUANG], capsys=capsys)
    assert code == 0
    assert "警告 问题及改进!B4 [narrative-year]" in out.out and "检查通过" in out.out
    code, out = run(["check", edit({"复议诉讼!E6": 6}), "--json"], capsys=capsys)
    assert code == 1
    data = json.loads(out.out)
    assert data["schema"] == "nianbao.report/1" and data["ok"] is False
    assert data["counts"]["error"] == 1
    f = data["findings"][0]
    assert (f["code"], f["sheet"], f["cell"], f["position"], f["expected"], f["actual"]) == \
        ("total-mismatch", "复议诉讼", "E6", "复议诉讼!E6", "7", "6")


@pytest.mark.parametrize("args", [["convert"], ["convert", "x.xlsx", "--bogus"], ["nosuch"], ["template", "--form", "2020"]])
def test_usage_errors_exit_2_in_chinese(capsys, args):
    code, out = run(args, capsys=capsys)
    assert code == 2
    assert "用法错误" in out.err and "Traceback" not in out.err


def test_missing_input_is_a_usage_error(capsys, tmp_path):
    code, out = run(["check", tmp_path / "没有.xlsx"], capsys=capsys)
    assert code == 2 and "找不到文件" in out.err


def test_unwritable_output_exits_3(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out = run(["convert", PINGTAN, "-o", blocker / "sub" / "报告.docx"], capsys=capsys)
    assert code == 3 and "无法" in out.err and "Traceback" not in out.err


def test_output_may_not_overwrite_the_input(capsys, example_copy):
    src = example_copy(PINGTAN)
    before = sha256(src)
    code, _ = run(["convert", src, "-o", src], capsys=capsys)
    assert code == 2 and sha256(src) == before


def test_broken_doc_template_exits_3(capsys, tmp_path):
    from docx import Document

    tpl = tmp_path / "坏模板.docx"
    d = Document()
    d.add_paragraph("{{ 没有这个变量 }}")
    d.save(tpl)
    code, out = run(["convert", PINGTAN, "-o", tmp_path / "r.docx", "--doc-template", tpl], capsys=capsys)
    assert code == 3 and "Word 模板无法填充" in out.err
    assert not (tmp_path / "r.docx").exists()


def test_template_commands(tmp_path, capsys):
    assert run(["template", "-o", tmp_path / "t.xlsx", "--form", "2019"], capsys=capsys)[0] == 0
    from nianbao.conversion import check

    sub, _ = check(tmp_path / "t.xlsx")
    assert sub.form.id == "2019"
    assert run(["doc-template", "-o", tmp_path / "t.docx", "--body-font", "仿宋"], capsys=capsys)[0] == 0
    from docx import Document
    from docx.oxml.ns import qn

    rfonts = Document(tmp_path / "t.docx").styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "仿宋"


def test_restyled_template_is_used(tmp_path, capsys):
    tpl = tmp_path / "t.docx"
    assert run(["doc-template", "-o", tpl, "--heading1-font", "方正黑体_GBK"], capsys=capsys)[0] == 0
    out = tmp_path / "r.docx"
    assert run(["convert", PINGTAN, "-o", out, "--doc-template", tpl], capsys=capsys)[0] == 0
    from docx import Document
    from docx.oxml.ns import qn

    assert Document(out).styles["一级标题"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正黑体_GBK"


def test_python_dash_m_and_help_are_chinese(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nianbao", "convert", "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "用法：" in proc.stdout and "草稿" in proc.stdout and "显示帮助并退出" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "nianbao", "check", str(PINGTAN)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "检查通过" in proc.stdout


def test_convert_html_and_json_formats(tmp_path, capsys):
    out = tmp_path / "报告.docx"
    assert run(["convert", PINGTAN, "-o", out, "--format", "html,json"], capsys=capsys)[0] == 0
    assert not out.exists(), "docx was not asked for"
    assert (tmp_path / "报告.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "报告.fragment.html").read_text("utf-8").startswith('<div lang="zh-CN">')
    assert json.loads((tmp_path / "报告.json").read_text("utf-8"))["schema"] == "nianbao.data/1"
    code, out_ = run(["convert", PINGTAN, "-o", tmp_path / "x.docx", "--format", "docx,odt"], capsys=capsys)
    assert code == 2 and "--format" in out_.err


@pytest.mark.parametrize(("args", "says"), [
    (["template", "--formm", "x"], "没有这个选项：--formm。您是不是要用 --form？"),
    (["conver"], "没有这个命令：conver。您是不是要用 convert？"),
    (["check", "a.xlsx", "b.xlsx"], "多余的参数：b.xlsx"),
    (["batch"], "缺少参数 收件夹或.zip"),
    (["batch", "x", "-o", "y", "-j", "0"], "选项 -j/--jobs 的值“0”无效，应为 1 到 64 之间的整数"),
    (["check", "x.xlsx", "--json=1"], "选项 --json 不需要值"),
    (["convert", "x.xlsx", "--format"], "选项 --format 需要一个值"),
    (["serve", "--keep-minutes", "x"], "选项 --keep-minutes 的值“x”无效"),
    (["convert", "x.xlsx", "-o", "."], "选项 -o/--output 的值“.”是一个文件夹，这里要的是文件"),
    (["batch", "x", "-o", __file__], "是一个文件，这里要的是文件夹"),
])
def test_click_usage_errors_are_chinese_through_and_through(capsys, args, says):
    code, out = run(args, capsys=capsys)
    assert code == 2 and says in out.err
    english = re.findall(r"\b(?:Did you mean|No such|Missing|Invalid|Got unexpected|requires|is not one of|is a directory|is a file|does not exist)\b", out.err)
    assert english == []

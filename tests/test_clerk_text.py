"""Narrative as clerks really write it: the habits that produced nonsense or false alarms, one test each,
and a standing test against a real published report (read from ../shared, never copied here)."""

from __future__ import annotations

import re
import runpy
import zipfile
from pathlib import Path

import openpyxl
import pytest

from nianbao.conversion import check
from nianbao.output.context import context
from nianbao.workbook.fill import filled_workbook

from support import PINGTAN, ROOT, SHARED


def findings(path: Path, *codes: str) -> list[tuple[str, str, str]]:
    _, report = check(path)
    return [(f.code, f.level.value, f.position) for f in report.findings if not codes or f.code in codes]


def report_text(path: Path) -> list[str]:
    sub, report = check(path)
    assert sub is not None
    ctx = context(sub, report)
    return [p for key in ("s1", "s5", "s6") for block in ctx[key] for p in ([block["heading"]] if block["heading"] else []) + block["paragraphs"]]


# 1. "/" "无" "0" "—" as a whole narrative cell -----------------------------------------------------------------

@pytest.mark.parametrize("mark", ["/", "无", "0", "—", "／", "暂无。"])
def test_a_nothing_mark_is_a_finding_and_never_printed(edit, mark):
    path = edit({"其他事项!B6": mark})
    assert ("narrative-placeholder", "warning", "其他事项!B6") in findings(path)
    assert not any("落实上级年度政务公开工作要点情况" in p for p in report_text(path))


def test_a_required_section_of_nothing_marks_is_an_error(edit):
    path = edit({"问题及改进!A4": None, "问题及改进!B4": "/", "问题及改进!A5": None, "问题及改进!B5": "无"})
    found = findings(path, "narrative-placeholder", "narrative-empty")
    assert ("narrative-placeholder", "warning", "问题及改进!B4") in found and ("narrative-empty", "error", "问题及改进!B4") in found


# 2. body pasted with its own numbering ---------------------------------------------------------------------------

def test_a_body_that_repeats_its_heading_prints_it_once(edit):
    path = edit({"总体情况!B5": "（一）主动公开方面。有序推进基层政务公开，全年制发行政规范性文件62件。"})
    assert ("heading-echo", "info", "总体情况!B5") in findings(path)
    text = report_text(path)
    assert "（一）主动公开" in text and "有序推进基层政务公开，全年制发行政规范性文件62件。" in text
    assert not any("主动公开方面" in p for p in text)


def test_a_heading_typed_as_yishi_is_numbered_once(edit):
    path = edit({"总体情况!A7": "一是政府信息管理"})
    assert ("numbering-removed", "info", "总体情况!A7") in findings(path)
    assert "（三）政府信息管理" in report_text(path)


def test_a_list_of_the_clerks_own_keeps_its_numbers(edit):
    path = edit({"总体情况!B5": "1.全年制发行政规范性文件62件。"})
    assert findings(path, "heading-echo") == []
    assert "1.全年制发行政规范性文件62件。" in report_text(path)


# 3. sums of named categories ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["予以公开及部分公开100件", "予以公开（含部分公开）100件", "同意公开和部分公开的100件"])
def test_combined_categories_are_compared_with_their_sum(edit, text):
    assert findings(edit({"总体情况!B6": f"全年新收申请218件，{text}，其他处理3件。"}), "narrative-figure") == []


def test_a_wrong_sum_names_the_cells_added(edit):
    _, report = check(edit({"总体情况!B6": "全年新收申请218件，予以公开及部分公开42件，其他处理3件。"}))
    found = [f for f in report.findings if f.code == "narrative-figure"]
    assert len(found) == 1 and (found[0].expected, found[0].actual) == ("100", "42")
    assert "“予以公开”加“部分公开”" in found[0].message and "依申请公开!J8" in found[0].message and "依申请公开!J9" in found[0].message


# 4. a paragraph in the 小标题 column ---------------------------------------------------------------------------

def test_a_paragraph_in_the_heading_column_is_kept_as_body(edit):
    body = "持续加强平台建设，优化网站栏目设置，提升信息发布的及时性和准确性，方便群众查阅。"
    path = edit({"总体情况!A8": body, "总体情况!B8": None})
    assert ("heading-is-text", "warning", "总体情况!A8") in findings(path)
    text = report_text(path)
    assert body in text and not any(p.endswith(body) and p.startswith("（") for p in text)


def test_a_short_heading_with_a_full_stop_is_still_a_heading(edit):
    path = edit({"总体情况!A8": "强化平台建设。"})
    assert findings(path, "heading-is-text") == []
    assert "（四）强化平台建设" in report_text(path)


# 5. 收到 read as 新收 + 结转 ----------------------------------------------------------------------------------------

def test_received_as_new_plus_carried_over_is_a_hint_naming_both(edit):
    _, report = check(edit({"总体情况!B6": "全年收到申请219件，其他处理3件。", "依申请公开!D7": 1, "依申请公开!D8": 72}))
    hint = [f for f in report.findings if f.code == "narrative-basis"]
    assert len(hint) == 1 and hint[0].level.value == "info"
    assert "本年新收 218 件加上年结转 1 件" in hint[0].message and "建议写明" in hint[0].message


# 6. two lists in one paragraph --------------------------------------------------------------------------------

def test_problems_then_measures_may_both_start_at_yishi(edit):
    text = ("存在的问题：一是政策解读形式单一，二是栏目更新不够及时。下一步，一是丰富解读形式，二是建立栏目更新台账。"
            "2024年各项工作均按计划推进。")
    assert findings(edit({"问题及改进!B4": text}), "text-enumeration") == []


def test_a_real_repeat_is_still_flagged(edit):
    text = "2024年，一是加强培训，三是完善制度，三是强化考核，确保工作落实到位。"
    assert findings(edit({"问题及改进!B4": text}), "text-enumeration") == [("text-enumeration", "warning", "问题及改进!B4")]


# 7. 报告年度 written as "2023年度" ----------------------------------------------------------------------------------

@pytest.mark.parametrize("year", ["2024年度", "2024年", "２０２４", 2024])
def test_report_year_in_the_ways_clerks_write_it(edit, year):
    sub, report = check(edit({"基本信息!B5": year}))
    assert sub is not None and sub.meta.year == 2024 and not [f for f in report.findings if f.code == "meta-invalid"]


# 8. mass findings -------------------------------------------------------------------------------------------------

def test_zeros_left_blank_are_one_finding_per_table_and_every_cell_in_the_annotated_copy(edit, tmp_path):
    def blank_zeros(wb: openpyxl.Workbook) -> None:
        ws = wb["依申请公开"]
        for row in ws.iter_rows(min_row=6, max_row=30, min_col=4, max_col=9):
            for cell in row:
                if cell.value == 0:
                    cell.value = None
    path = edit(blank_zeros)
    _, report = check(path)
    blank = [f for f in report.findings if f.code == "value-blank"]
    assert len(blank) == 1 and blank[0].actual == len(report.details) > 100
    assert "本表共" in blank[0].message and "标注副本中逐格标出" in blank[0].message
    from nianbao.conversion import annotate
    out = tmp_path / "标注.xlsx"
    assert annotate(path, report, out)
    wb = openpyxl.load_workbook(out)
    marked = [c for row in wb["依申请公开"].iter_rows() for c in row if c.comment and "为空" in c.comment.text]
    assert len(marked) == len(report.details)


def test_a_table_stored_as_text_is_one_warning(edit):
    def as_text(wb: openpyxl.Workbook) -> None:
        ws = wb["依申请公开"]
        for row in ws.iter_rows(min_row=6, max_row=30, min_col=4, max_col=9):
            for cell in row:
                if isinstance(cell.value, int):
                    cell.value = str(cell.value)
    _, report = check(edit(as_text))
    assert [f.code for f in report.findings].count("value-normalized") == 1 and len(report.details) > 100


# 9. formula errors and float noise ----------------------------------------------------------------------------

def _with_cell_xml(src: Path, dst: Path, sheet_index: int, old: str, new: str) -> Path:
    """The workbook with one cell's XML (<c r="E6" …>…</c>, whatever its style) replaced by new, as Excel
    or WPS would have saved it."""
    part = f"xl/worksheets/sheet{sheet_index}.xml"
    ref = re.search(r'r="([A-Z]+\d+)"', old)
    assert ref
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                text, n = re.subn(rf'<c r="{ref.group(1)}"[^>]*>.*?</c>', lambda _: new, data.decode(), count=1)
                assert n == 1
                data = text.encode()
            zout.writestr(info, data)
    return dst


@pytest.mark.parametrize(("cell_xml", "says"), [
    ('<c r="E6" s="15" t="e"><f>1/0</f><v>#DIV/0!</v></c>', "计算出错（#DIV/0!：除数为零）"),
    ('<c r="E6" s="15" t="e"><f>FOO()</f><v>#NAME?</v></c>', "计算出错（#NAME?"),
    ('<c r="E6" s="15" t="str"><f>""</f><v></v></c>', "的结果是空白"),
])
def test_a_formula_error_says_which(tmp_path, cell_xml, says):
    order = openpyxl.load_workbook(PINGTAN, read_only=True).sheetnames
    path = _with_cell_xml(PINGTAN, tmp_path / "f.xlsx", order.index("依申请公开") + 1, '<c r="E6" s="15" t="n"><v>1</v></c>', cell_xml)
    _, report = check(path)
    found = [f for f in report.findings if f.position == "依申请公开!E6"]
    assert len(found) == 1 and found[0].code == "value-not-number" and says in found[0].message


def test_float_noise_is_read_as_the_integer_excel_shows(tmp_path):
    order = openpyxl.load_workbook(PINGTAN, read_only=True).sheetnames
    path = _with_cell_xml(PINGTAN, tmp_path / "n.xlsx", order.index("依申请公开") + 1,
                          '<c r="E6" s="15" t="n"><v>1</v></c>', '<c r="E6" s="15" t="n"><v>1.000000000001</v></c>')
    sub, report = check(path)
    assert sub is not None and sub.figures["table3"]["E4"] == 1 and report.ok
    assert [(f.code, f.level.value) for f in report.findings if f.position == "依申请公开!E6"] == [("value-rounded", "info")]


# 10. text in a locked 说明 column -------------------------------------------------------------------------------

def test_text_typed_over_a_hint_is_reported(edit):
    assert ("unexpected-content", "warning", "其他事项!C6") in findings(edit({"其他事项!C6": "本年度落实了要点"}))
    assert ("unexpected-content", "warning", "基本信息!C3") in findings(edit({"基本信息!C3": "平潭综合实验区管委会"}))


# 11. 造字 and emoji ---------------------------------------------------------------------------------------------

def test_private_use_characters_are_named(edit):
    path = edit({"总体情况!B5": "走访\ue000村村民，全年制发行政规范性文件62件。"})
    _, report = check(path)
    found = [f for f in report.findings if f.code == "text-private-use"]
    assert len(found) == 1 and found[0].position == "总体情况!B5" and "U+E000" in found[0].message and "无法显示" in found[0].message
    assert not [f for f in report.findings if f.code == "text-cleaned"]


def test_an_emoji_sequence_stays_whole(edit):
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    path = edit({"总体情况!B5": f"开展“{family}家庭开放日”活动，全年制发行政规范性文件62件。"})
    assert any(family in p for p in report_text(path))


# 12. 政府办公厅 reporting its government's 规章 ---------------------------------------------------------------------

def test_a_government_office_may_show_regulations(tmp_path):
    ex = runpy.run_path(str(ROOT / "examples" / "make_examples.py"))
    t2 = dict(ex["PINGTAN_T2"]) | {"B3": 2, "D3": 15}
    t3 = {f"{col}{row}": v for row, vals in ex["PINGTAN_T3"].items() for col, v in zip("DEFGHI", vals)}
    for agency_type, flagged in (("政府办公厅（室）", False), ("政府部门", True)):
        wb = filled_workbook("2021", {"agency": "某市人民政府办公室", "agency_type": agency_type, "year": 2024, "date": "2025年1月20日"},
                             figures={"table2": t2, "table3": t3, "table4": ex["PINGTAN_T4"]}, general=ex["PINGTAN_GENERAL"],
                             problems=ex["PINGTAN_PROBLEMS"], other={"other": "无其他需要报告的事项。"})
        path = tmp_path / f"{agency_type}.xlsx"
        wb.save(path)
        sub, report = check(path)
        assert sub is not None and sub.meta.agency_type == agency_type
        assert any(f.code == "regulation-nonzero" for f in report.findings) is flagged
        assert all(f.level.value != "error" for f in report.findings if f.code == "regulation-nonzero")


# A real published report ------------------------------------------------------------------------------------------

PUBLISHED = SHARED / "fixtures" / "published" / "pingtan-2024.txt"

# Every finding the checker raises on Pingtan's 2024 report as published, with the reason it stands.
ADJUDICATED = {
    # The table has 2 applications under （六）其他处理 3.其他 and the text never says how they were handled:
    # a reader (and an evaluator) would ask, so the warning is a true one.
    ("other-unexplained", "依申请公开!J28"),
}


def _published_workbook(tmp_path: Path) -> Path:
    """The published text split into the workbook's sections by its headings, with its real figures."""
    text = PUBLISHED.read_text("utf-8")
    body = text[text.index("一、总体情况"):]

    def section(start: str, end: str | None) -> str:
        a = body.index(start) + len(start)
        return body[a:body.index(end)].strip() if end else body[a:].strip()

    general_text = section("一、总体情况", "二、主动公开政府信息情况")
    parts = re.split(r"（[一二三四五六七八九十]+）([^。]{2,20})。", general_text)
    general = [("", parts[0])] + [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]
    ex = runpy.run_path(str(ROOT / "examples" / "make_examples.py"))
    t3 = {f"{col}{row}": v for row, vals in ex["PINGTAN_T3"].items() for col, v in zip("DEFGHI", vals)}
    wb = filled_workbook("2021", {"agency": "平潭综合实验区", "agency_type": "人民政府", "year": 2024, "date": "2025年3月10日"},
                         figures={"table2": ex["PINGTAN_T2"], "table3": t3, "table4": ex["PINGTAN_T4"]},
                         general=general, problems=[("", section("五、存在的主要问题及改进情况", "六、其他需要报告的事项"))],
                         other={"other": section("六、其他需要报告的事项", None)})
    path = tmp_path / "平潭2024-发布稿.xlsx"
    wb.save(path)
    return path


@pytest.mark.skipif(not PUBLISHED.exists(), reason="../shared/fixtures is not beside this checkout")
def test_the_published_pingtan_report_raises_no_false_alarm(tmp_path):
    path = _published_workbook(tmp_path)
    sub, report = check(path)
    assert sub is not None and report.ok, [f.line() for f in report.errors]
    assert [len(b.paragraphs) for b in sub.general.blocks] == [1, 1, 1, 1, 1, 1], "intro and five sub-sections"
    raised = {(f.code, f.position) for f in report.findings if f.level.value in ("error", "warning")}
    assert raised == ADJUDICATED, sorted(raised)


def test_a_heading_on_its_own_line_at_the_top_of_the_body_is_printed_once(edit):
    from nianbao.conversion import check

    sub, report = check(edit({"总体情况!B5": "（一）主动公开\n围绕重点领域主动公开政府信息。"}))
    block = next(b for b in sub.general.blocks if b.heading == "主动公开")
    assert block.paragraphs == ["围绕重点领域主动公开政府信息。"]
    assert [f.code for f in report.findings if f.position == "总体情况!B5"] == ["heading-echo"]


def test_text_pasted_from_a_pdf_is_one_paragraph_again(edit):
    from nianbao.conversion import check

    pasted = ("围绕营商环境、项目投资、产业政策等重点领域主动\n公开政府信息，行政规范性文件在政府门户网站集中\n"
              "公开、动态更新，全年主动公开政府信息1136条。\n一、加强组织领导。\n二、完善制度。")
    sub, _ = check(edit({"总体情况!B5": pasted}))
    block = next(b for b in sub.general.blocks if b.heading == "主动公开")
    assert block.paragraphs == ["围绕营商环境、项目投资、产业政策等重点领域主动公开政府信息，行政规范性文件在政府门户网站集中"
                                "公开、动态更新，全年主动公开政府信息1136条。", "一、加强组织领导。", "二、完善制度。"]


REAL = SHARED / "fixtures" / "published"


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/fixtures not present")
@pytest.mark.parametrize(("name", "expected"), [
    # what the published reports really lack or get wrong, and nothing else (no new false alarm from the
    # clerk-text checks); 机关类型 and the date are often not printed where the importer looks
    ("pingtan-2024.html", {("meta-missing", "基本信息!B4"), ("meta-missing", "基本信息!B7"), ("other-unexplained", "依申请公开!J28")}),
    ("outside/01-huaian-szf-2024.pdf", {("meta-missing", "基本信息!B7"), ("value-blank", "其他事项!B3"), ("value-blank", "其他事项!B4"),
                                        ("text-supervision", "总体情况!A9"), ("other-unexplained", "依申请公开!J28")}),
    ("outside/02-hongze-qzf-2023.pdf", {("meta-missing", "基本信息!B7"), ("value-blank", "依申请公开!D26"), ("total-mismatch", "复议诉讼!E6"),
                                        ("total-mismatch", "复议诉讼!O6"), ("text-supervision", "总体情况!A9")}),
    ("outside/03-hongze-qzf-2024.pdf", {("meta-missing", "基本信息!B7"), ("value-blank", "依申请公开!D26"), ("narrative-figure", "总体情况!B6")}),
])
def test_the_real_published_reports_get_exactly_their_findings(tmp_path, name, expected):
    from nianbao.conversion import check, import_published
    from nianbao.workbook.blank import workbook_bytes

    imported, why = import_published(REAL / name)
    assert imported is not None, why
    path = tmp_path / "imported.xlsx"
    path.write_bytes(workbook_bytes(imported.workbook()))
    _, report = check(path)
    assert {(f.code, f.position) for f in report.findings} == expected

"""Text hygiene: each defect in a paragraph gives its finding at the paragraph's cell."""

from __future__ import annotations

import pytest

from nianbao.conversion import check

from support import PINGTAN


def codes_at(edit, text, cell="总体情况!B5", base=PINGTAN, extra=None):
    changes = {cell: text} | (extra or {})
    _, report = check(edit(changes, base=base))
    return {(f.code, f.level.value) for f in report.findings if f.position == cell}, report


@pytest.mark.parametrize("text,code,level", [
    ("XX乡全年公开信息120条。", "text-placeholder", "error"),
    ("全年公开信息××条。", "text-placeholder", "error"),
    ("本部分待补充。", "text-placeholder", "error"),
    ("【此处填写主要做法】", "text-placeholder", "error"),
    ("截止2024年12月31日，共公开信息120条。", "text-jiezhi", "warning"),
    ("严格审核审核流程，确保信息准确。", "text-repeated", "warning"),
    ("全年公开信息120条,其中政策文件20条。", "text-punctuation", "warning"),
    ("全年公开信息 120 条，其中政策文件20条。", "text-spacing", "warning"),
    ("一是加强领导；二是完善制度；三是强化培训；三是加强监督。", "text-enumeration", "warning"),
    ("一是加强领导；三是强化培训。", "text-enumeration", "warning"),
    ("全年公开信息120条，，其中政策文件20条。", "text-punctuation", "warning"),   # a key pressed twice
    ("全年公开信息120条。。", "text-punctuation", "warning"),
    ("全年公开信息120条，。", "text-punctuation", "warning"),
])
def test_defect_is_found(edit, text, code, level):
    found, _ = codes_at(edit, text)
    assert (code, level) in found


@pytest.mark.parametrize("text", [
    "截至2024年12月31日，共公开信息120条。",
    "一是加强领导；二是完善制度；三是强化培训。",
    "常常深入基层，人人参与公开，层层压实责任。",
    "依据《条例》（2019年修订）开展工作，全年公开信息120条。",
    "主要措施如下：……下一步继续推进。",
    # a second list after a sentence that announces it, closed by 。 rather than a colon (seen on a
    # published report)
    "一是公开不够及时；二是解读形式单一；三是政策解读形式单一。2023年，我区将采取以下措施加以改进。一是加强培训；二是完善制度。",
])
def test_clean_text_is_not_flagged(edit, text):
    found, _ = codes_at(edit, text)
    assert not {c for c, _ in found if c.startswith("text-")}


def test_placeholder_in_the_agency_name_blocks_the_report(edit):
    _, report = check(edit({"基本信息!B3": "XX镇人民政府"}, base=PINGTAN))
    assert not report.ok and ("text-placeholder", "基本信息!B3") in {(f.code, f.position) for f in report.findings}


def test_peoples_government_must_report_assessment(edit):
    # Pingtan's 监督保障 mentions 考核 and 评议; without them the warning appears at that heading
    _, report = check(edit({"总体情况!B9": "加强监督，落实各项制度。"}, base=PINGTAN))
    assert ("text-supervision", "总体情况!A9") in {(f.code, f.position) for f in report.findings}


def test_short_general_section(edit):
    def change(wb):
        ws = wb["总体情况"]
        for row in range(4, 12):
            ws.cell(row, 1).value = ws.cell(row, 2).value = None
        ws["B4"] = "本年度工作正常开展。"

    _, report = check(edit(change, base=PINGTAN))
    assert ("text-too-short", "总体情况!B4") in {(f.code, f.position) for f in report.findings}


def test_other_handling_must_be_explained(edit):
    # 3.其他 has 2 cases in Pingtan's table 3; remove the sentence that mentions 其他处理
    _, report = check(edit({"总体情况!B6": "全年新收政府信息公开申请218件，全部按期答复。"}, base=PINGTAN))
    assert ("other-unexplained", "依申请公开!J28") in {(f.code, f.position) for f in report.findings}


def test_minimum_length_is_configurable(capsys):
    from nianbao.apps.cli import main

    main(["check", str(PINGTAN)])
    assert "text-too-short" not in capsys.readouterr().out
    main(["check", str(PINGTAN), "--min-general", "2000"])
    assert "text-too-short" in capsys.readouterr().out

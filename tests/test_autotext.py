"""自动生成数据说明: sentences derived from the tables, consistent with them by construction."""

from __future__ import annotations

import re

import pytest

from nianbao.checks.hygiene import Text
from nianbao.checks.narrative import _claims, _compare, quantities
from nianbao.conversion import check
from nianbao.output.context import context
from nianbao.output.sentences import sentences
from nianbao.output.word import render_docx

from docx_content import texts
from support import DAZHUANG, PINGTAN


def _checker_findings(sub, paragraph):
    """Run the narrative-against-figures checker on one generated sentence."""
    t = Text(paragraph, "x", "A1", "一")
    found, taken = [], []
    for pattern, quantity in quantities(sub):
        for m in pattern.finditer(paragraph):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            found += list(_compare(sub, t, m, quantity))
    return found + list(_claims(sub, t))


@pytest.mark.parametrize("example", [DAZHUANG, PINGTAN], ids=["dazhuang", "pingtan"])
def test_generated_sentences_agree_with_the_tables(example):
    sub, _ = check(example)
    generated = sentences(sub)
    assert all(generated[k] for k in ("t2", "t3", "t4"))
    for paras in generated.values():
        for p in paras:
            assert _checker_findings(sub, p) == [], p


def test_sentences_stand_before_their_tables():
    sub, report = check(PINGTAN)
    paras = texts(render_docx(context(sub, report)))
    i = paras.index("三、收到和处理政府信息公开申请情况")
    # "本年度" or "本年": the phrasing whose last line is not a lone character or two
    assert re.match(r"本年度?新收政府信息公开申请218件", paras[i + 1])


def test_option_off_leaves_them_out(edit):
    sub, report = check(edit({"基本信息!B13": "否"}))
    assert report.ok
    paras = texts(render_docx(context(sub, report)))
    assert not any(re.match(r"本年度?新收政府信息公开申请", p) for p in paras)


@pytest.mark.parametrize(("changes", "key", "says", "never"), [
    # 诉讼 without 复议: a sentence of its own, not "引起无行政复议"
    ({"复议诉讼!A6": 0, "复议诉讼!B6": 0, "复议诉讼!C6": 0, "复议诉讼!D6": 0}, "t4",
     "没有因政府信息公开引起的行政复议；因政府信息公开引起行政诉讼19件（复议后起诉19件）", ("无行政复议", "直接起诉0件")),
    # 复议 without 诉讼
    ({**{f"复议诉讼!{c}6": 0 for c in "FGHIKLMN"}}, "t4", "行政复议7件（结果维持2件、结果纠正1件、其他结果3件、尚未审结1件），没有引起行政诉讼",
     ("无行政诉讼",)),
    # nothing new, something carried over
    ({"依申请公开!D6": 0, "依申请公开!E6": 0, "依申请公开!D7": 217, "依申请公开!E7": 1}, "t3", "没有新收政府信息公开申请，上年结转218件",
     ("申请0件",)),
    # none repealed: not "废止0件"
    ({"主动公开!C6": 0}, "t2", "制发行政规范性文件62件，没有废止，年底现行有效440件", ("废止0件",)),
    # a 规章-making body's 规章 are said too
    ({"主动公开!B5": 2, "主动公开!C5": 1, "主动公开!D5": 15}, "t2", "制发规章2件，废止1件，年底现行有效15件", ()),
])
def test_generated_sentences_say_what_happened_in_good_chinese(edit, changes, key, says, never):
    sub, _ = check(edit(changes))
    text = "".join(sentences(sub)[key]).replace("本年度", "").replace("本年", "")
    assert says.replace("本年度", "") in text, text
    assert not any(n in text for n in never), text

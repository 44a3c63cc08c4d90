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

from conftest import DAZHUANG, PINGTAN
from docx_content import texts


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

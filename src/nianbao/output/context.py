"""What the report says, as plain data: the title, the opening formula, the numbered blocks of each
section, every figure formatted, the generated sentences. The Word, HTML and JSON writers all read this
one context; it needs no Word library."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nianbao.findings import Report
from nianbao.output.sentences import sentences
from nianbao.output.signature import signature
from nianbao.workbook.layout import OTHER_FIELDS
from nianbao.workbook.model import Narrative, Other, Submission
from nianbao.workbook.text import cn_ordinal
from nianbao.workbook.values import format_figure, format_number

TABLE_VARS = {"table2": "t2", "table3": "t3", "table4": "t4"}
NARRATIVE_VARS = {"一": "s1", "五": "s5", "六": "s6"}

FEE_HEADING = "收取信息处理费情况"


TITLE_LINE_CHARS = 20  # 2号 characters on one line of the GB/T 9704 text block


MISSING = "＿＿＿＿"  # printed in a draft where a required field is missing


def _year(sub: Submission) -> str:
    return str(sub.meta.year) if sub.meta.year else MISSING


def report_title(agency: str, year: int | str) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def title(sub: Submission) -> str:
    return report_title(sub.meta.agency or MISSING, _year(sub))


def title_lines(sub: Submission) -> str:
    """The title on lines of whole phrases (GB/T 9704 7.2.2: never inside a word; a trapezoid or diamond)."""
    return "\n".join(arrange_title(sub.meta.agency or MISSING, _year(sub)))


_SUBJECT = ("政府信息公开工作", "年度报告")  # the title's fixed part, as two phrases


def _title_width(text: str) -> float:
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def arrange_title(agency: str, year: str, room: float = TITLE_LINE_CHARS) -> list[str]:
    """Split the title into as few lines of whole phrases as fit room characters: the agency's name at its
    unit words (…局 | 第一税务分局), the year with 年, then 政府信息公开工作 | 年度报告. Of the splits with
    the fewest lines, one whose line lengths rise, fall or peak in the middle (trapezoid or diamond), the
    most even of those."""
    phrases = [p for p in name_phrases(agency)] + [f"{year}年", *_SUBJECT]
    best: tuple[tuple[int, int, float], list[str]] | None = None
    n = len(phrases)
    for mask in range(1 << (n - 1)):  # every way of cutting between phrases (a handful of phrases)
        lines, current = [], phrases[0]
        for i in range(1, n):
            if mask >> (i - 1) & 1:
                lines.append(current)
                current = phrases[i]
            else:
                current += phrases[i]
        lines.append(current)
        widths = [_title_width(x) for x in lines]
        if max(widths) > room:
            continue
        shaped = all(a <= b for a, b in zip(widths, widths[1:])) or all(a >= b for a, b in zip(widths, widths[1:])) or (
            len(widths) == 3 and widths[1] >= max(widths[0], widths[2]))
        score = (len(lines), 0 if shaped else 1, max(widths) - min(widths))
        if best is None or score < best[0]:
            best = (score, lines)
    return best[1] if best else [agency + f"{year}年", "".join(_SUBJECT)]


_UNIT_WORDS = ("人民政府", "管理委员会", "委员会", "管委会", "办公厅", "办公室", "办事处", "总局", "分局", "街道", "局", "厅", "委",
               "办", "院", "所", "中心", "省", "市", "县", "区", "镇", "乡")


def name_phrases(agency: str) -> list[str]:
    """The agency's name cut after each unit word (国家税务总局 | 平潭综合实验区 | 税务局 | 第一税务分局)."""
    out, current, i = [], "", 0
    while i < len(agency):
        word = next((w for w in _UNIT_WORDS if agency.startswith(w, i)), agency[i])
        current += word
        i += len(word)
        if word in _UNIT_WORDS and i < len(agency) and len(current) > 1:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def opening(sub: Submission) -> list[str]:
    """The fixed formula of the opening paragraph, from metadata only (never typed by the clerk)."""
    meta, form = sub.meta, sub.form
    parts = "、".join(s.title for s in form.sections)
    y = _year(sub)
    text = (
        f"本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《{form.title}》"
        f"（{form.issued_by}）的要求编制，全文包括{parts}共{cn_ordinal(len(form.sections))}个部分。"
        f"本报告所列数据的统计期限为{y}年1月1日至{y}年12月31日。"
    )
    if meta.url:
        text += f"本报告电子版可在{meta.url}查阅或下载。"
    contact = [f"地址：{meta.contact_address}" if meta.contact_address else "",
               f"邮编：{meta.contact_postcode}" if meta.contact_postcode else "",
               f"电话：{meta.contact_phone}" if meta.contact_phone else ""]
    contact = [c for c in contact if c]
    if meta.contact_unit or contact:
        who = meta.contact_unit or meta.agency
        text += f"如对本报告有疑问，请与{who}联系" + (f"（{'；'.join(contact)}）" if contact else "") + "。"
    return [text]


def _blocks(narrative: Narrative) -> list[dict[str, Any]]:
    blocks = []
    n = 0
    for b in narrative.blocks:
        heading = None
        if b.heading is not None:
            n += 1
            heading = f"（{cn_ordinal(n)}）{b.heading}"
        blocks.append({"heading": heading, "paragraphs": list(b.paragraphs)})
    return blocks


def _money(value: Decimal | None) -> str:
    return format_number(value) if value is not None else "0"


def fee_sentence(other: Other) -> str:
    n, billed, got = other.fee_notices or 0, other.fee_billed or Decimal(0), other.fee_collected or Decimal(0)
    if not n and not billed and not got:
        return "本年度未发出信息处理费收费通知，未收取信息处理费。"
    return f"本年度发出信息处理费收费通知{n}件，应收信息处理费{_money(billed)}元，实际收取{_money(got)}元。"


def _section6(other: Other) -> list[dict[str, Any]]:
    items = [(FEE_HEADING, [fee_sentence(other)])]
    # "其他需要报告的事项" is the section's own name: under it, the item is just 其他事项
    items += [("其他事项" if f.key == "other" else f.label, other.items[f.key]) for f in OTHER_FIELDS if other.items.get(f.key)]
    if len(items) == 1:
        return [{"heading": None, "paragraphs": items[0][1]}]
    return [{"heading": f"（{cn_ordinal(i)}）{h}", "paragraphs": p} for i, (h, p) in enumerate(items, start=1)]


def context(sub: Submission, report: Report | None = None, draft: bool = False) -> dict[str, Any]:
    sign = signature(sub.meta.agency or MISSING, sub.meta.date_text, sealed=sub.meta.seal == "是")
    ctx: dict[str, Any] = {
        "form_id": sub.form.id,
        "title": title_lines(sub),
        "opening": opening(sub),
        "agency": "\n".join(sign.name),
        "signature": {"name_right": sign.name_right_twips, "date_right": sign.date_right_twips, "name_left": sign.name_left_twips},
        "date": sub.meta.date_text,
        "draft": draft,
        "findings": [f.line_zh() for f in report.findings] if (draft and report) else [],
        "properties": {"title": title(sub), "author": sub.meta.agency},
        "auto": sentences(sub),
    }
    ctx[NARRATIVE_VARS["一"]] = _blocks(sub.general)
    ctx[NARRATIVE_VARS["五"]] = _blocks(sub.problems)
    ctx[NARRATIVE_VARS["六"]] = _section6(sub.other)
    for name, table in sub.form.tables.items():
        values = sub.figures.get(name, {})
        # In a draft an unreadable figure prints as "?" so nobody mistakes it for a real 0.
        ctx[TABLE_VARS[name]] = {
            ref: (format_figure(v, kind) + table.layout.units.get(ref, "") if (v := values.get(ref)) is not None else "?")
            for ref, kind in table.numeric.items()
        }
    return ctx

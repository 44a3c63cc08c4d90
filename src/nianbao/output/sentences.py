"""Short sentences derived from the tables, printed before each of them when 基本信息 says
自动生成数据说明 = 是: the figures in the text then cannot disagree with the tables. Every figure is
asked for by its role in the form description; a sentence whose roles the form lacks is not written."""

from __future__ import annotations

from decimal import Decimal

from nianbao.workbook.model import Submission
from nianbao.workbook.values import format_number


def _n(value: Decimal) -> str:
    return format_number(value)


def _figures(sub: Submission, *roles: str) -> list[Decimal] | None:
    values = [sub.figure(r) for r in roles]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def table2(sub: Submission) -> list[str]:
    got = _figures(sub, "normative_issued", "normative_repealed", "normative_valid",
                   "licensing_decisions", "penalty_decisions", "coercion_decisions")
    if got is None:
        return []
    issued, repealed, valid, *decisions = got
    if issued or repealed or valid:
        first = f"本年度制发行政规范性文件{_n(issued)}件，废止{_n(repealed)}件，年底现行有效{_n(valid)}件。"
    else:
        first = "本年度没有制发、废止的行政规范性文件，也没有现行有效的行政规范性文件。"
    names = ("行政许可", "行政处罚", "行政强制")
    made = [f"{name}{_n(d)}件" for name, d in zip(names, decisions) if d]
    second = f"作出并公开{'、'.join(made)}处理决定。" if made else "本年度没有需要公开的行政许可、行政处罚、行政强制处理决定。"
    return [first + second]


GROUPS = (("予以公开", "published"), ("部分公开", "partly_published"), ("不予公开", "withheld"),
          ("无法提供", "unavailable"), ("不予处理", "not_processed"), ("其他处理", "other_handling"))


def table3(sub: Submission) -> list[str]:
    got = _figures(sub, "new_requests", "carried_over", "carried_forward", *(role for _, role in GROUPS))
    if got is None:
        return []
    new, carried, carry_next, *counts = got
    if not new and not carried:
        return ["本年度未收到政府信息公开申请，也没有上年结转的申请。"]
    text = f"本年度新收政府信息公开申请{_n(new)}件，" + (f"上年结转{_n(carried)}件。" if carried else "无上年结转。")
    done = [f"{name}{_n(c)}件" for (name, _), c in zip(GROUPS, counts) if c]
    if done:
        text += f"办理结果为：{'，'.join(done)}。"
    text += f"结转下年度继续办理{_n(carry_next)}件。" if carry_next else "全部在本年度办结。"
    return [text]


def table4(sub: Submission) -> list[str]:
    got = _figures(sub, "review_total", "review_upheld", "review_corrected", "review_other", "review_pending",
                   "suit_direct_total", "suit_after_review_total")
    if got is None:
        return []
    total_review, upheld, corrected, other, pending, direct, after = got
    if not total_review and not direct and not after:
        return ["本年度没有发生因政府信息公开引起的行政复议、行政诉讼。"]
    parts = []
    if total_review:
        detail = "、".join(f"{name}{_n(x)}件" for name, x in (("结果维持", upheld), ("结果纠正", corrected),
                                                              ("其他结果", other), ("尚未审结", pending)) if x)
        parts.append(f"行政复议{_n(total_review)}件（{detail}）")
    else:
        parts.append("无行政复议")
    suits = direct + after
    if suits:
        parts.append(f"行政诉讼{_n(suits)}件（未经复议直接起诉{_n(direct)}件，复议后起诉{_n(after)}件）")
    else:
        parts.append("无行政诉讼")
    return [f"本年度因政府信息公开引起{'，'.join(parts)}。"]


def sentences(sub: Submission) -> dict[str, list[str]]:
    """{"t2": [...], "t3": [...], "t4": [...]} — empty lists when the option is off."""
    if not sub.meta.auto_text_on:
        return {"t2": [], "t3": [], "t4": []}
    return {"t2": table2(sub), "t3": table3(sub), "t4": table4(sub)}

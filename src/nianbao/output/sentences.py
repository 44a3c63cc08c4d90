"""Short sentences derived from the tables, printed before each of them when 基本信息 says
自动生成数据说明 = 是: the figures in the text then cannot disagree with the tables. Every figure is
asked for by its role in the form description; a sentence whose roles the form lacks is not written.

The tool writes these sentences, so it writes them to fit the page: of the equivalent phrasings it picks
one whose last line is not a lone character or two (28 characters a line, the first indented two)."""

from __future__ import annotations

from decimal import Decimal

from nianbao.workbook.model import Submission
from nianbao.workbook.values import format_number

LINE = 28  # characters a body line (GB/T 9704)
INDENT = 2
SHORTEST_LAST_LINE = 3
_NO_LINE_START = set("，。、；：！？）》”’")


def _n(value: Decimal) -> str:
    return format_number(value)


def _figures(sub: Submission, *roles: str) -> list[Decimal] | None:
    values = [sub.figure(r) for r in roles]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def last_line(text: str, line: int = LINE, indent: int = INDENT) -> float:
    """How many characters the paragraph's last line holds (digits and Latin letters count half), after
    the line-breaking rule that punctuation never starts a line (it takes the character before it along)."""
    widths = [0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text]
    # Word and LibreOffice put a quarter of a character's space between Chinese and a figure ("218 件",
    # w:autoSpaceDN), on each side the figure touches Chinese text
    for i, ch in enumerate(text):
        if ord(ch) < 0x2E80:
            touching = sum(1 for j in (i - 1, i + 1) if 0 <= j < len(text) and ord(text[j]) >= 0x2E80
                           and text[j] not in _NO_LINE_START)
            widths[i] += 0.25 * touching
    lines: list[list[int]] = [[]]
    room = line - indent
    used = 0.0
    for i, w in enumerate(widths):
        if used + w > room + 1e-9:
            if text[i] in _NO_LINE_START and lines[-1]:
                carried = lines[-1].pop()  # the character before moves down with the punctuation
                lines.append([carried])
                used = widths[carried]
            else:
                lines.append([])
                used = 0.0
            room = line
        lines[-1].append(i)
        used += w
    return sum(widths[i] for i in lines[-1])


def fit(*phrasings: str) -> str:
    """The first phrasing whose last line is not a lone character or two (else the first)."""
    for text in phrasings:
        length = last_line(text)
        if length >= SHORTEST_LAST_LINE or abs(length - LINE) < 1e-9:
            return text
    return phrasings[0]


def _variants(text: str) -> list[str]:
    """Equivalent phrasings of a generated sentence, for `fit` to choose from."""
    swaps = [("本年度", "本年"), ("全部在本年度办结", "均在本年度内办结"), ("处理决定", "决定"), ("没有", "未")]
    out = [text]
    for a, b in swaps:
        out += [t.replace(a, b) for t in out if a in t]
    return list(dict.fromkeys(out))


def table2(sub: Submission) -> list[str]:
    text = _table2_2021(sub) or _table2_2019(sub)
    return [fit(*_variants(text))] if text else []


def _decisions(names: tuple[str, ...], counts: list[Decimal]) -> str:
    made = [f"{name}处理决定{_n(c)}件" for name, c in zip(names, counts) if c]
    return "作出" + "、".join(made) if made else f"没有作出{'、'.join(names)}处理决定"


def _table2_2021(sub: Submission) -> str:
    got = _figures(sub, "normative_issued", "normative_repealed", "normative_valid",
                   "licensing_decisions", "penalty_decisions", "coercion_decisions", "fee_amount")
    if got is None:
        return ""
    issued, repealed, valid, *decisions, fees = got
    rules = _documents("规章", _figures(sub, "regulations_issued", "regulations_repealed", "regulations_valid"), quiet=True)
    first = _documents("行政规范性文件", [issued, repealed, valid])
    second = _decisions(("行政许可", "行政处罚", "行政强制"), decisions)
    second += f"，行政事业性收费{_n(fees)}万元。" if fees else "，没有行政事业性收费。"
    return rules + first + "本年度" + second


def _documents(kind: str, counts: list[Decimal] | None, quiet: bool = False) -> str:
    """制发、废止 and 现行有效 of a kind of document, saying only what happened ("制发0件" is not said);
    quiet: nothing at all when all three are 0 (规章: only bodies that make them have any)."""
    if counts is None:
        return ""
    issued, repealed, valid = counts
    if not (issued or repealed or valid):
        return "" if quiet else f"本年度没有制发、废止的{kind}，也没有现行有效的{kind}。"
    if issued and repealed:
        done = f"本年度制发{kind}{_n(issued)}件，废止{_n(repealed)}件"
    elif issued:
        done = f"本年度制发{kind}{_n(issued)}件，没有废止"
    elif repealed:
        done = f"本年度没有制发{kind}，废止{_n(repealed)}件"
    else:
        done = f"本年度没有制发、废止{kind}"
    return done + (f"，年底现行有效{_n(valid)}件。" if valid else f"，年底没有现行有效的{kind}。")


def _table2_2019(sub: Submission) -> str:
    got = _figures(sub, "normative_made", "normative_published", "normative_total", "licensing_decisions",
                   "other_service_decisions", "penalty_decisions", "coercion_decisions", "procurement_projects",
                   "procurement_amount")
    if got is None:
        return ""
    made, published, total, *decisions, projects, amount = got
    first = (f"本年度新制作规范性文件{_n(made)}件，新公开{_n(published)}件，对外公开总数量{_n(total)}件。"
             if made or published or total else "本年度没有新制作、新公开的规范性文件。")
    second = "本年度" + _decisions(("行政许可", "其他对外管理服务事项", "行政处罚", "行政强制"), decisions) + "。"
    third = (f"政府集中采购项目{_n(projects)}个，采购总金额{_n(amount)}万元。" if projects or amount else "没有政府集中采购项目。")
    return first + second + third


GROUPS = (("予以公开", "published"), ("部分公开", "partly_published"), ("不予公开", "withheld"),
          ("无法提供", "unavailable"), ("不予处理", "not_processed"), ("其他处理", "other_handling"))


def table3(sub: Submission) -> list[str]:
    got = _figures(sub, "new_requests", "carried_over", "carried_forward", *(role for _, role in GROUPS))
    if got is None:
        return []
    new, carried, carry_next, *counts = got
    if not new and not carried:
        return [fit(*_variants("本年度未收到政府信息公开申请，也没有上年结转的申请。"))]
    if not new:
        text = f"本年度没有新收政府信息公开申请，上年结转{_n(carried)}件。"
    else:
        text = f"本年度新收政府信息公开申请{_n(new)}件，" + (f"上年结转{_n(carried)}件。" if carried else "无上年结转。")
    done = [f"{name}{_n(c)}件" for (name, _), c in zip(GROUPS, counts) if c]
    if done:
        text += f"办理结果为：{'，'.join(done)}。"
    text += f"结转下年度继续办理{_n(carry_next)}件。" if carry_next else "全部在本年度办结。"
    return [fit(*_variants(text))]


def table4(sub: Submission) -> list[str]:
    got = _figures(sub, "review_total", "review_upheld", "review_corrected", "review_other", "review_pending",
                   "suit_direct_total", "suit_after_review_total")
    if got is None:
        return []
    total_review, upheld, corrected, other, pending, direct, after = got
    if not total_review and not direct and not after:
        return [fit(*_variants("本年度没有因政府信息公开引起的行政复议、行政诉讼。"))]
    detail = "、".join(f"{name}{_n(x)}件" for name, x in (("结果维持", upheld), ("结果纠正", corrected),
                                                          ("其他结果", other), ("尚未审结", pending)) if x)
    review = f"行政复议{_n(total_review)}件（{detail}）"
    suits = direct + after
    how = "、".join(f"{name}{_n(x)}件" for name, x in (("未经复议直接起诉", direct), ("复议后起诉", after)) if x)
    suit = f"行政诉讼{_n(suits)}件（{how}）"
    if total_review and suits:
        text = f"本年度因政府信息公开引起{review}，{suit}。"
    elif total_review:
        text = f"本年度因政府信息公开引起{review}，没有引起行政诉讼。"
    else:
        text = f"本年度没有因政府信息公开引起的行政复议；因政府信息公开引起{suit}。"
    return [fit(*_variants(text))]


def sentences(sub: Submission) -> dict[str, list[str]]:
    """{"t2": [...], "t3": [...], "t4": [...]} — empty lists when the option is off."""
    if not sub.meta.auto_text_on:
        return {"t2": [], "t3": [], "t4": []}
    return {"t2": table2(sub), "t3": table3(sub), "t4": table4(sub)}

"""Figures quoted in the narrative against the tables — the most common real defect ("收到申请75件" while
table 3 says 74 new + 1 carried over). Every mismatch is a warning quoting the sentence, the cell(s) and
both numbers; percentages are recomputed; "均获维持" style claims are checked against table 4."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from nianbao.checks.hygiene import Text, texts
from nianbao.findings import Finding
from nianbao.workbook import layout as L
from nianbao.workbook.model import Submission
from nianbao.workbook.text import cn_number
from nianbao.workbook.values import format_number

_CN_NUM = "零一二两三四五六七八九十百千万"
_NUMBER = rf"(\d+(?:\.\d+)?|[{_CN_NUM}]+)"
_UNIT = r"(件|条|宗|起|个|份|次|项|元|万元)"
_NEAR = 24  # characters between a key phrase and its figure


@dataclass(frozen=True)
class Quantity:
    """What a key phrase refers to: one or more candidate sums of cells (any may be meant)."""

    name: str
    candidates: tuple[tuple[str, tuple[str, ...]], ...]  # (description, roles or "other:<field>" summed)


def _value(text: str) -> Decimal | None:
    if text[0].isdigit():
        return Decimal(text)
    n = cn_number(text)
    return Decimal(n) if n is not None else None


# Key phrases and what they name: (phrase, quantity name, candidate readings). A reading is a list of the
# form's roles (nianbao.form's YAML) or "other:<field>" for section 六's figures; any reading may be meant.
# Most specific phrases first. A phrase whose roles the workbook's form lacks is skipped.
_PHRASES: list[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]]] = [
    (r"结转(?:到|至)?下(?:一)?年度?|转入下(?:一)?年", "结转下年度", (("结转下年度", ("carried_forward",)),)),
    (r"上年结转|上一年度结转|结转上年", "上年结转", (("上年结转", ("carried_over",)),)),
    (r"(?:新收|收到|受理|接收|共收到)[^，。；]{0,12}?申请", "收到申请", (
        ("本年新收", ("new_requests",)), ("新收加上年结转", ("new_requests", "carried_over")))),
    (r"部分公开", "部分公开", (("部分公开", ("partly_published",)),)),
    (r"予以公开|同意公开|全部公开", "予以公开", (("予以公开", ("published",)),)),
    (r"不予公开", "不予公开", (("不予公开", ("withheld",)),)),
    (r"无法提供", "无法提供", (("无法提供", ("unavailable",)),)),
    (r"不予处理", "不予处理", (("不予处理", ("not_processed",)),)),
    (r"其他处理", "其他处理", (("其他处理", ("other_handling",)),)),
    (r"办结|答复", "办结", (("办理结果总计", ("results_total",)),)),
    (r"复议后(?:提起)?(?:行政)?诉讼|复议后起诉", "复议后起诉", (("复议后起诉", ("suit_after_review_total",)),)),
    (r"行政复议", "行政复议", (("行政复议", ("review_total",)),)),
    (r"行政诉讼", "行政诉讼", (("行政诉讼", ("suit_direct_total", "suit_after_review_total")),
                              ("复议后起诉", ("suit_after_review_total",)))),
    (r"信息处理费", "信息处理费", (("实际收取信息处理费（元）", ("other:fee_collected",)),)),
    (r"收费通知", "收费通知", (("收费通知", ("other:fee_notices",)),)),
    (r"现行有效", "现行有效", (("现行有效行政规范性文件", ("normative_valid",)),)),
    (r"制发|印发", "制发", (("本年制发行政规范性文件", ("normative_issued",)),)),
    (r"废止", "废止", (("本年废止行政规范性文件", ("normative_repealed",)),)),
    (r"行政许可", "行政许可", (("行政许可处理决定", ("licensing_decisions",)),)),
    (r"行政处罚", "行政处罚", (("行政处罚处理决定", ("penalty_decisions",)),)),
    (r"行政强制", "行政强制", (("行政强制处理决定", ("coercion_decisions",)),)),
]


# Result groups a sentence may name together: "予以公开及部分公开42件", "予以公开（含部分公开）42件".
_GROUPS = ("部分公开", "予以公开", "不予公开", "无法提供", "不予处理", "其他处理")
_JOINED = r"(?:及|和|与|、|以及|加|[（(]含)"


def _group_phrases() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Group name -> (its phrase pattern, its roles)."""
    return {name: (pattern, readings[0][1]) for pattern, name, readings in _PHRASES if name in _GROUPS}


def _combined(sub: Submission) -> re.Pattern[str] | None:
    groups = {n: v for n, v in _group_phrases().items() if _known(sub, v[1])}
    if not groups:
        return None
    alts = "|".join(f"(?:{p})" for p, _ in groups.values())
    return re.compile(rf"({alts}){_JOINED}({alts})[）)]?(?:的|共|合计|共计)?[^，。；;、]{{0,8}}?{_NUMBER}\s*{_UNIT}")


def _group_of(phrase: str) -> tuple[str, tuple[str, ...]] | None:
    for name, (pattern, roles) in _group_phrases().items():
        if re.fullmatch(pattern, phrase):
            return name, roles
    return None


def _known(sub: Submission, names: tuple[str, ...]) -> bool:
    return all(n.startswith("other:") or sub.form.has_role(n) for n in names)


def quantities(sub: Submission) -> list[tuple[re.Pattern[str], Quantity]]:
    """Key phrases and the figures they name, for this workbook's form (most specific phrases first)."""
    out = []
    for pattern, name, readings in _PHRASES:
        known = tuple((desc, names) for desc, names in readings if _known(sub, names))
        if not known:
            continue
        regex = re.compile(rf"(?:{pattern})[^，。；;、]{{0,{_NEAR}}}?{_NUMBER}\s*{_UNIT}"
                           rf"(?:[，,]?[^，。；]{{0,6}}?占[^，。；]{{0,8}}?(\d+(?:\.\d+)?)\s*[%％])?")
        out.append((regex, Quantity(name, known)))
    return out


def _lookup(sub: Submission, name: str) -> Decimal | None:
    if name.startswith("other:"):
        v = getattr(sub.other, name.split(":", 1)[1])
        return Decimal(v) if v is not None else None
    return sub.figure(name)


def _sum(sub: Submission, names: tuple[str, ...]) -> Decimal | None:
    total = Decimal(0)
    for name in names:
        value = _lookup(sub, name)
        if value is None:
            return None
        total += value
    return total


def _at_least(sub: Submission, names: tuple[str, ...]) -> tuple[Decimal, int]:
    """What the roles' figure is at least, and how many of its cells are blank: a total that cannot be
    computed is its parts, blank parts (each already an error) count as 0 — a text that states less than
    the cells filled in is wrong whatever the blank ones hold."""
    total, blank = Decimal(0), 0

    def add(table: str, ref: str) -> None:
        nonlocal total, blank
        value = sub.figures.get(table, {}).get(ref) if table in sub.readable else None
        parts = sub.form.tables[table].totals.get(ref, ())
        if value is None and parts and table in sub.readable:
            for part in parts:
                add(table, part)
        elif value is None:
            blank += 1
        else:
            total += Decimal(value)

    for name in names:
        if name.startswith("other:"):
            value = _lookup(sub, name)
            total, blank = (total + value, blank) if value is not None else (total, blank + 1)
            continue
        for table, ref in sub.role_cells(name):
            add(table, ref)
    return total, blank


def _position(sub: Submission, names: tuple[str, ...]) -> str:
    positions = []
    for name in names:
        if name.startswith("other:"):
            positions.append(f"{sub.sheet(L.SHEET_OTHER)}!{sub.other.cells.get(name.split(':', 1)[1], '')}")
        else:
            positions.extend(sub.position(table, ref) for table, ref in sub.role_cells(name))
    return positions[0] if len(positions) == 1 else f"{positions[0]} 等 {len(positions)} 格"


def _sentence(text: str, start: int, end: int) -> str:
    a = max(text.rfind(p, 0, start) for p in "。；;！？") + 1
    bs = [i for i in (text.find(p, end) for p in "。；;！？") if i >= 0]
    b = min(bs) + 1 if bs else len(text)
    sentence = text[a:b]
    return sentence if len(sentence) <= 80 else text[max(start - 20, 0):end + 10]


def check_figures_in_text(sub: Submission) -> list[Finding]:
    if not sub.form.has_role("new_requests"):
        return []
    found: list[Finding] = []
    patterns = quantities(sub)
    combined = _combined(sub)
    for t in texts(sub):
        if t.section == "meta":
            continue
        taken: list[tuple[int, int]] = []
        if combined is not None:
            for m in combined.finditer(t.text):
                taken.append((m.start(), m.end()))
                found.extend(_compare_sum(sub, t, m))
        for pattern, quantity in patterns:
            for m in pattern.finditer(t.text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue  # this figure was already read under a more specific phrase
                taken.append((m.start(), m.end()))
                found.extend(_compare(sub, t, m, quantity))
        found.extend(_claims(sub, t))
    return found


def _compare_sum(sub: Submission, t: Text, m: re.Match[str]) -> Iterator[Finding]:
    """Two result groups named together: their figure is the sum of both."""
    a, b, written = _group_of(m.group(1)), _group_of(m.group(2)), _value(m.group(3))
    if a is None or b is None or written is None or a[0] == b[0]:
        return
    total = _sum(sub, a[1] + b[1])
    if total is None or total == written:
        return
    cells = "、".join(_position(sub, roles) for _, roles in (a, b))
    yield Finding.of("narrative-figure",
                     f"正文写“{m.group(0)}”，与统计表不一致：“{a[0]}”加“{b[0]}”（{cells}）共 {format_number(total)}。"
                     f"原句：“{_sentence(t.text, m.start(), m.end())}”",
                     t.sheet, t.cell, expected=format_number(total), actual=format_number(written))


def _compare(sub: Submission, t: Text, m: re.Match[str], quantity: Quantity) -> Iterator[Finding]:
    written = _value(m.group(1))
    if written is None:
        return
    unit = m.group(2)
    if unit == "万元" and quantity.name == "信息处理费":
        written *= 10000
    actual = [(desc, cells, v) for desc, cells in quantity.candidates if (v := _sum(sub, cells)) is not None]
    sentence = _sentence(t.text, m.start(), m.end())
    if not actual:
        # some cells are blank: the figure is at least what is filled in; a text stating less is wrong anyway
        bounds = [(desc, cells, *_at_least(sub, cells)) for desc, cells in quantity.candidates]
        if bounds and all(least > written for _, _, least, _ in bounds):
            both = "；".join(f"{d}（{_position(sub, c)}）已填的格子合计 {format_number(least)}，另有 {n} 格空白"
                            for d, c, least, n in bounds)
            yield Finding.of("narrative-figure",
                             f"正文写“{m.group(0)}”，少于统计表：{both}（空白格填上后只会更多）。原句：“{sentence}”",
                             t.sheet, t.cell, expected=f"≥ {format_number(bounds[0][2])}", actual=format_number(written))
        elif m.group(3):
            yield from _percent(sub, t, m, written, sentence)
        return
    if not any(v == written for _, _, v in actual):
        both = "；".join(f"{d}（{_position(sub, c)}）为 {format_number(v)}" for d, c, v in actual)
        yield Finding.of("narrative-figure",
                      f"正文写“{m.group(0)}”，与统计表不一致：{both}。原句：“{sentence}”",
                      t.sheet, t.cell, expected=format_number(actual[0][2]), actual=format_number(written))
        return
    first = actual[0][2]
    if quantity.name == "收到申请" and written != first and len(actual) > 1 and written == actual[1][2]:
        carried = written - first
        yield Finding.of("narrative-basis",
                         f"正文“{m.group(0)}”等于本年新收 {format_number(first)} 件加上年结转 {format_number(carried)} 件；"
                         f"表三“一、本年新收”是 {format_number(first)} 件。两种写法都有人用，但评议时会被看作口径不一致，"
                         f"建议写明“本年新收{format_number(first)}件，上年结转{format_number(carried)}件”。原句：“{sentence}”",
                         t.sheet, t.cell, expected=format_number(first), actual=format_number(written))
    if m.group(3):
        yield from _percent(sub, t, m, written, sentence)


def _denominators(sub: Submission) -> list[tuple[str, Decimal]]:
    out = []
    for desc, names in (("本年新收", ("new_requests",)), ("新收加上年结转", ("new_requests", "carried_over")),
                        ("办理结果总计", ("results_total",))):
        v = _sum(sub, names)
        if v:
            out.append((desc, v))
    return out


def _percent(sub: Submission, t: Text, m: re.Match[str], count: Decimal, sentence: str) -> Iterator[Finding]:
    text = m.group(3)
    written = Decimal(text)
    places = len(text.split(".")[1]) if "." in text else 0
    options = _denominators(sub)
    if not options:  # blank cells in the denominator: the share is at most count / what is filled in
        least, blank = _at_least(sub, ("new_requests",))
        most = (count * 100 / least).quantize(Decimal(1).scaleb(-places)) if least else None
        if most is not None and written > most + Decimal(1).scaleb(-places) / 2:
            yield Finding.of("narrative-percent",
                             f"正文中的比例“{text}%”与数字对不上：{format_number(count)} 件按本年新收计算最多为 {most}%"
                             f"（本年新收已填 {format_number(least)} 件，另有 {blank} 格空白）。原句：“{sentence}”",
                             t.sheet, t.cell, expected=f"≤ {most}%", actual=f"{text}%")
        return
    computed = [(d, (count * 100 / v).quantize(Decimal(1).scaleb(-places))) for d, v in options]
    if options and not any(abs(c - written) <= Decimal(1).scaleb(-places) / 2 + Decimal("1e-9") for _, c in computed):
        what = "；".join(f"按{d}计算为 {c}%" for d, c in computed)
        yield Finding.of("narrative-percent",
                      f"正文中的比例“{text}%”与数字对不上：{format_number(count)} 件{what}。原句：“{sentence}”",
                      t.sheet, t.cell, expected=f"{computed[0][1]}%", actual=f"{text}%")


# Claims in words that are true only when some figures are all 0: (phrase, what it implies, those roles).
_CLAIMS: list[tuple[str, str, tuple[str, ...]]] = [
    (r"均(?:获|被|予以)?维持|全部(?:获得?)?维持", "均获维持时，表四的“结果纠正”“其他结果”“尚未审结”都应为 0", ("not_upheld",)),
    (r"无败诉|未发生败诉|没有败诉|零败诉", "无败诉时，表四的“结果纠正”都应为 0", ("corrected",)),
    (r"未(?:发生|收到|出现)[^，。；]{0,10}行政复议|无[^，。；]{0,6}行政复议", "没有行政复议时，表四的行政复议总计应为 0", ("review_total",)),
    (r"未(?:发生|收到|出现)[^，。；]{0,10}行政诉讼|无[^，。；]{0,6}行政诉讼", "没有行政诉讼时，表四的两个行政诉讼总计应为 0",
     ("suit_direct_total", "suit_after_review_total")),
    (r"未收取(?:任何)?信息处理费|不收取信息处理费", "未收取信息处理费时，“其他事项”中的实际收取金额应为 0", ("other:fee_collected",)),
    (r"未(?:收到|发生)[^，。；]{0,8}(?:政府信息)?公开申请", "没有收到申请时，表三的新收申请应为 0", ("new_requests",)),
]


def _claims(sub: Submission, t: Text) -> Iterator[Finding]:
    for pattern, meaning, cells in _CLAIMS:
        m = re.search(pattern, t.text)
        # blank cells count as 0: a figure filled in already contradicts the claim
        if m and _at_least(sub, cells)[0] != 0:
            yield Finding.of("narrative-claim",
                          f"正文说“{m.group(0)}”，与统计表不符（{meaning}）。原句：“{_sentence(t.text, m.start(), m.end())}”",
                          t.sheet, t.cell, actual=m.group(0))

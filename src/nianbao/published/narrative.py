"""The report's text into the workbook's sections: sections by their headings, sub-headings of every kind
sites use, section 六's 信息处理费 sentence back into its figures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from nianbao.findings import Finding, Level
from nianbao.form.cells import cell_ref
from nianbao.form.model import Form, NumKind
from nianbao.published.placement import number
from nianbao.published.source import Source
from nianbao.published.text import norm
from nianbao.workbook import layout as L
from nianbao.workbook.text import cn_ordinal

# a sub-heading: on a line of its own ("（一）主动公开", as our reports print it) or run into its paragraph
# ("（一）主动公开方面。有序推进……", as many sites publish it)
_SUB = re.compile(r"（([一二三四五六七八九十]+)）([^。：:（）\n]{2,24})(?:[。：:]|(?=\n)|$)")
_SITE_CHROME = re.compile(r"扫一扫|版权所有|网站标识码|ICP备|公安备案|主办单位|联系我们|友情链接|打印本页|关闭窗口|分享到|浏览器"
                          r"|^附件下载$|^相关附件|^相关链接|^上一篇|^下一篇|^【(?:打印|关闭)】|^责任编辑|^网站地图")


@dataclass
class Narrative:
    general: list[tuple[str, str]] = field(default_factory=list)  # 一: (sub-heading, text)
    problems: list[tuple[str, str]] = field(default_factory=list)  # 五
    other: dict[str, object] = field(default_factory=dict)  # 六: Field key -> text or fee figure
    findings: list[Finding] = field(default_factory=list)
    date: str | None = None  # the signature's date, where the article ends


def read_narrative(src: Source, form: Form, agency: str) -> Narrative:
    result = Narrative()
    text_sections: dict[str, list[str]] = {}
    current = None
    for text in src.paragraphs:
        found = _section_heading(text, form, current)
        if found is not None:
            current, rest = found
            text_sections.setdefault(current, [])
            if rest:
                text_sections[current].append(rest)
            continue
        if current == "六" and _SITE_CHROME.search(text):
            break  # the site's footer: the article has ended
        if current is not None:
            text_sections.setdefault(current, []).append(text)
    result.general = _blocks(text_sections.get("一", []), src.headings, run_in=src.run_in, enumerated=True)
    result.problems = _blocks(text_sections.get("五", []), src.headings, run_in=src.run_in)
    signature = r"\d{4}年\d{1,2}月\d{1,2}日|" + re.escape(agency)
    six = [p for p in text_sections.get("六", []) if not re.fullmatch(signature, p)]
    signed = [p for p in text_sections.get("六", []) if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", p)]
    if signed:  # the signature's date, where the article ends (a site's footer may follow it)
        result.date = "{}年{}月{}日".format(*[int(x) for x in re.findall(r"\d+", signed[-1])])
    _section_six("\n".join(six), form, result, src.headings, src.run_in)
    _text_accounted(form, text_sections, result)
    return result


_ORDER = "一二三四五六"
# a section heading as published: its number, then its words, then (run into its text) a full stop or colon
_SECTION_NUMBER = re.compile(r"^([一二三四五六])[、.．，,]")


def _section_heading(text: str, form: Form, current: str | None) -> tuple[str, str] | None:
    """(section number, the text run in after the heading) when a paragraph is a section heading: the form's
    own heading; its title alone (Word's automatic numbering drew the number: "总体情况"); or the section's
    number with one of its words (form.section_words) in a heading-length opening — "五、存在的主要问题及
    整改措施", "五、政府信息公开工作存在的主要问题及改进情况". Sections only go forward: a list item "二、…"
    inside 五 is text."""
    compact = norm(text)
    for sec in form.sections:
        heading = norm(sec.heading)
        if compact.startswith(heading) or compact.rstrip("。：:") == heading.split("、", 1)[-1]:
            rest = text.split(sec.heading[-2:], 1)[1].strip() if sec.heading[-2:] in text else ""
            return sec.no, rest
    m = _SECTION_NUMBER.match(compact)
    if not m or (current is not None and _ORDER.index(m.group(1)) <= _ORDER.index(current)):
        return None
    no = m.group(1)
    # the heading: up to the first full stop or colon (run in), or the whole paragraph when it is short
    stop = re.search(r"[。：:]", text)
    head = text[: stop.start()] if stop else text
    if len(norm(head)) > 40 or not any(word in head for word in form.section_words.get(no, ())):
        return None
    return no, (text[stop.end():].strip() if stop else "")


# how much of a section's text may go unplaced (sub-heading numbers, signature lines) before it is named
_UNPLACED_SHARE = 0.1


def _text_accounted(form: Form, sections: dict[str, list[str]], result: Narrative) -> None:
    """No text lost in silence: a narrative section whose heading was not found (its text then went under
    the section before it), or whose text was not all placed, is named with how much was found; text under
    the table sections (二、三、四) has no place in the workbook and is named for the clerk to look at."""
    placed = {"一": sum(_weight(h + t) for h, t in result.general),
              "五": sum(_weight(h + t) for h, t in result.problems)}
    last_found = max((_ORDER.index(no) for no in sections), default=-1)
    for sec in form.sections:
        title = sec.heading
        if sec.kind == "narrative" and sec.no in placed:
            source = sum(_weight(p, numbered=True) for p in sections.get(sec.no, []))
            if sec.no not in sections and last_found > _ORDER.index(sec.no):
                result.findings.append(Finding.of(
                    "import-text-lost", f"没有找到“{title}”这一部分的标题：这一部分导入后为空，它的文字可能并入了前一部分；"
                    "请对照原报告核实", *_sheet_of(sec.no)))
            elif source and placed[sec.no] < source * (1 - _UNPLACED_SHARE):
                result.findings.append(Finding.of(
                    "import-text-lost", f"“{title}”：原文这一部分有 {source} 字，导入了 {placed[sec.no]} 字；请对照原报告补全",
                    *_sheet_of(sec.no), expected=str(source), actual=str(placed[sec.no])))
        elif sec.kind == "table":
            extra = [p for p in sections.get(sec.no, []) if len(norm(p)) > 1]
            chars = sum(len(norm(p)) for p in extra)
            if chars > _TABLE_NOTE:
                result.findings.append(Finding.of(
                    "import-text-lost", f"“{title}”：表格以外还有 {chars} 字的文字（“{extra[0][:30]}……”），工作簿中没有对应的位置，"
                    "没有导入（报告会按统计表重新生成这一部分的说明文字）", level=Level.INFO, actual=extra[0][:200]))


# what a sub-heading's number looks like where it opens a line: "（一）", "一是", "1." — dropped on import
_NUMBERING = re.compile(r"(?:^|(?<=\n))\s*(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]{1,2}是|\d{1,2}[.．、])")


def _weight(text: str, *, numbered: bool = False) -> int:
    """Characters that carry the text (ideographs, letters, digits), the sub-headings' numbers left out of
    the source's count (the import drops them; a report adds them back)."""
    if numbered:
        text = _NUMBERING.sub("", text)
    return len(re.findall(r"[\u3400-\u9fff0-9A-Za-z]", text))


# text under a table section up to this many characters is its caption or "（见下表）", not a paragraph
_TABLE_NOTE = 80


def _sheet_of(no: str) -> tuple[str, str]:
    """The first text cell of a narrative section's sheet (正文 of its first row)."""
    return L.NARRATIVE_SHEETS[no], cell_ref(L.LIST_FIRST_ROW, 1 + L.LIST_COLUMNS.index("正文"))


# a sub-heading numbered "1." / "1、" on a line of its own (no sentence in it)
_NUMBERED = re.compile(r"^\d{1,2}[.．、]\s*([^。；;]{2,24}?)[：:]?$")
# "一是主动公开方面。……": a sub-heading run into its paragraph, numbered 一是, 二是 … in turn
_ENUMERATED = re.compile(r"^([一二三四五六七八九十]{1,2})是\s*([^。：:；;，,、\n]{2,24})[。：:；;]\s*")
# the number a run-in heading may carry before its words: "（一）", "一是", "1."
_LEAD_NUMBER = re.compile(r"^(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]{1,2}是|\d{1,2}[.．、])\s*")


def _enumerated_headings(lines: list[str]) -> dict[int, re.Match[str]]:
    """The lines that open 一是, 二是, 三是 … in turn, each with a short phrase before its first full stop
    or colon — sub-headings, when the section has no other kind. Anything less (a gap, a line opening 二是
    with a long clause) is a list inside the text and splits nothing."""
    opening = [(i, re.match(r"^([一二三四五六七八九十]{1,2})是", line.strip())) for i, line in enumerate(lines)]
    found = [(i, m.group(1)) for i, m in opening if m]
    numerals = [n for _, n in found]
    if len(found) < 2 or numerals != [cn_ordinal(n) for n in range(1, len(found) + 1)]:
        return {}
    matches = {i: _ENUMERATED.match(lines[i].strip()) for i, _ in found}
    if not all(matches.values()):
        return {}
    return {i: m for i, m in matches.items() if m}


def _blocks(paragraphs: list[str], marked: set[str] | frozenset[str] = frozenset(), *,
            run_in: dict[str, str] | None = None, enumerated: bool = False) -> list[tuple[str, str]]:
    """Paragraphs grouped under their sub-headings: "（一）主动公开" on a line of its own or run into its
    paragraph ("（一）主动公开方面。有序推进……"), "1.主动公开" on a line of its own, or a short paragraph
    set as a heading (bold, a heading style). When the section has none of those: paragraphs opening with
    a bold (or 黑体/楷体) run ("**主动公开方面。**全年……", run_in); then, with enumerated (section 一),
    "一是主动公开方面。……". What comes before the first is an untitled introduction."""
    lines = [line for p in paragraphs for line in (p.split("\n") if "\n" in p else [p])]

    def heading_of(line: str) -> tuple[str, str] | None:
        m = _SUB.match(line.strip())
        if m:
            return m.group(2).strip(), line.strip()[m.end():].strip()
        n = _NUMBERED.match(line.strip())
        if n or (line in marked and len(line) <= 30 and not line.endswith("。")):
            return (n.group(1) if n else line).strip().rstrip("：:"), ""
        return None

    heads: dict[int, tuple[str, str]] = {i: h for i, line in enumerate(lines) if (h := heading_of(line))}
    if run_in and not heads:
        heads = {i: (_LEAD_NUMBER.sub("", run_in[line]).rstrip("。：:；").strip(), line[len(run_in[line]):].strip())
                 for i, line in enumerate(lines) if line in run_in}
    if enumerated and not heads:
        heads = {i: (m.group(2).strip(), lines[i].strip()[m.end():].strip())
                 for i, m in _enumerated_headings(lines).items()}
    blocks: list[tuple[str, list[str]]] = [("", [])]
    for i, line in enumerate(lines):
        if i in heads:
            heading, rest = heads[i]
            blocks.append((heading, [rest] if rest else []))
        else:
            blocks[-1][1].append(line)
    return [(h, "\n".join(b).strip()) for h, b in blocks if "".join(b).strip()]


def _section_six(text: str, form: Form, result: Narrative, marked: set[str] | frozenset[str] = frozenset(),
                 run_in: dict[str, str] | None = None) -> None:
    """六: the 信息处理费 sentences back into the three fee figures (and out of the text, which would repeat
    them); the items under their labels (2021 form); anything else is 其他需要报告的事项."""
    items: dict[str, list[str]] = {}
    fees: Fees | None = None
    for heading, body in _blocks(text.split("\n"), marked, run_in=run_in) or [("", "")]:
        found = _fees(body) if fees is None or "信息处理费" in heading else None
        if found is not None:
            fees = found
            body = "" if "信息处理费" in heading else found.rest
            if not body:
                continue
        key = next((f.key for f in L.OTHER_FIELDS if heading and (norm(f.label) in norm(heading) or norm(heading) in norm(f.label))), "other")
        items.setdefault(key, []).append(body if key != "other" or not heading or heading == "其他事项" else f"{heading}。{body}")
    result.other = {key: "\n".join(paras) for key, paras in items.items()}
    where = (L.SHEET_OTHER, f"B{L.field_row(L.SECTION6_FIELDS, 'fee_notices')}")
    if fees is None:
        if form.fees_in_six:  # blank, never the template's 0: the clerk fills them in and check asks until then
            result.other.update(dict.fromkeys(_FEE_KEYS))
            result.findings.append(Finding.of(
                "import-unplaced", "六、其他需要报告的事项：没有找到收取信息处理费的情况，三个收费数字导入后为空", *where))
        return  # the 2019 form asks nothing about fees: the cells keep the template's values
    result.other.update(fees.figures)
    for note in fees.notes:
        result.findings.append(Finding.of("import-unit", f"六、其他需要报告的事项：{note}", *where))
    blank = [_FEE_NAMES[k] for k in _FEE_KEYS if fees.figures[k] is None]
    if blank and fees.understood:
        result.findings.append(Finding.of(
            "import-unplaced", f"六、其他需要报告的事项：原文“{fees.sentence}”没有写{'、'.join(blank)}，这几格导入后为空，"
            "请按实际情况填写（没有的填 0）", *where, actual=fees.sentence))
    elif not fees.understood:
        result.findings.append(Finding.of(
            "import-fee-unclear", f"六、其他需要报告的事项：没有读懂原文中收费的说法“{fees.sentence}”，三个收费数字导入后为空，"
            "这句话留在正文中；请按原报告填写", *where, actual=fees.sentence))


_FEE_KEYS = ("fee_notices", "fee_billed", "fee_collected")
_FEE_NAMES = {"fee_notices": "收费通知件数", "fee_billed": "应收金额", "fee_collected": "实收金额"}


@dataclass
class Fees:
    figures: dict[str, object]  # fee key -> figure (元, 件), None where the text does not say
    sentence: str  # the sentences read, as published
    rest: str  # the text without them (all of it when they were not understood)
    understood: bool = True
    notes: list[str] = field(default_factory=list)  # amounts converted from 万元


# the sentences of 六 about fees: 信息处理费, 收费通知, or 收费 at all ("未发生收费情况")
_FEE_SENTENCE = re.compile(r"[^。；;\n]*(?:信息处理费|收费)[^。；;\n]*[。；;]?")
_AMOUNT = r"(\d[\d,，]*(?:\.\d+)?|零)\s*(万元|元)"
_FEE_PATTERNS = {
    "fee_notices": re.compile(r"收费通知(?:书|单)?[^\d。；，,]{0,6}?(\d+|零)\s*(件|份|次|个)"),
    "fee_billed": re.compile(r"应收(?:取)?[^\d。；]{0,16}?" + _AMOUNT),
    "fee_collected": re.compile(r"(?:实(?:际)?收(?:取|到)?|(?<!应)收取|共收|累计收)[^\d。；]{0,16}?" + _AMOUNT),
}
# "未收取信息处理费", "无收取信息处理费情况", "未发生收费情况", "不涉及收费"
_NO_FEES = re.compile(r"(?:未|无|没有|不存在|不涉及|均未)[^。；，,\d]{0,12}(?:收取|收费|发出)|(?:免费|不收费|零收费)")


def _fees(text: str) -> Fees | None:
    """The 信息处理费 figures the fee sentences state ("发出收费通知2件，应收信息处理费300元，实际收取300元";
    "全年收取信息处理费3940元"; "未收取信息处理费"; "未发生收费情况"), amounts in 元 (万元 converted);
    a figure the text does not state is None unless every stated one is 0 (the office says none were sent,
    billed or collected). None when the text says nothing about fees."""
    sentences = [m for m in _FEE_SENTENCE.finditer(text) if m.group().strip()]
    if not sentences:
        return None
    said = "".join(m.group().strip() for m in sentences)
    rest = _FEE_SENTENCE.sub("", text).strip()
    figures: dict[str, object] = dict.fromkeys(_FEE_KEYS)
    notes: list[str] = []
    for key, pattern in _FEE_PATTERNS.items():
        m = pattern.search(said)
        if not m:
            continue
        digits = "0" if m.group(1) == "零" else m.group(1).replace(",", "").replace("，", "")
        if key == "fee_notices":
            figures[key] = int(digits)
            continue
        value = number(digits, NumKind.DECIMAL_GE0)
        if isinstance(value, Decimal) and m.group(2) == "万元":
            yuan = value * 10000
            yuan = yuan.to_integral_value() if yuan == yuan.to_integral_value() else yuan.normalize()
            notes.append(f"“{m.group(0)}”以万元计，已换算为 {yuan:f} 元")
            value = yuan
        figures[key] = value
    stated = [v for v in figures.values() if v is not None]
    if not stated and _NO_FEES.search(said):
        return Fees(dict.fromkeys(_FEE_KEYS, 0), said, rest)
    if not stated:
        return Fees(figures, said, text, understood=False)
    if all(v == 0 for v in stated):  # "收取信息处理费0元": none sent, billed or collected
        figures = dict.fromkeys(_FEE_KEYS, 0)
    return Fees(figures, said, rest, notes=notes)

"""Text hygiene of the narrative: what supervising offices send reports back for, short of the figures.
Placeholders are errors (a published "XX乡" is the worst defect there is); everything else is a warning."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nianbao.findings import Finding
from nianbao.workbook import layout as L
from nianbao.workbook.model import Submission
from nianbao.workbook.text import cn_number, cn_ordinal

MIN_GENERAL_CHARS = 200  # 一、总体情况 shorter than this says too little (configurable per call)

_PLACEHOLDER_RE = re.compile(r"[XxＸｘ]{2,}|[×＊*]{2,}|[○〇]{2,}|待补充|待填写|此处填写|请填写|TODO|TBD|【[^】]{0,20}】|\[[^\]]{0,20}\]")
_CN = r"[\u4e00-\u9fff]"
_HALF_PUNCT_RE = re.compile(rf"(?<={_CN})[,;:?!](?=\s*{_CN})|(?<={_CN})\((?=[^)]*{_CN})|(?<={_CN})\.(?={_CN})")
_DOUBLE_PUNCT_RE = re.compile(r"([，。；：、！？,;])\1+|[，、；,][。；]|。[，、]")  # "，，" "。。" "，。": a key pressed twice
_SPACE_RE = re.compile(rf"(?<={_CN})[ \u00a0]+(?=[0-9])|(?<=[0-9])[ \u00a0]+(?={_CN})|(?<={_CN})[ \u00a0]+(?={_CN})")
_REPEAT_RE = re.compile(rf"({_CN}{{2,4}})\1")
_JIEZHI_RE = re.compile(r"截止(?:到|至)?\s*(?:\d{4}\s*年|\d{1,2}\s*月|目前|年底|年末)")
_ENUM_RE = re.compile(r"([一二三四五六七八九十]+)是")
# Doubled words that are correct Chinese (reduplication), not typos.
_FINE_REPEATS = {"常常", "时时", "处处", "人人", "事事", "年年", "天天", "件件", "条条", "个个", "层层", "步步",
                 "一一", "了解了解", "研究研究", "讨论讨论", "看看", "想想", "试试", "谈谈"}


@dataclass(frozen=True)
class Text:
    """One paragraph of narrative and where it came from."""
    text: str
    sheet: str
    cell: str | None
    section: str  # 一 / 五 / 六


def texts(sub: Submission) -> Iterator[Text]:
    for no, narrative in (("一", sub.general), ("五", sub.problems)):
        for block in narrative.blocks:
            if block.heading:
                yield Text(block.heading, narrative.sheet, block.heading_cell, no)
            for para, cell in zip(block.paragraphs, block.cells):
                yield Text(para, narrative.sheet, cell, no)
    for key, paras in sub.other.items.items():
        for para in paras:
            yield Text(para, sub.sheet(L.SHEET_OTHER), sub.other.cells.get(key), "六")
    yield Text(sub.meta.agency, sub.sheet(L.SHEET_META), sub.meta.cells.get("agency"), "meta")


def _quote(text: str, start: int, end: int) -> str:
    a, b = max(0, start - 8), min(len(text), end + 8)
    return ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")


# What may open a second list in the same paragraph ("…一是…二是…。下一步，一是…"): a new list restarts.
_LEAD_IN_RE = re.compile(r"下一步|整改|改进|措施|今后|计划|将|如下|以下|[：:]")


def _enumeration(text: str) -> tuple[str, str] | None:
    """一是…二是…三是: a gap (一是…三是) or a repeat (三是…三是). A list may start again at 一是 after a
    sentence end and a lead-in (the problems, then the measures)."""
    marks = [(m.start(), m.end(), n) for m in _ENUM_RE.finditer(text) if (n := cn_number(m.group(1)))]
    if len(marks) < 2 or marks[0][2] != 1:
        return None
    for (_, prev_end, prev), (start, _, cur) in zip(marks, marks[1:]):
        between = text[prev_end:start]
        # the sentence that leads into 一是: the one it starts (…措施：一是) or the last one closed before it
        # (…我区将采取以下措施加以改进。一是)
        lead = [s for s in between.split("。")[1:] if s.strip()]
        if cur == 1 and "。" in between and lead and _LEAD_IN_RE.search(lead[-1]):
            continue  # a new list
        if cur == prev:
            return "repeat", f"{cn_ordinal(cur)}是"
        if cur != prev + 1:
            return "gap", f"{cn_ordinal(prev)}是之后是{cn_ordinal(cur)}是"
    return None


_OWN_PLACE_RE = re.compile(r"(?:^|[县区市旗])([\u4e00-\u9fff]{2,4}?)(镇|乡|街道)(?:人民政府|办事处)$")
# another township's body named in the text: its name, its level, then an office of its own
_PLACE_RE = re.compile(r"([\u4e00-\u9fff]{2,3})(镇|乡|街道)(?=人民政府|政府|党委|政务|办事处|便民服务|党政办)")
_NOT_A_NAME = ("乡镇", "城镇", "集镇", "村镇", "全镇", "本镇", "该镇", "我镇", "全乡", "本乡", "该乡", "我乡", "各镇", "各乡",
               "全街道", "本街道", "各街道", "辖区", "所属")
_LEADING = "在到与和及向对由从为是赴至经据以于自按将把被同跟给"


def _other_places(sub: Submission, t: Text) -> Iterator[Finding]:
    """A township's report naming another township's offices ("黄土镇政务公开专区" in 白沙镇's): text taken
    over from a neighbour's report, names and all. Only for a township or street's own report."""
    own = _OWN_PLACE_RE.search(sub.meta.agency.strip())
    if own is None or t.section == "meta":
        return
    place = own.group(1)
    for m in _PLACE_RE.finditer(t.text):
        name = m.group(1).lstrip(_LEADING)
        if len(name) < 2 or place in m.group(1) or m.group(1) in place or any(w in m.group(0) for w in _NOT_A_NAME):
            continue
        yield Finding.of("text-other-agency",
                         f"正文中出现“{name}{m.group(2)}”，而本报告是{sub.meta.agency}的：像是沿用了其他单位的文字，请核对："
                         f"“{_quote(t.text, m.start(), m.end() + 4)}”", t.sheet, t.cell, actual=f"{name}{m.group(2)}")
        return


def _pasted_report(sub: Submission, all_text: list[Text]) -> Iterator[Finding]:
    """A paragraph that is a section heading of the report ("二、主动公开政府信息情况（见下表）"): a whole
    report pasted into one cell. Said once, at the first such paragraph."""
    headings = [sec.heading for sec in sub.form.sections]
    for t in all_text:
        if t.section == "meta":
            continue
        hit = next((h for h in headings if t.text.strip().startswith(h)), None)
        if hit:
            yield Finding.of("text-section-heading",
                             f"正文中有报告的部分标题“{t.text.strip()[:30]}”：像是把整篇报告（或上年报告）粘贴了进来。部分标题和统计表由程序生成，"
                             "这一格只写本部分的正文，请删去标题和其他部分的内容", t.sheet, t.cell, actual=hit)
            return


def check_hygiene(sub: Submission, min_general: int = MIN_GENERAL_CHARS) -> list[Finding]:
    found: list[Finding] = []
    section_text: dict[str, list[Text]] = {}
    for t in texts(sub):
        section_text.setdefault(t.section, []).append(t)
        found.extend(_paragraph_findings(t))
        found.extend(_other_places(sub, t))
    found.extend(_pasted_report(sub, [t for ts in section_text.values() for t in ts]))
    found.extend(_section_findings(sub, section_text, min_general))
    return found


def _paragraph_findings(t: Text) -> Iterator[Finding]:
    text = t.text
    if m := _PLACEHOLDER_RE.search(text):
        yield Finding.of("text-placeholder",
                      f"文字中留有占位符“{m.group(0)}”，发布前必须替换为实际内容：“{_quote(text, m.start(), m.end())}”",
                      t.sheet, t.cell, actual=m.group(0))
    if t.section == "meta":
        return
    if m := _JIEZHI_RE.search(text):
        yield Finding.of("text-jiezhi",
                      f"“{m.group(0)}”中的“截止”应为“截至”（表示到某一时间为止）：“{_quote(text, m.start(), m.end())}”",
                      t.sheet, t.cell, actual=m.group(0), expected=m.group(0).replace("截止", "截至", 1))
    for m in _REPEAT_RE.finditer(text):
        word = m.group(0)
        if word in _FINE_REPEATS or m.group(1) in _FINE_REPEATS or len(set(m.group(1))) == 1:
            continue
        yield Finding.of("text-repeated", f"词语重复“{word}”，可能是笔误：“{_quote(text, m.start(), m.end())}”",
                      t.sheet, t.cell, actual=word, expected=m.group(1))
        break
    if m := _DOUBLE_PUNCT_RE.search(text):
        yield Finding.of("text-punctuation",
                      f"标点“{m.group(0)}”重复了，请删去一个：“{_quote(text, m.start(), m.end())}”",
                      t.sheet, t.cell, actual=m.group(0), expected=m.group(0)[0])
    if m := _HALF_PUNCT_RE.search(text):
        yield Finding.of("text-punctuation",
                      f"中文句子中用了半角标点“{m.group(0)}”，应使用全角标点：“{_quote(text, m.start(), m.end())}”",
                      t.sheet, t.cell, actual=m.group(0))
    if m := _SPACE_RE.search(text):
        yield Finding.of("text-spacing",
                      f"汉字与数字或汉字之间有多余的空格（常见于从 PDF 复制的文字）：“{_quote(text, m.start(), m.end())}”",
                      t.sheet, t.cell)
    if problem := _enumeration(text):
        kind, what = problem
        msg = f"“一是、二是……”的序号{'重复' if kind == 'repeat' else '不连续'}（{what}）"
        yield Finding.of("text-enumeration", f"{msg}：“{text[:30]}……”", t.sheet, t.cell)


def _section_findings(sub: Submission, by_section: dict[str, list[Text]], min_general: int) -> Iterator[Finding]:
    body = "".join(t.text for t in by_section.get("一", []))
    first = sub.general.blocks[0] if sub.general.blocks else None
    where = (first.cells[0] if first and first.cells else f"B{L.LIST_FIRST_ROW}")
    if body and len(body) < min_general:
        yield Finding.of("text-too-short",
                      f"“一、总体情况”只有 {len(body)} 字，少于 {min_general} 字，难以说明全年工作情况",
                      sub.general.sheet, where, expected=f"≥ {min_general}", actual=len(body))
    # 条例 Art. 50 binds 人民政府 at every level: a township's or street's report owes the same account
    if sub.meta.agency_type in ("人民政府", "乡镇街道") and body:
        supervision = [b for b in sub.general.blocks if b.heading and "监督" in b.heading]
        scope = "".join(p for b in (supervision or sub.general.blocks) for p in b.paragraphs)
        if not re.search(r"考核|评议|责任追究", scope):
            cell = supervision[0].heading_cell if supervision else where
            yield Finding.of("text-supervision",
                          "人民政府（含乡镇人民政府、街道办事处）的年度报告应在“监督保障”中说明工作考核、社会评议和责任追究结果情况，"
                          "正文中没有找到“考核”“评议”或“责任追究”",
                          sub.general.sheet, cell)
    cells = sub.role_cells("other_handling_other")  # （六）3.其他, where the form has it
    if len(cells) == 1 and cells[0][0] in sub.readable:
        table, ref = cells[0]
        total = sub.figures[table].get(ref)
        text_all = "".join(t.text for ts in by_section.values() for t in ts)
        if total and not re.search(r"其他处理|其他情形|其他原因|其他方式", text_all):
            yield Finding.of("other-unexplained",
                          f"表三“（六）其他处理 3.其他”有 {total} 件，正文没有说明这些申请是怎样处理的",
                          sub.sheet(L.TABLE_SHEETS[table]), sub.at(table, ref), actual=total)

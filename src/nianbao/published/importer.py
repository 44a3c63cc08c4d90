"""A published report into a filled workbook: read (reading: one reader a format), the form told by its
tables' labels, the figures placed by their labels (placement), the text split by its headings (narrative),
agency, year and contact from the title and opening. The result says what was placed and where it came
from; findings say what was not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from nianbao.findings import Finding
from nianbao.form.model import FORM_IDS, Form, load_form
from nianbao.published.narrative import read_narrative
from nianbao.published.placement import Origin, place_tables
from nianbao.published.reading import read
from nianbao.published.source import Source, SourceError
from nianbao.published.text import norm
from nianbao.workbook.fill import filled_workbook


@dataclass
class Imported:
    form: Form
    meta: dict[str, object]
    figures: dict[str, dict[str, object]] = field(default_factory=dict)
    general: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    other: dict[str, object] = field(default_factory=dict)  # 六: Field key -> text or fee figure
    findings: list[Finding] = field(default_factory=list)
    placed: set[tuple[int, int]] = field(default_factory=set)  # (source table, row) whose figures were taken
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)  # (table name, cell ref) -> where from

    def workbook(self) -> Workbook:
        return filled_workbook(self.form.id, self.meta, self.figures, self.general, self.problems, self.other)


def try_import(path: Path) -> tuple[Imported | None, str]:
    """import_report for a sandbox child: (None, why not) instead of raising."""
    try:
        return import_report(path), ""
    except SourceError as exc:
        return None, str(exc)


def import_report(path: Path) -> Imported:
    """Raises source.SourceError when the file is not a readable report (the message says what it is)."""
    src = read(path)
    form = _which_form(src)
    meta = _meta(src, form)
    placed = place_tables(src, form)
    text = read_narrative(src, form, str(meta.get("agency", "")))
    if text.date:
        meta["date"] = text.date
    return Imported(form, meta, placed.figures, text.general, text.problems, text.other,
                    placed.findings + text.findings + _tables_of_text(src, placed.rows), placed.rows, placed.origins)


def _tables_of_text(src: Source, rows: set[tuple[int, int]]) -> list[Finding]:
    """Tables none of whose rows were the report's figures but which hold sentences — a paragraph boxed in
    a frame, a text set out in a layout table: their text is in no section, and the clerk is told."""
    used = {ti for ti, _ in rows}
    found = []
    for ti, grid in enumerate(src.tables):
        cells = list(dict.fromkeys(c for row in grid for c in row if c))
        sentences = [c for c in cells if "。" in c and len(c) >= 30]
        if ti not in used and sentences:
            chars = sum(len(c) for c in cells)
            found.append(Finding.of(
                "import-text-lost", f"第 {ti + 1} 个表格不是统计表，其中 {chars} 字的文字（“{sentences[0][:30]}……”）"
                "没有导入；如是报告正文，请对照原报告补入", actual=sentences[0][:200]))
    return found


# a published report may misprint a total or two (imported as published, the check names them); more than
# this many in a table rebuilt from word positions means the reading itself went wrong


def _which_form(src: Source) -> Form:
    text = "".join(cell for t in src.tables for row in t for cell in row)
    if not src.tables:
        body = "".join(src.paragraphs)
        what = next((f"像是{kind}" for kind in _NOT_A_REPORT if kind in src.title + body[:400]), "没有找到统计表")
        flat = norm(body)
        labels = sorted({norm(t) for i in FORM_IDS for tb in load_form(i).tables.values() for t in tb.labels.values()
                         if len(norm(t)) >= 4 and norm(t) in flat}, key=len, reverse=True)
        if len(labels) >= 5:
            what = (f"统计表的文字（如“{labels[0]}”）不在表格中——PDF 里的表格没有表格线，或网页把表格排成了文字，"
                    "无法按格读出数字；请改用同一份报告的 Word（.docx）或网页文件")
        if src.images and "年度报告" in src.title + body:
            what = f"统计表是图片（页面中有 {src.images} 张图片），无法读取数字；请向发布单位索取 Word 版"
        raise SourceError(f"这不是可以导入的政府信息公开工作年度报告：{what}")
    found = {i: sum(norm(t) in text for tb in load_form(i).tables.values() for t in tb.labels.values()) for i in FORM_IDS}
    best = max(FORM_IDS, key=lambda i: found[i])
    if found[best] < _FEWEST_LABELS:  # tables, but not the report's: a 指南's contact table, a 目录
        body = src.title + "".join(src.paragraphs)[:400]
        what = next((f"像是{kind}" for kind in _NOT_A_REPORT if kind in body), "")
        matched = f"（只对上了 {found[best]} 个表格标签）" if found[best] else ""
        raise SourceError(f"这不是可以导入的政府信息公开工作年度报告：{what + '，' if what else ''}"
                          f"其中的 {len(src.tables)} 个表格不是年度报告的统计表{matched}")
    return load_form(best)


# a report's three tables carry some 80 labels; fewer than this and the tables are something else
_FEWEST_LABELS = 12
_NOT_A_REPORT = ("政府信息公开指南", "政府信息公开目录", "政务公开工作要点")


# the report's title as offices write it: 机关 + 年度 (the standard order), 机关 + 政府信息公开工作 + 年度 +
# 报告, or the year first; 工作 and 度 are often left out
_NAME = r"(?P<agency>[^\s，。、,.>＞»_|｜:：/\\（）()【】\-—]{2,60}?)"
_YEAR = r"(?P<year>(?:19|20)\d{2})年度?"
_TITLES = [re.compile(_NAME + r"(?:关于)?" + _YEAR + r"政府信息公开(?:工作)?(?:年度)?报告"),
           re.compile(_NAME + r"政府信息公开工作" + _YEAR + r"报告"),
           re.compile(_YEAR + _NAME + r"政府信息公开(?:工作)?年度报告")]


def _title(src: Source) -> tuple[str, int | None]:
    """Agency and year from the report's title: the page's <title> (its first part: sites append their own
    name), else a paragraph that is the title and nothing else, else a title set on three or two lines (a
    PDF line is a paragraph). A sentence that names the report ("现将本机关2024年政府信息公开工作年度报告公布
    如下") is not a title."""
    paras = [re.sub(r"\s+", "", p) for p in src.paragraphs[:40]]
    page = re.split(r"[_|｜]| - ", src.title)[0].replace(" ", "")
    candidates = [page] + paras + ["".join(paras[i:i + 3]) for i in range(len(paras))]
    candidates += ["".join(paras[i:i + 2]) for i in range(len(paras))]
    for text in candidates:
        for pattern in _TITLES:
            m = pattern.fullmatch(re.sub(r"[（(][^）)]{0,12}[）)]$", "", text))  # "…年度报告（全文）"
            if m:
                return m.group("agency"), int(m.group("year"))
    return "", None


def _meta(src: Source, form: Form) -> dict[str, object]:
    agency, year = _title(src)
    if year is None:
        y = re.search(r"统计期限(?:为|是)?(\d{4})年1月1日", "".join(src.paragraphs))
        year = int(y.group(1)) if y else None
    kind = _agency_type(agency)
    dates = re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日", "".join(src.paragraphs[-6:]))
    meta: dict[str, object] = {"agency": agency, "agency_type": kind, "year": year, "form": form.id}
    if dates:
        meta["date"] = "{}年{}月{}日".format(*[int(x) for x in dates[-1]])
    meta.update(_contact(src))
    return meta


def _contact(src: Source) -> dict[str, object]:
    """The opening's 电子版 address and contact block ("请与××办公室联系（地址：…；邮编：…；电话：…）"),
    in the phrasings reports use; what is not there stays blank."""
    opening: list[str] = []
    for p in src.paragraphs[:40]:
        if re.match(r"\s*一[、.．]", p):
            break
        opening.append(p)
    text = "".join(opening)
    found: dict[str, object] = {}
    url = re.search(r"可(?:在|于|登录|通过)([^。；]{2,80}?)(?:上|中)?(?:查阅|下载|浏览)", text)
    if url:
        found["url"] = url.group(1).strip("“”\"' ")
    unit = re.search(r"(?:请与|请联系|联系单位[：:])([^（(，。；]{2,40}?)(?:联系|[（(，。；])", text)
    if unit:
        found["contact_unit"] = unit.group(1).strip()
    patterns = {"contact_address": r"(?:联系)?地址[：:]\s*([^；;，,）)。]{2,80})",
                "contact_postcode": r"(?:邮编|邮政编码)[：:]?\s*(\d{6})",
                "contact_phone": r"(?:联系)?电话[：:]\s*([0-9０-９\-－—（）() ]{7,24}[0-9０-９])"}
    for key, pattern in patterns.items():
        m = re.search(pattern, text)
        if m:
            found[key] = m.group(1).strip()
    return found


def _agency_type(agency: str) -> str:
    """The 机关类型 the name makes plain; blank (for the clerk to choose) when it does not — a 管委会 or
    a 实验区 may be either, and a wrong guess would go unnoticed."""
    if re.search(r"(乡|镇|街道)(人民政府|办事处)?$", agency):
        return "乡镇街道"
    if re.search(r"政府办公(厅|室)$", agency):
        return "政府办公厅（室）"
    if agency.endswith("人民政府"):
        return "人民政府"
    if re.search(r"(局|委员会|厅|办公室|中心|院|署)$", agency):
        return "政府部门"
    return ""

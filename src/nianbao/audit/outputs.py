"""What the evaluator gets: 评估结果.xlsx (a row a report, scored and ranked; every finding with its
evidence; the rubric used), 评估结果.json (the same, docs/audit.schema.json) and a page a report with its
findings beside its text."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from nianbao.audit.reading import Audited
from nianbao.audit.rubric import Rubric
from nianbao.files import safe_filename
from nianbao.findings import CODES, Level
from nianbao.workbook.blank import a4_landscape, fit_to_width, row_height

RESULTS_XLSX, RESULTS_JSON, PAGES_DIR = "评估结果.xlsx", "评估结果.json", "报告"
LEVEL_ZH = {lv.value: lv.zh for lv in Level}


@dataclass
class Scored:
    report: Audited
    score: float
    categories: dict[str, float]
    rank: int = 0
    page: str = ""  # the report's page, relative to the output folder


def score_all(reports: list[Audited], rubric: Rubric) -> list[Scored]:
    """Every report scored and ranked (1 best; equal scores share a rank; unreadable ones last)."""
    scored = []
    for r in reports:
        if r.readable:
            total, cats = rubric.score([(f.code, f.level) for f in r.findings])
        else:
            total, cats = rubric.unreadable, {c.key: 0.0 for c in rubric.categories}
        scored.append(Scored(r, total, cats))
    order = sorted(scored, key=lambda s: (not s.report.readable, -s.score, s.report.agency, s.report.source))
    for i, s in enumerate(order):
        prev = order[i - 1] if i else None
        s.rank = prev.rank if prev is not None and prev.score == s.score and prev.report.readable == s.report.readable else i + 1
    for n, s in enumerate(order, start=1):
        s.page = f"{PAGES_DIR}/{n:03d}-{safe_filename(s.report.agency or s.report.source)}.html"
    return order


def _percent(x: float | None) -> str:
    return "" if x is None else f"{x:.0%}"


def results_json(scored: list[Scored], rubric: Rubric, source: str, boilerplate: int) -> dict[str, Any]:
    return {
        "schema": "nianbao.audit/1",
        "generated": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "source": source,
        "rubric": {"name": rubric.name, "file": rubric.source, "total": rubric.total,
                   "categories": [{"key": c.key, "title": c.title, "points": c.points} for c in rubric.categories]},
        "boilerplate_shingles": boilerplate,
        "reports": [{
            "source": s.report.source, "agency": s.report.agency, "agency_type": s.report.agency_type, "year": s.report.year,
            "form": s.report.form, "readable": s.report.readable, "why": s.report.why or None, "score": s.score, "rank": s.rank,
            "categories": s.categories, "similarity_previous": s.report.similarity_previous,
            "previous": s.report.previous_of or None, "similarity_other": s.report.similarity_other, "page": s.page,
            "findings": [{"code": f.code, "level": f.level, "title": CODES.get(f.code, ""), "message": f.message,
                          "evidence": f.evidence, "where": f.where,
                          "category": (c.key if (c := rubric.category_of(f.code)) else None),
                          "deduction": (c.deduction(f.code, f.level) if (c := rubric.category_of(f.code)) else 0)}
                         for f in s.report.findings],
        } for s in scored],
    }


def _header(ws: Worksheet, row: int, titles: list[str], widths: Sequence[float]) -> None:
    for c, (title, width) in enumerate(zip(titles, widths), start=1):
        cell = ws.cell(row, c, title)
        cell.font = Font(name="宋体", bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[row].height = max(row_height(t, w) for t, w in zip(titles, widths))


def results_xlsx(scored: list[Scored], rubric: Rubric, source: str) -> bytes:
    wb = Workbook()
    ws: Worksheet = wb.worksheets[0]
    ws.title = "评估结果"
    cats = list(rubric.categories)
    ws.cell(1, 1, f"年度报告评估结果：{source}，共 {len(scored)} 份；评分规则：{rubric.name}（满分 {rubric.total:g}，见“评分规则”表）")
    ws.cell(1, 1).font = Font(name="宋体", size=12, bold=True)
    titles = ["名次", "得分", "机关", "年度", "文件", "能否读取"] + [f"{c.title}（{c.points:g}）" for c in cats] + [
        "错误", "警告", "与上年相同", "与其他单位最高相同"]
    widths = [6, 7, 26, 6, 26, 14] + [10] * len(cats) + [6, 6, 9, 9]
    _header(ws, 2, titles, widths)
    for s in scored:
        r = s.report
        errors = sum(f.level == "error" for f in r.findings)
        warnings = sum(f.level == "warning" for f in r.findings)
        ws.append([s.rank, s.score, r.agency, r.year, r.source, "能" if r.readable else f"不能：{r.why}"]
                  + [s.categories.get(c.key, 0.0) for c in cats]
                  + [errors, warnings, _percent(r.similarity_previous), _percent(r.similarity_other)])
        row = ws.max_row
        for col in range(1, len(titles) + 1):
            ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = max(row_height(r.agency, 26), row_height(r.source, 26), row_height(str(ws.cell(row, 6).value or ""), 14))
    ws.freeze_panes = ws.cell(3, 4).coordinate
    a4_landscape(ws, "2:2")
    fit_to_width(ws)

    detail = wb.create_sheet("问题明细")
    detail.cell(1, 1, "每份报告的每个问题及其依据（原文句子，或原文表格的行列和所印的数字）").font = Font(name="宋体", size=12, bold=True)
    _header(detail, 2, ["名次", "机关", "文件", "级别", "问题代码", "类别", "扣分", "问题", "依据", "位置"],
            [6, 22, 20, 6, 18, 14, 6, 50, 40, 24])
    for s in scored:
        for f in s.report.findings:
            cat = rubric.category_of(f.code)
            detail.append([s.rank, s.report.agency, s.report.source, LEVEL_ZH.get(f.level, f.level), f.code,
                           cat.title if cat else "不计分", cat.deduction(f.code, f.level) if cat else 0, f.message, f.evidence, f.where])
            row = detail.max_row
            for col in range(1, 11):
                detail.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
            detail.row_dimensions[row].height = min(400, max(row_height(f.message, 50), row_height(f.evidence, 40)))
    detail.freeze_panes = detail.cell(3, 1).coordinate
    a4_landscape(detail, "2:2")
    fit_to_width(detail)

    rules = wb.create_sheet("评分规则")
    rules.cell(1, 1, f"评分规则：{rubric.name}（{rubric.source}）").font = Font(name="宋体", size=12, bold=True)
    _header(rules, 2, ["类别", "满分", "每条错误扣", "每条警告扣", "另定扣分", "包含的问题"], [26, 7, 9, 9, 24, 70])
    for c in cats:
        rules.append([c.title, c.points, c.deduct.get("error", 0), c.deduct.get("warning", 0),
                      "、".join(f"{k} {v:g}" for k, v in c.per_code.items()),
                      "、".join(f"{code}（{CODES[code]}）" for code in sorted(c.codes))])
        rules.cell(rules.max_row, 6).alignment = Alignment(wrap_text=True, vertical="top")
        rules.row_dimensions[rules.max_row].height = row_height(str(rules.cell(rules.max_row, 6).value), 70)
    rules.append([])
    rules.append([f"未列入任何类别的问题照常列出但不扣分；无法读取的报告得 {rubric.unreadable:g} 分。"])
    a4_landscape(rules, "2:2")
    fit_to_width(rules)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_PAGE_CSS = """body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:1em 1.5em;color:#222;line-height:1.6}
.cols{display:flex;gap:1.5em;align-items:flex-start}.text{flex:3}.found{flex:2;position:sticky;top:0}
h1{font-size:1.3em}h2{font-size:1.05em;margin:1em 0 .3em}p{margin:.3em 0;text-indent:2em}
p.hit{background:#fff3cd}mark{background:#ffd966}
li{margin:.4em 0}.error{color:#b00}.warning{color:#a60}.muted{color:#666;font-size:.9em}
@media print{.cols{display:block}.found{position:static}}"""


def report_page(s: Scored, rubric: Rubric) -> str:
    """One report's findings beside its text: the paragraphs a finding quotes are marked, and the quote in them."""
    r = s.report
    quotes = [f.evidence for f in r.findings if f.evidence and not f.evidence.startswith(("印作", "此格"))]
    body, section = [], None
    for sec, para in r.paragraphs:
        if sec != section:
            body.append(f"<h2>{escape(sec)}</h2>")
            section = sec
        hit = next((q for q in quotes if q.rstrip("…") and q.rstrip("…") in para), None)
        text = escape(para)
        if hit:
            q = escape(hit.rstrip("…"))
            text = text.replace(q, f"<mark>{q}</mark>", 1)
        body.append(f'<p{" class=hit" if hit else ""}>{text}</p>')
    items = []
    for f in r.findings:
        cat = rubric.category_of(f.code)
        minus = f"{cat.title}：扣 {cat.deduction(f.code, f.level):g} 分" if cat else "不计分"
        items.append(f'<li class="{escape(f.level)}"><strong>{escape(LEVEL_ZH.get(f.level, f.level))}</strong> '
                     f"[{escape(f.code)}] {escape(f.message)}"
                     + (f"<br><span class=muted>依据：{escape(f.evidence)}</span>" if f.evidence else "")
                     + (f"<br><span class=muted>位置：{escape(f.where)}</span>" if f.where else "")
                     + f"<br><span class=muted>{escape(minus)}</span></li>")
    title = f"{r.agency or r.source} {r.year or ''}年度报告：第 {s.rank} 名，{s.score:g} 分"
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title><style>"
            + _PAGE_CSS + "</style></head><body><h1>" + escape(title) + "</h1>"
            + f"<p class=muted>文件：{escape(r.source)}；评分规则：{escape(rubric.name)}</p>"
            + ("" if r.readable else f"<p class=error>无法读取：{escape(r.why)}</p>")
            + '<div class="cols"><div class="text">' + "".join(body) + '</div><div class="found"><h2>问题（'
            + str(len(r.findings)) + " 条）</h2><ol>" + "".join(items) + "</ol></div></div></body></html>\n")


def dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2).encode("utf-8")

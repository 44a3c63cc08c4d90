"""A report's key figures (新收申请, 予以公开 share, 复议/诉讼 and their 纠正 share) from the form's roles, and
small charts of them against last year: server-side SVG a person takes in at a glance, black and grey so
that it prints, each with its words for screen readers and never without the figures beside it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from nianbao.form.model import Form
from nianbao.workbook.values import format_number


@dataclass(frozen=True)
class Key:
    key: str
    label: str
    share: bool  # a share of a base (予以公开 of all results), else a count of 件


KEYS = (
    Key("new_requests", "新收申请", False),
    Key("published_share", "予以公开占比", True),
    Key("reviews", "行政复议", False),
    Key("reviews_corrected", "复议纠正占比", True),
    Key("suits", "行政诉讼", False),
    Key("suits_corrected", "诉讼纠正占比", True),
)


@dataclass(frozen=True)
class Value:
    """A count, or a share as its two counts (the part and its base)."""

    count: Decimal
    base: Decimal | None = None

    @property
    def share(self) -> Decimal | None:
        return None if not self.base else self.count / self.base

    def text(self) -> str:
        if self.base is None:
            return f"{format_number(self.count)} 件"
        share = self.share
        return "—（无）" if share is None else f"{_percent(share)}（{format_number(self.count)}/{format_number(self.base)}）"

    def number(self) -> Decimal | None:
        return self.count if self.base is None else self.share


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'))}%"


def _role(form: Form, figures: dict[str, dict[str, str]], role: str) -> Decimal | None:
    table = form.owner_of(role)
    if table is None:
        return None
    values = [figures.get(table.name, {}).get(ref) for ref in table.role_total(role)]
    return None if any(v is None for v in values) else sum((Decimal(v) for v in values if v is not None), Decimal(0))


def key_figures(form: Form, figures: dict[str, dict[str, str]]) -> dict[str, Value]:
    """The key figures the form's roles give (a figure whose cells were not read is left out)."""
    r = {role: _role(form, figures, role) for role in (
        "new_requests", "published", "results_total", "review_total", "review_corrected", "suit_direct_total",
        "suit_after_review_total", "corrected")}
    out: dict[str, Value] = {}
    if r["new_requests"] is not None:
        out["new_requests"] = Value(r["new_requests"])
    if r["published"] is not None and r["results_total"] is not None:
        out["published_share"] = Value(r["published"], r["results_total"])
    if r["review_total"] is not None:
        out["reviews"] = Value(r["review_total"])
        if r["review_corrected"] is not None:
            out["reviews_corrected"] = Value(r["review_corrected"], r["review_total"])
    if r["suit_direct_total"] is not None and r["suit_after_review_total"] is not None:
        suits = r["suit_direct_total"] + r["suit_after_review_total"]
        out["suits"] = Value(suits)
        if r["corrected"] is not None and r["review_corrected"] is not None:
            out["suits_corrected"] = Value(r["corrected"] - r["review_corrected"], suits)
    return out


def change_text(key: Key, this: Value | None, last: Value | None) -> str:
    """上年 190，增加 28 (or 上升 3.2 个百分点): the comparison in words."""
    if this is None or last is None:
        return "" if last is None else f"上年 {last.text()}"
    a, b = this.number(), last.number()
    if a is None or b is None:
        return f"上年 {last.text()}"
    if key.share:
        diff = (a - b) * 100
        move = "持平" if diff == 0 else f"{'上升' if diff > 0 else '下降'} {abs(diff).quantize(Decimal('0.1'))} 个百分点"
        return f"上年 {_percent(b)}，{move}"
    diff = a - b
    move = "持平" if diff == 0 else f"{'增加' if diff > 0 else '减少'} {format_number(abs(diff))} 件"
    return f"上年 {format_number(b)} 件，{move}"


def bars_svg(key: Key, this: Value | None, last: Value | None, years: tuple[int, int | None]) -> str:
    """Two bars, this year over last year, with their figures at the bars' ends; the whole comparison in
    words as the image's name for screen readers."""
    w, bar_h, gap, label_w = 90, 9, 4, 26
    rows = [(years[0], this, "#333")] + ([(years[1], last, "#aaa")] if years[1] is not None else [])
    numbers = [v.number() for _, v, _ in rows if v is not None and v.number() is not None]
    top = Decimal(1) if key.share else max([n for n in numbers if n is not None] + [Decimal(0)])
    words = f"{key.label}：{years[0]}年 {this.text() if this else '无数据'}"
    if years[1] is not None:
        words += f"；{years[1]}年 {last.text() if last else '无数据'}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" role="img" aria-label="{escape(words)}" '
             f'width="{w + label_w + 64}" height="{len(rows) * (bar_h + gap)}" viewBox="0 0 {w + label_w + 64} {len(rows) * (bar_h + gap)}">'
             f"<title>{escape(words)}</title>"]
    for i, (year, value, colour) in enumerate(rows):
        y = i * (bar_h + gap)
        n = value.number() if value is not None else None
        length = 0 if n is None or not top else int(Decimal(w) * min(n / top, Decimal(1)))
        shown = "—" if value is None or n is None else (_percent(n) if key.share else format_number(n))
        parts.append(f'<text x="0" y="{y + bar_h - 1}" font-size="9" fill="#555">{year}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(length, 1)}" height="{bar_h}" fill="{colour}"/>'
                     f'<text x="{label_w + length + 3}" y="{y + bar_h - 1}" font-size="9" fill="#222">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass
class Row:
    """A line of the overview: a unit (or the region) with its key figures this year and last."""

    name: str
    this: dict[str, Value]
    last: dict[str, Value] | None
    note: str = ""  # e.g. 未报送, 有错误
    region: bool = False


def overview_table(rows: list[Row], years: tuple[int, int | None]) -> str:
    """The overview as an HTML table: a unit a row, a key figure a column, each cell its figure, the change
    in words and the chart."""
    head = "".join(f'<th scope="col">{escape(k.label)}</th>' for k in KEYS)
    out = [f'<table class="overview"><caption>{years[0]}年度主要数字'
           + (f"（与{years[1]}年度对比）" if years[1] else "") + "</caption>",
           f'<thead><tr><th scope="col">单位</th>{head}</tr></thead><tbody>']
    for row in rows:
        cells = []
        for k in KEYS:
            this = row.this.get(k.key)
            last = (row.last or {}).get(k.key)
            if this is None and last is None:
                cells.append('<td class="none">—</td>')
                continue
            change = change_text(k, this, last)
            cells.append(f'<td><div class="figure">{escape(this.text() if this else "无数据")}</div>'
                         + (f'<div class="change">{escape(change)}</div>' if change else "")
                         + bars_svg(k, this, last, years) + "</td>")
        name = escape(row.name) + (f'<div class="note">{escape(row.note)}</div>' if row.note else "")
        out.append(f'<tr{" class=region" if row.region else ""}><th scope="row">{name}</th>{"".join(cells)}</tr>')
    out.append("</tbody></table>")
    return "".join(out)


OVERVIEW_CSS = """
table.overview{border-collapse:collapse;width:100%;font-size:.85em}
table.overview caption{font-weight:bold;text-align:left;padding:.3em 0}
table.overview th,table.overview td{border:1px solid #bbb;padding:.3em .4em;vertical-align:top;text-align:left}
table.overview thead th{background:#f0f0f0}
table.overview tbody th{min-width:8em;max-width:14em}
table.overview tr.region th,table.overview tr.region td{background:#f6f6f6;font-weight:bold}
table.overview .change,table.overview .note{color:#555;font-size:.85em;font-weight:normal}
table.overview svg{display:block;margin-top:.2em}
@media print{table.overview{font-size:8pt}table.overview tr{break-inside:avoid}table.overview thead{display:table-header-group}}
"""


def overview_page(title: str, rows: list[Row], years: tuple[int, int | None], note: str = "") -> str:
    """A page of its own (nianbao export's 概览.html): no scripts, no outside resources, prints on A4 landscape."""
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title>"
            "<style>body{font-family:\"Microsoft YaHei\",\"PingFang SC\",\"Noto Sans CJK SC\",sans-serif;margin:1em 1.5em;color:#222}"
            "h1{font-size:1.3em}@page{size:A4 landscape;margin:12mm}" + OVERVIEW_CSS + "</style></head><body>"
            f"<h1>{escape(title)}</h1>" + (f"<p>{escape(note)}</p>" if note else "")
            + overview_table(rows, years) + "</body></html>\n")

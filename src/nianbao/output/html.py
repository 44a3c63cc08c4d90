"""HTML as government websites publish it: a fragment with inline styles only (CMS editors strip <style>
and classes) and accessible tables — <caption>, <th scope>, and id/headers on every figure cell, so a
screen reader can say which row and column a number belongs to (WCAG H43; GB/T 37668 follows it)."""

from __future__ import annotations

from html import escape
from typing import Any

from nianbao.form.cells import index_to_col, parse_cell, parse_range
from nianbao.form.model import Table
from nianbao.output.context import NARRATIVE_VARS, TABLE_VARS
from nianbao.workbook.model import Submission

P = "margin:0 0 0.6em 0;line-height:1.8;text-indent:2em;text-align:justify"
H1 = "text-align:center;font-size:1.6em;line-height:1.4;margin:0.6em 0 1em"
H2 = "font-size:1.25em;margin:1em 0 0.6em"
H3 = "font-size:1.1em;margin:0.8em 0 0.5em;text-indent:2em"
TABLE = "border-collapse:collapse;width:100%;min-width:36em;font-size:0.9em;margin:0.5em 0 1em"
CELL = "border:1px solid #333;padding:0.25em 0.4em;vertical-align:middle"
CAPTION = "caption-side:top;text-align:left;font-weight:bold;padding:0.3em 0"
WRAP = "overflow-x:auto;max-width:100%"
SIGN = "text-align:right;margin:0.3em 4em 0 0"


def _t(text: str) -> str:
    return escape(text, quote=True)


def table_html(table: Table, var: str, caption: str, values: dict[str, str]) -> str:
    """One official table. Labels are <th>, figures <td headers="…"> pointing at every heading cell."""
    header_rows = table.header_rows()
    ids = {ref: f"{var}-{ref}" for ref in table.labels}
    figure_rows = {parse_cell(ref)[0] for ref in table.numeric}
    out = [f'<div style="{WRAP}"><table style="{TABLE}">', f'<caption style="{CAPTION}">{_t(caption)}</caption>']
    has_thead = header_rows > 0 and table.layout.thead  # False where each block repeats its own header row
    if has_thead:
        out.append("<thead>")
    for r in range(1, table.nrows + 1):
        if has_thead and r == header_rows + 1:
            out.append("</thead><tbody>")
        elif r == 1 and not has_thead:
            out.append("<tbody>")
        cells = []
        for c in range(1, table.ncols + 1):
            ref = f"{_col(c)}{r}"
            if table.is_covered(ref):
                continue
            r1, c1, r2, c2 = parse_range(table.merge_at(ref) or ref)
            span = (f' colspan="{c2 - c1 + 1}"' if c2 > c1 else "") + (f' rowspan="{r2 - r1 + 1}"' if r2 > r1 else "")
            if ref in table.labels:
                in_header = r not in figure_rows  # a label in a row without figures heads columns
                scope = ("colgroup" if c2 > c1 else "col") if in_header else ("rowgroup" if r2 > r1 else "row")
                align = "center" if in_header or c2 == c1 and r2 > r1 else "left"
                text = _label(table, ref, in_header)
                cells.append(f'<th id="{ids[ref]}" scope="{scope}"{span} style="{CELL};text-align:{align};font-weight:normal">{text}</th>')
            elif ref in table.numeric:
                rows, cols = table.header_refs(ref)
                headers = " ".join(ids[h] for h in rows + cols)
                cells.append(f'<td headers="{headers}"{span} style="{CELL};text-align:center">{_t(values.get(ref, ""))}</td>')
            else:
                cells.append(f'<td{span} style="{CELL}"></td>')
        keep = ' style="page-break-after:avoid;break-after:avoid"' if r not in figure_rows else ""  # a header row stays with its rows
        out.append(f"<tr{keep}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


SHORT_LABEL = 6  # characters: a column heading this short never breaks inside a word ("结果维/持", "总/计")


def _label(table: Table, ref: str, heading: bool) -> str:
    """A label as HTML that breaks only where the form's layout allows (its Word breaks: "社会|公益|组织"),
    or, for a short column heading, not at all; long row labels wrap as they please."""
    text = table.labels[ref]
    words = table.layout.breaks.get(ref, ())  # the form checks that they spell the label
    if len(words) > 1:
        return "".join(f'<span style="white-space:nowrap">{_t(w)}</span>' for w in words)
    if heading and len(text) <= SHORT_LABEL:
        return f'<span style="white-space:nowrap">{_t(text)}</span>'
    return _t(text)


def _col(i: int) -> str:
    return index_to_col(i)


def fragment(sub: Submission, ctx: dict[str, Any]) -> str:
    """The report as one HTML fragment (inline styles only) to paste into a CMS, ending with its signature
    and date as the document does (the CMS's publication date is not the report's 成文日期)."""
    parts = [f'<h1 style="{H1}">{_t(ctx["properties"]["title"])}</h1>']  # (the title's own line break is Word's)
    parts += [f'<p style="{P}">{_t(p)}</p>' for p in ctx["opening"]]
    for sec in sub.form.sections:
        parts.append(f'<h2 style="{H2}">{_t(sec.heading)}</h2>')
        if sec.table:
            var = TABLE_VARS[sec.table]
            parts += [f'<p style="{P}">{_t(p)}</p>' for p in ctx["auto"][var]]
            parts.append(table_html(sub.form.tables[sec.table], var, sec.title, ctx[var]))
            continue
        for block in ctx[NARRATIVE_VARS[sec.no]]:
            if block["heading"]:
                parts.append(f'<h3 style="{H3}">{_t(block["heading"])}</h3>')
            parts += [f'<p style="{P}">{_t(p)}</p>' for p in block["paragraphs"]]
    # the signature's name on one line: Word breaks a long one by hand (a newline), a page wraps it itself
    parts.append(f'<p style="{SIGN}">{_t(ctx["agency"].replace(chr(10), ""))}</p><p style="{SIGN}">{_t(ctx["date"])}</p>')
    return '<div lang="zh-CN">\n' + "\n".join(parts) + "\n</div>\n"


def page(sub: Submission, ctx: dict[str, Any]) -> str:
    """A complete preview page around the fragment."""
    title = _t(ctx["properties"]["title"])
    body = fragment(sub, ctx)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        # printed: headings and a table's header rows stay with what follows them, rows are not cut
        "<style>@media print{@page{size:A4;margin:20mm}h2,h3,caption{break-after:avoid;page-break-after:avoid}"
        "tr,p{break-inside:avoid}thead{display:table-header-group}div{overflow:visible!important}}</style>\n</head>\n"
        '<body style="max-width:52em;margin:1em auto;padding:0 1em;font-family:serif;color:#111">\n'
        f"{body}</body>\n</html>\n"
    )

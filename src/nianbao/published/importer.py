"""A published report into a filled workbook: the form told by its tables' labels, every figure found by
the labels of its row and column (never by position alone), the narrative split by its headings. What
cannot be placed is a finding that says where it was in the source; its cell stays empty (never a silent 0),
so the workbook's own check names it too. Published tables that break the form's relations are imported as
published: the relation findings say so."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import Workbook

from nianbao.findings import Finding
from nianbao.form import layout as L
from nianbao.form.cells import parse_cell
from nianbao.form.model import FORM_IDS, Form, NumKind, Table, load_form
from nianbao.published.source import Source, SourceError, read
from nianbao.published.text import norm
from nianbao.workbook.fill import filled_workbook
from nianbao.workbook.model import complete_totals
from nianbao.workbook.values import Number

# a figure as tables print it: "1,234", "+3", "45.5万元" (a unit after an amount), "5件"
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:万元|元|件|个|项)?$")
_UNIT = re.compile(r"(?:万元|元|件|个|项)$")
# what published tables print where a figure would be, without one: blank, a dash, a slash, 无
_NO_FIGURE = re.compile(r"^(?:|[-—–－―/／\\]+|无)$")
# a sub-heading: on a line of its own ("（一）主动公开", as our reports print it) or run into its paragraph
# ("（一）主动公开方面。有序推进……", as many sites publish it)
_SUB = re.compile(r"（([一二三四五六七八九十]+)）([^。：:（）\n]{2,24})(?:[。：:]|(?=\n)|$)")
_SITE_CHROME = re.compile(r"扫一扫|版权所有|网站标识码|ICP备|公安备案|主办单位|联系我们|友情链接|打印本页|关闭窗口|分享到|浏览器"
                          r"|^附件下载$|^相关附件|^相关链接|^上一篇|^下一篇|^【(?:打印|关闭)】|^责任编辑|^网站地图")


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
    result = Imported(form, _meta(src, form))
    for sec, table in form.section_tables():
        _place(src, table, sec.heading, result)
    _unknown_rows(src, form, result)
    if src.rebuilt:
        _check_rebuilt(form, result)
    _narrative(src, form, result)
    return result


# a published report may misprint a total or two (imported as published, the check names them); more than
# this many in a table rebuilt from word positions means the reading itself went wrong
_MISPRINTS = 2


def _check_rebuilt(form: Form, result: Imported) -> None:
    """Tables rebuilt from word positions are a reading, not a grid: taken only when every figure of the form
    was found and no row was left over; a total that is not the sum of its parts is imported as published
    (the report may misprint one) and named, but more than _MISPRINTS of them mean figures were read into
    the wrong places, and the import is refused — a wrong figure would otherwise go unnoticed."""
    doubt = next((f.message for f in result.findings if f.code in ("import-unplaced", "import-unknown-row")), "")
    wrong: list[str] = []
    for table in form.tables.values():
        values: dict[str, Number | None] = {ref: v for ref, v in result.figures.get(table.name, {}).items()
                                            if v is None or isinstance(v, int | Decimal)}
        typed = {ref for ref in table.totals if values.get(ref) is not None}
        for ref, printed in complete_totals(table, values, typed).items():
            rows, cols = table.label_path(ref)
            wrong.append(f"“{'/'.join(rows + cols)}”印的是 {printed}，分项之和是 {values[ref]}")
    if not doubt and len(wrong) > _MISPRINTS:
        doubt = f"{len(wrong)} 个合计与分项之和不符，如{wrong[0]}"
    if doubt:
        raise SourceError(f"统计表没有表格线，按文字位置读出的数字对不上（{doubt}），无法可靠导入；"
                          "请改用同一份报告的 Word（.docx）或网页文件")
    added = (f"；但有 {len(wrong)} 个合计与分项之和不符（{'；'.join(wrong)}），可能是原报告印错，也可能是读错了位置，"
             "请对照原文逐格核实" if wrong else "，各项合计与分项之和一致。请再与原报告对照一遍")
    result.findings.append(Finding.of("import-rebuilt", f"PDF 中的统计表没有表格线，已按文字的位置读取；每个数字都已找到{added}"))


def _unknown_rows(src: Source, form: Form, result: Imported) -> None:
    """Rows of figures under labels the form does not have (a 合计 row a site added, a label of another form
    revision): their figures go nowhere, and the clerk is told where they were."""
    tables_used = {ti for ti, _ in result.placed}
    for ti, ri, row in _candidate_rows(src):
        if ti not in tables_used or (ti, ri) in result.placed:
            continue
        numbers = [c for c in row if _is_figure(c)]
        labels = list(dict.fromkeys(c for c in row if c and not _is_figure(c)))
        if numbers and labels:
            result.findings.append(Finding.of(
                "import-unknown-row",
                f"第 {ti + 1} 个表格第 {ri + 1} 行：标签“{'/'.join(labels)[:60]}”不在 {form.id} 版表格中，这一行的数字（{'、'.join(list(dict.fromkeys(numbers))[:8])}）没有导入",
                actual="/".join(labels)[:200]))


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


# --- figures ------------------------------------------------------------------------------------------------

def _number(text: str, kind: NumKind) -> object | None:
    t = _UNIT.sub("", text.replace(",", "").replace("，", ""))
    if not _NUMBER.match(t):
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    return d if kind is NumKind.DECIMAL_GE0 else int(d)


def _is_figure(cell: str) -> bool:
    return bool(_NUMBER.match(cell.replace(",", "")))


def _is_label(cell: str) -> bool:
    """Text that is neither a figure nor a mark standing for one."""
    return not (_is_figure(cell) or _NO_FIGURE.match(cell))


def _figure_cells(cells: list[str], width: int) -> list[str]:
    """The cells after a row's last label: figures, or marks standing where a figure would be. The grid's
    padding at a short row's end (a page that left its trailing cells out) is dropped when there are more
    cells than the form has figures."""
    last_label = max((i for i, c in enumerate(cells) if _is_label(c)), default=-1)
    values = cells[last_label + 1:]
    while len(values) > width and values[-1] == "":
        values.pop()
    return values


def _candidate_rows(src: Source) -> list[tuple[int, int, list[str]]]:
    """(table number, row number, cells) of every source row, tables split across pages taken together."""
    return [(ti, ri, row) for ti, t in enumerate(src.tables) for ri, row in enumerate(t)]


def _row_under_headers(src: Source, headers: set[str], width: int, used: set[tuple[int, int]]
                       ) -> tuple[int, int, list[str]] | None:
    for ti, t in enumerate(src.tables):
        text = {c for row in t for c in row}
        joined = "".join(c for row in t for c in row)
        # every header a cell of the table, or (a header wrapped in its cell, read from a PDF without lines
        # as two pieces side by side) at least spelled out in its text
        if not (headers <= text or all(h in joined for h in headers)):
            continue
        for ri, row in enumerate(t):
            numbers = _figure_cells(row, width)
            if len(numbers) >= width and any(map(_is_figure, numbers)) and (ti, ri) not in used:
                return ti, ri, numbers
    return None


def _column_labels(grid: list[list[str]]) -> list[list[tuple[int, str]]]:
    """Each column's label cells from the top down, (row, text), a spanned cell's repeats taken once."""
    columns: list[list[tuple[int, str]]] = []
    for c in range(max((len(row) for row in grid), default=0)):
        seen: list[tuple[int, str]] = []
        for r, row in enumerate(grid):
            cell = row[c] if c < len(row) else ""
            if cell and _is_label(cell) and (not seen or seen[-1][1] != cell):
                seen.append((r, cell))
        columns.append(seen)
    return columns


def _header_columns(labels: list[list[tuple[int, str]]], ri: int, table: Table, refs: list[str]) -> dict[str, int]:
    """The source column of each figure cell of row ri, found by the form's column headers (all of them, in
    order: "行政诉讼/复议后起诉/结果维持") among the labels above the row in that column (labels:
    _column_labels of the source table). A row with no headers above it (a table continued on the next
    page) finds none."""
    found: dict[str, int] = {}
    for ref in refs:
        path = [norm(x) for x in table.label_path(ref)[1]]
        if not path:
            continue
        for c, column in enumerate(labels):
            it = (text for r, text in column if r < ri)
            if c not in found.values() and all(any(label == s for s in it) for label in path):
                found[ref] = c
                break
    return found


def _place(src: Source, table: Table, heading: str, result: Imported) -> None:
    """Each figure row of the form: the source row whose labels spell the form row's labels (in order),
    its numbers in the order of the form's figure columns."""
    figures: dict[str, object] = {}
    rows = _candidate_rows(src)
    by_row: dict[int, list[str]] = {}
    for ref in table.numeric:
        by_row.setdefault(parse_cell(ref)[0], []).append(ref)
    used: set[tuple[int, int]] = set()
    no_column: dict[tuple[int, str], list[str]] = {}  # (source table, column headers) -> form cells left empty
    labels_of: dict[int, list[list[tuple[int, str]]]] = {}

    def column_labels(ti: int) -> list[list[tuple[int, str]]]:
        if src.rebuilt:  # a rebuilt row is its labels then its figures: its columns line up with nothing
            return []
        if ti not in labels_of:
            labels_of[ti] = _column_labels(src.tables[ti])
        return labels_of[ti]

    headers = {norm(t) for ref, t in table.labels.items() if parse_cell(ref)[0] <= table.header_rows()}
    leaves = [norm(table.label_path(refs[0])[0][-1]) for refs in by_row.values() if table.label_path(refs[0])[0]]
    for refs in by_row.values():
        labels = [norm(x) for x in table.label_path(refs[0])[0]]
        leaf = labels[-1] if labels else ""
        match = None
        if not labels:  # a table without row labels (四): the all-number row under its column headers
            match = _row_under_headers(src, headers, len(refs), used)
        # the row whose labels spell the form row's (its own and its parent's); failing that, when the
        # form row's own label is unique in the table, the row with that label alone — a table split
        # across pages (a PDF printed from a web page) loses the spanning parent label on the next page
        wanted = [labels[-2:]] + ([[leaf]] if leaf and len(labels) > 1 and leaves.count(leaf) == 1 else [])
        # a row with fewer figure cells than the form's (a column the site left out) only when the column
        # headers above it say which figure is which
        for need, short in ([] if match else [(w, s) for s in (False, True) for w in wanted]):
            for ti, ri, cells in rows:
                if (ti, ri) in used:
                    continue
                texts = [c for c in cells if _is_label(c)]
                joined = "".join(dict.fromkeys(texts))
                if leaf and leaf in joined and all(lab in joined for lab in need):
                    numbers = _figure_cells(cells, len(refs))
                    if (len(numbers) >= len(refs) or (len(refs) == 1 and numbers)
                            or (short and numbers and _header_columns(column_labels(ti), ri, table, refs))):
                        match = (ti, ri, numbers)
                        break
            if match:
                break
        if match is None:
            for ref in refs:
                figures[ref] = None
            what = f"“{'/'.join(labels)}”这一行的数字" if labels else "表格的数字行（表头下的一行数字）"
            result.findings.append(Finding.of(
                "import-unplaced", f"{heading}：没有找到{what}，导入后为空",
                L.TABLE_SHEETS[table.name], L.to_sheet(refs[0]),
                actual="/".join(labels)))
            continue
        ti, ri, numbers = match
        used.add((ti, ri))
        result.placed.add((ti, ri))
        if len(numbers) > len(refs):
            # a figure cell spanning columns repeats in the grid ("45.5万元" under 采购总金额, two columns wide):
            # one of each run, if that leaves as many as the form has; else the row's last figures
            runs = [n for i, n in enumerate(numbers) if i == 0 or n != numbers[i - 1]]
            numbers = runs if len(runs) == len(refs) else numbers[-len(refs):]
        texts_by_ref = dict(zip(refs, numbers))
        grid = src.tables[ti]
        columns = _header_columns(column_labels(ti), ri, table, refs)
        by_header = {ref: grid[ri][c] for ref, c in columns.items()}
        if (len(columns) == len(refs) or len(numbers) < len(refs)
                or any(texts_by_ref.get(ref) != text for ref, text in by_header.items())):
            # the column headers above the row tell where each figure is: they win over the order, and a
            # column the source does not have is named rather than filled from its neighbour
            texts_by_ref = by_header
            for ref in refs:
                if ref not in by_header:
                    figures[ref] = None
                    no_column.setdefault((ti, "/".join(table.label_path(ref)[1])), []).append(ref)
        missing: list[tuple[str, str]] = []
        for ref, text in texts_by_ref.items():
            value = _number(text, table.numeric[ref])
            figures[ref] = value
            if value is None:
                missing.append((ref, text))
        if missing:  # one finding a row, at its first such cell: a table with dashes for zeros is one per row
            marks = "、".join(dict.fromkeys(f"“{t}”" if t else "空白" for _, t in missing))
            where = "、".join(L.to_sheet(ref) for ref, _ in missing)
            result.findings.append(Finding.of(
                "import-unplaced",
                f"第 {ti + 1} 个表格第 {ri + 1} 行“{'/'.join(labels) or heading}”：{len(missing)} 格印的是{marks}而不是数字"
                f"（{where}），导入后为空；请按原报告核实后填写（为零的填 0）",
                L.TABLE_SHEETS[table.name], L.to_sheet(missing[0][0]), actual="、".join(t for _, t in missing)))
    for (ti, path), refs in no_column.items():
        result.findings.append(Finding.of(
            "import-unplaced", f"第 {ti + 1} 个表格没有“{path}”这一列：这一列的 {len(refs)} 格导入后为空，"
            "请按原报告核实后填写", L.TABLE_SHEETS[table.name], L.to_sheet(refs[0]), actual=path))
    # Every figure as published, totals included: a published total that is not the sum of its parts is
    # kept (check then names it), never repaired. A total not found stays the template's formula; a part
    # not found is written blank (None), never left as the template's 0, so that check asks for it.
    result.figures[table.name] = {ref: v for ref, v in figures.items() if not (ref in table.totals and v is None)}


# --- narrative ---------------------------------------------------------------------------------------------

def _narrative(src: Source, form: Form, result: Imported) -> None:
    text_sections: dict[str, list[str]] = {}
    current = None
    headings = {norm(s.heading): s.no for s in form.sections}
    # a heading whose number Word's automatic numbering drew ("总体情况" on a line of its own)
    bare = {norm(s.heading).split("、", 1)[-1]: s.no for s in form.sections}
    for text in src.paragraphs:
        compact = norm(text)
        found = next((no for h, no in headings.items() if compact.startswith(h)), bare.get(compact.rstrip("。：:")))
        if found is not None:
            current = found
            heading = next(s.heading for s in form.sections if s.no == found)
            rest = text.split(heading[-2:], 1)[1].strip() if heading[-2:] in text else ""
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
    signature = r"\d{4}年\d{1,2}月\d{1,2}日|" + re.escape(str(result.meta.get("agency", "")))
    six = [p for p in text_sections.get("六", []) if not re.fullmatch(signature, p)]
    signed = [p for p in text_sections.get("六", []) if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", p)]
    if signed:  # the signature's date, where the article ends (a site's footer may follow it)
        result.meta["date"] = "{}年{}月{}日".format(*[int(x) for x in re.findall(r"\d+", signed[-1])])
    _section_six("\n".join(six), result, src.headings, src.run_in)


# a sub-heading numbered "1." / "1、" on a line of its own (no sentence in it)
_NUMBERED = re.compile(r"^\d{1,2}[.．、]\s*([^。；;]{2,24}?)[：:]?$")
# "一是主动公开方面。……": a sub-heading run into its paragraph, numbered 一是, 二是 … in turn
_ENUMERATED = re.compile(r"^([一二三四五六七八九十]{1,2})是\s*([^。：:；;，,、\n]{2,24})[。：:；;]\s*")
_NUMERALS = "一二三四五六七八九十"
# the number a run-in heading may carry before its words: "（一）", "一是", "1."
_LEAD_NUMBER = re.compile(r"^(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]{1,2}是|\d{1,2}[.．、])\s*")


def _enumerated_headings(lines: list[str]) -> dict[int, re.Match[str]]:
    """The lines that open 一是, 二是, 三是 … in turn, each with a short phrase before its first full stop
    or colon — sub-headings, when the section has no other kind. Anything less (a gap, a line opening 二是
    with a long clause) is a list inside the text and splits nothing."""
    opening = [(i, re.match(r"^([一二三四五六七八九十]{1,2})是", line.strip())) for i, line in enumerate(lines)]
    found = [(i, m.group(1)) for i, m in opening if m]
    numerals = [n for _, n in found]
    if len(found) < 2 or numerals != list(_NUMERALS[: len(found)]):
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


def _section_six(text: str, result: Imported, marked: set[str] | frozenset[str] = frozenset(),
                 run_in: dict[str, str] | None = None) -> None:
    """六: the 信息处理费 sentence back into its three figures; the items under their labels (2021 form);
    anything else is 其他需要报告的事项."""
    items: dict[str, list[str]] = {}
    fees_seen = False
    found_fees: dict[str, object] = {}
    for heading, body in _blocks(text.split("\n"), marked, run_in=run_in) or [("", "")]:
        fees = _fees(body)
        if fees is not None and (not heading or "信息处理费" in heading or not fees_seen):
            fees_seen = True
            found_fees = fees
            sentence = re.compile(r"[^。\n]*信息处理费[^。\n]*。?")
            body = sentence.sub("", body, count=1).strip() if not heading or "信息处理费" not in heading else ""
            if not body:
                continue
        key = next((f.key for f in L.OTHER_FIELDS if heading and (norm(f.label) in norm(heading) or norm(heading) in norm(f.label))), "other")
        items.setdefault(key, []).append(body if key != "other" or not heading or heading == "其他事项" else f"{heading}。{body}")
    result.other = {key: "\n".join(paras) for key, paras in items.items()}
    if fees_seen:
        result.other.update(found_fees)
    else:  # blank, never the template's 0: the clerk fills them in and check asks until then
        result.other.update({"fee_notices": None, "fee_billed": None, "fee_collected": None})
        result.findings.append(Finding.of(
            "import-unplaced", "六、其他需要报告的事项：没有找到收取信息处理费的情况，三个收费数字导入后为空",
            L.SHEET_OTHER, f"B{L.field_row(L.SECTION6_FIELDS, 'fee_notices')}"))


_AMOUNT = r"([\d,]+(?:\.\d+)?)\s*元"


def _fees(text: str) -> dict[str, object] | None:
    """The 信息处理费 figures a sentence states ("发出收费通知2件，应收信息处理费300元，实际收取300元";
    "未收取信息处理费"), or None when it says nothing about them."""
    if "信息处理费" not in text and "收费通知" not in text:
        return None
    notices = re.search(r"收费通知\D{0,4}?(\d+)\s*件", text)
    billed = re.search(r"应收(?:取)?(?:信息处理费)?(?:金额)?\D{0,3}?" + _AMOUNT, text)
    got = re.search(r"实(?:际)?收(?:取)?(?:信息处理费)?(?:金额)?\D{0,3}?" + _AMOUNT, text)
    if notices or billed or got:
        def amount(m: re.Match[str] | None) -> object:
            return _number(m.group(1).replace(",", ""), NumKind.DECIMAL_GE0) if m else 0
        return {"fee_notices": int(notices.group(1)) if notices else 0, "fee_billed": amount(billed), "fee_collected": amount(got)}
    if re.search(r"(未|无|没有|不存在|不涉及)[^。]{0,12}(收取|收费|发出)|(收取|收费)[^。]{0,8}(为|共)?(0|零)\s*元", text):
        return {"fee_notices": 0, "fee_billed": 0, "fee_collected": 0}
    return None

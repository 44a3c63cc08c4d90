"""Builds doc_template.docx: a real docxtpl template, GB/T 9704 layout, tables from the form description.

The template holds the six headings as text, one Jinja placeholder per figure cell and loops only over
paragraphs. A clerk can open it in Word or WPS and restyle it (the styles carry all fonts and spacing);
`nianbao convert --doc-template` then uses the restyled copy.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_PARAGRAPH_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from nianbao.form.cells import index_to_col, parse_range
from nianbao.form.model import Form, Table, load_form
from nianbao.output.context import NARRATIVE_VARS, TABLE_VARS

# GB/T 9704-2012 page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
PAGE_W, PAGE_H = 11906, 16838
MARGINS = {"top": 2098, "bottom": 1984, "left": 1587, "right": 1474}
TEXT_W = PAGE_W - MARGINS["left"] - MARGINS["right"]  # 8845 twips
LINE_EXACT = 579  # 28.95 pt: 22 lines a page with 3号 text
CHARS_PER_LINE = 28
# 28 3号 characters fill 156 mm when each is condensed by 0.25 pt (w:spacing, in twentieths of a point:
# 28 × 15.75 pt = 441 pt of the 442.25). A lines-and-characters docGrid would do it in Word and WPS, but
# LibreOffice snaps each 16 pt character to two 15.79 pt grid cells (14 a line); condensed spacing reads the
# same everywhere.
CHAR_SPACING = math.floor(8845 / CHARS_PER_LINE - 16 * 20)
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
TABLE_PT = 10.5  # 五号
SMALL_TABLE_PT = 9  # 小五
PAGE_NO_PT = 14  # 4号
# GB/T 9704 7.5: the page number's 一字线 7 mm below the text block. The footer's distance from the page
# edge to the bottom of its line: 35 mm margin − 7 mm − half the 4号 line (measured in the PDF).
FOOTER_DISTANCE = 1430
CELL_MARGIN = 57  # 1 mm: lets table 4's narrow columns hold two characters a line


@dataclass(frozen=True)
class Fonts:
    """Font names differ between sites (仿宋_GB2312 / 仿宋 / 方正仿宋_GBK); all are configurable."""
    body: str = "仿宋_GB2312"
    title: str = "方正小标宋简体"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    table: str = "仿宋_GB2312"
    page_number: str = "宋体"
    latin: str = "Times New Roman"


STYLE_TITLE = "报告标题"
STYLE_H1 = "一级标题"
STYLE_H2 = "二级标题"
STYLE_BODY = "Normal"
STYLE_TABLE = "表格文字"
STYLE_TABLE_SMALL = "表格文字（小五）"  # the large tables (三, 四): 9 pt, so that six-digit counts fit
STYLE_SIGN = "落款"
STYLE_DRAFT = "草稿提示"


def _el(tag: str, **attrs: str) -> Any:
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(k), v)
    return el


# The order the schema gives the children of w:pPr and w:tblPr (Word refuses a document that breaks it).
_ORDER = {
    "pPr": ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr", "suppressLineNumbers",
            "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct", "topLinePunct",
            "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
            "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
            "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange"),
    "tblPr": ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
              "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"),
}


def _local(el: Any) -> str:
    return str(el.tag).split("}")[1]


def _put(parent: Any, el: Any) -> Any:
    """Put el into a w:pPr or w:tblPr where the schema wants it (replacing one of its kind)."""
    for old in parent.findall(el.tag):
        parent.remove(old)
    order = _ORDER[_local(parent)]
    rank = order.index(_local(el))
    later = [c for c in parent if _local(c) in order and order.index(_local(c)) > rank]
    if later:
        later[0].addprevious(el)
    else:
        parent.append(el)
    return el


def _set_child(parent: Any, el: Any) -> Any:
    for old in parent.findall(el.tag):
        parent.remove(old)
    parent.append(el)
    return el


def _fonts(rpr: Any, east_asia: str, latin: str) -> None:
    """Set ascii/hAnsi/eastAsia explicitly; theme font attributes would win over them, so none are kept."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = _el("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in list(rfonts.attrib):
        if "Theme" in attr:
            del rfonts.attrib[attr]
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), latin)


def _paragraph_style(doc: DocxDocument, name: str, font: str, size: float, fonts: Fonts, *,
                     align: WD_PARAGRAPH_ALIGNMENT | None = None, first_chars: int = 0, exact: bool = True,
                     outline: int | None = None, bold: bool = False, base: str | None = "Normal") -> ParagraphStyle:
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if not isinstance(style, ParagraphStyle):
        raise TypeError(f"style {name} of the base document is not a paragraph style")
    if base and name != base:
        style.base_style = styles[base]
    style.quick_style = True
    style.font.size = Pt(size)
    style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    _fonts(rpr, font, fonts.latin)
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    ppr = style.element.get_or_add_pPr()
    if exact:
        _put(ppr, _el("w:spacing", **{"w:before": "0", "w:after": "0", "w:line": str(LINE_EXACT), "w:lineRule": "exact"}))
    else:
        _put(ppr, _el("w:spacing", **{"w:before": "0", "w:after": "0", "w:line": "240", "w:lineRule": "auto"}))
    # Indent in characters (firstLineChars) so it stays 2 字 whatever the font size.
    ind = _el("w:ind", **{"w:firstLineChars": str(first_chars * 100), "w:firstLine": str(int(first_chars * size * 20))})
    _put(ppr, ind)
    if outline is not None:
        _put(ppr, _el("w:outlineLvl", **{"w:val": str(outline)}))
    return style


_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:lang")


def _char_spacing(rpr: Any, twentieths: int) -> None:
    """w:spacing in its place in the run properties (before w:w, w:kern, w:sz … as the schema orders them)."""
    for old in rpr.findall(qn("w:spacing")):
        rpr.remove(old)
    el = _el("w:spacing", **{"w:val": str(twentieths)})
    later = [c for c in rpr if c.tag in {qn(t) for t in _AFTER_SPACING}]
    if later:
        later[0].addprevious(el)
    else:
        rpr.append(el)


def _setup_styles(doc: DocxDocument, fonts: Fonts) -> None:
    # docDefaults: explicit fonts, no theme fonts, Chinese as the East Asian language (python-docx's
    # default document declares Japanese, and Chinese text then falls back to a Japanese font).
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rpr, fonts.body, fonts.latin)
    _set_child(rpr, _el("w:lang", **{"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}))
    for style in doc.styles:
        el = style.element.find(qn("w:rPr"))
        if el is not None and el.find(qn("w:rFonts")) is not None:
            for attr in list(el.find(qn("w:rFonts")).attrib):
                if "Theme" in attr:
                    del el.find(qn("w:rFonts")).attrib[attr]

    normal = _paragraph_style(doc, STYLE_BODY, fonts.body, BODY_PT, fonts, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_chars=2, base=None)
    _char_spacing(normal.element.get_or_add_rPr(), CHAR_SPACING)
    normal.paragraph_format.widow_control = False  # exact line grid: do not push lines around
    # LibreOffice takes an absent (or "0") w:overflowPunct as hanging punctuation and then leaves the
    # punctuation mark that would hang past a full line out of the PDF altogether (measured on the 大庄乡
    # example: 3 of 173 marks missing from the printed page); "1" makes it wrap the line instead. Word
    # lays out the same either way (its default is on).
    _put(normal.element.get_or_add_pPr(), _el("w:overflowPunct", **{"w:val": "1"}))
    _paragraph_style(doc, STYLE_TITLE, fonts.title, TITLE_PT, fonts, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    title = doc.styles[STYLE_TITLE]
    title.paragraph_format.space_after = Pt(BODY_PT * 2)  # one blank 3号 line before the body
    title.paragraph_format.line_spacing = Pt(36)
    _paragraph_style(doc, STYLE_H1, fonts.heading1, BODY_PT, fonts, first_chars=2, outline=0)
    _paragraph_style(doc, STYLE_H2, fonts.heading2, BODY_PT, fonts, first_chars=2, outline=1)
    for name in (STYLE_H1, STYLE_H2):
        doc.styles[name].paragraph_format.keep_with_next = True
    _paragraph_style(doc, STYLE_TABLE, fonts.table, TABLE_PT, fonts, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    _paragraph_style(doc, STYLE_TABLE_SMALL, fonts.table, SMALL_TABLE_PT, fonts, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False,
                     base=STYLE_TABLE)
    sign = _paragraph_style(doc, STYLE_SIGN, fonts.body, BODY_PT, fonts, align=WD_ALIGN_PARAGRAPH.RIGHT)
    # GB/T 9704 7.3.5: the renderer sets each line's right indent from the name's and the date's lengths
    _put(sign.element.get_or_add_pPr(), _el("w:ind", **{"w:right": str(2 * BODY_PT * 20), "w:firstLine": "0", "w:firstLineChars": "0"}))
    draft = _paragraph_style(doc, STYLE_DRAFT, fonts.heading1, 12, fonts, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False, bold=True)
    draft.font.color.rgb = None

    draft.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    for name in ("Header", "Footer"):
        if name in [s.name for s in doc.styles]:
            st = doc.styles[name]
            st.paragraph_format.first_line_indent = Pt(0)
            _put(st.element.get_or_add_pPr(), _el("w:ind", **{"w:firstLine": "0", "w:firstLineChars": "0"}))


def _page_setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(PAGE_W), Twips(PAGE_H)
    section.top_margin, section.bottom_margin = Twips(MARGINS["top"]), Twips(MARGINS["bottom"])
    section.left_margin, section.right_margin = Twips(MARGINS["left"]), Twips(MARGINS["right"])
    section.header_distance = Twips(851)
    section.footer_distance = Twips(FOOTER_DISTANCE)
    section.start_type = WD_SECTION.NEW_PAGE
    doc.settings.odd_and_even_pages_header_footer = True
    # GB/T 9704 5.2.3: 22 lines a page (the body's exact 28.95 pt spacing) of 28 characters (CHAR_SPACING in
    # the body style). The pitch is recorded without switching a grid on: a line grid would also snap every
    # table line to 28.95 pt.
    sect_pr = section._sectPr
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    sect_pr.append(_el("w:docGrid", **{"w:linePitch": str(LINE_EXACT)}))


def _page_number(paragraph: Paragraph, fonts: Fonts) -> None:
    """"— 1 —" with a complete PAGE field (begin, instrText, separate, result, end)."""
    def run(text: str | None = None, fld: str | None = None, instr: str | None = None) -> Run:
        r = paragraph.add_run()
        r.font.size = Pt(PAGE_NO_PT)
        _fonts(r._r.get_or_add_rPr(), fonts.page_number, fonts.page_number)
        if text is not None:
            r.text = text
        if fld:
            r._r.append(_el("w:fldChar", **{"w:fldCharType": fld}))
        if instr:
            it = _el("w:instrText")
            it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            it.text = instr
            r._r.append(it)
        return r

    run("— ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" —")


def _footers(doc: DocxDocument, fonts: Fonts) -> None:
    section = doc.sections[0]
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        # 1 字 (of the 4号 page number) in from the edge of the text block.
        _put(p._p.get_or_add_pPr(), _el("w:ind", **{f"w:{side}": str(PAGE_NO_PT * 20), "w:firstLine": "0"}))
        _page_number(p, fonts)
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.style = doc.styles[STYLE_DRAFT]
        p.add_run("{% if draft %}草稿：校验未通过，不得发布{% endif %}")


def _tbl_borders(tbl: DocxTable, cell_margin: int = CELL_MARGIN) -> None:
    tblPr = tbl._tbl.tblPr
    borders = _el("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{edge}", **{"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "000000"}))
    _put(tblPr, borders)
    _put(tblPr, _el("w:tblLayout", **{"w:type": "fixed"}))
    mar = _el("w:tblCellMar")
    for edge in ("left", "right"):
        mar.append(_el(f"w:{edge}", **{"w:w": str(cell_margin), "w:type": "dxa"}))
    _put(tblPr, mar)
    _put(tblPr, _el("w:jc", **{"w:val": "center"}))


def column_widths(table: Table) -> list[int]:
    """Twips per grid column, from the form's layout hints ("*" takes the rest); they add up to the text
    width. Without hints the columns share it equally."""
    hints = table.layout.word_widths
    if not hints:
        n = table.ncols
        return [TEXT_W // n] * (n - 1) + [TEXT_W - TEXT_W // n * (n - 1)]
    fixed = sum(w for w in hints if isinstance(w, int))
    return [w if isinstance(w, int) else TEXT_W - fixed for w in hints]


def cell_text(table: Table, ref: str, var: str) -> str:
    if ref in table.labels:
        return table.labels[ref]
    if ref in table.numeric:
        return "{{ " + f"{var}.{ref}" + " }}"
    return ""


def add_form_table(doc: DocxDocument, table: Table, var: str) -> None:
    widths = column_widths(table)
    t = doc.add_table(rows=table.nrows, cols=table.ncols)
    _tbl_borders(t, table.layout.cell_margin if table.layout.cell_margin is not None else CELL_MARGIN)
    _put(t._tbl.tblPr, _el("w:tblW", **{"w:w": str(sum(widths)), "w:type": "dxa"}))
    grid = t._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths):
        gc.set(qn("w:w"), str(w))
    header_rows = table.header_rows()
    for r_idx, row in enumerate(t.rows, start=1):
        trPr = row._tr.get_or_add_trPr()
        trPr.append(_el("w:cantSplit"))
        if table.layout.repeat_header and r_idx <= header_rows:
            trPr.append(_el("w:tblHeader"))  # repeat the column headers when a long table crosses a page
        for c_idx, cell in enumerate(row.cells, start=1):
            cell.width = Twips(widths[c_idx - 1])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            ref = f"{_col(c_idx)}{r_idx}"
            p = cell.paragraphs[0]
            p.style = doc.styles[STYLE_TABLE_SMALL if table.layout.font_pt == SMALL_TABLE_PT else STYLE_TABLE]
            lines = table.layout.breaks.get(ref) or (cell_text(table, ref, var),)
            for i, line in enumerate(lines):
                if line:
                    run = p.add_run(line)
                    if i < len(lines) - 1:
                        run.add_break()  # a whole word on each line (the form's layout hints)
            if table.layout.row_labels_left and ref in table.labels and r_idx > header_rows and _is_row_label(table, ref):
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    # Keep every table on one page when it fits (every row but the last keeps with the next): the table
    # and its heading move to the next page together rather than leave a few rows behind. A table longer
    # than a page (a restyled template, larger type) breaks between rows (cantSplit) with its header
    # repeated.
    keep = len(t.rows) - 1
    for row in t.rows[:keep]:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True
    for m in table.merges:
        r1, c1, r2, c2 = parse_range(m)
        a = t.cell(r1 - 1, c1 - 1)
        b = t.cell(r2 - 1, c2 - 1)
        merged = a.merge(b)
        # python-docx appends the merged cells' empty paragraphs; keep only the label's.
        for extra in merged.paragraphs[1:]:
            if not extra.text:
                extra._p.getparent().remove(extra._p)
        merged.width = Twips(sum(widths[c1 - 1:c2]))


def _is_row_label(table: Table, ref: str) -> bool:
    """Long row labels read better left-aligned; the vertical group labels stay centred."""
    r1, c1, r2, c2 = parse_range(table.merge_at(ref) or ref)
    return c2 > c1 or c1 == 3 or (c1 == 2 and r1 == r2)


def _col(i: int) -> str:
    return index_to_col(i)


def _para(doc: DocxDocument, text: str, style: str) -> Paragraph:
    p = doc.add_paragraph(style=doc.styles[style])
    if text:
        p.add_run(text)
    return p


def _loop(doc: DocxDocument, var: str, items: str, style: str, keep_with_next: bool = False) -> None:
    _para(doc, "{%p for " + var + " in " + items + " %}", style)
    _para(doc, "{{ " + var + " }}", style).paragraph_format.keep_with_next = keep_with_next or None
    _para(doc, "{%p endfor %}", style)


def _blocks(doc: DocxDocument, items: str) -> None:
    """A narrative: blocks of an optional numbered sub-heading and paragraphs."""
    _para(doc, "{%p for b in " + items + " %}", STYLE_BODY)
    _para(doc, "{%p if b.heading %}", STYLE_BODY)
    _para(doc, "{{ b.heading }}", STYLE_H2)
    _para(doc, "{%p endif %}", STYLE_BODY)
    _loop(doc, "p", "b.paragraphs", STYLE_BODY)
    _para(doc, "{%p endfor %}", STYLE_BODY)


def _same(a: Table, b: Table) -> bool:
    return (a.labels, a.merges, a.numeric) == (b.labels, b.merges, b.numeric)




APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>nianbao</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
    "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    "</Properties>"
)


# What Word or WPS shows for an official font a machine lacks (the font table's w:altName)
FALLBACKS = {"仿宋_GB2312": "仿宋", "方正仿宋_GBK": "仿宋", "仿宋": "FangSong", "方正小标宋简体": "宋体", "方正小标宋_GBK": "宋体",
             "黑体": "SimHei", "楷体_GB2312": "楷体", "楷体": "KaiTi", "宋体": "SimSun"}
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _tidy_package(doc: Any, fonts: Fonts) -> None:
    """What python-docx's blank document carries that a Chinese government document must not: about 100
    table styles nobody uses (and their Word 2010 copy), Japanese as the theme's East Asian language and
    fonts, a font table without the document's own fonts, and a blank thumbnail."""
    used = {el.get(qn("w:val")) for el in doc.element.body.iter(qn("w:tblStyle"))}
    for st in list(doc.styles.element.findall(qn("w:style"))):
        if st.get(qn("w:type")) == "table" and st.get(qn("w:default")) != "1" and st.get(qn("w:styleId")) not in used:
            doc.styles.element.remove(st)
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/theme"):
            theme = etree.fromstring(rel.target_part.blob)
            for scheme, face in (("majorFont", fonts.title), ("minorFont", fonts.body)):
                for group in theme.iter(f"{_A}{scheme}"):
                    group.find(f"{_A}ea").set("typeface", face)
                    for font in list(group.findall(f"{_A}font")):
                        if font.get("script") == "Jpan":
                            group.remove(font)
                        elif font.get("script") == "Hans":
                            font.set("typeface", face)
            rel.target_part._blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)
        elif rel.reltype.endswith("/fontTable"):
            table = etree.fromstring(rel.target_part.blob)
            for font in list(table.findall(qn("w:font"))):  # the Japanese faces (Shift-JIS) of the blank document
                charset = font.find(qn("w:charset"))
                if charset is not None and charset.get(qn("w:val")) == "80":
                    table.remove(font)
            have = {f.get(qn("w:name")) for f in table.findall(qn("w:font"))}
            for name in dict.fromkeys((fonts.body, fonts.title, fonts.heading1, fonts.heading2, fonts.table, fonts.page_number)):
                if name in have:
                    continue
                font = etree.SubElement(table, qn("w:font"), {qn("w:name"): name})
                if name in FALLBACKS:
                    etree.SubElement(font, qn("w:altName"), {qn("w:val"): FALLBACKS[name]})
                etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})  # GB2312
                etree.SubElement(font, qn("w:family"), {qn("w:val"): "modern" if name != fonts.heading1 else "swiss"})
                etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "fixed"})
            rel.target_part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rid)
    # the title's figures ("2024年") in the title's own face, not the Latin one
    title_fonts = doc.styles[STYLE_TITLE].element.get_or_add_rPr().find(qn("w:rFonts"))
    if title_fonts is not None:
        title_fonts.set(qn("w:ascii"), fonts.title)
        title_fonts.set(qn("w:hAnsi"), fonts.title)


def build_doc_template(fonts: Fonts = Fonts()) -> bytes:
    forms: list[Form] = [load_form("2021"), load_form("2019")]
    primary = forms[0]
    for other in forms[1:]:
        assert [s.heading for s in other.sections] == [s.heading for s in primary.sections], "forms differ in headings"
    doc = Document()
    _page_setup(doc)
    _setup_styles(doc, fonts)
    _footers(doc, fonts)
    body = doc.element.body
    for p in list(body.findall(qn("w:p"))):
        body.remove(p)

    _para(doc, "{{ title }}", STYLE_TITLE)
    _loop(doc, "p", "opening", STYLE_BODY)
    for sec in primary.sections:
        _para(doc, sec.heading, STYLE_H1)
        if sec.table is None:
            _blocks(doc, NARRATIVE_VARS[sec.no])
            continue
        var = TABLE_VARS[sec.table]
        # sentences derived from the table (自动生成数据说明), kept on the page of the table they describe
        _loop(doc, "p", f"auto.{var}", STYLE_BODY, keep_with_next=True)
        variants = [(f.id, f.tables[sec.table]) for f in forms]
        if all(_same(variants[0][1], t) for _, t in variants[1:]):
            add_form_table(doc, variants[0][1], var)
            continue
        for i, (form_id, table) in enumerate(variants):
            _para(doc, ("{%p if " if i == 0 else "{%p elif ") + f"form_id == '{form_id}' %}}", STYLE_BODY)
            add_form_table(doc, table, var)
        _para(doc, "{%p endif %}", STYLE_BODY)
    _para(doc, "", STYLE_BODY)
    _para(doc, "{{ agency }}", STYLE_SIGN)
    _para(doc, "{{ date }}", STYLE_SIGN)
    _para(doc, "{%p if draft %}", STYLE_BODY)
    _para(doc, "附：校验发现的问题（草稿，修改后重新生成）", STYLE_H1)
    _loop(doc, "f", "findings", STYLE_BODY)
    _para(doc, "{%p endif %}", STYLE_BODY)

    _tidy_package(doc, fonts)
    props = doc.core_properties
    props.title = "政府信息公开工作年度报告模板"
    props.author = "nianbao"
    props.comments = "由 nianbao doc-template 生成；可在 Word/WPS 中修改样式后用 --doc-template 使用"
    for part in doc.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":  # python-docx's own says "Microsoft Macintosh Word"
            part._blob = APP_XML.encode("utf-8")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

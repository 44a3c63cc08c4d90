"""A large table (hundreds of thousands of rows) as an .xlsx, written as SpreadsheetML directly.

openpyxl builds a cell object for every value: 4 million cells of open data took a minute. A long table's
texts repeat (the same labels on every unit's rows), so the file keeps each text once (shared strings) and
writes rows as plain XML: the same workbook Excel, WPS and LibreOffice open, in a fraction of the time and
size. Only what a data table needs: one bold header row kept in view, column widths, texts and numbers.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '{sheets}'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '</Relationships>')
_STYLES = (  # 0: normal; 1: bold, grey fill (the header row)
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="宋体"/></font><font><b/><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


@dataclass
class Sheet:
    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[float] = ()  # in Excel's character units, per column


class _Strings:
    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def cell(self, text: str, ref: str, style: str = "") -> str:
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.index)
        self.count += 1
        return f'<c r="{ref}" t="s"{style}><v>{i}</v></c>'

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{escape(_INVALID.sub("", s))}</t></si>' for s in self.index)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<sst {_NS} count="{self.count}" uniqueCount="{len(self.index)}">{items}</sst>')


def _number(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return repr(value)
    return None


def _sheet_xml(sheet: Sheet, strings: _Strings) -> str:
    letters = [get_column_letter(c + 1) for c in range(len(sheet.header))]
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', f"<worksheet {_NS}>",
           f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="{letters[0]}2" activePane="bottomLeft" '
           'state="frozen"/></sheetView></sheetViews>']
    if sheet.widths:
        out.append("<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                                      for i, w in enumerate(sheet.widths, start=1)) + "</cols>")
    out.append("<sheetData>")
    out.append('<row r="1">' + "".join(strings.cell(h, f"{letters[c]}1", ' s="1"') for c, h in enumerate(sheet.header)) + "</row>")
    r = 1
    for row in sheet.rows:
        r += 1
        cells = []
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            number = _number(value)
            if number is not None:
                cells.append(f'<c r="{letters[c]}{r}"><v>{number}</v></c>')
            else:
                text = ("是" if value else "否") if isinstance(value, bool) else str(value)
                cells.append(strings.cell(text, f"{letters[c]}{r}"))
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one .xlsx: a bold header row each, frozen below it; ints and Decimals as numbers,
    booleans as 是/否, everything else as text."""
    strings = _Strings()
    bodies = [_sheet_xml(s, strings) for s in sheets]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for i in range(1, len(sheets) + 1))
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES.replace("{sheets}", overrides))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        sheet_list = "".join(f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, start=1))
        zf.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f"<workbook {_NS}><sheets>{sheet_list}</sheets></workbook>")
        n = len(sheets)
        rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                       f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
        rels += (f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                 f'Target="sharedStrings.xml"/><Relationship Id="rId{n + 2}" '
                 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, body in enumerate(bodies, start=1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", body)
        zf.writestr("xl/sharedStrings.xml", strings.xml())
        zf.writestr("xl/styles.xml", _STYLES)
    return buf.getvalue()

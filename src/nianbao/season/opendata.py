"""The figures of every unit of one or more seasons as open data: one long table, one row a unit × year ×
table × row × column with the form's label path and the value, in CSV and xlsx; the units and the form's
cells as two more tables; and a Frictionless Data Package (datapackage.json) that describes all three —
the data dictionary a reader needs and a validator checks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from nianbao.conversion import FEES_KEY
from nianbao.files import atomic_write_bytes
from nianbao.form.model import FORM_IDS, Form, NumKind, Table, load_form
from nianbao.output.charts import overview_page
from nianbao.season.bigsheet import Sheet, xlsx_bytes
from nianbao.season.overview import overview_rows
from nianbao.season.status import STATUSES
from nianbao.season.units import Units
from nianbao.workbook import layout as L

PACKAGE, FIGURES_CSV, FIGURES_XLSX, UNITS_CSV, CELLS_CSV, OVERVIEW = (
    "datapackage.json", "figures.csv", "figures.xlsx", "units.csv", "cells.csv", "概览.html")
FEES_TITLE = "六、其他需要报告的事项（信息处理费）"


@dataclass(frozen=True)
class Column:
    name: str  # the CSV header and the package's field name
    title: str  # Chinese, the xlsx header
    type: str  # Table Schema type
    description: str


FIGURE_COLUMNS = (
    Column("unit", "单位", "string", "报送单位的全称（报送名单中的写法）"),
    Column("unit_type", "机关类型", "string", "人民政府、政府部门、乡镇街道或政府办公厅（室）"),
    Column("parent", "上级", "string", "报送名单中所填的上级单位，未填为空"),
    Column("year", "年度", "integer", "报告年度"),
    Column("form", "表格格式", "string", "国家规定的表格格式版本：2021 或 2019"),
    Column("table", "表格", "string", "table2、table3、table4（第二、三、四部分的统计表）或 fees（第六部分的信息处理费）"),
    Column("cell", "格", "string", "该数字在国家格式表格中的位置（相对表格左上角，如 D4）"),
    Column("sheet_cell", "工作簿位置", "string", "该数字在填报工作簿中的位置（工作表!单元格）"),
    Column("row_label", "项目", "string", "该格左侧的行标签，自外向内用“ / ”连接，与国家格式逐字一致"),
    Column("column_label", "栏目", "string", "该格上方的列标题，自上而下用“ / ”连接"),
    Column("is_total", "是否合计", "boolean", "该格是否为其他格之和（总计、合计）"),
    Column("value", "数值", "number", "单位报送的数字"),
    Column("measure", "计量单位", "string", "件、万元或元"),
    Column("status", "检查结果", "string", "ok：检查通过；errors：工作簿有错误（数字照录，使用时请注意）"),
)
UNIT_COLUMNS = (
    Column("unit", "单位", "string", "报送单位的全称"),
    Column("unit_type", "机关类型", "string", "机关类型"),
    Column("parent", "上级", "string", "上级单位"),
    Column("year", "年度", "integer", "报告年度"),
    Column("status", "报送情况", "string", "ok 通过、errors 有错误、unreadable 无法读取、wrong_year 年度不符、not_submitted 未报送"),
    Column("status_label", "报送情况（中文）", "string", "报送情况的中文说法"),
    Column("rows", "数字行数", "integer", "该单位该年度在 figures 表中的行数（未报送或无法读取为 0）"),
    Column("source", "文件", "string", "计入的文件（收到时的名称）"),
)
CELL_COLUMNS = (
    Column("form", "表格格式", "string", "国家规定的表格格式版本"),
    Column("table", "表格", "string", "table2、table3、table4 或 fees"),
    Column("table_title", "表格标题", "string", "该部分的标题，与国家格式一致"),
    Column("cell", "格", "string", "在国家格式表格中的位置"),
    Column("sheet_cell", "工作簿位置", "string", "在填报工作簿中的位置"),
    Column("row_label", "项目", "string", "行标签"),
    Column("column_label", "栏目", "string", "列标题"),
    Column("kind", "数字类型", "string", "int_ge0 非负整数；decimal_ge0 非负数（可有小数）；int_signed 整数（可为负）"),
    Column("is_total", "是否合计", "boolean", "是否为其他格之和"),
    Column("parts", "合计的组成", "string", "合计格由哪些格相加（格之间用空格分隔），非合计为空"),
    Column("measure", "计量单位", "string", "件、万元或元"),
)


@dataclass(frozen=True)
class CellInfo:
    form: str
    table: str
    cell: str
    sheet_cell: str
    row_label: str
    column_label: str
    kind: str
    is_total: bool
    parts: str
    measure: str
    title: str


def _measure(labels: Sequence[str], kind: NumKind) -> str:
    for text in labels:
        m = re.search(r"（(?:单位：)?(万元|元|件)）", text)
        if m:
            return m.group(1)
    return "万元" if kind is NumKind.DECIMAL_GE0 else "件"


def form_cells(form: Form) -> list[CellInfo]:
    """Every figure of the form, as the data dictionary describes it."""
    out: list[CellInfo] = []
    titles = {s.table: s.heading for s in form.sections if s.table}
    for name, table in form.tables.items():
        out += [_table_cell(form, name, table, ref, kind, titles[name]) for ref, kind in table.numeric.items()]
    if form.fees_in_six:
        for f in L.FEE_FIELDS:
            kind = NumKind.INT_GE0 if f.kind == "int" else NumKind.DECIMAL_GE0
            out.append(CellInfo(form.id, FEES_KEY, f.key, f"{L.SHEET_OTHER}!B{L.field_row(L.SECTION6_FIELDS, f.key)}",
                                re.sub(r"（[^）]*）$", "", f.label), "", kind.value, False, "", _measure([f.label], kind), FEES_TITLE))
    return out


def _table_cell(form: Form, name: str, table: Table, ref: str, kind: NumKind, title: str) -> CellInfo:
    rows, cols = table.label_path(ref)
    parts = table.totals.get(ref, ())
    return CellInfo(form.id, name, ref, f"{L.TABLE_SHEETS[name]}!{L.to_sheet(ref)}", " / ".join(rows), " / ".join(cols),
                    kind.value, bool(parts), " ".join(parts), _measure(rows + cols, kind), title)


def _figure_rows(seasons: Sequence[Units]) -> Iterator[list[Any]]:
    cells = {fid: form_cells(load_form(fid)) for fid in FORM_IDS}
    for units in seasons:
        for unit in units.units:
            if unit.status not in ("ok", "errors") or not unit.figures:
                continue
            for info in cells.get(unit.form or "2021", []):
                text = unit.figures.get(info.table, {}).get(info.cell)
                if text is None:
                    continue
                yield [unit.name, unit.kind, unit.parent, unit.year or units.year, info.form, info.table, info.cell, info.sheet_cell, info.row_label, info.column_label, info.is_total, Decimal(text),
                       info.measure, unit.status]


def _csv(columns: Sequence[Column], rows: Iterator[list[Any]] | list[list[Any]]) -> tuple[bytes, int]:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c.name for c in columns])
    n = 0
    for row in rows:
        w.writerow([_text(v) for v in row])
        n += 1
    return buf.getvalue().encode("utf-8"), n


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return "" if value is None else str(value)


def _xlsx(columns: Sequence[Column], rows: list[list[Any]]) -> bytes:
    """The long table for people in Excel: Chinese headers, the field names on a second sheet."""
    widths = {"unit": 28, "row_label": 40, "column_label": 30, "sheet_cell": 14}
    return xlsx_bytes([
        Sheet("数字", [c.title for c in columns], rows, [widths.get(c.name, 10) for c in columns]),
        Sheet("字段说明", ["列", "字段名（CSV）", "类型", "说明"], [[c.title, c.name, c.type, c.description] for c in columns],
              [14, 16, 10, 80]),
    ])


def _schema(columns: Sequence[Column], key: list[str] | None = None, foreign: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    fields = []
    for c in columns:
        f: dict[str, Any] = {"name": c.name, "title": c.title, "type": c.type, "description": c.description}
        if c.type == "boolean":
            f["trueValues"], f["falseValues"] = ["true"], ["false"]
        if c.name in ("unit", "year", "form", "table", "cell") and c in FIGURE_COLUMNS:
            f["constraints"] = {"required": True}
        fields.append(f)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if key:
        schema["primaryKey"] = key
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def _resource(name: str, path: str, title: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "path": path, "title": title, "description": description, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": schema}


@dataclass
class Export:
    rows: int
    units: int  # unit-years with figures
    without: int  # unit-years without (not submitted, unreadable, another year)
    years: list[int]
    files: list[Path]


def export(seasons: Sequence[Units], outdir: Path) -> Export:
    """Write the package into outdir: figures.csv (and .xlsx), units.csv, cells.csv, datapackage.json."""
    order = {(c.form, c.table, c.cell): i for fid in FORM_IDS for i, c in enumerate(form_cells(load_form(fid)))}
    figures = sorted(_figure_rows(seasons), key=lambda r: (r[3], r[0], order[(r[4], r[5], r[6])]))
    per_unit: dict[tuple[str, int], int] = {}
    for r in figures:
        per_unit[(r[0], r[3])] = per_unit.get((r[0], r[3]), 0) + 1
    units: list[list[Any]] = [[u.name, u.kind, u.parent, u.year or s.year, u.status, STATUSES.get(u.status, u.status),
              per_unit.get((u.name, u.year or s.year), 0), u.source] for s in seasons for u in s.units]
    units.sort(key=lambda r: (r[3], r[0]))
    dupes = [key for key, n in Counter((r[0], r[3]) for r in units).items() if n > 1]
    if dupes:
        raise ValueError(f"同一单位同一年度出现在多个来源中：{'、'.join(f'{n} {y}' for n, y in sorted(dupes)[:5])}")
    cells = [[c.form, c.table, c.title, c.cell, c.sheet_cell, c.row_label, c.column_label, c.kind, c.is_total, c.parts, c.measure]
             for fid in FORM_IDS for c in form_cells(load_form(fid))]
    years: list[int] = sorted({r[3] for r in units})
    figures_csv, n = _csv(FIGURE_COLUMNS, figures)
    files = {FIGURES_CSV: figures_csv, UNITS_CSV: _csv(UNIT_COLUMNS, units)[0], CELLS_CSV: _csv(CELL_COLUMNS, cells)[0],
             FIGURES_XLSX: _xlsx(FIGURE_COLUMNS, figures)}
    package = {
        "profile": "tabular-data-package",
        "name": "nianbao-figures",
        "title": "政府信息公开工作年度报告统计数字（各单位）",
        "description": f"{'、'.join(map(str, years))}年度各单位政府信息公开工作年度报告第二、三、四部分统计表和第六部分信息处理费的全部数字，"
                       "每个数字一行（单位 × 年度 × 表格 × 行 × 列）；表格的行列标签与国家规定的格式逐字一致（cells.csv）。"
                       f"同样的数字另有 Excel 版 {FIGURES_XLSX}。由 nianbao 从各单位报送的填报工作簿生成。",
        "created": _now(),
        "resources": [
            _resource("figures", FIGURES_CSV, "各单位的统计数字", "每个数字一行", _schema(
                FIGURE_COLUMNS, ["unit", "year", "table", "cell"],
                [{"fields": ["form", "table", "cell"], "reference": {"resource": "cells", "fields": ["form", "table", "cell"]}}])),
            _resource("units", UNITS_CSV, "单位", "每个单位每个年度一行，含未报送的单位", _schema(UNIT_COLUMNS, ["unit", "year"])),
            _resource("cells", CELLS_CSV, "数据字典：国家格式中的每一格", "每个表格格式中每个数字格一行",
                      _schema(CELL_COLUMNS, ["form", "table", "cell"])),
        ],
    }
    files[PACKAGE] = json.dumps(package, ensure_ascii=False, allow_nan=False, indent=2).encode("utf-8")
    files[OVERVIEW] = _overview(seasons).encode("utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        atomic_write_bytes(outdir / name, data)
    return Export(n, len(per_unit), len(units) - len(per_unit), years, [outdir / name for name in files])


def _overview(seasons: Sequence[Units]) -> str:
    """The latest year's key figures, the region's and each unit's, against the year before when given."""
    latest = max(seasons, key=lambda s: s.year)
    before = next((s for s in seasons if s.year == latest.year - 1), None)
    years = (latest.year, before.year if before else None)
    return overview_page(f"{latest.year}年度政府信息公开工作年度报告主要数字", overview_rows(latest, before), years,
                         f"数字来自各单位报送的填报工作簿；全部数字见 {FIGURES_CSV}（{FIGURES_XLSX}）。"
                         "占比的括号内为两个件数。")


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")

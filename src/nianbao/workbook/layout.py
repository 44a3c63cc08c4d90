"""Where things live in the input workbook: shared by the template writer and the loader.

Table cells of the form description are relative to each table's top-left; on its sheet a table starts
at row TABLE_TOP, so form cell D4 of table 3 is 依申请公开!D6. Nothing else knows that offset.
"""

from __future__ import annotations

from dataclasses import dataclass

from nianbao.form.cells import cell_ref, parse_cell, shift
from nianbao.form.model import Form, Table

TEMPLATE_VERSION = "1"
MARKER_SHEET = "_nianbao"  # very hidden; holds the template version and the form
MARKER_TAG = "nianbao-template"

SHEET_GUIDE = "填报说明"
SHEET_META = "基本信息"
SHEET_GENERAL = "总体情况"  # section 一
SHEET_PROBLEMS = "问题及改进"  # section 五
SHEET_OTHER = "其他事项"  # section 六
SHEET_NOTES = "说明"  # warnings the clerk acknowledges, with a reason (optional sheet)
SHEET_LAST_YEAR = "上年报告原文"  # template --from: last year's text, for reference only (optional sheet)
# nianbao region: which units the region's figures sum, and each unit's figures (protected, never read)
SHEET_REGION_UNITS, SHEET_REGION_FIGURES = "汇总单位", "各单位数字"
LAST_YEAR_NOTE = "← 上年"  # template --from: a note beside a figure cell, e.g. last year's 现行有效件数
NOTES_HEADER_ROW = 3
NOTES_ROWS = 50
NOTES_COLUMNS = ("问题代码", "位置（工作表!单元格）", "理由")
TABLE_SHEETS = {"table2": "主动公开", "table3": "依申请公开", "table4": "复议诉讼"}

TABLE_TOP = 3  # the table's own row 1 is this sheet row (row 1 title, row 2 hint)
SCAN_ROWS = 1000  # rows of a sheet read cell by cell; below them content is only counted (no layout reaches so far)
CHECK_GAP = 2  # rows between the table's last row and the 勾稽 indicator


def sheet_order(form: Form) -> list[str]:
    """Sheets in the order of the report, after the guide and the metadata."""
    order = [SHEET_GUIDE, SHEET_META]
    for sec in form.sections:
        order.append(TABLE_SHEETS[sec.table] if sec.table else NARRATIVE_SHEETS[sec.no])
    return order


def to_sheet(ref: str) -> str:
    """Form cell (relative to the table) -> sheet cell."""
    return shift(ref, rows=TABLE_TOP - 1)


def indicator_range(table: Table) -> str:
    """Where the live 勾稽 indicator sits: under the table, merged across the figure columns
    (never column A, which holds its label)."""
    first_col = max(2, min(parse_cell(c)[1] for c in table.numeric))
    row = TABLE_TOP + table.nrows - 1 + CHECK_GAP
    return f"{cell_ref(row, first_col)}:{cell_ref(row, table.ncols)}"


def indicator_cell(table: Table) -> str:
    return indicator_range(table).split(":")[0]


@dataclass(frozen=True)
class Field:
    """A labelled input in a two-column sheet (label in A, value in B, hint in C)."""

    key: str
    label: str
    required: bool
    hint: str
    kind: str = "text"  # text | int | decimal | date | choice
    choices: tuple[str, ...] = ()
    default: str | int | None = None


# 政府办公厅（室） publishes its government's report and may show the government's 规章 (2019 and 2021 forms).
AGENCY_TYPES = ("人民政府", "政府部门", "乡镇街道", "政府办公厅（室）")
FIELD_TOP = 3  # first field row (row 1 title, row 2 column headers)

META_FIELDS: tuple[Field, ...] = (
    Field("agency", "机关全称", True, "写全称，如“××县××镇人民政府”，将用于标题和落款"),
    Field("agency_type", "机关类型", True, "从下拉列表选择", "choice", AGENCY_TYPES),
    Field("year", "报告年度", True, "报告所统计的年份，如 2024", "int"),
    Field("form", "表格格式", True, "2021 年及以后的年度用 2021 版格式", "choice", ("2021", "2019")),
    Field("date", "落款日期", True, "成文日期，如 2025年1月2日", "date"),
    Field("url", "网址", False, "可不填：报告电子版的查阅网址"),
    Field("contact_unit", "联系单位", False, "可不填：受理咨询的单位，如“××镇党政办公室”"),
    Field("contact_address", "联系地址", False, "可不填"),
    Field("contact_postcode", "邮政编码", False, "可不填"),
    Field("contact_phone", "联系电话", False, "可不填"),
    Field("auto_text", "自动生成数据说明", False, "是：在第二、三、四部分的表格前加一段由表格数字生成的文字（默认）；否：不加",
          "choice", ("是", "否"), default="是"),
    Field("seal", "落款加盖印章", False, "否：不加盖印章的落款格式（默认）；是：打印后加盖印章，成文日期右空四字、机关名称居中于日期之上",
          "choice", ("是", "否"), default="否"),
)

# Section 六 under the 2021 form: the 信息处理费 figures, then the items the form asks about.
FEE_FIELDS: tuple[Field, ...] = (
    Field("fee_notices", "发出信息处理费收费通知（件）", True, "没有填 0", "int", default=0),
    Field("fee_billed", "应收信息处理费金额（元）", True, "没有填 0", "decimal", default=0),
    Field("fee_collected", "实际收取信息处理费金额（元）", True, "没有填 0", "decimal", default=0),
)
OTHER_FIELDS: tuple[Field, ...] = (
    Field("key_points", "落实上级年度政务公开工作要点情况", False, "可分段填写（单元格内 Alt+Enter 换段）"),
    Field("proposals", "人大代表建议和政协委员提案办理结果公开情况", False, "可分段填写"),
    Field("innovation", "年度政务公开工作创新情况", False, "可分段填写"),
    Field("other", "其他需要报告的事项", False, "没有可填“无其他需要报告的事项。”"),
)
SECTION6_FIELDS = FEE_FIELDS + OTHER_FIELDS


def field_row(fields: tuple[Field, ...], key: str) -> int:
    for i, f in enumerate(fields):
        if f.key == key:
            return FIELD_TOP + i
    raise KeyError(key)


@dataclass(frozen=True)
class NarrativeSheet:
    """A list of (小标题, 正文) rows: section 一 and 五."""

    section: str
    sheet: str
    presets: tuple[str, ...]  # 小标题 pre-filled in the blank workbook
    hint: str


LIST_HEADER_ROW = 3  # column headers 小标题 / 正文
LIST_FIRST_ROW = 4
LIST_ROWS = 100  # input rows per narrative sheet

NARRATIVE_LISTS: tuple[NarrativeSheet, ...] = (
    NarrativeSheet(
        "一",
        SHEET_GENERAL,
        ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障"),
        "每行一个小标题及其正文；第一行小标题留空即为导语。编号（一）（二）……由程序自动加，"
        "不要手工输入。正文内可用 Alt+Enter 分段。可改名、增加或删除行。",
    ),
    NarrativeSheet(
        "五",
        SHEET_PROBLEMS,
        ("存在的主要问题", "改进情况"),
        "先写本年度存在的主要问题，再写改进措施；不需要小标题时把小标题清空。正文内可用 Alt+Enter 分段。",
    ),
)
NARRATIVE_SHEETS = {n.section: n.sheet for n in NARRATIVE_LISTS} | {"六": SHEET_OTHER}
LIST_COLUMNS = ("小标题", "正文")

# Every sheet nianbao writes (the workbook's, the annotated copy's 校验结果, 汇总.xlsx) has its title in the
# first cell and, where it has one, a hint below it, merged across the sheet's columns.
TITLE_CELL = "A1"
HINT_CELL = "A2"
# The very hidden marker sheet: the tag and the template version in row 1, "form" and the form id in row 2.
MARKER_TAG_CELL, MARKER_VERSION_CELL = "A1", "B1"
MARKER_FORM_LABEL_CELL, MARKER_FORM_CELL = "A2", "B2"


def hint_range(ncols: int) -> str:
    """The hint's merged range across the first ncols columns."""
    return f"{HINT_CELL}:{cell_ref(parse_cell(HINT_CELL)[0], ncols)}"

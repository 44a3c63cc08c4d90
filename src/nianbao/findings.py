"""Findings are data: a stable code, a level, a position in the user's terms, and a Chinese message."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from nianbao.form.cells import position


class Level(str, Enum):
    ERROR = "error"  # the report would be wrong: blocks the final document
    WARNING = "warning"  # probably wrong: a person should look; never blocks
    INFO = "info"  # what the program did on the clerk's behalf

    @property
    def zh(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


# Every code the checker can emit, with a short Chinese title. The README's code list is generated
# from this table, and a test fails if a finding uses a code that is not listed here.
CODES: dict[str, str] = {
    # the file itself
    "file-missing": "文件不存在",
    "file-empty": "文件为空",
    "file-too-large": "文件过大",
    "file-not-xlsx": "不是 .xlsx 工作簿",
    "file-encrypted-or-legacy": "旧版 .xls/.et 或加密工作簿",
    "file-corrupt": "工作簿已损坏，无法读取",
    "file-macro": "工作簿含宏",
    "file-unsafe": "工作簿含有不安全的内容",
    "file-limits": "读取超出时间或内存限制",
    "internal-error": "程序内部错误",
    # the template
    "template-unknown": "不是本工具的填报模板",
    "template-version": "模板版本不符",
    "sheet-missing": "工作表缺失",
    "label-changed": "表格标签被改动",
    "layout-shifted": "表格中插入了行，已按文字定位读取",
    "merge-broken": "合并单元格被拆分",
    "sheet-renamed": "工作表被改名",
    "sheet-hidden": "工作表被隐藏",
    "sheet-reordered": "工作表顺序被改动",
    "extra-sheet": "多出的工作表",
    "unexpected-content": "填报区域外有内容",
    # 基本信息
    "meta-missing": "基本信息未填写",
    "meta-invalid": "基本信息填写有误",
    "form-mismatch": "表格格式与模板不符",
    "form-year-mismatch": "表格格式与报告年度不符",
    "date-implausible": "落款日期可疑",
    "agency-name": "机关名称可能不是全称",
    # figures
    "value-blank": "数字单元格为空",
    "value-not-number": "不是数字",
    "value-negative": "不能为负数",
    "value-not-integer": "应为整数",
    "value-too-large": "数值过大",
    "value-normalized": "文本形式的数字已按数字读取",
    "value-formula": "公式已按计算结果读取",
    "value-rounded": "计算误差已按整数读取",
    "total-mismatch": "合计与分项之和不符",
    "balance-mismatch": "勾稽关系不成立",
    "plausibility": "数字关系不合常理",
    "regulation-nonzero": "不应有规章数据",
    "tables-all-zero": "统计表全部是模板的 0",
    # narrative
    "narrative-empty": "必填文字部分为空",
    "narrative-year": "文字中的年份与报告年度不符",
    "numbering-removed": "已去除手工编号",
    "heading-echo": "正文开头重复了小标题",
    "heading-is-text": "小标题栏里是正文",
    "narrative-placeholder": "文字栏只填了“/”“无”等符号",
    "text-placeholder": "文字中留有占位符",
    "text-jiezhi": "“截止”应为“截至”",
    "text-other-agency": "正文中有其他单位的名称",
    "text-section-heading": "正文中有报告的部分标题（整篇报告粘贴进来）",
    "text-repeated": "词语重复",
    "text-punctuation": "中文中用了半角标点",
    "text-spacing": "多余的空格",
    "text-enumeration": "“一是、二是”序号不连续或重复",
    "text-too-short": "总体情况过短",
    "text-supervision": "未说明考核、评议和责任追究",
    "other-unexplained": "“其他”处理未作说明",
    "narrative-figure": "正文中的数字与统计表不一致",
    "narrative-basis": "正文中的数字与统计表口径不同",
    "narrative-percent": "正文中的比例算不对",
    "narrative-claim": "正文中的说法与统计表不符",
    # across years (with --previous)
    "carryover-mismatch": "上年结转与上年报告不符",
    "valid-count-jump": "现行有效件数与上年对不上",
    "copied-text": "与上年报告内容雷同",
    "previous-year": "上年工作簿的年度不对",
    "previous-unreadable": "上年工作簿无法读取",
    "previous-agency": "上年工作簿是其他单位的",
    # acknowledgements (说明 sheet)
    "ack-error": "错误不能以说明代替修改",
    "ack-unused": "说明没有对应的警告",
    "text-cleaned": "已清理文字中的控制字符",
    "text-private-use": "文字中有造字，无法显示",
    # importing a published report
    "import-unplaced": "导入时没有找到的数字",
    "import-unknown-row": "导入时表格中有格式以外的行",
    "import-rebuilt": "导入的统计表没有表格线，按文字位置读取",
    "import-label-variant": "导入时表格标签与国家格式略有不同",
    "import-unit": "导入时金额已换算单位",
    "import-text-lost": "导入时有文字没有放进工作簿",
    "import-fee-unclear": "导入时收费情况没有读懂",
    # a region's report against its units (nianbao region, check --units)
    "region-sum-mismatch": "地区报告的数字与各单位之和不符",
    "region-units-missing": "有单位未计入各单位之和",
    "region-relation-broken": "各单位之和的勾稽关系不成立",
    # what only many published reports together show (nianbao audit)
    "audit-similar-previous": "与本单位上年报告雷同",
    "audit-similar-other": "与其他单位的报告雷同",
    "audit-duplicate": "同一份报告重复出现",
    "audit-same-tables": "统计表与其他单位逐格相同",
}

# The level a finding of each code has unless the call site has a reason to differ (a label changed in a
# narrative sheet's header row is only a warning: the sheet is still read by column).
LEVELS: dict[str, Level] = {
    "file-missing": Level.ERROR, "file-empty": Level.ERROR, "file-too-large": Level.ERROR, "file-not-xlsx": Level.ERROR,
    "file-encrypted-or-legacy": Level.ERROR, "file-corrupt": Level.ERROR, "file-macro": Level.WARNING, "file-unsafe": Level.ERROR,
    "file-limits": Level.ERROR, "internal-error": Level.ERROR, "template-unknown": Level.ERROR, "template-version": Level.ERROR,
    "sheet-missing": Level.ERROR, "label-changed": Level.ERROR, "layout-shifted": Level.WARNING, "merge-broken": Level.WARNING,
    "sheet-renamed": Level.WARNING, "sheet-hidden": Level.INFO, "sheet-reordered": Level.INFO, "extra-sheet": Level.WARNING,
    "unexpected-content": Level.WARNING, "meta-missing": Level.ERROR, "meta-invalid": Level.ERROR, "form-mismatch": Level.ERROR,
    "form-year-mismatch": Level.ERROR, "date-implausible": Level.WARNING, "agency-name": Level.WARNING, "value-blank": Level.ERROR,
    "value-not-number": Level.ERROR, "value-negative": Level.ERROR, "value-not-integer": Level.ERROR, "value-too-large": Level.ERROR,
    "value-normalized": Level.WARNING, "value-formula": Level.INFO, "value-rounded": Level.INFO, "total-mismatch": Level.ERROR, "balance-mismatch": Level.ERROR,
    "plausibility": Level.WARNING, "regulation-nonzero": Level.WARNING, "tables-all-zero": Level.WARNING, "narrative-empty": Level.ERROR, "narrative-year": Level.WARNING,
    "numbering-removed": Level.INFO, "heading-echo": Level.INFO, "heading-is-text": Level.WARNING,
    "narrative-placeholder": Level.WARNING, "text-placeholder": Level.ERROR, "text-jiezhi": Level.WARNING, "text-other-agency": Level.WARNING, "text-section-heading": Level.WARNING, "text-repeated": Level.WARNING,
    "text-punctuation": Level.WARNING, "text-spacing": Level.WARNING, "text-enumeration": Level.WARNING, "text-too-short": Level.WARNING,
    "text-supervision": Level.WARNING, "other-unexplained": Level.WARNING, "narrative-figure": Level.WARNING, "narrative-basis": Level.INFO, "narrative-percent": Level.WARNING,
    "narrative-claim": Level.WARNING, "carryover-mismatch": Level.WARNING, "valid-count-jump": Level.WARNING, "copied-text": Level.WARNING,
    "previous-year": Level.WARNING, "previous-unreadable": Level.WARNING, "previous-agency": Level.WARNING, "ack-error": Level.INFO, "ack-unused": Level.INFO,
    "text-cleaned": Level.INFO, "text-private-use": Level.WARNING, "import-unplaced": Level.ERROR, "import-unknown-row": Level.WARNING,
    "import-rebuilt": Level.WARNING,
    "import-label-variant": Level.WARNING,
    "import-unit": Level.WARNING,
    "import-text-lost": Level.WARNING,
    "import-fee-unclear": Level.WARNING,
    "region-sum-mismatch": Level.ERROR,  # a warning when some units are not in the sum
    "region-units-missing": Level.WARNING,
    "region-relation-broken": Level.WARNING,
    "audit-similar-previous": Level.WARNING, "audit-similar-other": Level.WARNING, "audit-duplicate": Level.WARNING,
    "audit-same-tables": Level.WARNING,
}


# Where a finding rests on a judgement rather than the form's arithmetic, the rule, as the README states it
# (each is a warning the clerk can explain in the 说明 sheet).
RULES: dict[str, str] = {
    "plausibility": "实际收取的信息处理费多于应收；发出收费通知却应收 0 元，或应收却没有发通知；乡镇街道的行政事业性收费"
                    "达到 1000 万元（多半是按元填在了“万元”栏）；表三、表四的一格达到 100000 件（多半多打了 0）",
    "agency-name": "乡镇街道的全称不以“人民政府”“办事处”结尾；全称中有“（盖章）”；写了两个机关的名称",
    "meta-invalid": "联系电话是 9 到 11 位、不以 0 或 1 开头的数字（Excel 把它当成数字，丢了开头的 0）时为警告",
    "date-implausible": "落款日期早于报告年度结束为警告；晚于报告年度一年以上（像是上一年的工作簿又发了一次）为错误",
    "text-other-agency": "乡镇、街道的报告中出现另一个乡镇、街道的机构（如“黄土镇政务公开专区”“黄土镇人民政府”），"
                         "且不是本单位所在地的名称",
    "narrative-year": "段落以往年的年份开头，或写“截至某年底”而不是报告年度，或出现与报告年度相差一年以上的年份",
}


def _no_nan(value: Any) -> Any:
    """None for what stands for a blank (float NaN, pandas' NA and NaT: none equals itself); an infinite
    float as its text."""
    try:
        if value is not None and value != value:
            return None
    except (TypeError, ValueError):  # pandas.NA: its comparison has no truth value
        return None
    if isinstance(value, float) and math.isinf(value):
        return str(value)
    return value


@dataclass(frozen=True)
class Finding:
    code: str
    level: Level
    message: str
    sheet: str | None = None
    cell: str | None = None
    expected: Any = None
    actual: Any = None
    acknowledged: str | None = None  # the clerk's reason, from the 说明 sheet (warnings only)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")
        for key in ("expected", "actual"):  # a blank cell as read (NaN) is no value: JSON has no NaN
            object.__setattr__(self, key, _no_nan(getattr(self, key)))

    @classmethod
    def of(cls, code: str, message: str, sheet: str | None = None, cell: str | None = None, *,
           level: Level | None = None, expected: Any = None, actual: Any = None) -> Finding:
        """A finding at its code's default level (LEVELS) unless level says otherwise."""
        return cls(code, level or LEVELS[code], message, sheet, cell, expected, actual)

    @property
    def position(self) -> str:
        if self.sheet is None:
            return ""
        return position(self.sheet, self.cell)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["level"] = self.level.value
        d["position"] = self.position
        d["title"] = CODES[self.code]
        for key in ("expected", "actual"):
            if d[key] is not None and not isinstance(d[key], (int, float, str, bool)):
                d[key] = str(d[key])
        return d

    def line_zh(self) -> str:
        """One line for a person, without the code: 错误 依申请公开!J6：…"""
        where = f" {self.position}" if self.position else ""
        note = f"（已说明：{self.acknowledged}）" if self.acknowledged else ""
        return f"{self.level.zh}{where}：{self.message}{note}"

    def line(self) -> str:
        """One line for a terminal: 错误 依申请公开!J6 [total-mismatch] ..."""
        where = f" {self.position}" if self.position else ""
        if self.acknowledged:
            return f"{self.level.zh}（已说明）{where} [{self.code}] {self.message} —— 说明：{self.acknowledged}"
        return f"{self.level.zh}{where} [{self.code}] {self.message}"


@dataclass
class Report:
    """All findings about one workbook, in the order they were found (file → sheet → cell)."""

    source: str
    findings: list[Finding] = field(default_factory=list)
    not_assessed: list[str] = field(default_factory=list)  # checks that could not run, and why
    # Findings of one kind too many to list one by one (105 blank cells): each is folded into one finding
    # in `findings` that counts them, and kept here for the annotated copy, which marks every cell.
    details: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)

    def fold(self, code: str, sheet: str, start: int, at_least: int, summary: Callable[[list[Finding]], str]) -> None:
        """Findings of code on sheet added since index start: when there are at least at_least of them,
        one finding at the first cell says how many and which (summary(found) is its message); the
        single ones move to details."""
        group = [f for f in self.findings[start:] if f.code == code and f.sheet == sheet]
        if len(group) < at_least:
            return
        first = self.findings.index(group[0])
        keep = [f for f in self.findings if f not in group]
        keep.insert(first, Finding(code, group[0].level, summary(group), sheet, group[0].cell, actual=len(group)))
        self.findings = keep
        self.details.extend(group)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """Open warnings: those the clerk has not acknowledged with a reason."""
        return [f for f in self.findings if f.level is Level.WARNING and not f.acknowledged]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        c = Counter(f.level.value for f in self.findings if not f.acknowledged)
        out = {lvl.value: c.get(lvl.value, 0) for lvl in Level}
        out["acknowledged"] = sum(1 for f in self.findings if f.acknowledged)
        return out

    def summary(self) -> str:
        c = self.counts()
        acknowledged = f"（另有 {c['acknowledged']} 个警告已说明）" if c["acknowledged"] else ""
        return f"{c['error']} 个错误，{c['warning']} 个警告{acknowledged}，{c['info']} 条提示"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "nianbao.report/1",
            "source": self.source,
            "ok": self.ok,
            "counts": self.counts(),
            "not_assessed": list(self.not_assessed),
            "findings": [f.to_dict() for f in self.findings],
            "details": [f.to_dict() for f in self.details],
        }

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


@dataclass(frozen=True)
class Code:
    """What a finding code means: its title, the level its findings have unless a call site says otherwise
    (``Finding.of(..., level=...)``, with the reason beside it), the rule it rests on where it is a judgement
    rather than the form's arithmetic (as the README states it: each is a warning the clerk can explain in
    the 说明 sheet), and a hint for the person who mends it."""

    title: str
    level: Level
    rule: str = ""
    hint: str = ""


E, W, I = Level.ERROR, Level.WARNING, Level.INFO  # noqa: E741 - the table below reads as a table

# Every finding code, once: the stable codes other tools and the README rely on.
CATALOGUE: dict[str, Code] = {
    # the file itself
    "file-missing": Code("文件不存在", E),
    "file-empty": Code("文件为空", E),
    "file-too-large": Code("文件过大", E),
    "file-not-xlsx": Code("不是 .xlsx 工作簿", E),
    "file-encrypted-or-legacy": Code("旧版 .xls/.et 或加密工作簿", E),
    "file-corrupt": Code("工作簿已损坏，无法读取", E),
    "file-macro": Code("工作簿含宏", W),
    "file-unsafe": Code("工作簿含有不安全的内容", E),
    "file-limits": Code("读取超出时间或内存限制", E),
    "internal-error": Code("程序内部错误", E),
    # the template
    "template-unknown": Code("不是本工具的填报模板", E),
    "template-version": Code("模板版本不符", E),
    "sheet-missing": Code("工作表缺失", E),
    "label-changed": Code("表格标签被改动", E),
    "layout-shifted": Code("表格中插入了行，已按文字定位读取", W),
    "merge-broken": Code("合并单元格被拆分", W),
    "sheet-renamed": Code("工作表被改名", W),
    "sheet-hidden": Code("工作表被隐藏", I),
    "sheet-reordered": Code("工作表顺序被改动", I),
    "extra-sheet": Code("多出的工作表", W),
    "unexpected-content": Code("填报区域外有内容", W),
    # 基本信息
    "meta-missing": Code("基本信息未填写", E),
    "meta-invalid": Code("基本信息填写有误", E, rule="联系电话是 9 到 11 位、不以 0 或 1 开头的数字（Excel 把它当成数字，丢了开头的 0）时为警告"),
    "form-mismatch": Code("表格格式与模板不符", E),
    "form-year-mismatch": Code("表格格式与报告年度不符", E),
    "date-implausible": Code("落款日期可疑", W, rule="落款日期早于报告年度结束为警告；晚于报告年度一年以上（像是上一年的工作簿又发了一次）为错误"),
    "agency-name": Code("机关名称可能不是全称", W, rule="乡镇街道的全称不以“人民政府”“办事处”结尾；全称中有“（盖章）”；写了两个机关的名称"),
    # figures
    "value-blank": Code("数字单元格为空", E),
    "value-not-number": Code("不是数字", E),
    "value-negative": Code("不能为负数", E),
    "value-not-integer": Code("应为整数", E),
    "value-too-large": Code("数值过大", E),
    "value-normalized": Code("文本形式的数字已按数字读取", W),
    "value-formula": Code("公式已按计算结果读取", I),
    "value-rounded": Code("计算误差已按整数读取", I),
    "total-mismatch": Code("合计与分项之和不符", E),
    "balance-mismatch": Code("勾稽关系不成立", E),
    "plausibility": Code("数字关系不合常理", W,
                   rule="实际收取的信息处理费多于应收；发出收费通知却应收 0 元，或应收却没有发通知；乡镇街道的行政事业性收费达到 1000 万元（多半是按元填在了“万元”栏）；表三、表四的一格达到 100000 件（多半多打了 0）"),
    "regulation-nonzero": Code("不应有规章数据", W),
    "tables-all-zero": Code("统计表全部是模板的 0", W),
    # narrative
    "narrative-empty": Code("必填文字部分为空", E),
    "narrative-year": Code("文字中的年份与报告年度不符", W, rule="段落以往年的年份开头，或写“截至某年底”而不是报告年度，或出现与报告年度相差一年以上的年份"),
    "numbering-removed": Code("已去除手工编号", I),
    "heading-echo": Code("正文开头重复了小标题", I),
    "heading-is-text": Code("小标题栏里是正文", W),
    "narrative-placeholder": Code("文字栏只填了“/”“无”等符号", W),
    "text-placeholder": Code("文字中留有占位符", E),
    "text-jiezhi": Code("“截止”应为“截至”", W),
    "text-other-agency": Code("正文中有其他单位的名称", W, rule="乡镇、街道的报告中出现另一个乡镇、街道的机构（如“黄土镇政务公开专区”“黄土镇人民政府”），且不是本单位所在地的名称"),
    "text-section-heading": Code("正文中有报告的部分标题（整篇报告粘贴进来）", W),
    "text-repeated": Code("词语重复", W),
    "text-punctuation": Code("中文中用了半角标点", W),
    "text-spacing": Code("多余的空格", W),
    "text-enumeration": Code("“一是、二是”序号不连续或重复", W),
    "text-too-short": Code("总体情况过短", W),
    "text-supervision": Code("未说明考核、评议和责任追究", W),
    "other-unexplained": Code("“其他”处理未作说明", W),
    "narrative-figure": Code("正文中的数字与统计表不一致", W),
    "narrative-basis": Code("正文中的数字与统计表口径不同", I),
    "narrative-percent": Code("正文中的比例算不对", W),
    "narrative-claim": Code("正文中的说法与统计表不符", W),
    # across years (with --previous)
    "carryover-mismatch": Code("上年结转与上年报告不符", W),
    "valid-count-jump": Code("现行有效件数与上年对不上", W),
    "copied-text": Code("与上年报告内容雷同", W),
    "previous-year": Code("上年工作簿的年度不对", W),
    "previous-unreadable": Code("上年工作簿无法读取", W),
    "previous-agency": Code("上年工作簿是其他单位的", W),
    # acknowledgements (说明 sheet)
    "ack-error": Code("错误不能以说明代替修改", I),
    "ack-unused": Code("说明没有对应的警告", I),
    "text-cleaned": Code("已清理文字中的控制字符", I),
    "text-private-use": Code("文字中有造字，无法显示", W),
    # importing a published report
    "import-unplaced": Code("导入时没有找到的数字", E),
    "import-unknown-row": Code("导入时表格中有格式以外的行", W),
    "import-rebuilt": Code("导入的统计表没有表格线，按文字位置读取", W),
    "import-label-variant": Code("导入时表格标签与国家格式略有不同", W),
    "import-unit": Code("导入时金额已换算单位", W),
    "import-text-lost": Code("导入时有文字没有放进工作簿", W),
    "import-fee-unclear": Code("导入时收费情况没有读懂", W),
    # a region's report against its units (nianbao region, check --units)
    "region-sum-mismatch": Code("地区报告的数字与各单位之和不符", E),
    "region-units-missing": Code("有单位未计入各单位之和", W),
    "region-relation-broken": Code("各单位之和的勾稽关系不成立", W),
    # what only many published reports together show (nianbao audit)
    "audit-similar-previous": Code("与本单位上年报告雷同", W),
    "audit-similar-other": Code("与其他单位的报告雷同", W),
    "audit-duplicate": Code("同一份报告重复出现", W),
    "audit-same-tables": Code("统计表与其他单位逐格相同", W),
}

# Views of the catalogue, for the callers that want one column of it.
CODES: dict[str, str] = {code: c.title for code, c in CATALOGUE.items()}
LEVELS: dict[str, Level] = {code: c.level for code, c in CATALOGUE.items()}
RULES: dict[str, str] = {code: c.rule for code, c in CATALOGUE.items() if c.rule}


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

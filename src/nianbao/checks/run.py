"""Every check of one workbook, run in order (run_checks): the form's arithmetic (arithmetic.py), its
metadata, fees, magnitudes, year and form, the text's hygiene and figures, required passages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from nianbao.checks.arithmetic import check_relations, check_totals
from nianbao.checks.hygiene import MIN_GENERAL_CHARS, check_hygiene
from nianbao.checks.narrative import check_figures_in_text
from nianbao.findings import Finding, Level, Report
from nianbao.form.model import form_for_year
from nianbao.workbook import layout as L
from nianbao.workbook.model import Submission
from nianbao.workbook.values import format_number


def check_regulations(sub: Submission) -> list[Finding]:
    """Only 规章-making bodies can show 规章 figures; townships and departments below them cannot."""
    table = sub.form.owner_of("regulations")
    if sub.meta.agency_type not in ("乡镇街道", "政府部门") or table is None or table.name not in sub.readable:
        return []
    values = sub.figures[table.name]
    bad = [(ref, v) for ref in table.role("regulations") if (v := values.get(ref))]
    if not bad:
        return []
    ref, value = bad[0]
    return [Finding.of(
        "regulation-nonzero",
        f"机关类型为“{sub.meta.agency_type}”，一般没有制定规章的权限，但“规章”一行填了非零数字（{table.describe(ref)} = {format_number(value)}）。"
        "行政规范性文件应填在下一行；确属规章制定机关请忽略",
        sub.sheet(L.TABLE_SHEETS[table.name]), sub.at(table.name, ref), expected=0, actual=format_number(value),
    )]


def check_year_form(sub: Submission) -> list[Finding]:
    year, meta = sub.meta.year, sub.meta
    found: list[Finding] = []
    if year is None:
        return found
    right = form_for_year(year)
    expected = right.id if right else sub.form.id
    if sub.form.id != expected:
        found.append(Finding.of(
            "form-year-mismatch",
            f"{year} 年度的报告应使用 {expected} 版表格格式，本工作簿是 {sub.form.id} 版。请用 nianbao template --form {expected} 生成模板重新填写",
            sub.sheet(L.SHEET_META), meta.cells.get("year"), expected=expected, actual=sub.form.id,
        ))
    if meta.date is not None:
        if meta.date.year < year or (meta.date.year == year and meta.date.month < 12):
            found.append(Finding.of(
                "date-implausible",
                f"落款日期 {meta.date_text} 早于 {year} 年度结束，年度报告应在年度结束后成文",
                sub.sheet(L.SHEET_META), meta.cells.get("date"), actual=meta.date_text,
            ))
        elif meta.date.year > year + 1:  # last year's workbook sent again, with only the date changed
            found.append(Finding.of(
                "date-implausible",
                f"报告年度是 {year}，落款日期却是 {meta.date_text}：这像是上一年的工作簿又发了一次。如果要报的是 "
                f"{meta.date.year - 1} 年度，请把报告年度改为 {meta.date.year - 1} 并填写该年度的数字和文字；如果确是 {year} 年度的报告，"
                f"请把落款日期改为成文的日期（一般在 {year + 1} 年 1 月）",
                sub.sheet(L.SHEET_META), meta.cells.get("year"), level=Level.ERROR, expected=str(meta.date.year - 1), actual=str(year),
            ))
    return found


_YEAR_RE = re.compile(r"(?<![\d])((?:19|20)\d{2})\s*年")
_YEAR_END_RE = re.compile(r"截[至止]\s*((?:19|20)\d{2})\s*年\s*(?:底|末|12\s*月\s*31\s*日)")
_OPENING_YEAR_RE = re.compile(r"^\s*((?:19|20)\d{2})\s*年(?!\d{1,2}月)")


def _strip_titles(text: str) -> str:
    # Years in document titles (《2019年…要点》), revision notes ((2019年修订)) and 〔2021〕 numbers
    # name documents; they are not statements of when something happened.
    return re.sub(r"《[^》]*》|〔\d{4}〕|\[\d{4}\]|[（(]\d{4}\s*年\s*(?:修订|修正|版)[）)]", "", text)


_PLAN_RE = re.compile(r"将|计划|拟|力争|预计|打算|继续")


def check_narrative_years(sub: Submission) -> list[Finding]:
    year = sub.meta.year
    if year is None:
        return []
    found: list[Finding] = []
    for narrative in (sub.general, sub.problems):
        for block in narrative.blocks:
            for para, cell in zip(block.paragraphs, block.cells):
                found.extend(_years_in(para, year, narrative.sheet, cell))
    for key, paras in sub.other.items.items():
        for para in paras:
            found.extend(_years_in(para, year, sub.sheet(L.SHEET_OTHER), sub.other.cells.get(key)))
    return found


def _years_in(para: str, year: int, sheet: str, cell: str | None) -> Iterable[Finding]:
    snippet = para[:30] + ("……" if len(para) > 30 else "")
    m = _OPENING_YEAR_RE.match(para)
    if m and int(m.group(1)) == year + 1 and _PLAN_RE.search(para[:30]):
        m = None  # "2025年，我们将……": a plan for the coming year
    if m and int(m.group(1)) != year:
        yield Finding.of(
            "narrative-year",
            f"段落以“{m.group(1)}年”开头，但报告年度是 {year} 年，像是从往年报告沿用的文字：“{snippet}”",
            sheet, cell, expected=str(year), actual=m.group(1),
        )
        return
    for m in _YEAR_END_RE.finditer(para):  # a figure "as of the end of" a year: that year must be the report's
        if int(m.group(1)) != year:
            yield Finding.of(
                "narrative-year",
                f"“{m.group(0)}”：报告年度是 {year} 年，年底的数字应截至 {year} 年底，像是沿用了往年的文字：“{snippet}”",
                sheet, cell, expected=str(year), actual=m.group(1),
            )
            return
    for m in _YEAR_RE.finditer(_strip_titles(para)):
        y = int(m.group(1))
        if abs(y - year) > 1:
            yield Finding.of(
                "narrative-year",
                f"文字中出现“{y}年”，与报告年度 {year} 年相差较远，请核对：“{snippet}”",
                sheet, cell, expected=str(year), actual=str(y),
            )
            return


def check_required_text(sub: Submission) -> list[Finding]:
    found = []
    for narrative, title in ((sub.general, sub.form.section("一").heading), (sub.problems, sub.form.section("五").heading)):
        if narrative.is_empty():
            found.append(Finding.of(
                "narrative-empty", f"“{title}”没有正文，这是年度报告的必备部分",
                narrative.sheet, f"B{L.LIST_FIRST_ROW}",
            ))
    return found


def check_fees(sub: Submission) -> list[Finding]:
    """Section 六's 信息处理费 figures against each other (warnings: odd, not impossible)."""
    o, found = sub.other, []
    if o.fee_billed is not None and o.fee_collected is not None and o.fee_collected > o.fee_billed:
        found.append(Finding.of(
            "plausibility",
            f"实际收取的信息处理费（{format_number(o.fee_collected)}元）多于应收金额（{format_number(o.fee_billed)}元），请核对",
            sub.sheet(L.SHEET_OTHER), o.cells.get("fee_collected"), expected=f"≤ {format_number(o.fee_billed)}", actual=format_number(o.fee_collected),
        ))
    if o.fee_notices and o.fee_billed == 0:
        found.append(Finding.of(
            "plausibility",
            f"发出了 {o.fee_notices} 件收费通知，应收信息处理费却是 0 元：请填写通知中的金额；如果通知后决定不再收取，请在“其他需要报告的事项”中说明",
            sub.sheet(L.SHEET_OTHER), o.cells.get("fee_billed"), actual=0,
        ))
    if o.fee_notices == 0 and o.fee_billed:
        found.append(Finding.of(
            "plausibility",
            f"没有发出收费通知（0件），却有应收信息处理费 {format_number(o.fee_billed)} 元，请核对",
            sub.sheet(L.SHEET_OTHER), o.cells.get("fee_notices"), actual=0,
        ))
    return found


TOWNSHIP_FEE_MAX = 1000  # 万元 a year: a township's 行政事业性收费 at or above this is most likely typed in 元
COUNT_MAX = 100_000  # one cell of 申请 or 复议/诉讼 counts: above this a 0 was most likely typed once too often


def check_magnitudes(sub: Submission) -> list[Finding]:
    """Figures of an implausible size (warnings the clerk can explain in 说明): a township's fees typed in 元
    under the 万元 header; a count of applications, reviews or suits with a digit too many."""
    found: list[Finding] = []
    fee = sub.role_cells("fee_amount")
    if fee and sub.meta.agency_type == "乡镇街道":
        name, ref = fee[0]
        value = sub.figures.get(name, {}).get(ref)
        if value is not None and value >= TOWNSHIP_FEE_MAX:
            found.append(Finding.of(
                "plausibility",
                f"乡镇街道一年的行政事业性收费为 {format_number(value)} 万元？这一栏的单位是“万元”；如果填的是元，"
                f"应填 {format_number(Decimal(value) / 10000)}（{format_number(value)} 元 = {format_number(Decimal(value) / 10000)} 万元）",
                sub.sheet(L.TABLE_SHEETS[name]), sub.at(name, ref), actual=format_number(value),
            ))
    for role in ("new_requests", "review_total"):
        table = sub.form.owner_of(role)
        if table is None or table.name not in sub.readable:
            continue
        big = [(ref, v) for ref in table.input_cells() if (v := sub.figures[table.name].get(ref)) is not None and v >= COUNT_MAX]
        for ref, v in big[:3]:
            found.append(Finding.of(
                "plausibility",
                f"{table.describe(ref)}：{format_number(v)} 件，一个机关一年很少有这么多，请核对是否多打了 0",
                sub.sheet(L.TABLE_SHEETS[table.name]), sub.at(table.name, ref), actual=format_number(v),
            ))
    return found


_FULL_NAME_ENDINGS = {"乡镇街道": ("人民政府", "办事处")}


_SEAL_RE = re.compile(r"[（(]\s*(?:盖章|印章|章)\s*[）)]|盖章")
# an agency's name ends in one of these; two of them, apart, are two agencies (a joint seal)
_BODY_ENDINGS = r"(?:人民政府|办事处|委员会|办公室|办公厅|局|厅|委|署|院|中心|管委会)"
_TWO_NAMES_RE = re.compile(rf"\S{{2,}}{_BODY_ENDINGS}[\s、,，/和及]+\S{{2,}}{_BODY_ENDINGS}$")


def check_agency_name(sub: Submission) -> list[Finding]:
    """The title and signature need the body's full name, once: a township is '××乡人民政府', not '××乡';
    no "（盖章）" (the seal is pressed on paper, the words would be printed); one agency, not a joint seal."""
    name, where = sub.meta.agency, (sub.sheet(L.SHEET_META), sub.meta.cells.get("agency"))
    if name and (m := _SEAL_RE.search(name)):
        return [Finding.of("agency-name", f"机关全称“{name}”中有“{m.group(0)}”：标题和落款会把这几个字印出来。盖章在打印后进行，请删去",
                           *where, actual=name, expected=_SEAL_RE.sub("", name).strip())]
    if name and _TWO_NAMES_RE.search(name.strip()):
        return [Finding.of("agency-name", f"机关全称“{name}”写了两个机关：年度报告以一个机关的名义发布，标题和落款只写这个机关的全称",
                           *where, actual=name)]
    endings = _FULL_NAME_ENDINGS.get(sub.meta.agency_type)
    if not endings or not name or name.endswith(endings):
        return []
    return [Finding.of(
        "agency-name",
        f"机关全称“{name}”似乎不是全称：乡镇一般写作“××乡（镇）人民政府”，街道写作“××街道办事处”。全称会用于标题和落款",
        sub.sheet(L.SHEET_META), sub.meta.cells.get("agency"), actual=name,
    )]


_PHONE_LOST_ZERO = re.compile(r"[2-9]\d{8,10}")


def check_phone(sub: Submission) -> list[Finding]:
    """A telephone number typed into a number cell loses its leading 0 ("0596-1234567" -> 5961234567)."""
    phone = sub.meta.contact_phone.strip()
    if not _PHONE_LOST_ZERO.fullmatch(phone):
        return []
    return [Finding.of("meta-invalid", f"联系电话“{phone}”像是丢了开头的 0（Excel 把它当成了数字）：请写成“0{phone[:3]}-{phone[3:]}”"
                       "这样带区号和连字符的文字，或先把单元格设为“文本”再填写",
                       sub.sheet(L.SHEET_META), sub.meta.cells.get("contact_phone"), level=Level.WARNING, actual=phone,
                       expected=f"0{phone}")]


def check_untouched(sub: Submission) -> list[Finding]:
    """Every table still holds only the blank workbook's zeros: an untouched workbook would otherwise be
    published as "nothing happened" without a word. (One all-zero table alone is common and true: most
    offices have no 复议 or 诉讼 in a year.)"""
    tables = [(sec, table) for sec, table in sub.form.section_tables() if table.name in sub.readable]
    zero = [(sec, table) for sec, table in tables if all(sub.figures[table.name].get(ref) == 0 for ref in table.input_cells())]
    if not zero or len(zero) < len(sub.form.tables):
        return []
    sec, first = zero[0]
    names = "、".join(L.TABLE_SHEETS[t.name] for _, t in zero)
    return [Finding.of(
        "tables-all-zero",
        f"“{names}”的数字全部是 0，与空白模板相同。本年度如确实都没有发生，请在“说明”工作表中写明理由确认；否则请填写实际数字",
        sub.sheet(L.TABLE_SHEETS[first.name]), sub.at(first.name, first.input_cells()[0]), actual=names,
    )]


def run_checks(sub: Submission, report: Report, min_general: int = MIN_GENERAL_CHARS) -> None:
    """All checks that need the workbook's content; findings go into the report."""
    for name, table in sub.form.tables.items():
        if name not in sub.readable:
            continue
        values, sheet = sub.figures[name], sub.sheet(L.TABLE_SHEETS[name])

        def at(ref: str, name: str = name) -> str:
            return sub.at(name, ref)

        report.extend(check_totals(table, sheet, at, values, sub.mistyped.get(name, {})))
        report.extend(check_relations(table, sheet, at, values))
    report.extend(check_untouched(sub))
    report.extend(check_regulations(sub))
    report.extend(check_year_form(sub))
    report.extend(check_agency_name(sub))
    report.extend(check_phone(sub))
    report.extend(check_magnitudes(sub))
    report.extend(check_fees(sub))
    report.extend(check_required_text(sub))
    report.extend(check_narrative_years(sub))
    report.extend(check_hygiene(sub, min_general))
    report.extend(check_figures_in_text(sub))

"""The front door: one workbook in, its findings and every requested output out. The CLI, batch, the
mail gateway and the web app all call `convert` (or `check`, its first half); none of them has a check →
render → annotate path of its own.

May import every layer below it (findings, files, form, workbook, checks, output, published); nothing below imports it. The package exports
`convert` (this module's function) as nianbao.convert.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from nianbao.checks.acknowledge import apply_acknowledgements
from nianbao.checks.previous import check_previous, other_agency, year_gap
from nianbao.checks.run import run_checks
from nianbao.files import atomic_write_bytes, safe_filename
from nianbao.findings import Finding, Level, Report
from nianbao.output.context import context, report_title
from nianbao.output.data import export
from nianbao.output.html import fragment, page
from nianbao.output.pdf import PdfError, pdf_bytes, stand_in_note
from nianbao.published import PUBLISHED_SUFFIXES
from nianbao.workbook import layout as L
from nianbao.workbook.guard import check_file
from nianbao.workbook.sandbox import LimitExceeded, Limits, run_limited
from nianbao.workbook.values import format_number

if TYPE_CHECKING:
    from nianbao.published.importer import Imported
    from nianbao.workbook.model import Submission

DEFAULT_LIMITS = Limits()
FORMATS = ("docx", "pdf", "html", "json")
# The files each format is: a report's file suffixes (html is the preview page and the fragment for a CMS).
SUFFIXES = {"docx": (".docx",), "pdf": (".pdf",), "html": (".html", ".fragment.html"), "json": (".json",)}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xls", ".et", ".ett", ".csv", ".ods", ".numbers")
NOT_ASSESSED_PREVIOUS = "跨年度核对（上年结转、现行有效件数、内容雷同）：未提供上年工作簿（--previous）"
# last year's workbook or report, or (batch) a function choosing it once this year's agency is known
Previous: TypeAlias = "str | Path | Callable[[Submission], str | Path | None] | None"


class Status(StrEnum):
    """What became of one workbook. The value is what JSON and the journals store."""
    OK = "ok"
    ERRORS = "errors"
    UNREADABLE = "unreadable"

    @property
    def label(self) -> str:
        """As a result page or a reply says it."""
        return {"ok": "已生成报告", "errors": "有错误，未生成报告", "unreadable": "无法读取"}[self.value]

    @property
    def short(self) -> str:
        """As a column of 汇总.xlsx says it."""
        return {"ok": "已生成", "errors": "有错误", "unreadable": "无法读取"}[self.value]

    @property
    def verdict(self) -> str:
        """The checker's verdict on the file, as `mail --status` lists it beside the file name."""
        return {"ok": "通过", "errors": "有错误", "unreadable": "无法读取"}[self.value]

    @property
    def rank(self) -> int:
        """Lists show what needs a person first."""
        return {"unreadable": 0, "errors": 1, "ok": 2}[self.value]


def report_name(agency: str, year: int | None, fallback: str) -> str:
    """The name of a report's files: its title when the agency and year are known, else the name of the
    workbook it came from — made safe as a file name."""
    return safe_filename(report_title(agency, year) if agency and year else fallback)


# --- checking ---------------------------------------------------------------------------------------

def _load_and_check(path: Path, min_general: int | None = None) -> tuple[Submission | None, Report]:
    from nianbao.workbook.loader import (
        load,  # pandas and openpyxl: most of a cold start, and a refused file never needs them
    )

    sub, report = load(path)
    if sub is not None:
        if min_general is None:
            run_checks(sub, report)
        else:
            run_checks(sub, report, min_general)
    return sub, report


@contextlib.contextmanager
def _as_xlsx(path: Path) -> Iterator[Path]:
    """The workbook under a name its reader accepts: a .xlsx saved as .et or without an extension (the
    guard has already found a workbook inside) is read from a copy named .xlsx; the file is never touched."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="nianbao-xlsx-") as tmp:
        copy = Path(tmp) / "workbook.xlsx"
        shutil.copyfile(path, copy)
        yield copy


def _limit_text(path: Path, exc: LimitExceeded) -> str:
    """A file that took its sandbox child past a limit (time, memory) or killed it, in the clerk's words."""
    what = {"time": f"读取超过了 {exc.detail} 的时间限制", "memory": "读取所需内存超过限制"}.get(exc.kind, "读取时解析程序异常退出")
    return f"“{path.name}”{what}，文件可能过大或结构异常"


def check(path: str | Path, limits: Limits | None = DEFAULT_LIMITS, previous: Previous = None,
          min_general: int | None = None, meanwhile: Callable[[], object] | None = None) -> tuple[Submission | None, Report]:
    """Check a workbook: the file as a file first, then (in a child process with memory and time limits,
    unless limits is None) its structure and content. min_general is the shortest acceptable 总体情况, in
    characters. The submission is None when nothing usable could be read. Never raises for bad input:
    every problem is a finding in the report. meanwhile runs in this process while the child reads."""
    path = Path(path)
    report = Report(str(path))
    report.extend(check_file(path))
    if not report.ok:
        return None, report
    if previous is not None:
        # Two workbooks, two sandbox children: import pandas and openpyxl once, here, for both to inherit.
        # (A one-off check leaves that to its child, so that this process can do something else meanwhile;
        # batch, mail and web warm up once and every child inherits.)
        from nianbao.workbook import loader  # noqa: F401

    try:
        with _as_xlsx(path) as readable:
            if readable != path:
                report.add(Finding.of("file-not-xlsx", f"“{path.name}”的扩展名是“{path.suffix or '（无）'}”，内容是 Excel 工作簿，"
                                      "已照常读取；下次请“另存为”.xlsx 再发送", level=Level.INFO))
            if limits is None:
                sub, inner = _load_and_check(readable, min_general)
                if meanwhile is not None:
                    meanwhile()
            else:
                sub, inner = run_limited(_load_and_check, readable, min_general, limits=limits, meanwhile=meanwhile)
    except LimitExceeded as exc:
        report.add(Finding.of("file-limits", f"{_limit_text(path, exc)}。请确认发送的是填报模板，必要时另存为新的 .xlsx 后重新发送。"))
        return None, report
    except RuntimeError as exc:  # a bug of ours met by this file: say so, never a traceback
        report.add(Finding.of("internal-error", f"程序处理“{path.name}”时出错（{str(exc)[:120]}）。请把这个文件发给维护人员；也可以另存为新的 .xlsx 后重试。"))
        return None, report
    report.extend(inner.findings)
    report.details.extend(inner.details)
    if sub is not None:
        _compare_with_previous(sub, report, previous, limits)
        apply_acknowledgements(sub, report)
    return sub, report


def _compare_with_previous(sub: Submission, report: Report, previous: Previous, limits: Limits | None) -> None:
    if callable(previous):
        previous = previous(sub)
    if previous is None:
        report.not_assessed.append(NOT_ASSESSED_PREVIOUS)
        return
    prev, why, partly = last_year(previous, limits)
    if prev is None:
        report.add(Finding.of("previous-unreadable", f"上年{why}，跨年度核对未进行"))
        report.not_assessed.append("跨年度核对：上年工作簿或报告无法读取")
        return
    if partly:
        report.not_assessed.append(f"跨年度核对：{partly}，这些格子未核对")
    stranger = other_agency(sub, prev)
    if stranger is not None:
        report.add(stranger)
        report.not_assessed.append("跨年度核对：提供的上年报告是其他单位的")
        return
    gap = year_gap(sub, prev)
    if gap:
        report.add(gap)
    report.extend(check_previous(sub, prev))


def last_year(previous: str | Path, limits: Limits | None = DEFAULT_LIMITS) -> tuple[Submission | None, str, str]:
    """Last year's report read for comparison or to start this year's workbook: its workbook, or the report
    as published (web page, Word or PDF), imported in a sandbox child (as untrusted as any workbook) and read
    as that workbook would be. Returns (submission or None, why not, what was only partly imported)."""
    previous = Path(previous)
    if previous.suffix.lower() not in PUBLISHED_SUFFIXES:
        prev, prev_report = check(previous, limits)
        first = prev_report.findings[0].message if prev_report.findings else ""
        return prev, f"工作簿“{previous.name}”无法读取（{first}）", ""
    imported, book, why = import_workbook(previous, limits)
    if imported is None:
        return None, f"报告“{previous.name}”无法导入（{why}）", ""
    unplaced = sum(f.code == "import-unplaced" for f in imported.findings)
    with tempfile.TemporaryDirectory(prefix="nianbao-previous-") as tmp:
        path = Path(tmp) / (previous.stem + ".xlsx")
        path.write_bytes(book)
        prev, _ = check(path, limits)
    if prev is not None:  # findings about last year name the report the clerk gave, not our copy of it
        prev.source = str(previous)
    partly = f"上年报告“{previous.name}”其中 {unplaced} 行数字没有找到" if unplaced else ""
    return prev, f"报告“{previous.name}”无法导入", partly


def import_published(path: str | Path, limits: Limits | None = DEFAULT_LIMITS) -> tuple[Imported | None, str]:
    """A published report (web page, Word or PDF) read in a sandbox child: its parsers meet untrusted bytes
    (a PDF can be made to take any time or memory). Returns (the import, "") or (None, why not)."""
    from nianbao.published.importer import try_import  # lxml, python-docx, pdfplumber: only this path

    try:
        if limits is None:
            return try_import(Path(path))
        imported: tuple[Imported | None, str] = run_limited(try_import, Path(path), limits=limits)
        return imported
    except LimitExceeded as exc:
        return None, _limit_text(Path(path), exc)
    except RuntimeError as exc:
        return None, f"程序处理“{Path(path).name}”时出错（{str(exc)[:120]}），请把这个文件发给维护人员"


def import_workbook(path: str | Path, limits: Limits | None = DEFAULT_LIMITS) -> tuple[Imported | None, bytes, str]:
    """A published report as a filled-in workbook: the library call behind `nianbao import`, a previous
    year given as a report, and the evaluator's reading. Returns (the import, the .xlsx bytes, "") or
    (None, b"", why not)."""
    imported, why = import_published(path, limits)
    if imported is None:
        return None, b"", why
    from nianbao.workbook.blank import workbook_bytes  # openpyxl's writer: only this path needs it

    return imported, workbook_bytes(imported.workbook()), ""


def prefilled_template(previous: str | Path, send_to: str | None = None,
                       limits: Limits | None = DEFAULT_LIMITS) -> tuple[bytes | None, Report]:
    """This year's workbook started from last year's report (workbook, web page or Word file): the bytes,
    or None with the reason as a finding."""
    from nianbao.workbook.blank import workbook_bytes  # openpyxl's writer
    from nianbao.workbook.prefill import prefilled_workbook  # as above

    report = Report(str(previous))
    prev, why, partly = last_year(previous, limits)
    if prev is None:
        report.add(Finding.of("previous-unreadable", f"上年{why}，无法据此生成本年工作簿"))
        return None, report
    if partly:
        report.not_assessed.append(partly)
    return workbook_bytes(prefilled_workbook(prev, send_to)), report


# --- the annotated copy -------------------------------------------------------------------------------

def annotate_bytes(path: str | Path, report: Report, limits: Limits | None = DEFAULT_LIMITS) -> bytes | None:
    """A marked-up copy of the workbook, as bytes; None when the file cannot be opened as a workbook at
    all (then there is nothing to mark up; the findings say why)."""
    path = Path(path)
    if any(f.code.startswith("file-") and f.level is Level.ERROR for f in report.findings):
        return None
    from nianbao.workbook.annotate import (
        annotated_bytes,  # openpyxl: only when a copy is asked for
    )

    try:
        with _as_xlsx(path) as readable:
            if limits is None:
                return annotated_bytes(readable, report)
            data: bytes = run_limited(annotated_bytes, readable, report, limits=limits)
            return data
    except (LimitExceeded, RuntimeError):
        return None


def annotate(path: str | Path, report: Report, out: str | Path, limits: Limits | None = DEFAULT_LIMITS) -> bool:
    """Write the marked-up copy to out (never over the input); False when there is none to write."""
    data = annotate_bytes(path, report, limits)
    if data is None:
        return False
    atomic_write_bytes(Path(out), data)
    return True


# --- rendering ---------------------------------------------------------------------------------------

def render_formats(sub: Submission, report: Report, formats: list[str] | tuple[str, ...] = ("docx",), draft: bool = False,
                   template: bytes | None = None) -> dict[str, bytes]:
    """Every requested format but the PDF, as {file suffix: bytes} (".docx", ".html" and ".fragment.html",
    ".json"), made in memory so that the caller writes nothing unless all of them succeeded (the PDF is
    printed from the .docx by convert). Raises output.word.RenderError (the Word template)."""
    from nianbao.output.word import render_docx  # docxtpl: only when a report is made

    ctx = context(sub, report, draft)
    docx = render_docx(ctx, template)
    out: dict[str, bytes] = {}
    if "docx" in formats:
        out[".docx"] = docx
    if "html" in formats:

        out[".html"] = page(sub, ctx).encode("utf-8")
        out[".fragment.html"] = fragment(sub, ctx).encode("utf-8")
    if "json" in formats:

        out[".json"] = json.dumps(export(sub, ctx), ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")
    return out


FEES_KEY = "fees"  # figures' entry for section 六's 信息处理费 (fee_notices, fee_billed, fee_collected)


def figures_of(sub: Submission) -> dict[str, dict[str, str]]:
    """Every figure read, as text: {table: {form cell: figure}} of the tables whose layout could be read
    (cells that could not be read left out), and the fees of 六 where the form asks for them."""
    out = {table: {ref: format_number(v) for ref, v in values.items() if v is not None}
           for table, values in sub.figures.items() if table in sub.readable}
    if sub.form.fees_in_six:
        fees = {f.key: getattr(sub.other, f.key) for f in L.FEE_FIELDS}
        out[FEES_KEY] = {key: format_number(v) for key, v in fees.items() if v is not None}
    return out


# --- one workbook, everything back ----------------------------------------------------------------------

@dataclass
class Conversion:
    """The outcome for one workbook: its findings, and the report files or the annotated copy."""
    name: str  # the file name as the sender gave it
    status: Status
    report: Report
    title: str = ""  # the report's title when the workbook could be read
    agency: str = ""
    year: int | None = None
    form: str = ""
    draft: bool = False  # the report was made although the workbook has errors
    agency_type: str = ""
    # table -> cell -> figure, of every table that could be read (with errors too: a region may sum them),
    # and FEES_KEY -> 六's fee field -> figure
    figures: dict[str, dict[str, str]] = field(default_factory=dict)
    outputs: dict[str, bytes] = field(default_factory=dict)  # file suffix (".docx", ".fragment.html", …) -> bytes
    annotated: bytes | None = None  # the marked-up copy of a workbook with errors
    basename: str = ""  # the report's file name without suffix
    seconds: float = 0.0
    note: str = ""  # e.g. why a PDF could not be made

    @property
    def errors(self) -> int:
        return len(self.report.errors)

    @property
    def warnings(self) -> int:
        return len([f for f in self.report.warnings if not f.acknowledged])

    @property
    def files(self) -> dict[str, bytes]:
        """Downloadable files by kind ("docx", "pdf", "html", "json", "annotated")."""
        out = {suffix.lstrip("."): data for suffix, data in self.outputs.items() if suffix != ".fragment.html"}
        if self.annotated is not None:
            out["annotated"] = self.annotated
        return out

    @property
    def filenames(self) -> dict[str, str]:
        """The name to offer for each kind in `files`."""
        out = {suffix.lstrip("."): self.basename + suffix for suffix in self.outputs if suffix != ".fragment.html"}
        if self.annotated is not None:
            out["annotated"] = f"{safe_filename(Path(self.name).stem)}-标注.xlsx"
        return out


def convert(path: str | Path, name: str | None = None, formats: tuple[str, ...] | list[str] = ("docx",), *,
            draft: bool = False, template: bytes | None = None, previous: Previous = None,
            min_general: int | None = None, annotate: bool = True, pdf_optional: bool = True,
            limits: Limits | None = DEFAULT_LIMITS) -> Conversion:
    """Check the workbook at path (sent as `name`) and make the report in every format asked for — or,
    when it has errors, the annotated copy (annotate) or a draft report (draft).

    With pdf_optional a failing LibreOffice leaves the other formats and a note; without it, PdfError is
    raised. Never raises for bad input; a damaged custom Word template (RenderError) or a bug of ours does
    raise: callers report those as the program's failure, not the sender's."""

    path = Path(path)
    name = name or path.name
    started = time.perf_counter()
    sub, report = check(path, limits, previous=previous, min_general=min_general, meanwhile=_prepare_render)
    unreadable = sub is None and any(f.code.startswith("file-") or f.code == "internal-error" for f in report.errors)
    conv = Conversion(name, Status.UNREADABLE if unreadable else Status.ERRORS, report)
    conv.basename = safe_filename(Path(name).stem)
    if sub is not None:
        conv.agency, conv.year, conv.form = sub.meta.agency, sub.meta.year, sub.form.id
        conv.agency_type = sub.meta.agency_type
        conv.figures = figures_of(sub)
        if sub.meta.agency and sub.meta.year:
            conv.title = report_title(sub.meta.agency, sub.meta.year)
        conv.basename = report_name(sub.meta.agency, sub.meta.year, Path(name).stem)
    if sub is not None and (report.ok or draft):
        if report.ok:
            conv.status = Status.OK
        conv.draft = not report.ok
        wanted = tuple(f for f in formats if f != "pdf")
        if "pdf" in formats or not wanted:  # the PDF is printed from the Word document
            wanted = ("docx",) + tuple(f for f in wanted if f != "docx")
        conv.outputs = render_formats(sub, report, wanted, conv.draft, template)
        if "pdf" in formats:
            try:
                pdf = pdf_bytes(conv.outputs[".docx"], conv.basename)
            except PdfError as exc:
                if not pdf_optional:
                    raise
                conv.note = f"未能生成 PDF（{exc}），请使用 Word 版。"
            else:
                conv.outputs = _insert_after_docx(conv.outputs, pdf)
                conv.note = stand_in_note()
            if "docx" not in formats and ".pdf" in conv.outputs:  # asked for the PDF, not its Word source
                conv.outputs.pop(".docx", None)
    elif conv.status is Status.ERRORS and annotate:
        conv.annotated = annotate_bytes(path, report, limits)
    conv.seconds = round(time.perf_counter() - started, 3)
    return conv


def _prepare_render() -> None:
    # While the sandbox child reads the workbook: load docxtpl and the bundled template (the render needs
    # them next; a workbook with errors has spent nothing on them that it would not have spent anyway).
    from nianbao.output import word  # docxtpl

    word.bundled_template()


def _insert_after_docx(outputs: dict[str, bytes], pdf: bytes) -> dict[str, bytes]:
    # Files are listed (and written) in the order docx, pdf, html, json, as the user asked for them.
    ordered: dict[str, bytes] = {}
    for suffix, data in outputs.items():
        ordered[suffix] = data
        if suffix == ".docx":
            ordered[".pdf"] = pdf
    return ordered


def warm() -> None:
    """Import everything a conversion needs once, so forked workers and sandbox children inherit it."""
    # The heavy parts (pandas, openpyxl, docxtpl) are what warm is for; elsewhere they load on first use.
    from nianbao.output import word
    from nianbao.workbook import annotate, loader  # noqa: F401  (pandas, openpyxl)

    word.bundled_template()

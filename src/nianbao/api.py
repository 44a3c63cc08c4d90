"""The library entry points the CLI is a thin layer over."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .findings import Finding, Level, Report
from .guard import check_file
from .sandbox import LimitExceeded, Limits, run_limited

if TYPE_CHECKING:
    from .model import Submission

DEFAULT_LIMITS = Limits()


def _load_and_check(path: Path, min_general: int | None = None) -> tuple[Submission | None, Report]:
    # Imported here: a file refused by the guard never pays for (or exposes) pandas and openpyxl.
    from .checks import run_checks
    from .loader import load

    sub, report = load(path)
    if sub is not None:
        if min_general is None:
            run_checks(sub, report)
        else:
            run_checks(sub, report, min_general)
    return sub, report


NOT_ASSESSED_PREVIOUS = "跨年度核对（上年结转、现行有效件数、内容雷同）：未提供上年工作簿（--previous）"


def check(path: str | Path, limits: Limits | None = DEFAULT_LIMITS, previous: str | Path | None = None,
          min_general: int | None = None) -> tuple[Submission | None, Report]:
    """Check a workbook (min_general: the shortest acceptable 总体情况, in characters): the file as a file first, then (in a child process with memory and time limits,
    unless limits is None) its structure and content. The submission is None when nothing usable could
    be read. Never raises for bad input: every problem is a finding in the report."""
    path = Path(path)
    report = Report(str(path))
    report.extend(check_file(path))
    if not report.ok:
        return None, report
    # The parsers are imported here, after the guard and before the fork: a refused file never pays for
    # them, and the child inherits them instead of importing pandas again.
    from . import checks, loader  # noqa: F401

    try:
        if limits is None:
            sub, inner = _load_and_check(path, min_general)
        else:
            sub, inner = run_limited(_load_and_check, path, min_general, limits=limits)
    except LimitExceeded as exc:
        what = {"time": f"读取超过了 {exc.detail} 的时间限制", "memory": "读取所需内存超过限制"}.get(exc.kind, "读取时解析程序异常退出")
        report.add(Finding("file-limits", Level.ERROR, f"“{path.name}”{what}，文件可能过大或结构异常。请确认发送的是填报模板，必要时另存为新的 .xlsx 后重新发送。"))
        return None, report
    except RuntimeError as exc:  # a bug of ours met by this file: say so, never a traceback
        report.add(Finding("internal-error", Level.ERROR, f"程序处理“{path.name}”时出错（{str(exc)[:120]}）。请把这个文件发给维护人员；也可以另存为新的 .xlsx 后重试。"))
        return None, report
    report.extend(inner.findings)
    if sub is not None:
        _compare_with_previous(sub, report, previous, limits)
        _apply_acknowledgements(sub, report)
    return sub, report


def _apply_acknowledgements(sub: Submission, report: Report) -> None:
    """Warnings the clerk acknowledged on the 说明 sheet, by (code, position) — stable across runs, so an
    acknowledgement survives re-sending the workbook. Errors cannot be acknowledged away."""
    from dataclasses import replace

    from . import layout as L

    if not sub.acks:
        return
    notes = {(code, pos): (reason, cell) for code, pos, reason, cell in sub.acks}
    used: set[tuple[str, str]] = set()
    extra: list[Finding] = []
    for i, f in enumerate(report.findings):
        key = (f.code, f.position)
        if key not in notes:
            continue
        used.add(key)
        reason, cell = notes[key]
        if f.level is Level.WARNING:
            report.findings[i] = replace(f, acknowledged=reason)
        elif f.level is Level.ERROR:
            extra.append(Finding("ack-error", Level.INFO, f"{f.position} 的“{f.code}”是错误，不能以说明代替修改，请按提示改正", L.SHEET_NOTES, cell))
    for key, (_, cell) in notes.items():
        if key not in used:
            extra.append(Finding("ack-unused", Level.INFO, f"说明中的“{key[0]} {key[1]}”没有对应的警告（问题可能已经改正），可以删除这一行", L.SHEET_NOTES, cell))
    report.extend(extra)


def _compare_with_previous(sub: Submission, report: Report, previous: str | Path | None, limits: Limits | None) -> None:
    from .previous import check_previous, year_gap

    if previous is None:
        report.not_assessed.append(NOT_ASSESSED_PREVIOUS)
        return
    prev, prev_report = check(previous, limits)
    if prev is None:
        report.add(Finding("previous-unreadable", Level.WARNING,
                           f"上年工作簿“{Path(previous).name}”无法读取（{prev_report.findings[0].message if prev_report.findings else ''}），跨年度核对未进行"))
        report.not_assessed.append("跨年度核对：上年工作簿无法读取")
        return
    gap = year_gap(sub, prev)
    if gap:
        report.add(gap)
    report.extend(check_previous(sub, prev))


def annotate_bytes(path: str | Path, report: Report, limits: Limits | None = DEFAULT_LIMITS) -> bytes | None:
    """A marked-up copy of the workbook, as bytes; None when the file cannot be opened as a workbook at
    all (then there is nothing to mark up; the findings say why)."""
    path = Path(path)
    if any(f.code.startswith("file-") and f.level is Level.ERROR for f in report.findings):
        return None
    from .annotate import annotated_bytes

    try:
        if limits is None:
            return annotated_bytes(path, report)
        data: bytes = run_limited(annotated_bytes, path, report, limits=limits)
        return data
    except (LimitExceeded, RuntimeError):
        return None


def annotate(path: str | Path, report: Report, out: str | Path, limits: Limits | None = DEFAULT_LIMITS) -> bool:
    """Write the marked-up copy to out (never over the input); False when there is none to write."""
    from .io import atomic_write_bytes

    data = annotate_bytes(path, report, limits)
    if data is None:
        return False
    atomic_write_bytes(Path(out), data)
    return True


FORMATS = ("docx", "pdf", "html", "json")


def render_formats(sub: Submission, report: Report, formats: list[str] | tuple[str, ...] = ("docx",), draft: bool = False,
                   template: bytes | None = None, name: str = "report") -> dict[str, bytes]:
    """Every requested format, as {file suffix: bytes} (".docx", ".pdf", ".html" and ".fragment.html",
    ".json"), made in memory so that the caller writes nothing unless all of them succeeded.
    Raises render.RenderError (the Word template) or pdf.PdfError (LibreOffice)."""
    from .render import context, render_docx

    ctx = context(sub, report, draft)
    docx = render_docx(ctx, template)
    out: dict[str, bytes] = {}
    if "docx" in formats:
        out[".docx"] = docx
    if "pdf" in formats:
        from .pdf import pdf_bytes

        out[".pdf"] = pdf_bytes(docx, name)
    if "html" in formats:
        from .htmlout import fragment, page

        out[".html"] = page(sub, ctx).encode("utf-8")
        out[".fragment.html"] = fragment(sub, ctx).encode("utf-8")
    if "json" in formats:
        import json

        from .dataout import export

        out[".json"] = json.dumps(export(sub, ctx), ensure_ascii=False, indent=1).encode("utf-8")
    return out

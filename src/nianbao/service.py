"""One workbook in, everything a person should get back out: the conversion shared by the mail gateway
and the web app (the same guard, sandbox and limits as `batch`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .findings import Level, Report
from .io import safe_filename
from .render import report_title

OK, ERRORS, UNREADABLE = "ok", "errors", "unreadable"
STATUS_ZH = {OK: "已生成报告", ERRORS: "有错误，未生成报告", UNREADABLE: "无法读取"}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xls", ".et", ".ett", ".csv", ".ods", ".numbers")


@dataclass
class Conversion:
    """The outcome for one uploaded or attached workbook."""

    name: str  # the file name as the sender gave it
    status: str
    report: Report
    title: str = ""  # the report's title when the workbook could be read
    agency: str = ""
    year: int | None = None
    form: str = ""
    figures: dict[str, dict[str, str]] = field(default_factory=dict)  # passed workbooks: table -> cell -> figure
    files: dict[str, bytes] = field(default_factory=dict)  # kind ("docx", "pdf", "html", "json", "annotated") -> bytes
    filenames: dict[str, str] = field(default_factory=dict)  # kind -> name to offer for download
    seconds: float = 0.0
    note: str = ""  # e.g. why a PDF could not be made

    @property
    def errors(self) -> int:
        return len(self.report.errors)

    @property
    def warnings(self) -> int:
        return len([f for f in self.report.warnings if not f.acknowledged])


def looks_like_workbook(name: str, content_type: str = "") -> bool:
    """Is this attachment meant as the workbook? (Anything spreadsheet-like: a wrong kind is explained
    by the guard; pictures, signatures and letters are not workbooks.)"""
    lower = name.lower()
    return lower.endswith(WORKBOOK_SUFFIXES) or "spreadsheet" in content_type or "excel" in content_type


def staging_path(folder: Path, name: str) -> Path:
    """Where to put an uploaded or attached file so that every message names it as the sender did:
    a private folder of ours, the sender's name made safe (never a path of theirs)."""
    folder.mkdir(parents=True, exist_ok=True)
    p = Path(name)
    return folder / (safe_filename(p.stem, "工作簿")[:70] + p.suffix.lower()[:8])


def convert_file(path: Path, name: str, formats: tuple[str, ...] = ("docx",)) -> Conversion:
    """Check the workbook at path (sent as `name`) and make the report in every format asked for, or the
    annotated copy when it has errors. Never raises for bad input (a damaged custom Word template or a
    bug of ours does raise: callers report those as the program's failure, not the sender's)."""
    from .api import annotate_bytes, check, render_formats
    from .pdf import PdfError
    from .values import format_number

    started = time.perf_counter()
    sub, report = check(path)
    unreadable = sub is None and any(f.code.startswith("file-") or f.code == "internal-error" for f in report.errors)
    conv = Conversion(name, UNREADABLE if unreadable else ERRORS, report)
    stem = safe_filename(Path(name).stem) or "工作簿"
    if sub is not None:
        conv.agency, conv.year, conv.form = sub.meta.agency, sub.meta.year, sub.form.id
        if sub.meta.agency and sub.meta.year:
            conv.title = report_title(sub.meta.agency, sub.meta.year)
    if sub is not None and report.ok:
        conv.status = OK
        base = safe_filename(conv.title) if conv.title else stem
        made = render_formats(sub, report, tuple(f for f in formats if f != "pdf") or ("docx",), name=base)
        if "pdf" in formats:
            try:
                from .pdf import pdf_bytes

                made[".pdf"] = pdf_bytes(made[".docx"], base)
            except PdfError as exc:
                conv.note = f"未能生成 PDF（{exc}），请使用 Word 版。"
        for suffix, data in made.items():
            if suffix != ".fragment.html":
                conv.files[suffix.lstrip(".")] = data
                conv.filenames[suffix.lstrip(".")] = base + suffix
        conv.figures = {table: {ref: format_number(v) for ref, v in values.items() if v is not None}
                        for table, values in sub.figures.items()}
    elif conv.status == ERRORS:
        annotated = annotate_bytes(path, report)
        if annotated is not None:
            conv.files["annotated"] = annotated
            conv.filenames["annotated"] = f"{stem}-标注.xlsx"
    conv.seconds = round(time.perf_counter() - started, 3)
    return conv


def warm() -> None:
    """Import everything a conversion needs once, so forked workers and sandbox children inherit it."""
    from . import annotate, checks, loader, render  # noqa: F401

    render.bundled_template()


def plain_findings(report: Report, limit: int = 30) -> list[str]:
    """The findings as numbered lines for a person: errors first, then open warnings."""
    shown = [f for f in report.findings if f.level is Level.ERROR]
    shown += [f for f in report.findings if f.level is Level.WARNING and not f.acknowledged]
    lines = [f"{i}. {'【错误】' if f.level is Level.ERROR else '【提醒】'}{f.position + '：' if f.position else ''}{f.message}"
             for i, f in enumerate(shown[:limit], 1)]
    if len(shown) > limit:
        lines.append(f"……另有 {len(shown) - limit} 条，详见附件中的标注副本")
    return lines

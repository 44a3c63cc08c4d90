"""A whole inbox at once: every workbook converted in isolation and in parallel, then summarised.

Workers never write files: they return the report or the annotated copy as bytes, and the parent
names and writes every output, so that two workbooks of the same agency can never overwrite each other.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nianbao.apps.batch.aggregate import aggregate_items
from nianbao.apps.batch.collect import counted_items, received_times, run_season, write_season_sheet
from nianbao.apps.batch.items import ANNOTATED_DIR, REPORT_DIR, BatchResult, Item, Outcome
from nianbao.apps.batch.summary import flag_duplicates, write_summary
from nianbao.apps.kernel import BatchError, discover, skipped
from nianbao.conversion import Status, convert, last_year, report_name, warm
from nianbao.files import atomic_write_bytes, safe_filename, sha256_of
from nianbao.findings import Finding
from nianbao.output.pdf import PdfError, soffice
from nianbao.output.pdf import convert as pdf_convert
from nianbao.published import PUBLISHED_SUFFIXES
from nianbao.season.roster import Roster
from nianbao.workers import each

CACHE_NAME = ".nianbao-batch.json"
FIRST_FINDINGS = 3


# --- the worker side -------------------------------------------------------------------------------

def _agency_key(name: str) -> str:
    return "".join(name.split())


def process_one(display: str, path: Path, sha: str, previous: dict[str, str] | None = None) -> Outcome:
    # last year's report of the same agency, chosen once this year's workbook has been read
    chooser = (lambda sub: previous.get(_agency_key(sub.meta.agency))) if previous is not None else None
    conv = convert(path, Path(display).name, previous=chooser)
    item = Item(display, sha, status=conv.status, agency=conv.agency, agency_type=conv.agency_type, year=conv.year, form=conv.form,
                errors=conv.errors, warnings=conv.warnings, figures=conv.figures, seconds=conv.seconds,
                first=[f.line() for f in (conv.report.errors or conv.report.warnings)[:FIRST_FINDINGS]])
    return Outcome(item, conv.files.get("docx"), conv.files.get("annotated"))


def _process_safely(display: str, path: Path, sha: str, previous: dict[str, str] | None = None) -> Outcome:
    try:
        return process_one(display, path, sha, previous)
    except Exception as exc:  # noqa: BLE001 - one file must never stop the batch
        bug = Finding.of("internal-error", f"处理时程序出错（{type(exc).__name__}），请把此文件发给维护人员")
        item = Item(display, sha, first=[bug.line()])
        item.errors = 1
        return Outcome(item)


# --- the parent side -------------------------------------------------------------------------------

class _Names:
    """Output names, never reused within a run or over an existing file from another input."""
    def __init__(self, outdir: Path, keep: set[str]) -> None:
        self.outdir, self.taken = outdir, set(keep)

    def claim(self, folder: str, stem: str, suffix: str) -> str:
        n = 1
        while True:
            rel = f"{folder}/{stem}{'' if n == 1 else f'（{n}）'}{suffix}"
            if rel not in self.taken and not (self.outdir / rel).exists():
                self.taken.add(rel)
                return rel
            n += 1


def _load_cache(outdir: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((outdir / CACHE_NAME).read_text("utf-8"))
        return {k: v for k, v in data.get("items", {}).items() if isinstance(v, dict)}
    except (OSError, ValueError):
        return {}


def _reusable(cached: dict[str, Any] | None, outdir: Path) -> Item | None:
    if not cached:
        return None
    try:
        item = Item(**(cached | {"status": Status(str(cached.get("status")))}))
    except (TypeError, ValueError):  # a cache of another version: convert again
        return None
    for rel in (item.report, item.annotated, item.pdf):
        if rel and not (outdir / rel).is_file():
            return None
    return item


Progress = Callable[[int, int, Item], None]


def run_batch(inbox: Path, outdir: Path, jobs: int | None = None, force: bool = False,
              aggregate: bool = False, progress: Progress | None = None,
              formats: list[str] | tuple[str, ...] = ("docx",), previous: Path | None = None,
              roster: Roster | None = None, year: int | None = None) -> BatchResult:
    """previous: a folder of last year's workbooks or published reports, matched to this year's by agency name
    (every file is then processed again: its cross-year findings depend on that folder too). roster: the
    units that must report — the run is then a collection season (collect.py): each file matched to its
    unit, the version that counts chosen (of the report year `year`, else the year most files carry), and
    only counted versions summed."""
    started = time.perf_counter()
    if not inbox.exists():
        raise BatchError(f"找不到“{inbox}”")
    if inbox.is_file() and not zipfile.is_zipfile(inbox):
        raise BatchError(f"“{inbox}”既不是文件夹也不是 .zip 压缩包")
    outdir.mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs or os.cpu_count() or 1)
    last_year = previous_index(previous) if previous is not None else None
    cache = {} if force or last_year is not None else _load_cache(outdir)
    with tempfile.TemporaryDirectory(prefix="nianbao-batch-") as scratch:
        files = discover(inbox, Path(scratch))
        outdir_resolved = outdir.resolve()
        files = [(d, p) for d, p in files if outdir_resolved not in p.resolve().parents]  # never our own outputs
        received = received_times(files) if roster is not None else {}
        todo: list[tuple[str, Path, str]] = []
        items: list[Item] = []
        for display, path in files:
            sha = sha256_of(path)
            reused = _reusable(cache.get(sha), outdir) if sha not in {t[2] for t in todo} else None
            if reused is not None and reused.file == display:
                reused.skipped = True
                items.append(reused)
            else:
                todo.append((display, path, sha))
        keep = {rel for it in items for rel in (it.report, it.annotated) if rel}
        names = _Names(outdir, keep)
        done, total = 0, len(files)
        for it in items:
            done += 1
            if progress:
                progress(done, total, it)
        for outcome in _run_parallel(todo, jobs, last_year):
            item = outcome.item
            _write_outputs(outcome, names, outdir)
            items.append(item)
            done += 1
            if progress:
                progress(done, total, item)
    if "pdf" in formats:
        _make_pdfs([it for it in items if it.report and not it.pdf], outdir, jobs)
    if "docx" not in formats:
        for it in items:
            if it.report and it.pdf:
                (outdir / it.report).unlink(missing_ok=True)
                it.report = None
    flag_duplicates(items)
    items.sort(key=lambda it: (it.status.rank, -it.errors, -it.warnings, it.file))
    result = BatchResult(items, outdir, round(time.perf_counter() - started, 3))
    counted = items
    if roster is not None:
        result.season = run_season(items, roster, outdir, received, year)
        counted = counted_items(result.season)
        write_season_sheet(result.season, outdir)
    if aggregate:
        result.aggregate = aggregate_items(counted)
    write_summary(result)
    atomic_write_bytes(outdir / CACHE_NAME, json.dumps(
        {"schema": "nianbao.batch-cache/1", "items": {it.sha256: asdict(it) | {"skipped": False} for it in items}},
        ensure_ascii=False, allow_nan=False).encode("utf-8"))
    return result


def previous_index(folder: Path) -> dict[str, str]:
    """Last year's files by agency name: workbooks read as workbooks, web pages / Word / PDF imported (each
    in its sandbox child). A file whose agency cannot be told is left out; two of one agency: the later year."""
    if not folder.is_dir():
        raise BatchError(f"上年报告文件夹“{folder}”不存在")
    found: dict[str, tuple[int, str]] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or skipped(path.name) or path.suffix.lower() not in (".xlsx",) + PUBLISHED_SUFFIXES:
            continue
        sub, _, _ = last_year(path)  # a workbook read, a report imported: each in its sandbox child
        key, year = (_agency_key(sub.meta.agency), sub.meta.year or 0) if sub is not None else ("", 0)
        if key and year >= found.get(key, (-1, ""))[0]:
            found[key] = (year, str(path))
    return {key: path for key, (_, path) in found.items()}


def _run_parallel(todo: list[tuple[str, Path, str]], jobs: int, previous: dict[str, str] | None = None) -> Iterator[Outcome]:
    if not todo:
        return
    def died(job: tuple[Any, ...], exc: BaseException) -> Outcome:
        display, _, sha, _ = job
        item = Item(display, sha, first=[Finding.of("internal-error", f"处理进程异常退出（{type(exc).__name__}）").line()])
        item.errors = 1
        return Outcome(item)

    for _, outcome in each(_process_safely, [(*job, previous) for job in todo], jobs, died, warm):
        yield outcome


PDF_CHUNK = 25  # documents per LibreOffice run: start-up (about 2 s) is shared, a failure stays small


def _make_pdfs(items: list[Item], outdir: Path, jobs: int) -> None:
    """All PDFs at the end, in chunks, one LibreOffice process (with its own profile) per job."""


    if not items:
        return
    soffice()  # no LibreOffice: the whole request fails early, with the message saying what to install

    def one_chunk(chunk: list[Path]) -> dict[Path, Path]:
        try:
            return pdf_convert(chunk, chunk[0].parent)
        except PdfError:
            return {}  # those reports keep their .docx; the summary shows no PDF for them
    by_docx = {(outdir / it.report).resolve(): it for it in items if it.report}
    paths = list(by_docx)
    chunks = [paths[i:i + PDF_CHUNK] for i in range(0, len(paths), PDF_CHUNK)]
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(chunks)))) as pool:
        for done in pool.map(one_chunk, chunks):
            for docx, pdf in done.items():
                by_docx[docx].pdf = str(pdf.relative_to(outdir.resolve()))


def _write_outputs(outcome: Outcome, names: _Names, outdir: Path) -> None:
    item = outcome.item
    if outcome.docx is not None:
        item.report = names.claim(REPORT_DIR, report_name(item.agency, item.year, Path(item.file).stem), ".docx")
        atomic_write_bytes(outdir / item.report, outcome.docx)
    if outcome.annotated is not None:
        item.annotated = names.claim(ANNOTATED_DIR, safe_filename(Path(item.file).stem) + "-标注", ".xlsx")
        atomic_write_bytes(outdir / item.annotated, outcome.annotated)

"""nianbao audit: every published report of a folder or .zip read (in parallel, each in its sandbox),
compared with the others and with last year, scored and ranked; the results written at the end."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.apps.kernel import BatchError, discover
from nianbao.audit.cross import cross_check
from nianbao.audit.outputs import RESULTS_JSON, RESULTS_XLSX, Scored, dumps, report_page, results_json, results_xlsx, score_all
from nianbao.audit.reading import Audited, audit_file
from nianbao.audit.rubric import Rubric
from nianbao.conversion import warm
from nianbao.files import atomic_write_bytes, sha256_of
from nianbao.season.matching import Index
from nianbao.season.roster import Roster
from nianbao.workers import each


@dataclass
class AuditResult:
    scored: list[Scored]
    seconds: float
    outdir: Path


Progress = Callable[[int, int, Audited], None]


def _safely(display: str, path: Path, sha: str) -> Audited:
    try:
        return audit_file(display, path, sha)
    except Exception as exc:  # noqa: BLE001 - one file never stops the run: it is a row saying so
        return Audited(display, sha, why=f"处理时程序出错（{type(exc).__name__}），请把此文件发给维护人员")


def _died(job: tuple[Any, ...], exc: BaseException) -> Audited:
    display, _, sha = job
    return Audited(display, sha, why=f"处理进程异常退出（{type(exc).__name__}）")


def read_all(source: Path, jobs: int, progress: Progress | None = None) -> list[Audited]:
    with tempfile.TemporaryDirectory(prefix="nianbao-audit-") as scratch:
        files = discover(source, Path(scratch))
        todo = [(d, p, sha256_of(p)) for d, p in files]
        out: list[Audited] = []
        if not todo:
            return out
        for _, done in each(_safely, todo, jobs, _died, warm):
            out.append(done)
            if progress:
                progress(len(out), len(todo), done)
    return sorted(out, key=lambda a: a.source)


def _missing_units(reports: list[Audited], roster: Roster) -> list[Audited]:
    """A row for every unit of the roster none of whose reports was found; the others named as the roster has them."""
    index = Index(roster)
    found = set()
    for r in reports:
        m = index.match(r.agency, "", r.source)
        if m.unit is not None:
            found.add(m.unit.name)
    return [Audited(f"（未找到：{u.name}）", agency=u.name, why="文件夹中没有找到该单位的报告") for u in roster.units if u.name not in found]


def run_audit(source: Path, outdir: Path, rubric: Rubric, previous: Path | None = None, jobs: int | None = None,
              progress: Progress | None = None, roster: Roster | None = None) -> AuditResult:
    """previous: last year's reports (a folder or .zip); roster: the units that should have published —
    each one without a report is a row of its own."""
    started = time.perf_counter()
    if not source.exists():
        raise BatchError(f"找不到“{source}”")
    jobs = max(1, jobs or os.cpu_count() or 1)
    reports = read_all(source, jobs, progress)
    if roster is not None:
        reports += _missing_units(reports, roster)
    last = read_all(previous, jobs) if previous is not None else []
    boilerplate = cross_check(reports, last)
    scored = score_all(reports, rubric)
    outdir.mkdir(parents=True, exist_ok=True)
    for s in scored:
        atomic_write_bytes(outdir / s.page, report_page(s, rubric).encode("utf-8"))
    atomic_write_bytes(outdir / RESULTS_JSON, dumps(results_json(scored, rubric, str(source), boilerplate)))
    atomic_write_bytes(outdir / RESULTS_XLSX, results_xlsx(scored, rubric, source.name or str(source)))
    return AuditResult(scored, round(time.perf_counter() - started, 3), outdir)


"""The units a region adds up: each unit's figures for the report year, from a season's output folder (its
record, with the roster kept there) or from a folder of filled workbooks or published reports (each read
in its own sandbox child). Units are what is counted, not files: the version of each unit that counts is
chosen as the collection season chooses it (status.compute)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from nianbao import NianbaoError
from nianbao.conversion import Status, check, figures_of, last_year, warm
from nianbao.files import sha256_of
from nianbao.form.model import Form
from nianbao.published import PUBLISHED_SUFFIXES
from nianbao.season.matching import name_key
from nianbao.season.record import RECORD_NAME, Received, SeasonRecord
from nianbao.season.roster import Roster, Unit
from nianbao.season.status import STATUSES, Season, compute, from_record, season_year
from nianbao.workbook import layout as L
from nianbao.workers import each

SUMMARY_JSON = "summary.json"  # a batch run's summary: which inbox files its season last saw
_SKIP = (".", "~$")


class UnitsError(NianbaoError):
    """The units cannot be read at all (Chinese message): no such folder, a season without a roster."""


@dataclass
class UnitFigures:
    """One unit of the region and the figures it counts with (none when it has not reported)."""

    name: str
    kind: str = ""  # 机关类型: the roster's, else the workbook's
    parent: str = ""  # 上级, from the roster
    status: str = "not_submitted"  # a season status (status.STATUSES)
    year: int | None = None
    form: str = ""
    figures: dict[str, dict[str, str]] = field(default_factory=dict)  # conversion.figures_of
    source: str = ""  # the file that counts, as received
    problem: str = ""  # the first thing the unit has to fix
    _numbers: dict[str, dict[str, Decimal]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def label(self) -> str:
        return STATUSES.get(self.status, self.status)

    def values(self, table: str) -> dict[str, Decimal]:
        """A table's figures as numbers (made once: a region's sum asks for every cell of every unit)."""
        if table not in self._numbers:
            self._numbers[table] = {ref: Decimal(v) for ref, v in self.figures.get(table, {}).items()}
        return self._numbers[table]

    def unread(self, form: Form) -> list[str]:
        """`Sheet!cell` of every figure of the form's tables this unit's file did not give."""
        return [f"{L.TABLE_SHEETS[name]}!{L.to_sheet(ref)}" for name, table in form.tables.items()
                for ref in table.numeric if ref not in self.figures.get(name, {})]


@dataclass
class Units:
    source: str
    year: int
    units: list[UnitFigures]
    roster: bool  # the units are a roster's (else every unit that sent a readable file)
    stray: list[str] = field(default_factory=list)  # files that belong to no unit, and why


def read_units(source: Path, roster: Roster | None = None, year: int | None = None, jobs: int | None = None) -> Units:
    """The units of a season's output folder (batch --roster, or the mail/web season folder) or of a folder
    of filled workbooks and published reports; roster, when given, says who had to report (a season's
    folder keeps its own). year: the report year, else the year most files carry."""
    if not source.is_dir():
        raise UnitsError(f"找不到文件夹“{source}”（应为 batch --roster 的输出文件夹，或存放各单位工作簿的文件夹）")
    if (source / RECORD_NAME).is_file():
        return _from_season(source, roster, year)
    return _from_folder(source, roster, year, jobs)


def _from_season(folder: Path, roster: Roster | None, year: int | None) -> Units:
    with SeasonRecord(folder / RECORD_NAME) as record:
        roster = roster or record.roster()
        if roster is None:
            raise UnitsError(f"“{folder}”中的报送记录没有报送名单，请用 --roster 指定报送名单.xlsx")
        season = from_record(record, roster, year, _inbox_files(folder))
    return season_units(season, str(folder))


def season_units(season: Season, source: str) -> Units:
    """The units of a computed season, each with the version that counts."""
    units = [_unit(s.unit, s.status, s.counted, s.problem(season.year), season.year) for s in season.units]
    stray = [f"{rec.path}（{'、'.join(u.name for u in cands) if cands else '没有对应的单位'}）" for rec, cands in season.unmatched]
    return Units(source, season.year, units, True, stray)


def _inbox_files(folder: Path) -> set[str] | None:
    """The inbox files the last batch run saw (a file gone from the inbox no longer counts)."""
    try:
        data = json.loads((folder / SUMMARY_JSON).read_text("utf-8"))
        return {str(it["file"]) for it in data["items"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _unit(unit: Unit, status: str, rec: Received | None, problem: str, year: int) -> UnitFigures:
    if rec is None:
        return UnitFigures(unit.name, unit.kind, unit.parent, status, year, problem=problem)
    try:
        figures = json.loads(rec.figures or "{}")
    except ValueError:
        figures = {}
    return UnitFigures(unit.name, unit.kind or rec.agency_type, unit.parent, status, rec.year or year, rec.form,
                       figures if isinstance(figures, dict) else {}, rec.path, problem)


def _from_folder(folder: Path, roster: Roster | None, year: int | None, jobs: int | None) -> Units:
    paths = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix.lower() in (".xlsx",) + PUBLISHED_SUFFIXES
             and not any(part.startswith(_SKIP) for part in p.relative_to(folder).parts)]
    if not paths:
        raise UnitsError(f"文件夹“{folder}”中没有工作簿（.xlsx）或已发布的报告（.html/.docx/.pdf）")
    records = read_files([(str(p.relative_to(folder)), p) for p in paths], jobs)
    chosen = year or season_year(records) or dt.date.today().year - 1
    if roster is not None:
        season = compute(roster, records, chosen)
        units = [_unit(s.unit, s.status, s.counted, s.problem(chosen), chosen) for s in season.units]
        stray = [f"{rec.path}（没有对应的单位）" for rec, _ in season.unmatched]
        return Units(str(folder), chosen, units, True, stray)
    # no roster: every agency that sent a file of the year is a unit, its latest file counting
    by_agency: dict[str, Received] = {}
    stray = []
    for rec in sorted(records, key=lambda r: (r.received, r.path)):
        if not rec.agency:  # a unit's file that cannot be read: a unit that cannot be summed
            by_agency[rec.path] = replace(rec, agency=Path(rec.path).stem)
        elif rec.year not in (chosen, None):
            stray.append(f"{rec.path}（{rec.agency} {rec.year} 年度，不是 {chosen} 年度）")
        else:
            by_agency[name_key(rec.agency)] = rec
    units = [_unit(Unit(rec.agency), {"ok": "ok", "errors": "errors"}.get(rec.status, "unreadable"), rec, rec.first, chosen)
             for rec in by_agency.values()]
    units.sort(key=lambda u: u.name)
    return Units(str(folder), chosen, units, False, stray)


def read_files(files: Sequence[tuple[str, Path]], jobs: int | None = None) -> list[Received]:
    """Each file read as the season records it (a workbook checked, a published report imported), in
    parallel, each in its sandbox child."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(files)))
    if jobs == 1:
        return [read_file(display, path) for display, path in files]
    read = dict(each(read_file, [(d, p) for d, p in files], jobs, _unreadable, warm))
    return [read[(d, p)] for d, p in files]


def _unreadable(job: tuple[Any, ...], exc: BaseException) -> Received:
    display, path = job
    return Received(sha256_of(path), "folder", display, _mtime(path), Status.UNREADABLE.value,
                    first=f"处理进程异常退出（{type(exc).__name__}）")


def _mtime(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat(timespec="seconds")


def read_file(display: str, path: Path) -> Received:
    """One file as a season record: its agency, year, status and figures."""
    sha, received = sha256_of(path), _mtime(path)
    if path.suffix.lower() in PUBLISHED_SUFFIXES:
        sub, why, _ = last_year(path)  # imported in its sandbox child, read as its workbook would be
        if sub is None:
            return Received(sha, "folder", display, received, Status.UNREADABLE.value, first=why)
        return Received(sha, "folder", display, received, Status.OK.value, agency=sub.meta.agency, year=sub.meta.year,
                        form=sub.form.id, agency_type=sub.meta.agency_type,
                        figures=json.dumps(figures_of(sub), ensure_ascii=False, allow_nan=False))
    sub, report = check(path)
    first = (report.errors or report.warnings)[:1]
    if sub is None:
        return Received(sha, "folder", display, received, Status.UNREADABLE.value, errors=len(report.errors),
                        first=first[0].line() if first else "")
    return Received(sha, "folder", display, received, (Status.OK if report.ok else Status.ERRORS).value,
                    agency=sub.meta.agency, agency_type=sub.meta.agency_type, year=sub.meta.year, form=sub.form.id,
                    errors=len(report.errors), warnings=len(report.warnings), first=first[0].line() if first else "",
                    figures=json.dumps(figures_of(sub), ensure_ascii=False, allow_nan=False))


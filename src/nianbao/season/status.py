"""Where each unit of the roster stands: the version that counts (the latest received for the season's
report year, unless a person pinned another), the versions it superseded, files of another year (listed,
never counted), and one status from a fixed vocabulary. Units are what is counted, not files."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from nianbao.season.matching import BY_PERSON, Index
from nianbao.season.record import Received, SeasonRecord
from nianbao.season.roster import Roster, Unit

# the status vocabulary (summary.json "units"[].status) and how the office's sheet says each, worst first
STATUSES = {"not_submitted": "未报送", "unreadable": "无法读取", "errors": "有错误", "wrong_year": "年度不符", "ok": "通过"}


@dataclass
class UnitState:
    unit: Unit
    status: str
    counted: Received | None = None
    superseded: list[Received] = field(default_factory=list)  # this year's earlier (or unpinned) versions
    other_years: list[Received] = field(default_factory=list)  # files of another report year: never counted
    matched_by: str = ""
    pinned: bool = False

    @property
    def label(self) -> str:
        return STATUSES[self.status]

    @property
    def received(self) -> str | None:
        return self.counted.received if self.counted else None

    def problem(self, year: int) -> str:
        """The first thing to fix, in words for the office (and the unit)."""
        if self.status == "not_submitted":
            return "尚未收到工作簿"
        if self.status == "wrong_year":
            years = "、".join(sorted({str(r.year) for r in self.other_years}))
            return f"收到的工作簿报告年度为{years}，本次收集的是{year}年度"
        if self.counted is None or self.status == "ok":
            return ""
        return self.counted.first or ("文件无法读取" if self.status == "unreadable" else "")


@dataclass
class Season:
    year: int
    units: list[UnitState]
    unmatched: list[tuple[Received, tuple[Unit, ...]]]  # files of no unit, or of several (the candidates)

    def counts(self) -> dict[str, int]:
        c = Counter(u.status for u in self.units)
        return {key: c.get(key, 0) for key in STATUSES}

    def headline(self) -> str:
        """应报 39 · 已报 34 · 通过 26 · 有错误 5 · 无法读取 3 · 未报 5 (年度不符, 未对应 when there are any)."""
        c = self.counts()
        reported = c["ok"] + c["errors"] + c["unreadable"]
        parts = [f"应报 {len(self.units)}", f"已报 {reported}", f"通过 {c['ok']}", f"有错误 {c['errors']}",
                 f"无法读取 {c['unreadable']}", f"未报 {c['not_submitted']}"]
        if c["wrong_year"]:
            parts.append(f"年度不符 {c['wrong_year']}")
        if self.unmatched:
            parts.append(f"未对应的文件 {len(self.unmatched)}")
        return " · ".join(parts)


def season_year(records: list[Received]) -> int | None:
    """The year most files carry (the season's, when nobody said)."""
    years = Counter(r.year for r in records if r.year)
    return years.most_common(1)[0][0] if years else None


def from_record(record: SeasonRecord, roster: Roster, year: int | None = None, folder: set[str] | None = None) -> Season:
    """The season as its record has it: year, else the year most files carry (else last year); folder, the
    inbox's files now — a folder file gone from it no longer counts (None: every file recorded counts). The
    roster is kept in the record (nianbao region and export read a season's folder without it)."""
    kept = record.roster()
    if kept is None or kept.units != roster.units:  # the folder then says on its own who had to report
        record.keep_roster(roster)
    records = [r for r in record.all() if folder is None or r.source != "folder" or r.path in folder]
    chosen = year or season_year(records) or dt.date.today().year - 1
    return compute(roster, records, chosen, record.pins(), record.assignments())


def compute(roster: Roster, records: list[Received], year: int, pins: dict[str, str] | None = None,
            assignments: dict[str, str] | None = None) -> Season:
    pins, assignments = pins or {}, assignments or {}
    index = Index(roster)
    by_unit: dict[str, list[tuple[Received, str]]] = {}
    unmatched: list[tuple[Received, tuple[Unit, ...]]] = []
    for rec in records:
        assigned = roster.unit(assignments[rec.sha256]) if rec.sha256 in assignments else None
        if assigned is not None:
            by_unit.setdefault(assigned.name, []).append((rec, BY_PERSON))
            continue
        m = index.match(rec.agency, rec.sender, rec.path)
        if m.unit is None:
            unmatched.append((rec, m.units))
        else:
            by_unit.setdefault(m.unit.name, []).append((rec, m.how))
    states = []
    for unit in roster.units:
        files = by_unit.get(unit.name, [])
        this_year = [(r, how) for r, how in files if r.year in (year, None)]
        others = [r for r, _ in files if r.year not in (year, None)]
        pinned = next(((r, how) for r, how in this_year if r.sha256 == pins.get(unit.name)), None)
        latest = max(this_year, key=lambda x: (_moment(x[0].received), x[0].recorded, x[0].path), default=None)
        chosen = pinned or latest
        if chosen is None:
            states.append(UnitState(unit, "wrong_year" if others else "not_submitted", other_years=others))
            continue
        counted, how = chosen
        status = {"ok": "ok", "errors": "errors"}.get(counted.status, "unreadable")
        superseded = sorted((r for r, _ in this_year if r is not counted), key=lambda r: _moment(r.received), reverse=True)
        states.append(UnitState(unit, status, counted, superseded, others, how, pinned is not None))
    return Season(year, states, unmatched)


def _moment(iso: str) -> dt.datetime:
    """A received time as a moment: times recorded in different zones (a mail's Date keeps the sender's)
    compare by when they happened; one without a zone is this machine's."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return moment if moment.tzinfo else moment.astimezone()

"""A batch run as a collection season (batch --roster): every file of the inbox recorded in the season's
record, matched to its roster unit, the version that counts chosen per unit; reports of superseded versions
moved aside (never deleted), the counted one named by the unit and year; 报送情况.xlsx written."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nianbao.apps.batch.items import ANNOTATED_DIR, REPORT_DIR, Item
from nianbao.conversion import Status, report_name
from nianbao.files import atomic_write_bytes
from nianbao.season.record import RECORD_NAME, Received, SeasonRecord
from nianbao.season.roster import Roster
from nianbao.season.sheet import SHEET_NAME, season_sheet
from nianbao.season.status import Season, UnitState, from_record

SUPERSEDED_DIR = "旧版"  # reports and annotated copies of versions that no longer count


def received_times(files: list[tuple[str, Path]]) -> dict[str, str]:
    """When each file of the inbox was received, as its time says (a folder's files: their modification
    time; a .zip's members: the time stored with them, given to the unpacked copies), ISO 8601 with the
    local offset."""
    return {display: _iso(path.stat().st_mtime) for display, path in files}


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")


def run_season(items: list[Item], roster: Roster, outdir: Path, received: dict[str, str], year: int | None) -> Season:
    """Record the inbox's files, compute where each unit stands, put the outputs in order. Files of the
    mailbox or the web page recorded in the same season record count as well; a file gone from the inbox
    folder no longer does."""
    present = {it.file for it in items}
    with SeasonRecord(outdir / RECORD_NAME) as record:
        for it in items:
            record.add(Received(it.sha256, "folder", it.file, received.get(it.file) or _iso(0), it.status.value,
                                agency=it.agency, agency_type=it.agency_type, year=it.year, errors=it.errors, warnings=it.warnings,
                                first=it.first[0] if it.first else "", form=it.form,
                                figures=json.dumps(it.figures, ensure_ascii=False, allow_nan=False),
                                report=it.report, annotated=it.annotated))
        season = from_record(record, roster, year, present)
        by_key = {(it.sha256, it.file): it for it in items}
        for state in season.units:
            _tidy(state, outdir, by_key)
            for rec in _files_of(state):
                record.set_outputs(rec.sha256, rec.source, rec.path, rec.report, rec.annotated)
    return season


def counted_items(season: Season) -> list[Item]:
    """The version each unit counts with, wherever it came from (folder, mail, web page), as what the
    region's total adds up."""
    return [Item(s.counted.path, s.counted.sha256, status=Status(s.counted.status), agency=s.counted.agency,
                 agency_type=s.counted.agency_type,
                 year=s.counted.year, form=s.counted.form, figures=json.loads(s.counted.figures or "{}"))
            for s in season.units if s.counted is not None]


def _files_of(state: UnitState) -> list[Received]:
    return ([state.counted] if state.counted else []) + state.superseded + state.other_years


def _tidy(state: UnitState, outdir: Path, by_key: dict[tuple[str, str], Item]) -> None:
    """Superseded and other-year versions' outputs into 旧版/; the counted version's report under the
    unit's name and year (a rerun finds it there and changes nothing)."""
    for rec in state.superseded + state.other_years:
        rec.report = _move(outdir, rec.report, SUPERSEDED_DIR)
        rec.annotated = _move(outdir, rec.annotated, SUPERSEDED_DIR)
    counted = state.counted
    if counted is not None:
        if counted.report:
            wanted = f"{REPORT_DIR}/{report_name(state.unit.name, counted.year, Path(counted.path).stem)}.docx"
            counted.report = _move(outdir, counted.report, REPORT_DIR, wanted)
        counted.annotated = _move(outdir, counted.annotated, ANNOTATED_DIR)
    for rec in _files_of(state):
        item = by_key.get((rec.sha256, rec.path))
        if item is not None:
            if item.pdf and rec.report and item.report != rec.report:  # the PDF goes where its report went
                item.pdf = _move(outdir, item.pdf, str(Path(rec.report).parent), str(Path(rec.report).with_suffix(".pdf")))
            item.report, item.annotated = rec.report, rec.annotated


def _move(outdir: Path, rel: str | None, folder: str, wanted: str | None = None) -> str | None:
    """rel moved to folder (under its own name, or wanted), never over another file; the new relative path."""
    if not rel or not (outdir / rel).is_file():
        return rel
    target = wanted or f"{folder}/{Path(rel).name}"
    if target == rel:
        return rel
    dest = outdir / target
    n = 2
    while dest.exists():
        dest = outdir / folder / f"{Path(target).stem}（{n}）{Path(target).suffix}"
        n += 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(outdir / rel), dest)
    return str(dest.relative_to(outdir))


def write_season_sheet(season: Season, outdir: Path) -> None:
    atomic_write_bytes(outdir / SHEET_NAME, season_sheet(season))


def season_json(season: Season) -> dict[str, Any]:
    """summary.json's "season", "units" and "unmatched" (docs/summary.schema.json)."""
    def file(rec: Received) -> dict[str, Any]:
        return {k: v for k, v in asdict(rec).items() if k != "recorded"}
    units = [{"unit": s.unit.name, "status": s.status, "label": s.label,
              "counted": s.counted.path if s.counted else None,
              "received": s.received, "errors": s.counted.errors if s.counted else None,
              "warnings": s.counted.warnings if s.counted else None, "problem": s.problem(season.year),
              "matched_by": s.matched_by or None, "pinned": s.pinned,
              "report": s.counted.report if s.counted else None,
              "superseded": [r.path for r in s.superseded], "other_years": [file(r) for r in s.other_years],
              "contact": s.unit.contact, "emails": list(s.unit.emails)}
             for s in season.units]
    unmatched = [file(rec) | {"candidates": [u.name for u in candidates]} for rec, candidates in season.unmatched]
    return {"season": {"year": season.year, "headline": season.headline(), "counts": season.counts()},
            "units": units, "unmatched": unmatched}

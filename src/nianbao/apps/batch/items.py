"""One input file of a batch and what became of it: a row of 汇总.xlsx and of summary.json."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.conversion import Status
from nianbao.season.status import Season

REPORT_DIR, ANNOTATED_DIR = "报告", "标注"  # the output folder's subfolders


@dataclass
class Item:
    """One input file and what became of it (a row of 汇总.xlsx and of summary.json)."""

    file: str  # as shown to the user: path inside the inbox
    sha256: str
    status: Status = Status.UNREADABLE
    agency: str = ""
    agency_type: str = ""
    year: int | None = None
    form: str = ""
    errors: int = 0
    warnings: int = 0
    first: list[str] = field(default_factory=list)
    report: str | None = None  # relative to the output folder
    pdf: str | None = None
    annotated: str | None = None
    duplicate: str = ""
    skipped: bool = False  # unchanged since the last run: outputs reused
    seconds: float = 0.0
    figures: dict[str, dict[str, str]] = field(default_factory=dict)  # of every workbook that could be read


@dataclass
class Outcome:
    """What a worker sends back: the summary row and the bytes to write."""

    item: Item
    docx: bytes | None = None
    annotated: bytes | None = None


@dataclass
class BatchResult:
    items: list[Item]
    outdir: Path
    seconds: float
    aggregate: dict[str, Any] | None = None
    season: Season | None = None  # with a roster: where each unit stands

    def counts(self) -> dict[str, int]:
        """Files by status, in the words of 汇总.xlsx, those that need a person first."""
        c = {s.short: 0 for s in sorted(Status, key=lambda s: s.rank)}
        for it in self.items:
            c[it.status.short] += 1
        return c

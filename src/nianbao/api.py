"""The library entry points the CLI is a thin layer over."""

from __future__ import annotations

from pathlib import Path

from .checks import run_checks
from .findings import Report
from .loader import load
from .model import Submission


def check(path: str | Path) -> tuple[Submission | None, Report]:
    """Load and check a workbook. The submission is None when the file could not be read at all."""
    sub, report = load(path)
    if sub is not None:
        run_checks(sub, report)
    return sub, report

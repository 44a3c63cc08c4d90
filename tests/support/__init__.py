"""What the tests share (the examples, strict JSON, editing a workbook as a clerk would, inserting rows as
Excel does): imported as `from support import …`; conftest.py keeps only the fixtures."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import openpyxl

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "examples"
DAZHUANG = EXAMPLES / "大庄乡人民政府2024.xlsx"
PINGTAN = EXAMPLES / "平潭综合实验区2024.xlsx"
SHARED = ROOT.parent / "shared"


def strict_json(text: str | bytes) -> Any:
    """JSON as a strict parser reads it: NaN and Infinity (which Python's json writes by default and no
    other parser accepts) are an error."""
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def agency_workbook(name: str, changes: dict[str, object] | None = None) -> bytes:
    """The Pingtan figures under another agency's name (a 乡镇街道), as .xlsx bytes."""
    wb = openpyxl.load_workbook(PINGTAN)
    wb["基本信息"]["B3"] = name
    wb["基本信息"]["B4"] = "乡镇街道"
    set_cells(wb, changes or {})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def set_cells(wb: openpyxl.Workbook, changes: dict[str, object]) -> openpyxl.Workbook:
    """Each "Sheet!A1": value of changes typed into the workbook (the one copy of this loop)."""
    for where, value in changes.items():
        sheet, ref = where.split("!")
        wb[sheet][ref] = value
    return wb


def _rows_like_excel(ws, idx: int, amount: int) -> None:
    """Insert (amount > 0) or delete (amount < 0) rows as Excel and WPS do: merged ranges below move
    and ranges across grow or shrink (openpyxl's insert_rows/delete_rows leave them where they were)."""
    from openpyxl.worksheet.cell_range import CellRange

    ranges = [CellRange(str(r)) for r in ws.merged_cells.ranges]
    for r in ranges:
        ws.unmerge_cells(str(r))
    if amount > 0:
        ws.insert_rows(idx, amount)
    else:
        ws.delete_rows(idx, -amount)
    for r in ranges:
        if r.min_row > idx or (amount > 0 and r.min_row == idx):
            r.shift(row_shift=amount)
        elif r.max_row >= idx:
            if amount > 0:
                r.expand(down=amount)
            else:
                r.shrink(bottom=-amount)
        if r.max_row >= r.min_row:
            ws.merge_cells(r.coord)


def insert_rows_like_excel(ws, idx: int, amount: int = 1) -> None:
    _rows_like_excel(ws, idx, amount)


def delete_rows_like_excel(ws, idx: int, amount: int = 1) -> None:
    _rows_like_excel(ws, idx, -amount)


def fill_disk(folder: Path, leave: int = 0) -> Path:
    """Fill the file system under folder (a small tmpfs) with one file, leaving about `leave` bytes free;
    returns the file (delete it and the space is back)."""
    filler = folder / "filler"
    with filler.open("wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            pass
    if leave:
        filler.write_bytes(filler.read_bytes()[:-leave])
    return filler

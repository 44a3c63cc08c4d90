"""A1 addresses: the one place where Excel coordinates are parsed and formatted."""

from __future__ import annotations

import re
from collections.abc import Iterator

_CELL_RE = re.compile(r"^([A-Z]{1,3})([1-9][0-9]*)$")


def col_to_index(letters: str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def index_to_col(index: int) -> str:
    if index < 1:
        raise ValueError(f"column index must be >= 1, got {index}")
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_cell(ref: str) -> tuple[int, int]:
    """'D4' -> (row 4, column 4)."""
    m = _CELL_RE.match(ref)
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return int(m.group(2)), col_to_index(m.group(1))


def cell_ref(row: int, col: int) -> str:
    return f"{index_to_col(col)}{row}"


def absolute(ref: str) -> str:
    """B2 -> $B$2 (for defined names and formulas that must not move)."""
    r, c = parse_cell(ref)
    return f"${index_to_col(c)}${r}"


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C3' -> (min_row, min_col, max_row, max_col); a single cell is a 1x1 range."""
    if ":" in ref:
        a, b = ref.split(":", 1)
        r1, c1 = parse_cell(a)
        r2, c2 = parse_cell(b)
    else:
        r1, c1 = r2, c2 = parse_cell(ref)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def iter_range(ref: str) -> Iterator[str]:
    """Cells of a range, row by row."""
    r1, c1, r2, c2 = parse_range(ref)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            yield cell_ref(r, c)


def shift(ref: str, rows: int = 0, cols: int = 0) -> str:
    r, c = parse_cell(ref)
    return cell_ref(r + rows, c + cols)


def shift_range(ref: str, rows: int = 0, cols: int = 0) -> str:
    r1, c1, r2, c2 = parse_range(ref)
    a, b = cell_ref(r1 + rows, c1 + cols), cell_ref(r2 + rows, c2 + cols)
    return a if a == b else f"{a}:{b}"


def position(sheet: str, ref: str | None) -> str:
    """How a place is named to the user: 依申请公开!E12 (sheet names are never quoted: users read them)."""
    return f"{sheet}!{ref}" if ref else sheet

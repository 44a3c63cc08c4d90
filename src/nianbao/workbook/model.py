"""What a filled-in workbook says, once read: metadata, figures, narrative — with where each came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from nianbao.form.cells import cell_ref, parse_cell
from nianbao.form.model import Form, Table
from nianbao.workbook.layout import TABLE_SHEETS, to_sheet
from nianbao.workbook.values import Number


@dataclass
class Meta:
    agency: str = ""
    agency_type: str = ""
    year: int | None = None
    form: str = ""
    date: dt.date | None = None
    url: str = ""
    contact_unit: str = ""
    contact_address: str = ""
    contact_postcode: str = ""
    contact_phone: str = ""
    auto_text: str = "是"  # 自动生成数据说明
    seal: str = "否"  # 落款加盖印章: the signature block's layout (GB/T 9704 7.3.5.1 or 7.3.5.2)
    cells: dict[str, str] = field(default_factory=dict)  # field key -> sheet cell of its value

    @property
    def auto_text_on(self) -> bool:
        return self.auto_text != "否"

    @property
    def date_text(self) -> str:
        d = self.date
        return f"{d.year}年{d.month}月{d.day}日" if d else ""


@dataclass
class Block:
    """A sub-heading (or none, for an introduction) and its paragraphs, with their source cells."""

    heading: str | None
    paragraphs: list[str]
    heading_cell: str | None = None
    cells: list[str] = field(default_factory=list)  # sheet cell of each paragraph


@dataclass
class Narrative:
    sheet: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def sections(self) -> list[Block]:
        return [b for b in self.blocks if b.heading is not None]

    def is_empty(self) -> bool:
        return not any(b.paragraphs for b in self.blocks)


@dataclass
class Other:
    """Section 六: the 信息处理费 figures and the items the 2021 form asks about."""

    fee_notices: int | None = None
    fee_billed: Decimal | None = None
    fee_collected: Decimal | None = None
    items: dict[str, list[str]] = field(default_factory=dict)  # field key -> paragraphs
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Submission:
    source: str
    form: Form
    meta: Meta
    # table name -> form cell -> value (None where the cell could not be read)
    figures: dict[str, dict[str, Number | None]]
    general: Narrative
    problems: Narrative
    other: Other
    # table name -> total cell -> the value typed there, where it differs from the sum of its parts (the
    # figures hold the sums: computed once, when the workbook is read)
    mistyped: dict[str, dict[str, Number]] = field(default_factory=dict)
    readable: set[str] = field(default_factory=set)  # tables whose layout could be read
    sheets: dict[str, str] = field(default_factory=dict)  # layout sheet name -> name in this workbook
    # 说明 sheet: (finding code, position, reason, cell of the note)
    acks: list[tuple[str, str, str, str]] = field(default_factory=list)
    rows: dict[str, dict[int, int]] = field(default_factory=dict)  # table -> form row -> sheet row

    def sheet(self, want: str) -> str:
        """The sheet's name in this workbook (a renamed sheet is read under its new name)."""
        return self.sheets.get(want, want)

    def role_cells(self, role: str) -> list[tuple[str, str]]:
        """(table, form cell) of a named role's figure for all applicants; empty when the form lacks it."""
        table = self.form.owner_of(role)
        return [(table.name, ref) for ref in table.role_total(role)] if table else []

    def figure(self, role: str) -> Decimal | None:
        """A named role's figure (its cells summed); None when the form lacks the role or a cell could not
        be read."""
        cells = self.role_cells(role)
        if not cells:
            return None
        total = Decimal(0)
        for table, ref in cells:
            value = self.figures.get(table, {}).get(ref) if table in self.readable else None
            if value is None:
                return None
            total += value
        return total

    def position(self, table: str, ref: str) -> str:
        """`Sheet!A1` of a form cell of a table, as this workbook has it."""
        return f"{self.sheet(TABLE_SHEETS[table])}!{self.at(table, ref)}"

    def at(self, table: str, ref: str) -> str:
        """Sheet cell of a form cell of a table, following rows inserted by the clerk."""
        r, c = parse_cell(ref)
        return cell_ref(self.rows[table][r], c) if table in self.rows else to_sheet(ref)


def complete_totals(table: Table, values: dict[str, Number | None], typed: set[str]) -> dict[str, Number]:
    """Compute every total of the table from its parts, parts first, into values. Returns the typed totals
    that differ from their computed sum ({cell: typed value}); values then hold the sum, so one wrong total
    does not cascade into the relations that use it. A total whose part could not be read stays as typed
    (or None when it was not typed): the unreadable part is already a finding."""
    mistyped: dict[str, Number] = {}
    done: set[str] = set()
    while len(done) < len(table.totals):
        ready = [t for t in table.totals if t not in done and not any(p in table.totals and p not in done for p in table.totals[t])]
        if not ready:  # pragma: no cover - the forms have no circular totals
            break
        for total in ready:
            done.add(total)
            parts = [values.get(p) for p in table.totals[total]]
            if any(v is None for v in parts):
                if total not in typed:
                    values[total] = None
                continue
            expected: Number = sum(v for v in parts if v is not None)
            typed_value = values.get(total)
            if total in typed and typed_value is not None and typed_value != expected:
                mistyped[total] = typed_value
            values[total] = expected
    return mistyped

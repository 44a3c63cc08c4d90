"""The official forms, read once from their YAML description and turned into typed objects.

Everything else (workbook, loader, checks, Word tables) is derived from these objects; no label of the
form is typed anywhere else in the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any

import yaml

from nianbao.form.cells import cell_ref, iter_range, parse_cell, parse_range

FORM_IDS = ("2021", "2019")


class NumKind(str, Enum):
    """What a figure cell may hold."""

    INT_GE0 = "int_ge0"  # a count: whole number >= 0
    DECIMAL_GE0 = "decimal_ge0"  # an amount (万元): decimals allowed, >= 0
    INT_SIGNED = "int_signed"  # 2019 form 本年增/减: whole number, may be negative


@dataclass(frozen=True)
class Relation:
    """One concrete arithmetic relation: sum(lhs) OP sum(rhs), cells relative to the table."""

    kind: str  # stated | implied | plausibility
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    op: str  # "==" or "<="
    rule: str  # the rule it was expanded from, for reference

    @property
    def defines_total(self) -> str | None:
        """The total cell if this relation reads `TOTAL == SUM(parts)`."""
        if self.op == "==" and len(self.lhs) == 1 and len(self.rhs) > 1 and self.kind != "plausibility":
            return self.lhs[0]
        return None


@dataclass(frozen=True)
class Section:
    no: str
    heading: str
    kind: str  # narrative | table
    table: str | None

    @property
    def title(self) -> str:
        """The heading without its number: 一、总体情况 -> 总体情况."""
        return self.heading.split("、", 1)[1]


@dataclass
class Layout:
    """How a table is drawn (hints from the form description; defaults suit a plain grid)."""

    excel_widths: tuple[float, ...] = ()  # workbook column widths, in Excel's character units
    word_widths: tuple[int | str, ...] = ()  # Word grid columns in twips; "*" takes what is left
    thead: bool = True  # the header rows head the whole table (False: each block has its own header row)
    repeat_header: bool = False  # repeat the header rows on every page the table crosses
    row_labels_left: bool = False  # long row labels left-aligned (group labels stay centred)
    breaks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # label cell -> its lines in Word
    font_pt: float | None = None  # the table's type size, when not the usual 五号
    cell_margin: int | None = None  # left and right cell margins in twips, when not the usual 1 mm
    units: dict[str, str] = field(default_factory=dict)  # figure cell -> the unit printed after it


@dataclass
class Table:
    name: str
    merges: list[str]
    labels: dict[str, str]  # cell -> verbatim label text
    numeric: dict[str, NumKind]  # cell -> kind, in row-major order
    relations: list[Relation]
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> its figure cells, row-major
    total_column: int | None = None  # the column that totals each row (table 3's 总计)
    layout: Layout = field(default_factory=Layout)
    nrows: int = 0
    ncols: int = 0
    totals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _headers: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict, repr=False, compare=False)
    _owner: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        refs = list(self.labels) + list(self.numeric)
        bounds = [parse_range(m) for m in self.merges] + [parse_range(r) for r in refs]
        self.nrows = max(b[2] for b in bounds)
        self.ncols = max(b[3] for b in bounds)
        for rel in self.relations:
            total = rel.defines_total
            if total and total not in self.totals:
                self.totals[total] = rel.rhs
        # Which label (top-left of its merge) covers each grid position.
        for m in self.merges:
            r1, c1, r2, c2 = parse_range(m)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self._owner[(r, c)] = cell_ref(r1, c1)

    def role(self, name: str) -> tuple[str, ...]:
        """All figure cells of a named role (KeyError when this table has no such role)."""
        return self.roles[name]

    def role_total(self, name: str) -> tuple[str, ...]:
        """The cells whose sum is the role's figure for all applicants: its cells in the total column
        when the table has one, else all its cells."""
        cells = self.roles[name]
        if self.total_column is None:
            return cells
        return tuple(c for c in cells if parse_cell(c)[1] == self.total_column)

    def header_rows(self) -> int:
        """Rows above the first figure: the column headers."""
        return min(parse_cell(ref)[0] for ref in self.numeric) - 1

    def owner(self, row: int, col: int) -> str:
        return self._owner.get((row, col), cell_ref(row, col))

    def merge_at(self, ref: str) -> str | None:
        """The merged range whose top-left cell is ref, if any."""
        for m in self.merges:
            if m.split(":")[0] == ref:
                return m
        return None

    def is_covered(self, ref: str) -> bool:
        """True for cells hidden inside a merge (not its top-left)."""
        r, c = parse_cell(ref)
        return self.owner(r, c) != ref

    def input_cells(self) -> list[str]:
        """Figure cells the clerk types; totals are derived."""
        return [c for c in self.numeric if c not in self.totals]

    def label_path(self, ref: str) -> tuple[list[str], list[str]]:
        """The row labels to the left of a figure cell and the column headers above it."""
        rows, cols = self.header_refs(ref)
        return [self.labels[r] for r in rows], [self.labels[c] for c in cols]

    def header_refs(self, ref: str) -> tuple[list[str], list[str]]:
        """The label cells (top-left of their merge) that head a figure cell: row labels, column headers.
        Walked once a cell (the form does not change once loaded); each caller gets its own lists."""
        if ref not in self._headers:
            r, c = parse_cell(ref)
            self._headers[ref] = (tuple(self._walk(r, c, dr=0, dc=-1)), tuple(self._walk(r, c, dr=-1, dc=0)))
        rows, cols = self._headers[ref]
        return list(rows), list(cols)

    def _walk(self, r: int, c: int, dr: int, dc: int) -> list[str]:
        # Skip the run of figure cells next to this one, then collect labels up to the next figure.
        r, c = r + dr, c + dc
        while r >= 1 and c >= 1 and cell_ref(r, c) in self.numeric:
            r, c = r + dr, c + dc
        found: list[str] = []
        while r >= 1 and c >= 1:
            ref = self.owner(r, c)
            if ref in self.numeric:
                break
            text = self.labels.get(ref)
            if text and (not found or found[-1] != ref) and not text.startswith("（本列"):
                found.append(ref)
            r, c = r + dr, c + dc
        found.reverse()
        return found

    def describe(self, ref: str) -> str:
        """Short human name of a figure cell: 'row label · column header'."""
        rows, cols = self.label_path(ref)
        parts = [p for p in (rows[-1] if rows else "", "/".join(cols[-2:]) if cols else "") if p]
        return " · ".join(parts)


@dataclass
class Form:
    id: str
    issued_by: str
    sections: list[Section]
    tables: dict[str, Table]
    title: str = ""  # the form's own name, as the opening paragraph cites it
    first_year: int = 0  # the report years it applies to
    last_year: int | None = None
    fees_in_six: bool = False  # section 六 states the 信息处理费 figures (the 2021 form; the 2019 form has none)
    # section number -> words a published heading of that section holds besides its number (see the YAML)
    section_words: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def table_sections(self) -> list[Section]:
        return [s for s in self.sections if s.kind == "table"]

    def section_tables(self) -> list[tuple[Section, Table]]:
        """Each table section with its table, in the order of the report."""
        return [(s, self.tables[s.table]) for s in self.sections if s.table is not None]

    def section(self, no: str) -> Section:
        return next(s for s in self.sections if s.no == no)

    def applies_to(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    def owner_of(self, role: str) -> Table | None:
        """The table that has this role (roles are unique within a form), or None."""
        return next((t for t in self.tables.values() if role in t.roles), None)

    def has_role(self, role: str) -> bool:
        return self.owner_of(role) is not None


def form_for_year(year: int) -> Form | None:
    """The form a report on this year must use."""
    return next((f for f in (load_form(i) for i in FORM_IDS) if f.applies_to(year)), None)


_VAR_RE = re.compile(r"^for\s+(\w+)\s+in\s+(\w+)\.\.(\w+)\s*:\s*(.+)$")


def _expand(rule: str) -> list[str]:
    """Expand `for X in D..J: ...` (columns) and `for r in 4..28: ...` (rows)."""
    m = _VAR_RE.match(rule.strip())
    if not m:
        return [rule.strip()]
    var, start, end, body = m.groups()
    if start.isdigit():
        return [re.sub(rf"(?<=[A-Z]){var}\b", str(i), body) for i in range(int(start), int(end) + 1)]
    c1, c2 = parse_cell(start + "1")[1], parse_cell(end + "1")[1]
    letters = [cell_ref(1, c)[:-1] for c in range(c1, c2 + 1)]
    return [re.sub(rf"\b{var}(?=\d)", col, body) for col in letters]


def _terms(expr: str) -> tuple[str, ...]:
    cells: list[str] = []
    for term in expr.split("+"):
        term = term.strip()
        m = re.fullmatch(r"SUM\(([A-Z]+\d+:[A-Z]+\d+)\)", term)
        if m:
            cells.extend(iter_range(m.group(1)))
        else:
            parse_cell(term)  # validates
            cells.append(term)
    return tuple(cells)


def parse_relations(checks: list[dict[str, str]]) -> list[Relation]:
    relations: list[Relation] = []
    for check in checks:
        kind, rule = check["kind"], check["rule"]
        if kind == "across_years":
            continue  # needs last year's workbook: checks/previous.py, the form's rule written here for the reader
        for concrete in _expand(rule):
            for clause in concrete.split(" and "):
                op = "<=" if "<=" in clause else "=="
                left, right = clause.split(op)
                relations.append(Relation(kind, _terms(left), _terms(right), op, rule))
    return relations


def _numeric(spec: dict[str, Any]) -> dict[str, NumKind]:
    cells: dict[str, NumKind] = {}
    for kind, refs in spec.items():
        items = [refs] if isinstance(refs, str) else list(refs)
        for item in items:
            for ref in iter_range(item):
                cells[ref] = NumKind(kind)
    return dict(sorted(cells.items(), key=lambda kv: parse_cell(kv[0])))


def _table(name: str, spec: dict[str, Any]) -> Table:
    labels: dict[str, str] = {}
    labels.update(spec.get("text", {}))
    labels.update(spec.get("header", {}))
    for row, cols in spec.get("rows", {}).items():
        for col, text in cols.items():
            labels[f"{col}{row}"] = text
    relations = parse_relations(spec.get("checks", []))
    numeric = _numeric(spec["numeric"])
    roles: dict[str, tuple[str, ...]] = {}
    for role, where in spec.get("roles", {}).items():
        items = [where] if isinstance(where, str) else list(where)
        cells = tuple(ref for item in items for ref in iter_range(item))
        unknown = [c for c in cells if c not in numeric]
        if unknown:
            raise ValueError(f"{name}: role {role} names cells that hold no figure: {unknown}")
        roles[role] = cells
    total_column = parse_cell(spec["total_column"] + "1")[1] if "total_column" in spec else None
    hints = spec.get("layout", {})
    breaks = {ref: tuple(str(text).split("|")) for ref, text in hints.get("breaks", {}).items()}
    for ref, lines in breaks.items():
        if "".join(lines) != labels.get(ref):
            raise ValueError(f"{name}: the line breaks for {ref} do not spell its label {labels.get(ref)!r}")
    layout = Layout(tuple(hints.get("excel_widths", ())), tuple(hints.get("word_widths", ())), bool(hints.get("thead", True)),
                    bool(hints.get("repeat_header", False)), bool(hints.get("row_labels_left", False)), breaks,
                    hints.get("font_pt"), hints.get("cell_margin"), dict(hints.get("units", {})))
    return Table(name, list(spec.get("merges", [])), labels, numeric, relations, roles, total_column, layout)


def _raw(form_id: str) -> dict[str, Any]:
    text = resources.files("nianbao.form").joinpath(f"form-{form_id}.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def load_form(form_id: str) -> Form:
    if form_id not in FORM_IDS:
        raise KeyError(form_id)
    raw = _raw(form_id)
    # YAML 1.1 reads the bare key `no` as the boolean False.
    sections = [Section(s.get("no", s.get(False)), s["heading"], s["kind"], s.get("table")) for s in raw["sections"]]
    tables: dict[str, Table] = {}
    for sec in sections:
        if sec.table is None:
            continue
        spec = raw[sec.table]
        if "same_as" in spec:  # e.g. "form-2021.yaml#table4"
            other, key = spec["same_as"].split("#")
            spec = _raw(other.removeprefix("form-").removesuffix(".yaml"))[key]
        tables[sec.table] = _table(sec.table, spec)
    years = raw.get("years", {})
    return Form(str(raw["form"]), raw["issued_by"], sections, tables, raw.get("title", ""), int(years.get("first", 0)),
                years.get("last"), bool(raw.get("fees_in_six", False)),
                {str(no): tuple(words) for no, words in raw.get("section_words", {}).items()})

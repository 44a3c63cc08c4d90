"""The form's arithmetic, recomputed: each total against the sum of its parts, and each relation between
cells (勾稽关系) of a table — for one workbook (run.py), a sum over units (season.region) and a batch's
county totals (apps.batch.aggregate)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from nianbao.findings import Finding
from nianbao.form.model import Relation, Table
from nianbao.workbook.values import Number, format_number

Locate = Callable[[str], str]  # form cell -> sheet cell


def check_totals(table: Table, sheet: str, at: Locate, values: dict[str, Number | None],
                 mistyped: dict[str, Number]) -> list[Finding]:
    """A typed total that differs from the sum of its parts (values hold the sums, computed on reading)."""
    found: list[Finding] = []
    for total, typed in mistyped.items():
        expected = values.get(total)
        if expected is None:
            continue
        found.append(Finding.of(
            "total-mismatch",
            f"{table.describe(total)}：应为 {format_number(expected)}（{_span(table.totals[total], at)} 之和），实际为 {format_number(typed)}",
            sheet, at(total), expected=format_number(expected), actual=format_number(typed),
        ))
    return found


def _span(cells: tuple[str, ...], at: Locate) -> str:
    """D6+D7, or D8:D28 for a long run (as sheet cells)."""
    refs = [at(c) for c in cells]
    if len(refs) > 2:
        return f"{refs[0]}:{refs[-1]}"
    return "+".join(refs)


def broken_relations(table: Table, values: dict[str, Number | None]) -> list[tuple[Relation, Number, Number]]:
    """Every relation that is not the definition of a total (totals hold their computed sums) and does not
    hold on values, with its two sides; a relation with an unread part is not judged."""
    found: list[tuple[Relation, Number, Number]] = []
    for rel in table.relations:
        total = rel.defines_total
        if total is not None and table.totals.get(total) == rel.rhs:
            continue
        lv = [values.get(c) for c in rel.lhs]
        rv = [values.get(c) for c in rel.rhs]
        if any(v is None for v in lv + rv):
            continue  # an unreadable part is already a finding; the sum would only repeat it
        left: Number = sum(v for v in lv if v is not None)
        right: Number = sum(v for v in rv if v is not None)
        if not ((left == right) if rel.op == "==" else (left <= right)):
            found.append((rel, left, right))
    return found


def check_relations(table: Table, sheet: str, at: Locate, values: dict[str, Number | None]) -> list[Finding]:
    """A finding for every relation of the table that values break."""
    return [relation_finding(table, sheet, at, rel, left, right) for rel, left, right in broken_relations(table, values)]


def relation_finding(table: Table, sheet: str, at: Locate, rel: Relation, left: Number, right: Number) -> Finding:
    total = rel.defines_total
    if rel.kind == "plausibility":
        a, b = rel.lhs[0], rel.rhs[0]
        return Finding.of(
            "plausibility",
            f"{table.describe(a)}（{format_number(left)}）大于{table.describe(b)}（{format_number(right)}），请核对",
            sheet, at(a), expected=f"≤ {format_number(right)}", actual=format_number(left),
        )
    if total is not None:
        return Finding.of(
            "total-mismatch",
            f"{table.describe(total)}：应为 {format_number(right)}（{_span(rel.rhs, at)} 之和），实际为 {format_number(left)}",
            sheet, at(total), expected=format_number(right), actual=format_number(left),
        )
    column = table.label_path(rel.lhs[0])[1]
    where = f"（{column[-1]}列）" if column else ""
    # The form prints its own statement of the relation (table 3, A1); quote it rather than paraphrase.
    stated = next((t.strip("（）") for t in table.labels.values() if t.startswith("（本列数据的勾稽关系")), "")
    lhs, rhs = _span(rel.lhs, at), _span(rel.rhs, at)
    return Finding.of(
        "balance-mismatch",
        f"勾稽关系不成立{where}：{lhs} = {format_number(left)}，{rhs} = {format_number(right)}，两边应相等"
        f"（相差 {format_number(abs(Decimal(left) - Decimal(right)))}），请核对这两组格子中哪一格填错" + (f"；{stated}" if stated else ""),
        sheet, at(rel.lhs[0]), expected=f"{rhs} = {format_number(right)}", actual=f"{lhs} = {format_number(left)}",
    )

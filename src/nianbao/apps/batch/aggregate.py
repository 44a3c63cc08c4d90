"""The combined figures of an inbox: every figure of tables 2-4 summed over the workbooks that passed,
with the form's relations checked again on the total."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nianbao.apps.batch.items import Item
from nianbao.checks.arithmetic import check_relations, check_totals
from nianbao.conversion import Status
from nianbao.form.model import NumKind, load_form
from nianbao.workbook import layout as L
from nianbao.workbook.model import complete_totals
from nianbao.workbook.values import Number, as_kind, format_number

AGGREGATE_SHEET = "合计"


def aggregate_items(items: list[Item]) -> dict[str, Any]:
    """{"forms": {form: {"agencies", "files", "totals", "findings", "breakdown"}}}, JSON-ready.

    Only workbooks without errors count; duplicates of an agency and year count once (the first)."""
    seen: set[tuple[str, int | None]] = set()
    by_form: dict[str, list[Item]] = {}
    for it in sorted(items, key=lambda i: i.file):
        if it.status is not Status.OK or not it.figures:
            continue
        key = (it.agency, it.year)
        if key in seen:
            continue
        seen.add(key)
        by_form.setdefault(it.form, []).append(it)
    forms: dict[str, Any] = {}
    for form_id, members in sorted(by_form.items()):
        form = load_form(form_id)
        totals: dict[str, dict[str, str]] = {}
        findings = []
        for name, table in form.tables.items():
            values: dict[str, Number | None] = {}
            for ref, kind in table.numeric.items():
                parts = [as_kind(m.figures[name][ref], kind) for m in members if ref in m.figures.get(name, {})]
                values[ref] = sum(parts, Decimal(0) if kind is NumKind.DECIMAL_GE0 else 0) if len(parts) == len(members) else None
            sheet = f"{AGGREGATE_SHEET}-{L.TABLE_SHEETS[name]}"
            # every summed total is checked against the sum of its summed parts, then every relation
            typed = {ref for ref in table.totals if values.get(ref) is not None}
            findings += check_totals(table, sheet, L.to_sheet, values, complete_totals(table, values, typed))
            findings += check_relations(table, sheet, L.to_sheet, values)
            totals[name] = {ref: format_number(v) for ref, v in values.items() if v is not None}
        forms[form_id] = {
            "agencies": len(members),
            "files": [m.file for m in members],
            "totals": totals,
            "findings": [f.to_dict() for f in findings],
            "breakdown": [{"agency": m.agency, "year": m.year, "file": m.file, "figures": m.figures} for m in members],
        }
    return {"schema": "nianbao.aggregate/1", "forms": forms}

"""The report as JSON for other systems (CMS forms, a supervising office): metadata, narrative, and every
figure keyed by the form's own labels. Schema: docs/data.schema.json (`nianbao.data/1`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nianbao.form.model import Form, NumKind, load_form
from nianbao.output.context import NARRATIVE_VARS, TABLE_VARS
from nianbao.workbook.model import Submission
from nianbao.workbook.values import Number

SEP = "/"  # joins the levels of a label path: 三、本年度办理结果/（三）不予公开/1.属于国家秘密


def _json_number(value: Number | None) -> int | float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else int(value)


def figures_by_label(form: Form, figures: dict[str, dict[str, Number | None]]) -> dict[str, Any]:
    """{section heading: {row label path: {column label path: number}}} for every figure of the form."""
    out: dict[str, Any] = {}
    for sec, table in form.section_tables():
        rows: dict[str, dict[str, Any]] = {}
        for ref in table.numeric:
            row, col = table.label_path(ref)
            rows.setdefault(SEP.join(row), {})[SEP.join(col)] = _json_number(figures.get(table.name, {}).get(ref))
        out[sec.heading] = rows
    return out


def figures_from_json(data: dict[str, Any]) -> dict[str, dict[str, Number]]:
    """The inverse: {table: {form cell: number}} from an exported document (for consumers and tests)."""
    form = load_form(data["form"])
    out: dict[str, dict[str, Number]] = {}
    for sec, table in form.section_tables():
        block = data["figures"][sec.heading]
        values: dict[str, Number] = {}
        for ref, kind in table.numeric.items():
            row, col = table.label_path(ref)
            raw = block[SEP.join(row)][SEP.join(col)]
            values[ref] = Decimal(repr(raw)) if kind is NumKind.DECIMAL_GE0 else int(raw)
        out[table.name] = values
    return out


def export(sub: Submission, ctx: dict[str, Any]) -> dict[str, Any]:
    meta = sub.meta
    sections = []
    for sec in sub.form.sections:
        entry: dict[str, Any] = {"heading": sec.heading}
        if sec.table is None:
            entry["blocks"] = ctx[NARRATIVE_VARS[sec.no]]
        else:
            entry["blocks"] = [{"heading": None, "paragraphs": ctx["auto"][TABLE_VARS[sec.table]]}]
        sections.append(entry)
    return {
        "schema": "nianbao.data/1",
        "title": ctx["properties"]["title"],
        "agency": meta.agency,
        "agency_type": meta.agency_type,
        "year": meta.year,
        "form": sub.form.id,
        "form_issued_by": sub.form.issued_by,
        "date": meta.date.isoformat() if meta.date else None,
        "url": meta.url or None,
        "contact": {"unit": meta.contact_unit or None, "address": meta.contact_address or None,
                    "postcode": meta.contact_postcode or None, "phone": meta.contact_phone or None},
        "opening": ctx["opening"],
        "sections": sections,
        "figures": figures_by_label(sub.form, sub.figures),
        "fees": {"notices": sub.other.fee_notices, "billed_yuan": _json_number(sub.other.fee_billed),
                 "collected_yuan": _json_number(sub.other.fee_collected)},
    }

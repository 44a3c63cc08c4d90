"""Any value in any input cell: findings or a document, never an exception."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.conversion import check
from nianbao.form.model import load_form
from nianbao.output.context import context
from nianbao.output.word import render_docx
from nianbao.workbook import layout as L

from support import PINGTAN

pytestmark = pytest.mark.slow  # the inner loop: pytest -m "not slow" (CI runs everything)

FORM = load_form("2021")
FIGURE_CELLS = [(L.TABLE_SHEETS[name], L.to_sheet(ref)) for name, t in FORM.tables.items() for ref in t.numeric]
TEXT_CELLS = [(L.SHEET_META, f"B{L.FIELD_TOP + i}") for i in range(len(L.META_FIELDS))] + \
    [(L.SHEET_OTHER, f"B{L.FIELD_TOP + i}") for i in range(len(L.SECTION6_FIELDS))] + \
    [(L.SHEET_GENERAL, f"{c}{r}") for c in "AB" for r in range(4, 12)] + \
    [(L.SHEET_PROBLEMS, f"{c}{r}") for c in "AB" for r in range(4, 8)]

# openpyxl refuses most C0 controls in cell text (IllegalCharacterError), as Excel would not store them.
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(map(chr, list(range(0, 9)) + [11, 12] + list(range(14, 32))))), max_size=40)
values = st.one_of(
    st.none(), st.integers(-10**13, 10**13), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    _text, st.sampled_from(["０", "1,234", "12件", "三", "/", "—", "#REF!", "=1+1", "_x000D_", "2023年，", "XX", "{{ x }}", "<a>&"]),
    st.datetimes(min_value=dt.datetime(1950, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(FIGURE_CELLS + TEXT_CELLS), values), min_size=1, max_size=6))
def test_any_values_give_findings_or_a_document(changes):
    wb = openpyxl.load_workbook(PINGTAN)
    for (sheet, ref), value in changes:
        wb[sheet][ref] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.xlsx"
        wb.save(path)
        sub, report = check(path)
        if sub is None:  # only a value the parser itself cannot read (e.g. a date serial out of range)
            assert [f.code for f in report.findings] == ["file-corrupt"]
            return
        for f in report.findings:
            assert f.message and (f.sheet is None or f.position.startswith(f.sheet))
        doc = render_docx(context(sub, report, draft=not report.ok))
        assert doc[:2] == b"PK"


SHEETS = [L.SHEET_GUIDE, L.SHEET_META, L.SHEET_GENERAL, *L.TABLE_SHEETS.values(), L.SHEET_PROBLEMS, L.SHEET_OTHER]
anywhere = st.tuples(st.sampled_from(SHEETS), st.integers(1, 60), st.integers(1, 18)).map(
    lambda t: (t[0], f"{openpyxl.utils.get_column_letter(t[2])}{t[1]}")
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(anywhere, values), min_size=1, max_size=5))
def test_any_values_in_any_cells_never_raise(changes):
    """Labels overwritten, merged cells written into, text outside the areas: findings, never a traceback."""
    wb = openpyxl.load_workbook(PINGTAN)
    for (sheet, ref), value in changes:
        ws = wb[sheet]
        if type(ws[ref]).__name__ == "MergedCell":
            continue  # Excel cannot type into the hidden part of a merge either
        ws[ref] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.xlsx"
        wb.save(path)
        sub, report = check(path)
        if sub is None:
            assert not report.ok
            return
        doc = render_docx(context(sub, report, draft=not report.ok))
        assert doc[:2] == b"PK"

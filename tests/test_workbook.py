"""The blank workbook: the official tables verbatim, inputs open, labels locked, and the committed
workbook_template.xlsx identical in content to what the code generates."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from nianbao.form.cells import iter_range, shift_range
from nianbao.form.model import load_form
from nianbao.workbook import layout as L
from nianbao.workbook.blank import write_template

from support import ROOT


@pytest.fixture(scope="module", params=["2021", "2019"])
def blank(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / f"blank-{request.param}.xlsx"
    write_template(path, request.param)
    return request.param, openpyxl.load_workbook(path)


def test_every_label_of_every_table_is_verbatim(blank):
    form_id, wb = blank
    form = load_form(form_id)
    for name, table in form.tables.items():
        ws = wb[L.TABLE_SHEETS[name]]
        for ref, text in table.labels.items():
            assert ws[L.to_sheet(ref)].value == text, (name, ref)
        merged = {str(r) for r in ws.merged_cells.ranges}
        for m in table.merges:
            assert shift_range(m, rows=L.TABLE_TOP - 1) in merged, (name, m)


def test_figure_cells_are_open_zero_and_validated_totals_are_formulas(blank):
    form_id, wb = blank
    form = load_form(form_id)
    for name, table in form.tables.items():
        ws = wb[L.TABLE_SHEETS[name]]
        assert ws.protection.sheet
        validated = set()
        for dv in ws.data_validations.dataValidation:
            assert dv.error and "请" in dv.error and dv.prompt
            for rng in dv.sqref.ranges:
                validated.update(iter_range(rng.coord))
        for ref in table.numeric:
            cell = ws[L.to_sheet(ref)]
            if ref in table.totals:
                assert isinstance(cell.value, str) and cell.value.startswith("=SUM("), ref
                assert cell.protection.locked
            else:
                assert cell.value == 0 and not cell.protection.locked, ref
                assert cell.coordinate in validated, ref
        for ref in table.labels:
            assert ws[L.to_sheet(ref)].protection.locked


def test_live_indicator_and_hidden_marker(blank):
    form_id, wb = blank
    ws = wb[L.TABLE_SHEETS["table3"]]
    ind = ws[L.indicator_cell(load_form(form_id).tables["table3"])]
    assert ind.value.startswith("=IF(AND(") and "勾稽关系相符" in ind.value
    marker = wb[L.MARKER_SHEET]
    assert marker.sheet_state == "veryHidden"
    assert (marker["A1"].value, marker["B1"].value, marker["B2"].value) == (L.MARKER_TAG, L.TEMPLATE_VERSION, form_id)


def test_metadata_and_narrative_sheets(blank):
    form_id, wb = blank
    assert wb.sheetnames[:2] == [L.SHEET_GUIDE, L.SHEET_META]
    meta = wb[L.SHEET_META]
    labels = [meta.cell(L.FIELD_TOP + i, 1).value for i in range(len(L.META_FIELDS))]
    assert labels[0].startswith("机关全称") and labels[1].startswith("机关类型")
    assert meta.cell(L.field_row(L.META_FIELDS, "form"), 2).value == form_id
    choices = [dv.formula1 for dv in meta.data_validations.dataValidation if dv.type == "list"]
    assert '"人民政府,政府部门,乡镇街道,政府办公厅（室）"' in choices
    general = wb[L.SHEET_GENERAL]
    presets = [general.cell(r, 1).value for r in range(L.LIST_FIRST_ROW, L.LIST_FIRST_ROW + 6)]
    assert presets == [None, "主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障"]
    other = wb[L.SHEET_OTHER]
    other_labels = [other.cell(L.FIELD_TOP + i, 1).value for i in range(len(L.SECTION6_FIELDS))]
    assert any("收费通知" in x for x in other_labels) and any("年度政务公开工作要点" in x for x in other_labels)


def test_guide_names_where_to_send(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(path, "2021", send_to="县政务公开办（zwgk@example.gov.cn）")
    guide = openpyxl.load_workbook(path)[L.SHEET_GUIDE]
    assert any("县政务公开办（zwgk@example.gov.cn）" in str(c.value) for c in guide["A"])


def _content(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        out[ws.title] = {
            "state": ws.sheet_state,
            "cells": {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted((dv.type, dv.formula1, str(dv.sqref), dv.error) for dv in ws.data_validations.dataValidation),
            "unlocked": sorted(c.coordinate for row in ws.iter_rows() for c in row if not c.protection.locked),
            "protected": ws.protection.sheet,
        }
    return out


def test_committed_blank_workbook_matches_the_generator(tmp_path):
    fresh = tmp_path / "fresh.xlsx"
    write_template(fresh, "2021")
    assert _content(ROOT / "workbook_template.xlsx") == _content(fresh), "run: python tools/regenerate.py"

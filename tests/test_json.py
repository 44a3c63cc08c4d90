"""`check --json` follows the documented schema (docs/report.schema.json) for every kind of outcome."""

from __future__ import annotations

import json

import jsonschema
import pytest

from nianbao.apps.cli import main

from conftest import DAZHUANG, PINGTAN, ROOT

SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text("utf-8"))


def run_json(capsys, path) -> dict:
    main(["check", str(path), "--json"])
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("make", [
    lambda tmp, edit: DAZHUANG,
    lambda tmp, edit: PINGTAN,
    lambda tmp, edit: edit({"依申请公开!J6": 1, "依申请公开!F6": "三", "基本信息!B3": None}),
    lambda tmp, edit: edit(lambda wb: wb.remove(wb["复议诉讼"])),
    lambda tmp, edit: (tmp / "x.xlsx").write_bytes(b"%PDF-1.4") and tmp / "x.xlsx",
], ids=["warnings", "clean", "errors", "sheet-missing", "not-a-workbook"])
def test_json_output_follows_the_schema(capsys, tmp_path, edit, make):
    data = run_json(capsys, make(tmp_path, edit))
    jsonschema.validate(data, SCHEMA)
    assert data["counts"]["error"] == sum(f["level"] == "error" for f in data["findings"])


def test_json_equals_the_library_report(capsys):
    from nianbao.conversion import check

    _, report = check(DAZHUANG)
    assert run_json(capsys, DAZHUANG) == json.loads(json.dumps(report.to_dict(), ensure_ascii=False))

"""`check --json` follows the documented schema (docs/report.schema.json) for every kind of outcome."""

from __future__ import annotations

import json

import jsonschema
import pytest

from nianbao.apps.cli import main

from support import DAZHUANG, PINGTAN, ROOT, strict_json

SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text("utf-8"))


def run_json(capsys, path) -> dict:
    main(["check", str(path), "--json"])
    return strict_json(capsys.readouterr().out)


@pytest.mark.parametrize("make", [
    lambda tmp, edit: DAZHUANG,
    lambda tmp, edit: PINGTAN,
    lambda tmp, edit: edit({"依申请公开!J6": 1, "依申请公开!F6": "三", "基本信息!B3": None}),
    lambda tmp, edit: edit(lambda wb: wb.remove(wb["复议诉讼"])),
    lambda tmp, edit: edit({"依申请公开!D6": None, "依申请公开!E7": None, "主动公开!B5": None}),
    lambda tmp, edit: (tmp / "x.xlsx").write_bytes(b"%PDF-1.4") and tmp / "x.xlsx",
], ids=["warnings", "clean", "errors", "sheet-missing", "blank-cells", "not-a-workbook"])
def test_json_output_follows_the_schema(capsys, tmp_path, edit, make):
    data = run_json(capsys, make(tmp_path, edit))
    jsonschema.validate(data, SCHEMA)
    assert data["counts"]["error"] == sum(f["level"] == "error" for f in data["findings"])


def test_json_equals_the_library_report(capsys):
    from nianbao.conversion import check

    _, report = check(DAZHUANG)
    assert run_json(capsys, DAZHUANG) == json.loads(json.dumps(report.to_dict(), ensure_ascii=False))


def test_a_blank_cell_is_null_in_every_json_and_nan_nowhere(capsys, tmp_path, edit):
    """Blank number cells: `check --json` and the report's --format json say null (strict JSON: a parser
    other than Python's rejects NaN and with it the whole file); the annotated copy does not print "nan"."""
    import re

    import openpyxl

    from nianbao.conversion import convert

    book = edit({"依申请公开!D6": None, "依申请公开!E7": None})
    data = run_json(capsys, book)
    blanks = [f for f in data["findings"] if f["code"] == "value-blank"]
    assert {f["position"] for f in blanks} == {"依申请公开!D6", "依申请公开!E7"}
    assert all(f["actual"] is None for f in blanks)
    conv = convert(book, formats=("docx", "json"), draft=True)
    strict_json(conv.outputs[".json"])
    annotated = tmp_path / "annotated.xlsx"
    main(["check", str(book), "--annotate", str(annotated)])
    texts = [str(c.value) + str(c.comment.text if c.comment else "") for ws in openpyxl.load_workbook(annotated)
             for row in ws.iter_rows() for c in row if c.value is not None or c.comment]
    assert texts and not [t for t in texts if re.search(r"\bnan\b", t, re.IGNORECASE)]


def test_every_json_writer_refuses_nan():
    """Each json.dumps in the package is strict (allow_nan=False): a NaN that slips in fails loudly in the
    tests instead of writing a file that other programs cannot read."""
    import re

    calls = [(p, m.group(0)) for p in (ROOT / "src").rglob("*.py")
             for m in re.finditer(r"json\.dumps\((?:[^()]|\([^()]*\))*\)", p.read_text("utf-8"))]
    assert calls
    assert [p.name for p, call in calls if "allow_nan=False" not in call] == []

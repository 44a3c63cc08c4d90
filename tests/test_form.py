"""The form description: packaged copies are the official data; relations expand as written."""

from __future__ import annotations

import pytest

from conftest import ROOT, SHARED
from nianbao.form.model import load_form


@pytest.mark.parametrize("form_id", ["2021", "2019"])
def test_packaged_form_is_the_shared_spec(form_id):
    spec = SHARED / "spec" / f"form-{form_id}.yaml"
    if not spec.exists():
        pytest.skip("../shared is not beside this checkout")
    packaged = ROOT / "src" / "nianbao" / "form" / f"form-{form_id}.yaml"
    assert packaged.read_text("utf-8") == spec.read_text("utf-8")


def test_table3_2021_shape_and_relations():
    t = load_form("2021").tables["table3"]
    assert (t.nrows, t.ncols) == (28, 10)
    assert len(t.numeric) == 175
    # 7 stated balances, 7 column totals, 25 row totals
    kinds = [r.kind for r in t.relations]
    assert kinds.count("stated") == 7 and kinds.count("implied") == 32
    balance_d = t.relations[0]
    assert balance_d.lhs == ("D4", "D5") and balance_d.rhs == ("D27", "D28")
    assert t.totals["D27"] == tuple(f"D{r}" for r in range(6, 27))
    assert t.totals["J4"] == ("D4", "E4", "F4", "G4", "H4", "I4")
    assert len(t.input_cells()) == 175 - 31


def test_2019_table4_is_2021_table4_and_table3_has_one_other_row():
    f19, f21 = load_form("2019"), load_form("2021")
    assert f19.tables["table4"].labels == f21.tables["table4"].labels
    assert f19.tables["table3"].labels["B24"] == "（六）其他处理"
    assert f19.tables["table3"].nrows == 26
    assert [s.heading for s in f19.sections] == [s.heading for s in f21.sections]


def test_label_paths_name_cells_in_the_forms_words():
    t3 = load_form("2021").tables["table3"]
    rows, cols = t3.label_path("E9")
    assert rows == ["三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"]
    assert cols == ["申请人情况", "法人或其他组织", "商业企业"]
    assert load_form("2021").tables["table4"].label_path("K4")[1] == ["行政诉讼", "复议后起诉", "结果维持"]

"""The form description: packaged copies are the official data; relations expand as written."""

from __future__ import annotations

import pytest
import yaml

from nianbao.form.model import load_form

from support import ROOT, SHARED


@pytest.mark.parametrize("form_id", ["2021", "2019"])
def test_packaged_form_is_the_shared_spec(form_id):
    spec = SHARED / "spec" / f"form-{form_id}.yaml"
    if not spec.exists():
        pytest.skip("../shared is not beside this checkout")
    packaged = ROOT / "src" / "nianbao" / "form" / f"form-{form_id}.yaml"
    ours = yaml.safe_load(packaged.read_text("utf-8"))
    official = yaml.safe_load(spec.read_text("utf-8"))
    # nianbao adds named roles, layout hints, the form's title and years; everything else is the spec, verbatim
    for key in ("title", "years", "fees_in_six", "section_words"):
        ours.pop(key, None)
    for table in ours.values():
        if isinstance(table, dict):
            for key in ("roles", "total_column", "layout"):
                table.pop(key, None)
    assert ours == official


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


# Each role the code asks for, and the label of the row (table 3) or column header (table 4) it must sit
# under in every form that has it: the roles are data, and this keeps them pointing at the right cells.
ROLE_LABELS = {
    "new_requests": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "published": "（一）予以公开",
    "withheld": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other_handling": "（六）其他处理",
    "results_total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
    "regulations": "规章",
    "normative_valid": "行政规范性文件",
    "licensing_decisions": "行政许可",
    "penalty_decisions": "行政处罚",
    "coercion_decisions": "行政强制",
}


@pytest.mark.parametrize("form_id", ["2021", "2019"])
def test_roles_sit_under_their_labels(form_id):
    form = load_form(form_id)
    for role, label in ROLE_LABELS.items():
        table = form.owner_of(role)
        if table is None:
            assert form_id == "2019" and role.startswith(("normative", "licensing", "penalty", "coercion")), role
            continue
        for ref in table.role(role):
            rows, _ = table.label_path(ref)
            assert label in rows, (role, ref, rows)
    t4 = form.tables["table4"]
    assert [t4.label_path(r)[1][-1] for r in t4.role("corrected")] == ["结果纠正"] * 3
    assert t4.label_path(t4.role("review_total")[0])[1] == ["行政复议", "总计"]
    t3 = form.owner_of("new_requests")
    assert t3 is not None and t3.role_total("withheld") == tuple(f"J{r}" for r in range(8, 16))
    # every form applies to its own years only
    assert form.applies_to(form.first_year) and not form.applies_to(form.first_year - 1)

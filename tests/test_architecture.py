"""The package's shape: layers you can see, imports that only go down, the form's meaning in the form
description, totals computed once, and the library quick start of the README."""

from __future__ import annotations

import copy
import importlib.util
import re
import sys

import pytest

from support import DAZHUANG, PINGTAN, ROOT

_spec = importlib.util.spec_from_file_location("architecture", ROOT / "tools" / "architecture.py")
assert _spec and _spec.loader
arch = importlib.util.module_from_spec(_spec)
sys.modules["architecture"] = arch
_spec.loader.exec_module(arch)

# What each layer may import (besides itself and the standard library). Lower layers never import upper ones.
ALLOWED = {
    "nianbao.form": set(),
    "nianbao.findings": {"nianbao.form"},
    "nianbao.files": set(),
    "nianbao.workers": set(),
    "nianbao.workbook": {"nianbao.form", "nianbao.findings", "nianbao.files", "nianbao.workers"},
    "nianbao.checks": {"nianbao.form", "nianbao.findings", "nianbao.workbook"},
    "nianbao.published": {"nianbao.form", "nianbao.findings", "nianbao.files", "nianbao.workbook"},
    "nianbao.output": {"nianbao.form", "nianbao.findings", "nianbao.files", "nianbao.workbook"},
    "nianbao.season": {"nianbao.form", "nianbao.findings", "nianbao.files", "nianbao.workbook", "nianbao.published",
                       "nianbao.checks", "nianbao.output", "nianbao.conversion", "nianbao.workers"},
    "nianbao.audit": {"nianbao.form", "nianbao.findings", "nianbao.files", "nianbao.workbook", "nianbao.checks",
                      "nianbao.published", "nianbao.output", "nianbao.conversion", "nianbao.season"},
    "nianbao.conversion": {"nianbao.form", "nianbao.findings", "nianbao.files", "nianbao.workbook", "nianbao.checks", "nianbao.output", "nianbao.published"},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


@pytest.fixture(scope="module")
def modules():
    return arch.scan()


def test_few_modules_at_the_top_and_no_import_cycles(modules):
    assert len(arch.top_modules()) <= 8, arch.top_modules()
    assert arch.cycles(modules) == []


def test_imports_only_go_down(modules):
    wrong = []
    for name, m in modules.items():
        layer = _layer(name)
        if layer not in ALLOWED:
            continue  # apps (and the package's face) may import every layer below them
        for target in m.imports:
            other = _layer(target)
            if other not in (layer, "nianbao") and other not in ALLOWED[layer]:
                wrong.append(f"{name} → {target}")
    assert wrong == []


# The apps: each a program of its own. The CLI is the front door and may start any of them; the others share
# only the kernel beside them (apps/kernel.py) and never import each other.
SHARED_APP_MODULES = {"nianbao.apps.kernel"}


def _app(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 3 or parts[:2] != ["nianbao", "apps"]:
        return None
    name = ".".join(parts[:3])
    return None if name in SHARED_APP_MODULES else name


def test_no_app_imports_another_app(modules):
    wrong = []
    for name, m in modules.items():
        app = _app(name)
        if app is None or app == "nianbao.apps.cli":
            continue
        wrong += [f"{name} → {t}" for t in m.imports if _app(t) not in (None, app)]
    assert wrong == []


def test_every_exception_of_ours_derives_from_one_base(modules):
    """A caller (a script around the library, the CLI's last line of defence) can catch nianbao's own
    errors as one: every exception class the package defines derives from nianbao.NianbaoError."""
    import ast

    outside = []
    for name, m in modules.items():
        for node in ast.walk(ast.parse(m.path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                if bases & {"Exception", "ValueError", "RuntimeError", "OSError", "LookupError"}:
                    outside.append(f"{name}.{node.name}")
    assert outside == ["nianbao.NianbaoError"]


def test_every_subpackage_says_what_lives_there_and_what_it_may_import(modules):
    for name, m in modules.items():
        if m.path.name == "__init__.py" and name.count(".") == 1:
            doc = m.path.read_text("utf-8")
            assert doc.startswith('"""') and "import" in doc.split('"""')[1], name


def test_function_local_imports_say_why(modules):
    silent = [f"{n}:{line} {what}" for n, m in modules.items() for line, what, comment in m.local_imports if not comment]
    assert silent == []


def test_the_form_meaning_lives_in_the_form_description():
    assert len(arch.cell_references()) <= 10, arch.cell_references()
    assert arch.form_branches() == []


def test_type_ignores_are_few_and_explained():
    ignores = arch.type_ignores()
    assert len(ignores) <= 3
    assert all(re.search(r"type: ignore\[[\w-]+\]\s+#\s*\S", line) for _, _, line in ignores), ignores


def test_totals_are_computed_when_the_workbook_is_read_and_checks_only_read():
    from nianbao.checks.run import run_checks
    from nianbao.findings import Report
    from nianbao.output.context import context
    from nianbao.workbook.loader import load

    sub, _ = load(PINGTAN)
    assert sub is not None
    t3 = sub.form.tables["table3"]
    totals = [ref for ref in t3.totals]
    assert totals and all(sub.figures["table3"][ref] is not None for ref in totals)
    ctx = context(sub)  # no checks have run: every total already prints as its figure
    assert "?" not in ctx["t3"].values() and ctx["t3"]["J4"] == "218"
    before = copy.deepcopy(sub.figures)
    run_checks(sub, Report(str(PINGTAN)))
    assert sub.figures == before


def test_a_typed_total_that_disagrees_is_kept_for_the_check_and_replaced_by_the_sum(edit):
    from nianbao.workbook.loader import load

    sub, _ = load(edit({"复议诉讼!E6": 6}))
    assert sub is not None
    assert sub.mistyped["table4"] == {"E4": 6} and sub.figures["table4"]["E4"] == 7


def test_library_quick_start_in_the_readme_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text("utf-8")
    m = re.search(r"<!-- quickstart:begin -->\s*```python\n(.*?)```", readme, re.S)
    assert m, "README: the library quick start"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "填好的.xlsx").write_bytes(DAZHUANG.read_bytes())
    namespace: dict[str, object] = {}
    exec(compile(m.group(1), "README quick start", "exec"), namespace)  # our own README's code
    assert (tmp_path / "大庄乡人民政府2024年政府信息公开工作年度报告.docx").is_file()


def test_every_code_has_a_title_and_a_default_level():
    from nianbao.findings import CODES, LEVELS, Finding, Level

    assert set(LEVELS) == set(CODES)
    assert Finding.of("value-blank", "为空").level is Level.ERROR
    assert Finding.of("label-changed", "表头", level=Level.WARNING).level is Level.WARNING

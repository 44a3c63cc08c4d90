"""nianbao import: a published report (web page or Word file) back into a filled workbook — every figure
found by its labels, the narrative split by its headings; our own outputs round-trip exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.apps.cli import main
from nianbao.conversion import check, convert
from nianbao.published.importer import import_report
from nianbao.published.source import SourceError

from conftest import DAZHUANG, PINGTAN, SHARED

PUBLISHED = SHARED / "fixtures" / "published" / "pingtan-2024.html"


def _figures(path: Path) -> dict[str, dict[str, object]]:
    sub, _ = check(path)
    assert sub is not None
    return sub.figures


@pytest.mark.skipif(not PUBLISHED.exists(), reason="../shared/fixtures is not beside this checkout")
def test_the_published_pingtan_page_imports_every_figure(tmp_path):
    out = tmp_path / "平潭2024.xlsx"
    assert main(["import", str(PUBLISHED), "-o", str(out)]) == 0
    assert _figures(out) == _figures(PINGTAN), "every figure of the published tables, from the page with the site around it"
    imported = import_report(PUBLISHED)
    assert imported.meta["agency"] == "平潭综合实验区" and imported.meta["year"] == 2024 and imported.form.id == "2021"
    headings = [h for h, _ in imported.general]
    assert headings == ["", "主动公开方面", "依申请公开方面", "政府信息管理方面", "信息公开平台建设方面", "监督保障方面"]
    assert imported.problems and imported.other["other"].startswith("2024年")
    assert not any("版权所有" in text or "扫一扫" in text for _, text in imported.general + imported.problems)


@pytest.mark.parametrize("example", [PINGTAN, DAZHUANG], ids=["pingtan", "dazhuang"])
@pytest.mark.parametrize("kind", [".html", ".fragment.html", ".docx"])
def test_our_own_outputs_round_trip(tmp_path, example, kind):
    conv = convert(example, formats=("docx", "html"))
    source = tmp_path / f"report{kind}"
    source.write_bytes(conv.outputs[kind])
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 0
    assert _figures(out) == _figures(example)
    sub, _ = check(out)
    original, _ = check(example)
    assert sub is not None and original is not None
    assert sub.meta.agency == original.meta.agency and sub.meta.year == original.meta.year
    assert [b.heading for b in sub.general.blocks][1:] == [b.heading for b in original.general.blocks][1:]


def test_a_page_without_tables_is_not_a_report(tmp_path, capsys):
    page = tmp_path / "guide.html"
    page.write_text("<html><head><title>某县政府信息公开指南</title></head><body><p>政府信息公开指南</p></body></html>", "utf-8")
    with pytest.raises(SourceError, match="指南"):
        import_report(page)
    assert main(["import", str(page), "-o", str(tmp_path / "x.xlsx")]) == 1
    assert "无法导入" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()


def test_a_missing_row_is_a_finding_not_a_zero(tmp_path, capsys):
    conv = convert(PINGTAN, formats=("docx", "html"))
    html = conv.outputs[".html"].decode("utf-8").replace("4.保护第三方合法权益", "4.保护第三方利益")
    source = tmp_path / "edited.html"
    source.write_text(html, "utf-8")
    out = tmp_path / "back.xlsx"
    assert main(["import", str(source), "-o", str(out)]) == 1
    assert "4.保护第三方合法权益" in capsys.readouterr().err
    sub, report = check(out)
    assert any(f.code == "value-blank" and f.position.startswith("依申请公开!") for f in report.findings), "left empty, never 0"

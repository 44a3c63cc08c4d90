"""The region's key figures at a glance: the region's sum and each unit, this year against last year
(output.charts draws them). Units of the two years are paired by name as the roster matches names."""

from __future__ import annotations

from nianbao.form.model import load_form
from nianbao.output.charts import Row, Value, key_figures
from nianbao.season.matching import name_key
from nianbao.season.region import RegionSum, region_sum
from nianbao.season.units import UnitFigures, Units
from nianbao.workbook.values import format_number


def _region(rs: RegionSum) -> dict[str, Value]:
    figures = {table: {ref: format_number(v) for ref, v in values.items()} for table, values in rs.values.items()}
    return key_figures(rs.form, figures)


def _unit(unit: UnitFigures) -> dict[str, Value]:
    return key_figures(load_form(unit.form or "2021"), unit.figures) if unit.figures else {}


def overview_rows(this: Units, last: Units | None) -> list[Row]:
    """The region first (its sum over the units that can be summed), then every unit in the roster's order."""
    rs = region_sum(this)
    last_rs = region_sum(last) if last is not None else None
    before = {name_key(u.name): u for u in last.units} if last is not None else {}
    note = f"{len(rs.included)} 个单位之和" + (f"，{len(rs.left_out)} 个单位未计入" if rs.left_out else "")
    rows = [Row("本地区合计", _region(rs), _region(last_rs) if last_rs is not None and last_rs.included else None, note, True)]
    for unit in this.units:
        prior = before.get(name_key(unit.name))
        rows.append(Row(unit.name, _unit(unit), _unit(prior) if prior is not None else None,
                        "" if unit.status == "ok" else unit.label))
    return rows

"""The rubric the evaluator edits (YAML): categories with their points, the findings each holds and what
each deducts; a report's score is what is left of every category's points."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from nianbao import NianbaoError
from nianbao.findings import CODES

DEFAULT_NAME = "rubric-default.yaml"
LEVEL_WORDS = ("error", "warning", "info")


class RubricError(NianbaoError):
    """The rubric cannot be used (Chinese message naming the entry)."""


@dataclass(frozen=True)
class Category:
    key: str
    title: str
    points: float
    deduct: dict[str, float]
    codes: frozenset[str]
    per_code: dict[str, float] = field(default_factory=dict)

    def deduction(self, code: str, level: str) -> float:
        return self.per_code.get(code, self.deduct.get(level, 0.0))


@dataclass(frozen=True)
class Rubric:
    name: str
    source: str  # the file it was read from ("默认" for the shipped one)
    categories: tuple[Category, ...]
    unreadable: float = 0.0
    text: str = ""  # the YAML as read: the results say which rubric was used

    @property
    def total(self) -> float:
        return sum(c.points for c in self.categories)

    def category_of(self, code: str) -> Category | None:
        return next((c for c in self.categories if code in c.codes), None)

    def score(self, findings: list[tuple[str, str]]) -> tuple[float, dict[str, float]]:
        """(score, {category key: its points left}) for (code, level) findings."""
        left = {c.key: c.points for c in self.categories}
        for code, level in findings:
            cat = self.category_of(code)
            if cat is not None:
                left[cat.key] = max(0.0, left[cat.key] - cat.deduction(code, level))
        return round(sum(left.values()), 1), left


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise RubricError(f"{where} 应为不小于 0 的数，实际为“{value}”")
    return float(value)


def load_rubric(path: Path | None = None) -> Rubric:
    """The rubric at path, or the shipped default. Raises RubricError naming what is wrong."""
    if path is None:
        text = resources.files("nianbao.audit").joinpath(DEFAULT_NAME).read_text("utf-8")
        source = "默认"
    else:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RubricError(f"评分规则“{path}”无法读取（{exc}）") from exc
        source = str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RubricError(f"评分规则“{source}”不是有效的 YAML：{str(exc).splitlines()[0]}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("categories"), list) or not raw["categories"]:
        raise RubricError(f"评分规则“{source}”中没有 categories（评分类别）列表")
    cats: list[Category] = []
    owner: dict[str, str] = {}
    for n, entry in enumerate(raw["categories"], start=1):
        where = f"评分规则第 {n} 个类别"
        if not isinstance(entry, dict) or not entry.get("key") or not isinstance(entry.get("codes"), list):
            raise RubricError(f"{where}应有 key、title、points、deduct、codes")
        codes = [str(c) for c in entry["codes"]]
        unknown = [c for c in codes if c not in CODES]
        if unknown:
            raise RubricError(f"{where}（{entry['key']}）中的问题代码不存在：{'、'.join(unknown)}（代码见 README 的问题代码表）")
        for c in codes:
            if c in owner:
                raise RubricError(f"问题代码 {c} 同时列在 {owner[c]} 和 {entry['key']} 两个类别中")
            owner[c] = entry["key"]
        deduct = entry.get("deduct") or {}
        if not isinstance(deduct, dict) or any(k not in LEVEL_WORDS for k in deduct):
            raise RubricError(f"{where}（{entry['key']}）的 deduct 只能写 error、warning、info 的扣分")
        per_code = entry.get("per_code") or {}
        if not isinstance(per_code, dict) or any(k not in codes for k in per_code):
            raise RubricError(f"{where}（{entry['key']}）的 per_code 只能写本类别 codes 中的代码")
        cats.append(Category(str(entry["key"]), str(entry.get("title") or entry["key"]), _number(entry.get("points"), f"{where}的 points"),
                             {k: _number(v, f"{where}的 deduct.{k}") for k, v in deduct.items()}, frozenset(codes),
                             {k: _number(v, f"{where}的 per_code.{k}") for k, v in per_code.items()}))
    return Rubric(str(raw.get("name") or source), source, tuple(cats), _number(raw.get("unreadable", 0), "unreadable"), text)

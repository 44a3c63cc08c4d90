"""One function turns whatever a figure cell holds into a number, or says precisely why it cannot."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from nianbao.form.model import NumKind

Number = int | Decimal
MAX_FIGURE = 10**9  # no body handles a billion of anything in a year: a typo or a pasted ID

_NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_SEPARATORS_RE = re.compile(r"(?<=\d)[,\s\u00a0\u3000'](?=\d{3}(\D|$))")


@dataclass(frozen=True)
class Parsed:
    """The outcome for one cell: a value, and at most one problem (its finding code, which gives its level,
    and the message's tail)."""

    value: Number | None
    code: str | None = None
    detail: str = ""
    actual: Any = None


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    try:
        import pandas as pd  # only for pandas' own missing values: checks and output need no pandas otherwise

        if raw is pd.NaT or (not isinstance(raw, (str, int, float, bool)) and pd.isna(raw)):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(raw, str) and raw.strip(" \t\r\n\u3000\u00a0") == ""


def shown(raw: Any) -> str:
    """A raw value as the clerk would recognise it in a message (quoted, shortened)."""
    text = str(raw)
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else "?" for ch in text)
    return f"“{text[:20]}{'…' if len(text) > 20 else ''}”"


def format_number(value: Number) -> str:
    """How a figure is printed: integers plainly, amounts with their decimals, never '5.0' or '1E+3'."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def as_kind(value: Decimal | str, kind: NumKind) -> Number:
    """A figure as a record keeps it (its text: conversion.figures_of) or a sum of such, as a number of the
    cell's kind: whole numbers as int, 万元 as Decimal — the inverse of format_number."""
    number = value if isinstance(value, Decimal) else Decimal(value)
    return number if kind is NumKind.DECIMAL_GE0 else int(number)


def format_figure(value: Number, kind: NumKind) -> str:
    """As printed in a table: the 2019 form's 本年增/减 carries its sign ("+3", "-2", "0")."""
    text = format_number(value)
    return f"+{text}" if kind is NumKind.INT_SIGNED and value > 0 else text


def _finish(number: Decimal, kind: NumKind, raw: Any, note: str | None, rounded: bool = False) -> Parsed:
    if abs(number) >= MAX_FIGURE:
        return Parsed(None, "value-too-large", f"数值 {shown(raw)} 过大，请核对", raw)
    integral = number == number.to_integral_value()
    if kind is not NumKind.INT_SIGNED and number < 0:
        return Parsed(None, "value-negative", f"不能为负数，实际为 {shown(raw)}", raw)
    if kind is not NumKind.DECIMAL_GE0 and not integral:
        return Parsed(None, "value-not-integer", f"应为整数（件数），实际为 {shown(raw)}", raw)
    value: Number = number if kind is NumKind.DECIMAL_GE0 else int(number)
    if note:
        return Parsed(value, "value-normalized", note, raw)
    if rounded:
        return Parsed(value, "value-rounded", f"是 {repr(raw)}（计算产生的微小误差，Excel 显示为 {value}），已按 {value} 读取", raw)
    return Parsed(value)


def parse_figure(raw: Any, kind: NumKind) -> Parsed:
    if is_blank(raw):
        return Parsed(None, "value-blank", "为空；没有发生的事项请填 0", raw)
    if isinstance(raw, bool):
        return Parsed(None, "value-not-number", f"是逻辑值 {shown(raw)}，应为数字", raw)
    if isinstance(raw, (dt.datetime, dt.date, dt.time)) or type(raw).__name__ in ("Timestamp", "Timedelta", "timedelta"):
        return Parsed(None, "value-not-number", f"是日期或时间 {shown(raw)}，应为数字（请把单元格格式改为“常规”后重填）", raw)
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed(None, "value-not-number", f"不是有效数字：{shown(raw)}", raw)
        if kind is not NumKind.DECIMAL_GE0 and not float(raw).is_integer() and abs(raw - round(raw)) <= 1e-9:
            # 31.000000000001: arithmetic noise from a formula, shown by Excel as 31
            return _finish(Decimal(round(raw)), kind, raw, None, rounded=True)
        # repr() of a float is the shortest string that round-trips: 18651.06, not 18651.0599999…
        return _finish(Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw), kind, raw, None)
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        if text.startswith("#"):
            return Parsed(None, "value-not-number", f"是公式错误值 {shown(raw)}，请改为数字", raw)
        compact = _SEPARATORS_RE.sub("", text)
        if _NUMBER_RE.match(compact):
            try:
                number = Decimal(compact)
            except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
                number = None
            if number is not None:
                return _finish(number, kind, raw, f"是文本 {shown(raw)}，已按数字 {format_number(number)} 读取；请确认")
        if compact and set(compact) <= set("OoＯｏ〇○"):
            return Parsed(None, "value-not-number",
                          "填的是字母“O”或圆圈“〇”，不是数字 0：请删去后输入数字 0（键盘上方或小键盘的 0）", raw)
        return Parsed(None, "value-not-number", f"应为阿拉伯数字，实际为 {shown(raw)}", raw)
    return Parsed(None, "value-not-number", f"无法识别的内容 {shown(raw)}，应为数字", raw)

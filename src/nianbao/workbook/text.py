"""Cleaning text from cells: every string that reaches the report goes through `clean` exactly once."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

# Zero-width and bidirectional marks: invisible in Excel, harmful in Word (they reorder text).
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF, 0x2060, 0x061C]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)
_SPACES = " \t\u3000\u00a0\u2002\u2003\u2009"

_CN_NUM = "一二三四五六七八九十"
# Numbering a clerk may type in front of a heading; the generator adds its own.
_NUMBERING_RE = re.compile(
    rf"^\s*(?:[（(][{_CN_NUM}]+[）)]|[{_CN_NUM}]+[、.．，,]|[（(]\d+[）)]|\d+[、．]|\d+\.(?!\d)|第[{_CN_NUM}]+[部分章节]?[、：:]?"
    rf"|[{_CN_NUM}]+是(?=[^\s，,。]))\s*"
)
# What a clerk types for "nothing here" in a table habit ("/", "无", "—", "0"): never content.
_PLACEHOLDER_ONLY_RE = re.compile(r"^(?:[/\\\-—–_.。…、·]+|无|暂无|没有|空|略|0|N/?A|null|none)[。.]?$", re.I)


def placeholder_only(text: str) -> bool:
    """The whole cell is a "nothing here" mark ("/", "无", "—", "0"), not a sentence."""
    compact = unicodedata.normalize("NFKC", text).strip(_SPACES + " ")
    return bool(compact) and bool(_PLACEHOLDER_ONLY_RE.match(compact))


def looks_like_body(heading: str) -> bool:
    """A 小标题 cell that holds a paragraph: over 25 characters and a sentence (ending in 。！？；, or
    holding more than one). Short headings with a full stop ("强化组织领导。") are headings."""
    text = heading.strip(_SPACES)
    inner = text.rstrip("。！？；!?;")
    return len(text) > 25 and (text != inner or "。" in inner)


def heading_echo(paragraph: str, heading: str, ordinal: int) -> str:
    """The start of a block's first paragraph that repeats its number or heading ("（一）主动公开方面。"),
    or "" when it does not. Only the block's own number counts: "1." may start a list of the clerk's."""
    own = rf"(?:[（(]{cn_ordinal(ordinal)}[）)]|{cn_ordinal(ordinal)}[、.．])"
    name = re.escape(heading)
    anynum = rf"(?:[（(][{_CN_NUM}]+[）)]|[{_CN_NUM}]+[、.．])"
    m = re.match(rf"\s*(?:{anynum}\s*{name}(?:方面|工作|情况)?[。：:；;，,]?|{own}|{name}(?:方面|工作|情况)?[。：:；;])\s*", paragraph)
    if m and m.end() < len(paragraph):
        return m.group(0)
    # the heading alone on the cell's first line ("（一）主动公开⏎…"): that whole paragraph is the echo
    alone = re.fullmatch(rf"\s*(?:{anynum}\s*)?{name}(?:方面|工作|情况)?[。：:；;，,]?\s*", paragraph)
    return alone.group(0) if alone else ""


def to_text(raw: Any) -> str:
    """A cell value as text; numbers typed into a text cell come out as they look in Excel."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if hasattr(raw, "year") and hasattr(raw, "month") and hasattr(raw, "day"):
        return f"{raw.year}年{raw.month}月{raw.day}日"
    return str(raw)


def _pictographic(ch: str) -> bool:
    # Emoji and pictographs: the neighbours a zero-width joiner binds into one picture (👨‍👩‍👧)
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF


def clean(raw: Any) -> tuple[str, bool]:
    """Normalise one cell's text. Returns (text, whether anything invisible or control-like was removed).

    docxtpl treats \\a, \\t, \\f in values as paragraph/tab/page breaks and drops other controls
    silently; Excel's line break can arrive as `_x000D_`; PDF copy-paste brings zero-width marks.
    Private-use characters (造字) are removed too: `private_use` names them, for a finding of their own.
    """
    text = to_text(raw)
    before = text
    text = text.replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n").replace("\t", " ")
    kept = []
    for i, ch in enumerate(text):
        if ch == "\u200d" and 0 < i < len(text) - 1 and _pictographic(text[i - 1]) and _pictographic(text[i + 1]):
            kept.append(ch)  # inside an emoji sequence: a grapheme stays whole
        elif ord(ch) in _INVISIBLE:
            continue
        elif ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs", "Co"):
            kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept))
    changed = text != unicodedata.normalize("NFC", before.replace("\r\n", "\n").replace("\t", " "))
    return text, changed


def private_use(raw: Any) -> list[str]:
    """The private-use characters (造字: self-made glyphs of one PC's font) in a cell's text."""
    return [ch for ch in to_text(raw) if unicodedata.category(ch) == "Co"]


_ENDS_PARAGRAPH = tuple("。！？；：…”」』)）!?;:")
HARD_WRAP_SHARE = 0.85  # a line this full of the cell's longest, not ending a sentence, was broken by a PDF's layout


def join_hard_wraps(lines: list[str]) -> tuple[list[str], int]:
    """Text copied from a PDF keeps the PDF's line ends: every line about as long as the longest and
    ending mid-sentence. Such lines are joined to the next; returns (paragraphs, lines joined)."""
    if len(lines) < 3:
        return lines, 0
    width = max(len(line) for line in lines)
    broken = [len(line) >= HARD_WRAP_SHARE * width and not line.endswith(_ENDS_PARAGRAPH) for line in lines[:-1]]
    if sum(broken) < 2 or width < 15:
        return lines, 0
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        if broken[i]:
            out[-1] += line
        else:
            out.append(line)
    return out, sum(broken)


def paragraphs(text: str) -> list[str]:
    """Split cleaned text into paragraphs: each line break is a paragraph; indentation and blanks go."""
    out = []
    for line in text.split("\n"):
        line = line.strip(_SPACES)
        if line:
            out.append(line)
    return out


def strip_numbering(heading: str) -> tuple[str, bool]:
    """Remove typed numbering ("一、", "（一）一、", "1.") from a heading: the generator numbers them."""
    original = heading.strip(_SPACES)
    text = original
    while True:
        m = _NUMBERING_RE.match(text)
        if not m or m.end() == len(text):
            break
        text = text[m.end():]
    text = text.strip(_SPACES).rstrip("。；;：:，,")
    return text, text != original.rstrip("。；;：:，,")


CN_NUMERALS = _CN_NUM  # 一 … 十: the numerals of sub-headings and of 一是、二是
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_number(text: str) -> int | None:
    """A number written in Chinese numerals: 三 -> 3, 十二 -> 12, 二十一 -> 21, 一百零五 -> 105, 两万 -> 20000;
    None when the text is anything else. The one reader of Chinese numerals (its inverse: cn_ordinal)."""
    if not text:
        return None
    total, section, number = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            if number:  # 一一, 三五: digits side by side are no number
                return None
            number = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit == 10000:
                total += (section + number) * unit
                section = number = 0
            else:
                section += (number or 1) * unit
                number = 0
        else:
            return None
    return total + section + number


def cn_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (sub-heading numbers)."""
    if n <= 10:
        return _CN_NUM[n - 1]
    tens, ones = divmod(n, 10)
    return (_CN_NUM[tens - 1] if tens > 1 else "") + "十" + (_CN_NUM[ones - 1] if ones else "")

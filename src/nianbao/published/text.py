"""Text as published reports carry it, made comparable: the glyphs PDF printers substitute, the
punctuation sites retype, the spaces markup adds."""

from __future__ import annotations

import re
import unicodedata

_WIDE_DIGITS = str.maketrans("０１２３４５６７８９．＋－", "0123456789.+-")


_RADICALS = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")


# Radicals (U+2E80 block) that PDF fonts share with the simplified characters they look like; NFKC does
# not map these (Unicode gives them no decomposition). "戶" is the CJK fonts' shared glyph for "户".
_SHARED_GLYPHS = str.maketrans("⺠⻔⻓⻜⻢⻋⻅⻆⻛⻝⻘⻙⻚⻥⻦⻩⻬⻮⻰⻳⻉⻄⺟⻁戶", "民门长飞马车见角风食青韦页鱼鸟黄齐齿龙龟贝西母虎户")


def unfold(text: str) -> str:
    """Radicals and compatibility ideographs as the characters they stand for: PDF printers (Chromium) map
    glyphs to "⼀" (U+2F00) where the text had "一" (U+4E00). Only those: NFKC on the whole text would also
    turn the form's full-width "（一）" into "(一)"."""
    return _RADICALS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text.translate(_SHARED_GLYPHS))


# what sites type in place of the form's punctuation: ASCII brackets and colons for full-width ones, quotes
# of any kind (or none) around "三安全一稳定"
_PUNCTUATION = str.maketrans({"(": "（", ")": "）", ":": "：", "“": None, "”": None, '"': None, "‘": None, "’": None,
                              "'": None, "「": None, "」": None, "『": None, "』": None})


def norm(text: str) -> str:
    """Cell or label text as compared: full-width digits made ASCII, no spaces of any kind (CMS pages put
    stray spaces inside labels: "社会公益 组织"), brackets full-width, quotes left out, an item number
    "1、" or "1．" written "1." as the form prints it."""
    text = re.sub(r"\s+", "", (text or "").replace("\u00a0", " ").replace("\u3000", " ")).translate(_WIDE_DIGITS)
    return re.sub(r"(?<![\d.])(\d{1,2})、", r"\1.", unfold(text).translate(_PUNCTUATION))


def para(text: str) -> str:
    """A paragraph as text: the spaces a page's markup adds between Chinese characters removed, the rest kept."""
    text = unfold(re.sub(r"[ \t\r\n\u00a0\u3000]+", " ", text or "").strip())
    return re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])", "", text)


# a page number as printed in a footer: "— 3 —", "3", "第 3 页"
PAGE_NUMBER = re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$|^第\s*\d+\s*页")

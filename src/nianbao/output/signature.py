"""Where the signature block goes (GB/T 9704-2012 7.3.5): the agency's name over the date, measured in the
body's characters. Without a seal (7.3.5.2) the name stands 2 characters from the right and the date
starts 2 characters to the right of the name's first character; when the date is the longer line, the
date stands 2 characters from the right and the name moves left to keep that offset. With a seal
(7.3.5.1) the date stands 4 characters from the right and the name is centred over it. A name longer
than a line breaks between words, never leaving one character alone."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CHAR_PT = 15.75  # one 3号 character as the body sets it (16 pt condensed by 0.25 pt)
HALF_PT = 7.75  # a digit or Latin letter: half a character, condensed alike
LINE_CHARS = 28
TWIPS_PER_PT = 20

# Where a long agency name may break: after these words (the end of an administrative unit).
_UNIT_END = re.compile(r"(?:人民政府|办公厅|办公室|委员会|管理委员会|管委会|办事处|街道|总局|分局|局|厅|委|办|院|所|中心|站|队|处|科|省|市|县|区|镇|乡)")


AUTOSPACE_PT = 3.5  # the space Word, WPS and LibreOffice put between Chinese and a digit (measured: 3.45)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WFA"


def width_pt(text: str) -> float:
    """The printed width of a line of body text, in points, with the automatic space at every change
    between Chinese and digits ("2025年1月20日" has five)."""
    width = sum(CHAR_PT if _wide(ch) else HALF_PT for ch in text)
    return width + AUTOSPACE_PT * sum(1 for a, b in zip(text, text[1:]) if _wide(a) != _wide(b))


def name_lines(name: str, room_pt: float) -> list[str]:
    """The name on as few lines as fit room_pt, broken after a unit word, the lines as even as can be."""
    if width_pt(name) <= room_pt:
        return [name]
    cuts = [m.end() for m in _UNIT_END.finditer(name) if 1 < m.end() < len(name) - 1]
    fitting = [c for c in cuts if width_pt(name[:c]) <= room_pt and width_pt(name[c:]) <= room_pt]
    if fitting:
        best = min(fitting, key=lambda c: abs(width_pt(name[:c]) - width_pt(name[c:])))
        return [name[:best], name[best:]]
    half = len(name) // 2  # no unit word to break at: two even halves, never one character alone
    return [name[:half], name[half:]]


@dataclass(frozen=True)
class Signature:
    name: list[str]  # the agency's name, one item a line
    name_right_pt: float  # right indent of the name's lines
    date_right_pt: float
    name_left_pt: float | None = None  # with a seal: the name's lines are centred between the indents

    @property
    def name_left_twips(self) -> int | None:
        return None if self.name_left_pt is None else round(self.name_left_pt * TWIPS_PER_PT)

    @property
    def name_right_twips(self) -> int:
        return round(self.name_right_pt * TWIPS_PER_PT)

    @property
    def date_right_twips(self) -> int:
        return round(self.date_right_pt * TWIPS_PER_PT)


def signature(name: str, date: str, sealed: bool = False) -> Signature:
    c = CHAR_PT
    line = LINE_CHARS * c
    wd = width_pt(date)
    if sealed:
        # the date 4 characters from the right, each line of the name centred over it: a name wider than
        # twice the date's centre's distance from the right edge goes on two lines
        date_r = 4 * c
        centre = date_r + wd / 2  # from the right edge
        lines = name_lines(name, 2 * centre)
        box = max(width_pt(x) for x in lines)
        name_r = centre - box / 2
        return Signature(lines, name_r, date_r, name_left_pt=line - name_r - box)
    lines = name_lines(name, line - 4 * c)
    wn = max(width_pt(x) for x in lines)
    name_r = 2 * c
    date_r = name_r + wn - 2 * c - wd
    if date_r < 2 * c:  # the date is the longer line
        date_r = 2 * c
        name_r = date_r + wd + 2 * c - wn
    return Signature(lines, name_r, date_r)

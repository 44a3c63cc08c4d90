"""Which roster unit a received file belongs to: by the agency named in the workbook, with the variations
clerks write (人民政府 left out, the county's name left out or a province's added, brackets of either width,
spaces, a trailing （盖章）), by an alias, by the sender's address, or — for a file that could not be read —
by a unit's name in the file name. One unit or none: a file that fits two is left for a person, never
guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.published.text import norm
from nianbao.season.roster import Roster, Unit

# how a match was made, as the status sheet says it
BY_NAME, BY_ALIAS, BY_SENDER, BY_FILENAME, BY_PERSON = "机关全称", "别名", "发件人", "文件名", "人工指定"
_SEAL = re.compile(r"[（(](?:盖章|章|公章)[）)]$")
_SUFFIXES = ("人民政府", "办事处")  # not 人民政府办公室: the office is a unit of its own
_SHORTEST = 3  # characters a name must keep to be compared by its end ("镇" alone is nobody)


@dataclass(frozen=True)
class Match:
    units: tuple[Unit, ...]  # exactly one when matched; none, or several for a person to choose
    how: str = ""

    @property
    def unit(self) -> Unit | None:
        return self.units[0] if len(self.units) == 1 else None


def name_key(name: str) -> str:
    """A name as compared: no spaces, brackets full-width, no trailing （盖章）."""
    return _SEAL.sub("", norm(name or ""))


def _forms(key: str) -> set[str]:
    """A name and the same without its 人民政府 / 办事处 (clerks leave it out)."""
    out = {key}
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            out.add(key[: -len(suffix)])
    return out


def _fits(written: str, name: str) -> str:
    """"exact", "end" (one ends with the other: a county or province name left out or added), or ""."""
    a, b = _forms(name_key(written)), _forms(name_key(name))
    if a & b:
        return "exact"
    if any((x.endswith(y) or y.endswith(x)) and min(len(x), len(y)) >= _SHORTEST for x in a for y in b):
        return "end"
    return ""


def _tails(key: str) -> set[str]:
    """A name and what is left of it without the places before it ("青山县黄土镇" → "黄土镇"): file names
    leave the county out."""
    out = {key} if len(key) >= _SHORTEST else set()
    out |= {key[i:] for i in range(1, len(key)) if key[i - 1] in "省市县区旗州盟" and len(key) - i >= _SHORTEST}
    return {t for t in out if t not in _SUFFIXES}


def match(roster: Roster, agency: str = "", sender: str = "", filename: str = "") -> Match:
    if agency:
        for how, names in ((BY_NAME, lambda u: (u.name,)), (BY_ALIAS, lambda u: u.aliases)):
            for degree in ("exact", "end"):
                found = tuple(u for u in roster.units if any(_fits(agency, n) == degree for n in names(u)))
                if found:
                    return Match(found, how)
    if sender:
        address = sender.strip().lower()
        found = tuple(u for u in roster.units if address in u.emails)
        if found:
            return Match(found, BY_SENDER)
    if filename and not agency:
        stem = name_key(re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename.rsplit("/", 1)[-1]))
        found = tuple(u for u in roster.units
                      if any(k in stem for n in (u.name, *u.aliases) for f in _forms(name_key(n)) for k in _tails(f)))
        if found:
            return Match(found, BY_FILENAME)
    return Match(())

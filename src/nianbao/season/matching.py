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


def _tails(key: str) -> set[str]:
    """A name and what is left of it without the places before it ("青山县黄土镇" → "黄土镇"): file names
    leave the county out."""
    out = {key} if len(key) >= _SHORTEST else set()
    out |= {key[i:] for i in range(1, len(key)) if key[i - 1] in "省市县区旗州盟" and len(key) - i >= _SHORTEST}
    return {t for t in out if t not in _SUFFIXES}


@dataclass(frozen=True)
class _Known:
    """A unit's names as compared, worked out once for a roster."""
    unit: Unit
    names: tuple[frozenset[str], ...]  # the forms of its full name
    aliases: tuple[frozenset[str], ...]
    tails: frozenset[str]  # what a file name may hold of its name or aliases


class Index:
    """A roster made ready for matching many files: every unit's name forms computed once, answers
    remembered (a season's files carry a few hundred distinct names)."""

    def __init__(self, roster: Roster) -> None:
        self.known = [_Known(u, (frozenset(_forms(name_key(u.name))),), tuple(frozenset(_forms(name_key(a))) for a in u.aliases),
                             frozenset(t for n in (u.name, *u.aliases) for f in _forms(name_key(n)) for t in _tails(f)))
                      for u in roster.units]
        # form -> units, and each form's endings (of _SHORTEST characters or more) -> units, for names and aliases
        self.by_form: dict[str, dict[str, list[Unit]]] = {"name": {}, "alias": {}}
        self.by_ending: dict[str, dict[str, list[Unit]]] = {"name": {}, "alias": {}}
        for k in self.known:
            for kind, groups in (("name", k.names), ("alias", k.aliases)):
                for forms in groups:
                    for f in forms:
                        self.by_form[kind].setdefault(f, []).append(k.unit)
                        for i in range(len(f) - _SHORTEST + 1):
                            self.by_ending[kind].setdefault(f[i:], []).append(k.unit)
        self.by_email: dict[str, list[Unit]] = {}
        for u in roster.units:
            for e in u.emails:
                self.by_email.setdefault(e, []).append(u)
        self.memo: dict[tuple[str, str, str], Match] = {}

    def match(self, agency: str = "", sender: str = "", filename: str = "") -> Match:
        key = (agency, sender.strip().lower(), "" if agency else filename)
        if key not in self.memo:
            self.memo[key] = self._match(*key)
        return self.memo[key]

    def _match(self, agency: str, sender: str, filename: str) -> Match:
        if agency:
            written = _forms(name_key(agency))
            for kind, how in (("name", BY_NAME), ("alias", BY_ALIAS)):
                exact = [u for f in written for u in self.by_form[kind].get(f, [])]
                # one name ends with the other: a unit's form that is an ending of the written one, or the
                # written one an ending of a unit's form
                ends = [u for x in written for i in range(len(x) - _SHORTEST + 1) for u in self.by_form[kind].get(x[i:], [])]
                ends += [u for x in written if len(x) >= _SHORTEST for u in self.by_ending[kind].get(x, [])]
                for units in (exact, ends):
                    if units:
                        return Match(tuple(dict.fromkeys(units)), how)
        if sender:
            found = tuple(self.by_email.get(sender, ()))
            if found:
                return Match(found, BY_SENDER)
        if filename and not agency:
            stem = name_key(re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename.rsplit("/", 1)[-1]))
            found = tuple(k.unit for k in self.known if any(t in stem for t in k.tails))
            if found:
                return Match(found, BY_FILENAME)
        return Match(())


def match(roster: Roster, agency: str = "", sender: str = "", filename: str = "") -> Match:
    """One file against a roster (for many files, build an Index once)."""
    return Index(roster).match(agency, sender, filename)

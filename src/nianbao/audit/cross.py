"""What only many reports together show: a unit's text copied from its own last year, text shared with
another unit, the same report published twice, two units with the same tables."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from nianbao.audit.reading import Audited, Evidenced
from nianbao.audit.similarity import candidates, common, containment, longest_passage, normal, shingles, signatures
from nianbao.season.matching import name_key

SIMILAR = 0.5  # a share of text at or above this is reported (宿迁 deducts above 50 % similarity to last year)
_QUOTE_MAX = 80


def _text(report: Audited) -> str:
    return "\n".join(p for _, p in report.paragraphs)


def _quote(a: str, b: str) -> str:
    passage = longest_passage(a, b)
    return passage if len(passage) <= _QUOTE_MAX else passage[:_QUOTE_MAX - 1] + "…"


def _name(report: Audited) -> str:
    return f"{report.agency or '机关名称未识别'}（{report.source}）"


SECTION_SIMILAR = 0.8  # a whole section (一 or 五) this much the same is copied, even when the rest is not
SECTION_MIN = 40  # characters a section needs to be compared on its own


@dataclass
class _Texts:
    """A report's text, whole and by section, as shingle sets with the boilerplate set aside."""

    whole: str
    sets: set[int]
    sections: dict[str, tuple[str, set[int]]]


def _texts(report: Audited, boiler: set[int]) -> _Texts:
    by_section: dict[str, list[str]] = {}
    for sec, para in report.paragraphs:
        by_section.setdefault(sec, []).append(para)
    sections = {sec: ("\n".join(ps), shingles("".join(ps)) - boiler) for sec, ps in by_section.items()
                if len(normal("".join(ps))) >= SECTION_MIN}
    whole = _text(report)
    return _Texts(whole, shingles(whole) - boiler, sections)


def _compare(a: _Texts, b: _Texts, quote: bool = True) -> tuple[str, str, str] | None:
    """(what is the same, which section, the quote) when a's text is b's: the whole at SIMILAR or more
    (with its sections that are the same named), else a section of a at SECTION_SIMILAR or more of the
    same section of b; None when neither."""
    share = containment(a.sets, b.sets)
    same = {sec: containment(own, b.sections[sec][1]) for sec, (_, own) in a.sections.items() if sec in b.sections}
    copied = [(sec, x) for sec, x in same.items() if x >= SECTION_SIMILAR]
    if share >= SIMILAR:
        detail = "（其中" + "，".join(f"“{sec}”{x:.0%}" for sec, x in copied) + "）" if copied else ""
        return f"正文有 {share:.0%}{detail}", "", _quote(a.whole, b.whole) if quote else ""
    if copied:
        sec, x = max(copied, key=lambda c: c[1])
        return f"“{sec}”部分有 {x:.0%}", sec, _quote(a.sections[sec][0], b.sections[sec][0]) if quote else ""
    return None


def cross_check(reports: Sequence[Audited], previous: Sequence[Audited] = ()) -> int:
    """Add the cross-report findings to reports (previous: last year's reports given apart). Returns how
    many shingles were set aside as boilerplate."""
    readable = [r for r in reports if r.readable]
    earlier = [p for p in previous if p.readable]
    boiler = common([shingles(_text(r)) for r in readable])
    texts = {id(r): _texts(r, boiler) for r in readable + earlier}
    _duplicates(readable)
    _last_year(readable, earlier + readable, texts)
    _between_units(readable, texts)
    _same_tables(readable)
    return len(boiler)


def _digest(report: Audited) -> str:
    return hashlib.sha256(json.dumps([_text(report), report.figures], ensure_ascii=False, sort_keys=True, allow_nan=False).encode()).hexdigest()


def _duplicates(reports: list[Audited]) -> None:
    """The same file, or the same text and tables in another file: the later one is named."""
    first: dict[str, Audited] = {}
    for r in reports:
        keys = [k for k in (r.sha256, _digest(r)) if k]
        seen = next((first[k] for k in keys if k in first), None)
        if seen is not None:
            r.findings.append(Evidenced("audit-duplicate", "warning", f"与 {seen.source} 是同一份报告（重复发布或重复收入）",
                                        "", f"另一份：{seen.source}"))
            continue
        for k in keys:
            first[k] = r


def _last_year(reports: list[Audited], pool: list[Audited], texts: dict[int, _Texts]) -> None:
    by_unit = {(name_key(p.agency), p.year): p for p in pool if p.agency and p.year}
    for r in reports:
        prev = by_unit.get((name_key(r.agency), r.year - 1)) if r.agency and r.year else None
        if prev is None:
            continue
        r.previous_of = prev.source
        r.similarity_previous = round(containment(texts[id(r)].sets, texts[id(prev)].sets), 3)
        found = _compare(texts[id(r)], texts[id(prev)])
        if found is not None:
            what, sec, quote = found
            r.findings.append(Evidenced("audit-similar-previous", "warning",
                                        f"{what}与本单位上年（{prev.year}年度）的报告相同（{prev.source}），内容雷同",
                                        quote, f"上年报告：{prev.source}" + (f"，{sec}" if sec else "")))


_NAMED_OTHERS = 3  # copies of one text named one by one; more are counted


def _between_units(reports: list[Audited], texts: dict[int, _Texts]) -> None:
    by_year: dict[int | None, list[Audited]] = {}
    for r in reports:
        by_year.setdefault(r.year, []).append(r)
    for group in by_year.values():
        pairs = candidates(signatures([texts[id(r)].sets for r in group]))
        for sec in {sec for r in group for sec in texts[id(r)].sections}:  # a section copied alone
            pairs |= candidates(signatures([texts[id(r)].sections.get(sec, ("", set()))[1] for r in group]))
        similar: dict[int, list[tuple[float, Audited]]] = {}
        for i, j in sorted(pairs):
            a, b = group[i], group[j]
            if not a.agency or not b.agency or name_key(a.agency) == name_key(b.agency):
                continue  # the same unit twice is _duplicates' business
            for this, other in ((a, b), (b, a)):
                share = containment(texts[id(this)].sets, texts[id(other)].sets)
                this.similarity_other = max(this.similarity_other or 0.0, round(share, 3))
                similar.setdefault(id(this), []).append((share, other))
        for this in group:
            found: list[tuple[Audited, tuple[str, str, str]]] = []
            for _, other in sorted(similar.get(id(this), []), key=lambda x: (-x[0], x[1].source)):
                same = _compare(texts[id(this)], texts[id(other)], quote=len(found) < _NAMED_OTHERS)
                if same is not None:
                    found.append((other, same))
            for n, (other, (what, sec, quote)) in enumerate(found[:_NAMED_OTHERS]):
                more = f"（另有 {len(found) - _NAMED_OTHERS} 份报告也与本报告雷同，见 评估结果.json）" if n == 0 and len(found) > _NAMED_OTHERS else ""
                this.findings.append(Evidenced("audit-similar-other", "warning", f"{what}与 {_name(other)} 的报告相同，内容雷同{more}",
                                               quote, f"另一单位的报告：{other.source}" + (f"，{sec}" if sec else "")))


def _same_tables(reports: list[Audited]) -> None:
    """Units whose three tables agree cell by cell: each is named on the other's row (who copied whom is
    the evaluator's question)."""
    groups: dict[str, list[Audited]] = {}
    for r in reports:
        tables = {t: v for t, v in r.figures.items() if t.startswith("table")}
        if any(v != "0" for cells in tables.values() for v in cells.values()):  # all zero: many small offices honestly have that
            groups.setdefault(json.dumps([r.year, tables], sort_keys=True, allow_nan=False), []).append(r)
    for members in groups.values():
        for r in members:
            others = [o for o in members if name_key(o.agency) != name_key(r.agency)]
            if others:
                r.findings.append(Evidenced("audit-same-tables", "warning",
                                            f"三张统计表的数字与 {'、'.join(_name(o) for o in others[:3])} 的报告逐格相同", "",
                                            "另一单位的报告：" + "、".join(o.source for o in others[:3])))

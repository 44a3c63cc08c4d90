"""How much of one report's text is another's, for hundreds of reports without comparing every pair.

A text is its set of shingles (runs of 8 characters, punctuation and spaces left out, so that a retyped
comma changes nothing). Phrases most reports share (the regulation's name, the standard opening) are
boilerplate, not copying: shingles found in many reports are set aside first. MinHash signatures with
banded locality-sensitive hashing then give the candidate pairs — pairs sharing about half their shingles
or more — and only those are compared exactly."""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

SHINGLE = 8
PERMUTATIONS, BANDS = 64, 16  # 16 bands of 4 rows: pairs above about 50 % similarity meet in a band
_PRIME = 4294967311  # the first prime above 2**32
_KEEP = re.compile(r"[\w\u3400-\u9fff]")


def normal(text: str) -> str:
    """Letters, digits and Chinese characters only."""
    return "".join(_KEEP.findall(text))


def shingles(text: str) -> set[int]:
    t = normal(text)
    if len(t) < SHINGLE:
        return {zlib.crc32(t.encode("utf-8"))} if t else set()
    return {zlib.crc32(t[i:i + SHINGLE].encode("utf-8")) for i in range(len(t) - SHINGLE + 1)}


def common(sets: Sequence[set[int]], share: float = 0.1, at_least: int = 3) -> set[int]:
    """Shingles found in more than `share` of the texts (and in at least `at_least`): boilerplate."""
    df = Counter(s for one in sets for s in one)
    limit = max(at_least, int(len(sets) * share) + 1)
    return {s for s, n in df.items() if n >= limit}


def containment(a: set[int], b: set[int]) -> float:
    """The share of a found in b."""
    return len(a & b) / len(a) if a else 0.0


def signatures(sets: Sequence[set[int]], seed: int = 2026) -> np.ndarray:
    """One row of PERMUTATIONS minimum hashes a set (an empty set: all maximal, it meets no other)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**31, PERMUTATIONS, dtype=np.uint64)
    b = rng.integers(0, 2**31, PERMUTATIONS, dtype=np.uint64)
    out = np.full((len(sets), PERMUTATIONS), np.iinfo(np.uint64).max, dtype=np.uint64)
    for i, s in enumerate(sets):
        if s:
            x = np.fromiter(s, dtype=np.uint64, count=len(s))
            out[i] = ((np.outer(x, a) + b) % np.uint64(_PRIME)).min(axis=0)
    return out


def candidates(sigs: np.ndarray) -> set[tuple[int, int]]:
    """Pairs (i < j) whose signatures agree on a whole band."""
    rows = PERMUTATIONS // BANDS
    pairs: set[tuple[int, int]] = set()
    empty = np.iinfo(np.uint64).max
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = {}
        part = sigs[:, band * rows:(band + 1) * rows]
        for i in range(len(sigs)):
            if part[i, 0] == empty:
                continue
            buckets.setdefault(part[i].tobytes(), []).append(i)
        for members in buckets.values():
            for x, i in enumerate(members):
                for j in members[x + 1:]:
                    pairs.add((i, j))
    return pairs


def longest_passage(a: str, b: str) -> str:
    """The longest stretch of text the two share, as it reads in a: the longest run of a's shingles found
    in b (linear in the two lengths, where a character-by-character match is quadratic)."""
    keep = [(i, ch) for i, ch in enumerate(a) if _KEEP.match(ch)]
    t = "".join(ch for _, ch in keep)
    theirs = shingles(b)
    best, start, run = (0, 0), 0, 0
    for i in range(len(t) - SHINGLE + 1):
        if zlib.crc32(t[i:i + SHINGLE].encode("utf-8")) in theirs:
            if run == 0:
                start = i
            run += 1
            if run > best[1]:
                best = (start, run)
        else:
            run = 0
    if not best[1]:
        return ""
    first, last = keep[best[0]][0], keep[best[0] + best[1] + SHINGLE - 2][0]
    return a[first:last + 1].strip()

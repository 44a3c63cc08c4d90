"""The printed page, measured: a PDF's lines and words with their positions in points, as poppler's
`pdftotext -bbox-layout` reports them (A4 is 595 × 842 pt; 1 mm = 2.835 pt)."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

MM = 72 / 25.4
PAGE_H = 841.89
# GB/T 9704 text block: 28 mm from the left, 26 mm from the right, 37 mm from the top, 35 mm from the bottom
BLOCK_LEFT, BLOCK_RIGHT = 28 * MM, 595.3 - 26 * MM
BLOCK_TOP, BLOCK_BOTTOM = 37 * MM, PAGE_H - 35 * MM
NS = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    words: tuple[tuple[str, float, float, float, float], ...]

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


def pages(pdf: Path) -> list[list[Line]]:
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    root = ET.fromstring(xml)
    out = []
    for page in root.iter(f"{NS}page"):
        lines = []
        for line in page.iter(f"{NS}line"):
            words = tuple((w.text or "", float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")))
                          for w in line.iter(f"{NS}word"))
            text = "".join(w[0] for w in words)
            lines.append(Line(text, float(line.get("xMin")), float(line.get("yMin")), float(line.get("xMax")), float(line.get("yMax")), words))
        out.append(lines)
    return out


def body_lines(page: list[Line]) -> list[Line]:
    """Lines inside the text block's width that start at its left edge or its 2-character indent."""
    return [ln for ln in page if BLOCK_TOP - 2 <= ln.y0 and ln.y1 <= BLOCK_BOTTOM + 2]

"""What every reader of a published report returns (`Source`): its paragraphs in order (with what sets a
sub-heading apart) and its tables as grids (a cell spanning rows or columns repeated in each position it
covers), the page's furniture left out; and the text helpers the readers share. The readers themselves are
webpage.py (lxml), word.py (python-docx) and pdf.py (pdfplumber), picked by reading.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao import NianbaoError


class SourceError(NianbaoError):
    """The file cannot be read as a published report (Chinese message)."""


@dataclass
class Source:
    paragraphs: list[str] = field(default_factory=list)  # body text, one item a paragraph, tables left out
    tables: list[list[list[str]]] = field(default_factory=list)  # each a grid of cell texts
    title: str = ""
    images: int = 0  # pictures in the article: some sites publish the tables as images
    # paragraphs set as headings (an h1-h6, bold throughout, a Word heading style): sub-headings numbered
    # in no way the text shows
    headings: set[str] = field(default_factory=set)
    # paragraphs that open with a run set apart (bold, a heading typeface) and go on in the body's type:
    # paragraph -> that opening ("主动公开方面。" of "主动公开方面。全年……"), a sub-heading run into its text
    run_in: dict[str, str] = field(default_factory=dict)
    # the tables were rebuilt from word positions (a PDF without ruling lines): the importer takes them only
    # when everything is found and adds up
    rebuilt: bool = False


# the typefaces 公文 set headings in (黑体, 楷体, their Latin names, bold cuts): pages mix the body face with
# none at all, so only these set a paragraph apart
HEADING_FACE = re.compile(r"黑|楷|hei|kai|bold|heavy|black", re.I)


def run_in_lead(paragraph: str, opening: str) -> str:
    """The opening of a paragraph as a run-in sub-heading: 2–30 characters ending at a full stop or colon
    (inside the run or just after it), with text after it. "<b>2024年</b>，本机关……" is emphasis, not a
    heading."""
    if not paragraph.startswith(opening):
        return ""
    rest = paragraph[len(opening):]
    if rest[:1] in ("。", "：", ":", "；"):
        opening, rest = opening + rest[0], rest[1:]
    if not (2 <= len(opening) <= 30 and opening[-1] in "。：:；" and rest.strip()):
        return ""
    return opening



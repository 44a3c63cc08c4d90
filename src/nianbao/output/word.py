"""Merging the report's context into the Word template (docxtpl, with our own Jinja environment)."""

from __future__ import annotations

import datetime
import hashlib
import io
import marshal
import os
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import docxtpl
import jinja2
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docxtpl import DocxTemplate

from nianbao import NianbaoError
from nianbao.files import atomic_write_bytes
from nianbao.output.doctemplate import SMALL_TABLE_PT


class RenderError(NianbaoError):
    """The template could not be rendered (a placeholder it needs, or a broken restyled template)."""


def bundled_template() -> bytes:
    return resources.files("nianbao.data").joinpath("doc_template.docx").read_bytes()


def _cache_dir() -> Path | None:
    """Where compiled templates are kept between runs, like Python's own .pyc files (None: disabled)."""
    if os.environ.get("NIANBAO_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nianbao"


def _cache_key(kind: str, source: str) -> str:
    stamp = f"{kind}|{jinja2.__version__}|{docxtpl.__version__}|{sys.version_info[:2]}|"
    return kind + "-" + hashlib.sha256((stamp + source).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _disk_get(key: str) -> bytes | None:
    folder = _cache_dir()
    try:
        return (folder / key).read_bytes() if folder else None
    except OSError:
        return None


def _disk_put(key: str, data: bytes) -> None:
    folder = _cache_dir()
    if folder is None:
        return
    try:
        atomic_write_bytes(folder / key, data)
    except OSError:
        pass  # a read-only home only costs speed


class _CachingEnvironment(jinja2.Environment):
    """docxtpl compiles the template's XML on every render (about 90 ms of a 150 ms render); the XML
    of one template is the same every time, so the compiled code is kept — in memory, and on disk for
    the next process (a cold `nianbao convert` would otherwise pay it every time)."""

    _compiled: dict[str, jinja2.Template]

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> jinja2.Template:  # jinja2's own signature
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        cache: dict[str, jinja2.Template] = self.__dict__.setdefault("_compiled", {})
        if source not in cache:
            if len(cache) > 64:  # restyled templates in a long-running process: keep it bounded
                cache.clear()
            cache[source] = self._load_or_compile(source)
        return cache[source]

    def _load_or_compile(self, source: str) -> jinja2.Template:
        key = _cache_key("jinja", source)
        blob = _disk_get(key)
        if blob is not None:
            try:
                code = marshal.loads(blob)
                return self.template_class.from_code(self, code, self.make_globals(None), None)
            except Exception:  # noqa: BLE001 - a stale or damaged cache entry is simply rebuilt
                pass
        code = self.compile(source)
        _disk_put(key, marshal.dumps(code))
        return self.template_class.from_code(self, code, self.make_globals(None), None)


_ENV: jinja2.Environment | None = None


def jinja_env() -> jinja2.Environment:
    # autoescape: docxtpl loses text after "&" or "<" without it; StrictUndefined: a missing variable
    # is an error, never a silent blank in a published report.
    global _ENV
    if _ENV is None:
        _ENV = _CachingEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)
    return _ENV


class _Template(DocxTemplate):
    """docxtpl cleans the template's XML with some hundred regular expressions on every render (30 ms);
    the result depends on the XML alone, so it is kept."""

    _patched: dict[str, str] = {}

    def patch_xml(self, src_xml: str) -> str:
        cached = self._patched.get(src_xml)
        if cached is None:
            if len(self._patched) > 64:
                self._patched.clear()
            key = _cache_key("patched", src_xml)
            blob = _disk_get(key)
            if blob is not None:
                cached = blob.decode("utf-8", "surrogatepass")
            else:
                cached = super().patch_xml(src_xml)
                _disk_put(key, cached.encode("utf-8", "surrogatepass"))
            self._patched[src_xml] = cached
        return cached


SIGNATURE_STYLE = "落款"


def _place_signature(document: Any, where: dict[str, int | None] | None) -> None:
    """The name and date paragraphs (style 落款) get the right indents GB/T 9704 7.3.5 asks for; they
    depend on the lengths of this report's name and date, so the template cannot hold them."""
    if not where:
        return
    paragraphs = [p for p in document.paragraphs if p.style is not None and p.style.name == SIGNATURE_STYLE and p.text.strip()]
    if len(paragraphs) != 2:
        return  # a restyled template without the two signature paragraphs: its own layout stands
    # Never a signature alone on a page: the body's last paragraph (and the blank line) go with it.
    body = document.paragraphs
    at = next(i for i, p in enumerate(body) if p._p is paragraphs[0]._p)
    for p in reversed(body[:at]):
        p.paragraph_format.keep_with_next = True
        if p.text.strip():
            break
    for p, twips, keep in zip(paragraphs, (where["name_right"], where["date_right"]), (True, False)):
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.keep_with_next = keep  # the name never leaves its date on another page
        p.paragraph_format.right_indent = Twips(twips or 0)
        if keep and where.get("name_left") is not None:  # with a seal: the name centred over the date
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.left_indent = Twips(where["name_left"] or 0)
        p.paragraph_format.first_line_indent = Twips(0)
        ind = p._p.get_or_add_pPr().find(qn("w:ind"))
        if ind is not None:  # character units would win over twips in Word
            for attr in ("w:rightChars", "w:firstLineChars"):
                ind.attrib.pop(qn(attr), None)


FIGURE_DIGITS = 6  # a narrow column of 表三/表四 (小五) holds six digits; a longer figure is set smaller to stay on one line
_FIGURE = re.compile(r"[+-]?\d[\d.]*")


def _fit_long_figures(doc: Any) -> None:
    """A figure longer than a narrow column holds (a seven-digit count in 表三) in a type size that keeps
    it on one line, instead of breaking it across two."""
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                text = cell.text.strip()
                if len(text) <= FIGURE_DIGITS or not _FIGURE.fullmatch(text):
                    continue
                for para in cell.paragraphs:
                    style = para.style.font.size if para.style is not None else None
                    if style is None or style.pt > SMALL_TABLE_PT:
                        continue  # a wide column (表二, 五号): a long figure fits
                    for run in para.runs:
                        run.font.size = Pt(max(5.5, style.pt * FIGURE_DIGITS / len(text)))


def render_docx(ctx: dict[str, Any], template: bytes | None = None) -> bytes:
    tpl = _Template(io.BytesIO(template if template is not None else bundled_template()))
    try:
        tpl.render(ctx, jinja_env=jinja_env(), autoescape=True)
    except jinja2.TemplateError as exc:
        where = " ".join(s.strip() for s in getattr(exc, "docx_context", []) if s.strip())
        raise RenderError(f"Word 模板无法填充：{exc.message or exc}" + (f"（模板中：{where[:120]}）" if where else "")) from exc
    _place_signature(tpl.docx, ctx.get("signature"))
    _fit_long_figures(tpl.docx)
    # Document properties are set directly: docxtpl would run them through the (escaping) Jinja env.
    props = tpl.docx.core_properties
    meta = ctx.get("properties", {})
    props.title = meta.get("title", "")
    props.author = meta.get("author", "")
    props.subject = "政府信息公开工作年度报告"
    props.comments = "由 nianbao 根据填报工作簿生成" + ("（草稿，校验未通过）" if ctx.get("draft") else "")
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    props.created = props.modified = now  # not the library template's 2013
    props.last_modified_by = meta.get("author", "")
    props.language = "zh-CN"
    props.revision = 1
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()

"""Merging a checked submission into the Word template."""

from __future__ import annotations

import hashlib
import io
import marshal
import os
import sys
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate

from .autotext import sentences
from .doctemplate import NARRATIVE_VARS, TABLE_VARS
from .findings import Report
from .io import atomic_write_bytes
from .layout import OTHER_FIELDS
from .model import Narrative, Other, Submission
from .text import cn_ordinal
from .values import format_figure, format_number

FORM_TITLES = {
    "2021": "中华人民共和国政府信息公开工作年度报告格式",
    "2019": "中华人民共和国政府信息公开工作年度报告格式（试行）",
}
FEE_HEADING = "收取信息处理费情况"


class RenderError(Exception):
    """The template could not be rendered (a placeholder it needs, or a broken restyled template)."""


def bundled_template() -> bytes:
    return resources.files("nianbao.data").joinpath("doc_template.docx").read_bytes()


TITLE_LINE_CHARS = 20  # 2号 characters on one line of the GB/T 9704 text block


MISSING = "＿＿＿＿"  # printed in a draft where a required field is missing


def _year(sub: Submission) -> str:
    return str(sub.meta.year) if sub.meta.year else MISSING


def report_title(agency: str, year: int | str) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def title(sub: Submission) -> str:
    return report_title(sub.meta.agency or MISSING, _year(sub))


def title_lines(sub: Submission) -> str:
    """The title, broken after the year when it does not fit one line (never inside a word)."""
    text = title(sub)
    if len(text) <= TITLE_LINE_CHARS:
        return text
    head = f"{sub.meta.agency or MISSING}{_year(sub)}年"
    return head + "\n" + text[len(head):]


def opening(sub: Submission) -> list[str]:
    """The fixed formula of the opening paragraph, from metadata only (never typed by the clerk)."""
    meta, form = sub.meta, sub.form
    parts = "、".join(s.title for s in form.sections)
    y = _year(sub)
    text = (
        f"本报告依据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《{FORM_TITLES[form.id]}》"
        f"（{form.issued_by}）的要求编制，全文包括{parts}共{cn_ordinal(len(form.sections))}个部分。"
        f"本报告所列数据的统计期限为{y}年1月1日至{y}年12月31日。"
    )
    if meta.url:
        text += f"本报告电子版可在{meta.url}查阅或下载。"
    contact = [f"地址：{meta.contact_address}" if meta.contact_address else "",
               f"邮编：{meta.contact_postcode}" if meta.contact_postcode else "",
               f"电话：{meta.contact_phone}" if meta.contact_phone else ""]
    contact = [c for c in contact if c]
    if meta.contact_unit or contact:
        who = meta.contact_unit or meta.agency
        text += f"如对本报告有疑问，请与{who}联系" + (f"（{'；'.join(contact)}）" if contact else "") + "。"
    return [text]


def _blocks(narrative: Narrative) -> list[dict[str, Any]]:
    blocks = []
    n = 0
    for b in narrative.blocks:
        heading = None
        if b.heading is not None:
            n += 1
            heading = f"（{cn_ordinal(n)}）{b.heading}"
        blocks.append({"heading": heading, "paragraphs": list(b.paragraphs)})
    return blocks


def _money(value: Decimal | None) -> str:
    return format_number(value) if value is not None else "0"


def fee_sentence(other: Other) -> str:
    n, billed, got = other.fee_notices or 0, other.fee_billed or Decimal(0), other.fee_collected or Decimal(0)
    if not n and not billed and not got:
        return "本年度未发出信息处理费收费通知，未收取信息处理费。"
    return f"本年度发出信息处理费收费通知{n}件，应收信息处理费{_money(billed)}元，实际收取{_money(got)}元。"


def _section6(other: Other) -> list[dict[str, Any]]:
    items = [(FEE_HEADING, [fee_sentence(other)])]
    items += [(f.label, other.items[f.key]) for f in OTHER_FIELDS if other.items.get(f.key)]
    if len(items) == 1:
        return [{"heading": None, "paragraphs": items[0][1]}]
    return [{"heading": f"（{cn_ordinal(i)}）{h}", "paragraphs": p} for i, (h, p) in enumerate(items, start=1)]


def context(sub: Submission, report: Report | None = None, draft: bool = False) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "form_id": sub.form.id,
        "title": title_lines(sub),
        "opening": opening(sub),
        "agency": sub.meta.agency or MISSING,
        "date": sub.meta.date_text,
        "draft": draft,
        "findings": [f.line() for f in report.findings] if (draft and report) else [],
        "properties": {"title": title(sub), "author": sub.meta.agency},
        "auto": sentences(sub),
    }
    ctx[NARRATIVE_VARS["一"]] = _blocks(sub.general)
    ctx[NARRATIVE_VARS["五"]] = _blocks(sub.problems)
    ctx[NARRATIVE_VARS["六"]] = _section6(sub.other)
    for name, table in sub.form.tables.items():
        values = sub.figures.get(name, {})
        # In a draft an unreadable figure prints as "?" so nobody mistakes it for a real 0.
        ctx[TABLE_VARS[name]] = {
            ref: (format_figure(v, kind) if (v := values.get(ref)) is not None else "?") for ref, kind in table.numeric.items()
        }
    return ctx


def _cache_dir() -> Path | None:
    """Where compiled templates are kept between runs, like Python's own .pyc files (None: disabled)."""
    if os.environ.get("NIANBAO_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nianbao"


def _cache_key(kind: str, source: str) -> str:
    import docxtpl

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

    def from_string(self, source, globals=None, template_class=None):  # type: ignore[no-untyped-def, override]
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        cache = self.__dict__.setdefault("_compiled", {})
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


class _Template(DocxTemplate):  # type: ignore[misc]
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


def render_docx(ctx: dict[str, Any], template: bytes | None = None) -> bytes:
    tpl = _Template(io.BytesIO(template if template is not None else bundled_template()))
    try:
        tpl.render(ctx, jinja_env=jinja_env(), autoescape=True)
    except jinja2.TemplateError as exc:
        where = " ".join(s.strip() for s in getattr(exc, "docx_context", []) if s.strip())
        raise RenderError(f"Word 模板无法填充：{exc.message or exc}" + (f"（模板中：{where[:120]}）" if where else "")) from exc
    # Document properties are set directly: docxtpl would run them through the (escaping) Jinja env.
    props = tpl.docx.core_properties
    meta = ctx.get("properties", {})
    props.title = meta.get("title", "")
    props.author = meta.get("author", "")
    props.subject = "政府信息公开工作年度报告"
    props.comments = "由 nianbao 根据填报工作簿生成" + ("（草稿，校验未通过）" if ctx.get("draft") else "")
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()

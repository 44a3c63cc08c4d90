"""The command line: a thin layer over nianbao.conversion. Exit codes: 0 done, 1 the workbook has errors,
2 usage, 3 the program could not do its job. Every message a user reads is Chinese — click's own
messages too, rebuilt from its exceptions' fields (never by rewriting its English).

Options that several commands take are defined once, as decorators; OSError becomes "无法写入…" (exit 3)
in one place. Each command imports the heavy parts it needs (openpyxl, python-docx, docxtpl, the mail and
web stacks) inside its body, so that `--help`, `template` and `mail --status` stay quick.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
import os
import re
import socket
import sys
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from nianbao import NianbaoError, __version__
from nianbao.apps.mail.config import PRESETS, ConfigError, journal_path, load_config
from nianbao.apps.mail.config import example as example_config
from nianbao.conversion import FORMATS, SUFFIXES, Status, annotate, check, convert, import_workbook, prefilled_template
from nianbao.files import atomic_write_bytes
from nianbao.findings import Level, Report
from nianbao.output.pdf import PdfError
from nianbao.published import PUBLISHED_SUFFIXES
from nianbao.workbook.layout import AGENCY_TYPES

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3
F = TypeVar("F", bound=Callable[..., Any])


class Failure(NianbaoError):
    """The program could not do its job (I/O, template): exit 3 with this message."""


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Any OSError while writing path is the program's failure, said in Chinese (exit 3)."""
    try:
        yield
    except OSError as exc:
        raise Failure(f"无法写入“{path}”：{exc.strerror or exc}") from exc


# --- click in Chinese ---------------------------------------------------------------------------------

class _ZhFormatter(click.HelpFormatter):
    _HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix="用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{self._HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        # click measures in characters; a Chinese character takes two columns on a terminal.
        table = list(rows)
        first = min(max((_columns(term) for term, _ in table), default=0), col_max) + col_spacing
        room = max(self.width - self.current_indent - first, 20)
        for term, text in table:
            self.write(" " * self.current_indent + term)
            lines = _wrap(text, room) or [""]
            if _columns(term) + col_spacing <= first:
                self.write(" " * (first - _columns(term)))
            else:
                self.write("\n" + " " * (self.current_indent + first))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (self.current_indent + first) + line + "\n")


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_NO_LINE_START = set("、，。；：？！）》」”’")  # punctuation never begins a line (it may overhang by one)


def _wrap(text: str, width: int) -> list[str]:
    """Break text into lines of at most width terminal columns (at spaces for Latin words where it can)."""
    lines: list[str] = []
    line = ""
    for word in re.findall(r"\[[^\]]*\]|[\x21-\x7e]+ ?|.", text):
        if line and _columns(line + word.rstrip()) > width and word not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = ""
        line += word
    if line.strip():
        lines.append(line.rstrip())
    return lines


class _ZhContext(click.Context):
    formatter_class = _ZhFormatter


class _Command(click.Command):
    """A command whose help is Chinese and whose surplus arguments are refused in Chinese."""

    context_class = _ZhContext

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.allow_extra_args = True  # collected here and refused below, in our words
        rest = super().parse_args(ctx, args)
        if ctx.args:
            raise click.UsageError(f"多余的参数：{' '.join(ctx.args)}", ctx)
        return rest


class _Group(click.Group):
    context_class = _ZhContext
    command_class = _Command

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            raise click.UsageError(f"没有这个命令：{name}" + (f"。您是不是要用 {close[0]}？" if close else ""), ctx)
        return super().resolve_command(ctx, args)


class _Choice(click.Choice):
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self.choices:
            return value
        self.fail(f"“{value}”无效，可选：{'、'.join(map(str, self.choices))}", param, ctx)


def _in_range(convert: Callable[..., Any], rng: click.IntRange | click.FloatRange, what: str, value: Any,
              param: click.Parameter | None, ctx: click.Context | None) -> Any:
    try:
        return convert(value, param, ctx)
    except click.BadParameter:
        raise click.BadParameter(f"“{value}”无效，应为 {rng.min} 到 {rng.max} 之间的{what}", ctx, param) from None


class _IntRange(click.IntRange):
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return _in_range(super().convert, self, "整数", value, param, ctx)


class _FloatRange(click.FloatRange):
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return _in_range(super().convert, self, "数", value, param, ctx)


class _Path(click.Path):
    """click.Path that answers in Chinese when a file stands where a folder is wanted, or the other way."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(value))
        if not self.dir_okay and path.is_dir():
            self.fail(f"“{path}”是一个文件夹，这里要的是文件", param, ctx)
        if not self.file_okay and path.exists() and not path.is_dir():
            self.fail(f"“{path}”是一个文件，这里要的是文件夹", param, ctx)
        return super().convert(value, param, ctx)


class _Option(click.Option):
    """An option whose help line is Chinese: a metavar by kind, "默认：…", the range as "1–64"."""

    def make_metavar(self, ctx: click.Context) -> str:
        if self.metavar is not None:
            return self.metavar
        kind = self.type
        if isinstance(kind, click.Path):
            return "文件夹" if not kind.file_okay else "文件"
        if isinstance(kind, click.IntRange):
            return "整数"
        if isinstance(kind, click.FloatRange):
            return "数"
        if isinstance(kind, click.Choice):
            return "|".join(map(str, kind.choices))
        return "文字"

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        spec, _ = record
        extra = self.get_help_extra(ctx)
        items = []
        if "default" in extra:
            items.append(f"默认：{extra['default']}")
        if isinstance(self.type, click.IntRange | click.FloatRange):
            items.append(f"{self.type.min}–{self.type.max}")
        if "required" in extra:
            items.append("必填")
        help = self.help or ""
        return spec, (f"{help}  [{'；'.join(items)}]" if items else help)


def option(*decls: str, **attrs: Any) -> Callable[[F], F]:
    """click.option with a Chinese help line."""
    return click.option(*decls, cls=_Option, **attrs)


def _usage_message(exc: click.UsageError) -> str:
    """click's usage errors in Chinese, from their fields."""
    if isinstance(exc, click.NoSuchOption):
        close = [p for p in exc.possibilities if p.startswith("--")] if exc.possibilities else []
        return f"没有这个选项：{exc.option_name}" + (f"。您是不是要用 {close[0]}？" if close else "")
    if isinstance(exc, click.MissingParameter):
        param = exc.param
        if isinstance(param, click.Argument):
            return f"缺少参数 {param.make_metavar(exc.ctx) if exc.ctx else param.name}"
        return f"缺少选项 {'/'.join(param.opts) if param else ''}"
    if isinstance(exc, click.BadOptionUsage):
        # click raises this from its parser, often without a context: look the option up in every command
        params = exc.ctx.command.params if exc.ctx else [p for c in cli.commands.values() for p in c.params]
        flag = any(isinstance(p, click.Option) and p.is_flag and exc.option_name in p.opts for p in params)
        return f"选项 {exc.option_name} " + ("不需要值" if flag else "需要一个值")
    if isinstance(exc, click.BadParameter):
        where = "/".join(exc.param.opts) if isinstance(exc.param, click.Option) else (exc.param.name if exc.param else "")
        return f"{'选项' if isinstance(exc.param, click.Option) else '参数'} {where} 的值{exc.message}"
    return exc.message


# --- options shared by several commands ----------------------------------------------------------------

CONTEXT = {"help_option_names": [], "max_content_width": 100}


def command(name: str, help: str) -> Callable[[F], F]:
    """A subcommand with our settings and a Chinese -h/--help."""
    def wrap(f: F) -> F:
        f = click.help_option("-h", "--help", help="显示帮助并退出")(f)
        return cast(F, cli.command(name, context_settings=CONTEXT, options_metavar="[选项]", help=help)(f))
    return wrap


def previous_option(help: str) -> Callable[[F], F]:
    return option("--previous", "previous", type=_Path(dir_okay=False), metavar="去年.xlsx", help=help)


def min_general_option(help: str) -> Callable[[F], F]:
    return option("--min-general", "min_general", type=_IntRange(0, 100000), default=None, metavar="字数", help=help)


def format_option(help: str) -> Callable[[F], F]:
    return option("--format", "fmt", default="docx", show_default=True, help=help)


def jobs_option(help: str) -> Callable[[F], F]:
    return option("-j", "--jobs", type=_IntRange(1, 64), default=None, help=help)


def units_options(f: F) -> F:
    """Where the units of a region come from: check --units, region, export."""
    f = jobs_option("同时读取的文件数，默认等于 CPU 核数")(f)
    return option("--roster", "roster", type=_Path(dir_okay=False), metavar="报送名单.xlsx",
                  help="应报送的单位名单：未报送的单位也列出（batch --roster 的输出文件夹已记有名单，可不写）")(f)


def exclude_options(f: F) -> F:
    """Which units the region's sum leaves out: check --units, region."""
    f = option("--exclude-errors", "exclude_errors", is_flag=True, help="有错误的单位一律不计入汇总")(f)
    return option("--exclude", "exclude", multiple=True, metavar="单位全称",
                  help="不计入汇总的单位（可写多次）；有错误的单位默认照常计入")(f)


def _print_findings(report: Report, err: bool) -> None:
    for f in report.findings:
        click.echo(f.line(), err=err)


def _input_path(path: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise click.UsageError(f"找不到文件“{path}”")
    if p.is_dir():
        raise click.UsageError(f"“{path}”是文件夹，请指定一个 .xlsx 工作簿")
    return p


def _workbook_output(out: Path, src: Path, what: str) -> None:
    """A workbook written from a report (import, template --from): never over its source, always .xlsx."""
    if out.resolve() == src.resolve():
        raise click.UsageError(f"输出文件不能与{what}相同")
    if out.suffix.lower() != ".xlsx":
        raise click.UsageError(f"输出文件名应以 .xlsx 结尾，实际为“{out.name}”")


def _input_dir(path: str) -> Path:
    p = Path(path)
    if not p.is_dir():
        raise click.UsageError(f"找不到文件夹“{path}”")
    return p


def _formats(value: str) -> list[str]:
    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise click.UsageError(f"--format 只能是 {'、'.join(FORMATS)} 中的一个或几个（用逗号分隔），实际为“{value}”")
    return list(dict.fromkeys(chosen))


# --- the commands ----------------------------------------------------------------------------------------

@click.group(cls=_Group, context_settings=CONTEXT, options_metavar="[选项]", subcommand_metavar="命令 [参数]...",
             help="政府信息公开工作年度报告：从填报工作簿生成检查无误的 Word 报告。")
@click.version_option(__version__, "-V", "--version", message="nianbao %(version)s", help="显示版本号")
@click.help_option("-h", "--help", help="显示帮助并退出")
def cli() -> None:
    pass


@command("template", "生成填报工作簿（发给各单位填写）；--from 可据上年报告预填。")
@option("-o", "--output", "output", type=_Path(dir_okay=False), help="输出文件，默认“年报填报模板（2021版）.xlsx”")
@option("--form", "form_id", type=_Choice(["2021", "2019"]), default="2021", show_default=True,
              help="表格格式：2021 版用于 2021 年及以后；2019 版用于 2019、2020 年度")
@option("--send-to", "send_to", help="填好后发给谁，写进“填报说明”，如“县政务公开办（邮箱 xxx@example.gov.cn）”")
@option("--from", "from_", type=_Path(dir_okay=False), metavar="上年报告",
        help="据上年的报告预填（工作簿 .xlsx，或已发布的网页 .html、Word .docx、PDF）：机关名称、类型、联系方式，"
             "年度加一，上年结转取上年“结转下年度继续办理”，上年正文放在只读的“上年报告原文”表")
def template_cmd(output: str | None, form_id: str, send_to: str | None, from_: str | None) -> None:
    if from_:
        _template_from(_input_path(from_), output, send_to)
        return
    from nianbao.workbook.blank import write_template  # openpyxl

    out = Path(output or f"年报填报模板（{form_id}版）.xlsx")
    with writing(out):
        write_template(out, form_id, send_to)
    click.echo(f"已生成空白填报工作簿：{out}", err=True)


def _template_from(src: Path, output: str | None, send_to: str | None) -> None:
    out = Path(output or f"{src.stem}（据此预填的下一年度）.xlsx")
    _workbook_output(out, src, "上年报告")
    data, report = prefilled_template(src, send_to)
    for line in report.not_assessed:
        click.echo(f"注意：{line}", err=True)
    if data is None:
        for finding in report.findings:
            click.echo(finding.line_zh(), err=True)
        sys.exit(EXIT_FINDINGS)
    with writing(out):
        atomic_write_bytes(out, data)
    click.echo(f"已据“{src.name}”生成预填的工作簿：{out}（请核对预填内容；上年正文见“上年报告原文”表，仅供参考）", err=True)


@command("doc-template", "生成 Word 报告模板（可在 Word/WPS 中调整样式后用 convert --doc-template 使用）。")
@option("-o", "--output", "output", type=_Path(dir_okay=False), default="doc_template.docx", show_default=True, help="输出文件")
@option("--body-font", default="仿宋_GB2312", show_default=True, help="正文字体")
@option("--title-font", default="方正小标宋简体", show_default=True, help="标题字体")
@option("--heading1-font", default="黑体", show_default=True, help="一级标题（一、）字体")
@option("--heading2-font", default="楷体_GB2312", show_default=True, help="二级标题（（一））字体")
@option("--table-font", default="仿宋_GB2312", show_default=True, help="表格字体")
def doc_template_cmd(output: str, body_font: str, title_font: str, heading1_font: str, heading2_font: str, table_font: str) -> None:
    from nianbao.output.doctemplate import Fonts, build_doc_template  # python-docx

    fonts = Fonts(body=body_font, title=title_font, heading1=heading1_font, heading2=heading2_font, table=table_font)
    with writing(output):
        atomic_write_bytes(Path(output), build_doc_template(fonts))
    click.echo(f"已生成 Word 报告模板：{output}", err=True)


@command("check", "检查填好的工作簿，逐条列出问题（工作表!单元格）。")
@click.argument("workbook", metavar="填好的.xlsx")
@option("--json", "as_json", is_flag=True, help="以 JSON 输出（供其他程序读取）")
@option("--annotate", "annotate_to", type=_Path(dir_okay=False), metavar="标注.xlsx",
              help="另存一份标注副本：每个问题所在单元格标色并加批注，另有“校验结果”工作表（原文件不改动）")
@previous_option("上年的填报工作簿，或上年已发布的报告（网页 .html、Word .docx 或 PDF）：核对上年结转、现行有效件数，并查找与上年雷同的段落")
@min_general_option("“一、总体情况”至少多少字（默认 200），少于此数给出警告")
@option("--units", "units", type=_Path(file_okay=False), metavar="来源",
        help="地区报告：逐格核对本报告的数字是否等于各单位之和。来源为 batch --roster 的输出文件夹，"
             "或各单位工作簿（或已发布报告）所在的文件夹；此时报告也可以是已发布的 .html/.docx/.pdf")
@units_options
@exclude_options
def check_cmd(workbook: str, as_json: bool, annotate_to: str | None, previous: str | None, min_general: int | None,
              units: str | None, roster: str | None, exclude: tuple[str, ...], exclude_errors: bool, jobs: int | None) -> None:
    src = _input_path(workbook)
    if annotate_to and Path(annotate_to).resolve() == src.resolve():
        raise click.UsageError("标注副本不能与输入的工作簿相同")
    if units is None and (roster or exclude or exclude_errors):
        raise click.UsageError("--roster、--exclude、--exclude-errors 需要与 --units 一起使用")
    if units is not None and src.suffix.lower() in PUBLISHED_SUFFIXES:
        _check_published_region(src, units, roster, exclude, exclude_errors, jobs, as_json)
        return
    sub, report = check(src, previous=_input_path(previous) if previous else None, min_general=min_general)
    if units is not None and sub is not None:
        rs = _region_sum(units, roster, sub.meta.year, exclude, exclude_errors, jobs)
        report.extend(_region_compare(sub, rs))
    if annotate_to:
        with writing(annotate_to):
            done = annotate(src, report, annotate_to)
        click.echo(f"已生成标注副本：{annotate_to}" if done else "该文件无法作为工作簿打开，未生成标注副本。", err=True)
    _report_out(report, as_json, "检查")


def _report_out(report: Report, as_json: bool, what: str) -> None:
    """A check's report on stdout (JSON, or a line a finding and the verdict), then its exit code."""
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, allow_nan=False, indent=2))
    else:
        _print_findings(report, err=False)
        for item in report.not_assessed:
            click.echo(f"未核对 {item}")
        click.echo(f"{what}{'通过' if report.ok else '未通过'}：" + report.summary())
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


def _region_sum(source: str, roster: str | None, year: int | None, exclude: tuple[str, ...], exclude_errors: bool,
                jobs: int | None) -> Any:
    """The units of source summed (season.region.RegionSum); a source that cannot be used is a usage error."""
    from nianbao.season.region import region_sum  # openpyxl, and the units' workbooks read
    from nianbao.season.roster import RosterError, read_roster  # openpyxl
    from nianbao.season.units import UnitsError, read_units  # the conversion machinery

    try:
        names = read_roster(_input_path(roster)) if roster else None
        units = read_units(Path(source), names, year, jobs)
    except (RosterError, UnitsError) as exc:
        raise click.UsageError(str(exc)) from exc
    unknown = [name for name in exclude if name not in {u.name for u in units.units}]
    if unknown:
        raise click.UsageError(f"--exclude 的单位不在来源中：{'、'.join(unknown)}")
    for line in units.stray:
        click.echo(f"注意：未计入任何单位的文件 {line}", err=True)
    return region_sum(units, set(exclude), exclude_errors)


def _region_compare(sub: Any, rs: Any) -> list[Any]:
    from nianbao.season.region import compare  # as above

    click.echo(f"各单位之和：{rs.year} 年度，{rs.scope()}。", err=True)
    return list(compare(sub, rs))


def _check_published_region(src: Path, units: str, roster: str | None, exclude: tuple[str, ...], exclude_errors: bool,
                            jobs: int | None, as_json: bool) -> None:
    """A region's published report (page, Word, PDF) imported and its figures checked against its units."""
    from nianbao.conversion import last_year  # the import, in its sandbox child

    sub, why, partly = last_year(src)
    report = Report(str(src))
    if sub is None:
        click.echo(f"无法导入：{why}", err=True)
        sys.exit(EXIT_FINDINGS)
    if partly:
        report.not_assessed.append(f"{partly}，这些格子未核对")
    report.extend(_region_compare(sub, _region_sum(units, roster, sub.meta.year, exclude, exclude_errors, jobs)))
    _report_out(report, as_json, "核对")


@command("region", "汇总各单位的统计数字，生成本地区（本级）填好数字的工作簿，用 convert 生成本地区的报告。")
@click.argument("source", metavar="来源")
@option("-o", "--output", "output", type=_Path(dir_okay=False), required=True, help="输出的工作簿（.xlsx），如“本地区.xlsx”")
@option("--agency", "agency", required=True, metavar="全称", help="本地区报告的机关全称，如“青山县人民政府”")
@option("--type", "kind", type=_Choice(list(AGENCY_TYPES)), default=AGENCY_TYPES[0], show_default=True, help="机关类型")
@option("--year", "year", type=click.IntRange(2019, 2100), metavar="年度", help="汇总的报告年度；不写时取多数单位的年度")
@units_options
@exclude_options
def region_cmd(source: str, output: str, agency: str, kind: str, year: int | None, roster: str | None,
               exclude: tuple[str, ...], exclude_errors: bool, jobs: int | None) -> None:
    from nianbao.season.region import left_out_finding, region_workbook, relation_findings  # openpyxl

    out = Path(output)
    if out.suffix.lower() != ".xlsx":
        raise click.UsageError(f"输出文件名应以 .xlsx 结尾，实际为“{out.name}”")
    rs = _region_sum(source, roster, year, exclude, exclude_errors, jobs)
    if not rs.included:
        click.echo(f"没有可以汇总的单位（{rs.year} 年度）：" + "；".join(f"{u.name}（{why}）" for u, why in rs.left_out[:10]), err=True)
        sys.exit(EXIT_FINDINGS)
    findings = [f for f in (left_out_finding(rs), *relation_findings(rs)) if f is not None]
    with writing(out):
        atomic_write_bytes(out, region_workbook(rs, agency.strip(), kind))
    for finding in findings:
        click.echo(finding.line(), err=True)
    click.echo(f"已生成 {agency.strip()} {rs.year} 年度的工作簿：{out}。数字为 {rs.scope()}之和（见“汇总单位”“各单位数字”两表）。"
               "请填写落款日期和第一、五、六部分的文字，再用 nianbao convert 生成报告。", err=True)
    sys.exit(EXIT_OK)


@command("export", "把各单位的统计数字导出为开放数据：每个数字一行的长表（CSV 和 Excel）和数据说明（datapackage.json）。")
@click.argument("sources", metavar="来源...", nargs=-1, required=True)
@option("-o", "--output", "output", type=_Path(file_okay=False), required=True, help="输出文件夹，如“数据/”")
@units_options
def export_cmd(sources: tuple[str, ...], output: str, roster: str | None, jobs: int | None) -> None:
    from nianbao.season.opendata import export  # openpyxl
    from nianbao.season.roster import RosterError, read_roster  # openpyxl
    from nianbao.season.units import UnitsError, read_units  # the conversion machinery

    try:
        names = read_roster(_input_path(roster)) if roster else None
        seasons = [read_units(Path(src), names, None, jobs) for src in sources]
    except (RosterError, UnitsError) as exc:
        raise click.UsageError(str(exc)) from exc
    for units in seasons:
        for line in units.stray:
            click.echo(f"注意：未计入任何单位的文件 {line}", err=True)
    try:
        with writing(output):
            done = export(seasons, Path(output))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"已导出 {'、'.join(map(str, done.years))} 年度 {done.units} 个单位·年度的 {done.rows} 个数字"
               + (f"（另有 {done.without} 个单位·年度未报送或无法读取，列在 units.csv 中）" if done.without else "")
               + f"到 {output}：{'、'.join(p.name for p in done.files)}。", err=True)
    sys.exit(EXIT_OK)


@command("audit", "评估已发布的年度报告：逐份读取、检查、与上年和其他单位比对，按评分规则打分排名。")
@click.argument("source", metavar="来源", required=False)
@option("-o", "--output", "output", type=_Path(file_okay=False),
        help="输出文件夹（评估结果.xlsx、评估结果.json、报告/ 中每份报告一页）")
@option("--rubric", "rubric", type=_Path(dir_okay=False), metavar="评分.yaml",
        help="评分规则（YAML）；不写时用默认规则（nianbao audit --example-rubric 打印）")
@option("--previous", "previous", type=_Path(), metavar="上年文件夹", help="上年已发布的报告所在的文件夹或 .zip：比对与上年雷同")
@option("--roster", "roster", type=_Path(dir_okay=False), metavar="报送名单.xlsx", help="应发布报告的单位：没有找到报告的单位也列出")
@option("--example-rubric", "example", is_flag=True, help="打印默认评分规则后退出（可另存后修改）")
@jobs_option("同时读取的文件数，默认等于 CPU 核数")
def audit_cmd(source: str | None, output: str | None, rubric: str | None, previous: str | None, roster: str | None, example: bool,
              jobs: int | None) -> None:
    from nianbao.apps.audit import run_audit  # the worker pool, the readers
    from nianbao.apps.batch.run import BatchError  # as above
    from nianbao.audit.rubric import RubricError, load_rubric  # PyYAML
    from nianbao.season.roster import RosterError, read_roster  # openpyxl

    try:
        rules = load_rubric(_input_path(rubric) if rubric else None)
        if example:
            click.echo(rules.text, nl=False)
            sys.exit(EXIT_OK)
        units = read_roster(_input_path(roster)) if roster else None
    except (RubricError, RosterError) as exc:
        raise click.UsageError(str(exc)) from exc
    if not source or not output:
        raise click.UsageError("请写明要评估的文件夹（或 .zip）和 -o 输出文件夹，如 nianbao audit 下载的报告/ -o 评估/")
    src = Path(source)
    if not src.exists():
        raise click.UsageError(f"找不到“{source}”")
    if previous and not Path(previous).exists():
        raise click.UsageError(f"找不到上年文件夹“{previous}”")
    tty = sys.stderr.isatty()

    def progress(done: int, total: int, report: Any) -> None:
        line = f"[{done:>{len(str(total))}}/{total}] {'已读取' if report.readable else '无法读取'} {report.source}"
        click.echo(("\r" + line[:100].ljust(100)) if tty else line, err=True, nl=not tty or done == total)

    try:
        with writing(output):
            result = run_audit(src, Path(output), rules, Path(previous) if previous else None, jobs, progress, units)
    except BatchError as exc:
        raise Failure(str(exc)) from exc
    readable = sum(s.report.readable for s in result.scored)
    click.echo(f"共 {len(result.scored)} 份：能读取 {readable} 份；评分规则：{rules.name}；用时 {result.seconds:.1f} 秒。"
               f"结果：{Path(output) / '评估结果.xlsx'}", err=True)
    sys.exit(EXIT_OK)


@command("convert", "检查工作簿并生成 Word 报告；有错误时不生成（除非 --draft）。")
@click.argument("workbook", metavar="填好的.xlsx")
@option("-o", "--output", "output", type=_Path(dir_okay=False), help="输出的 .docx，默认按机关名称和年度命名，放在当前目录")
@format_option("输出格式，可用逗号组合：docx、pdf（需要 LibreOffice）、html（网页预览和可粘贴到网站的片段）、json（数据）")
@option("--draft", is_flag=True, help="有错误时仍生成草稿（页眉标明“草稿：校验未通过”，文末列出问题）")
@option("--doc-template", "doc_template", type=_Path(dir_okay=False), help="使用自己调整过样式的 Word 模板")
@previous_option("上年的填报工作簿或已发布的报告（.html/.docx/.pdf），用于跨年度核对")
@min_general_option("“一、总体情况”至少多少字（默认 200）")
def convert_cmd(workbook: str, output: str | None, fmt: str, draft: bool, doc_template: str | None, previous: str | None,
                min_general: int | None) -> None:
    from nianbao.output.word import (
        RenderError,  # docxtpl, which the conversion loads anyway
    )

    formats = _formats(fmt)
    src = _input_path(workbook)
    template: bytes | None = None
    if doc_template:
        template = _input_path(doc_template).read_bytes()
        if not template.startswith(b"PK"):
            raise click.UsageError(f"“{doc_template}”不是 .docx 文件")
    if output:
        out = Path(output)
        if out.resolve() == src.resolve():
            raise click.UsageError("输出文件不能与输入的工作簿相同")
        if out.suffix.lower() not in ("", ".docx", ".pdf"):
            raise click.UsageError(f"输出文件名应以 .docx 或 .pdf 结尾，实际为“{out.name}”")
    try:
        conv = convert(src, src.name, formats, draft=draft, template=template,
                       previous=_input_path(previous) if previous else None, min_general=min_general,
                       annotate=False, pdf_optional=False)
    except (RenderError, PdfError) as exc:
        raise Failure(str(exc)) from exc
    report = conv.report
    _print_findings(report, err=True)
    if not conv.outputs:
        click.echo(f"未生成报告：{report.summary()}。请按上面的提示修改工作簿后重新转换。", err=True)
        sys.exit(EXIT_FINDINGS)
    if not output:
        out = Path(conv.basename + ("（草稿）" if conv.draft else "") + ".docx")
        if out.resolve() == src.resolve():
            raise click.UsageError("输出文件不能与输入的工作簿相同")
    wanted = {suffix for f in formats for suffix in SUFFIXES[f]}
    written = []
    for suffix, data in conv.outputs.items():  # every format was made before any file is written
        if suffix in wanted:
            target = out.with_suffix(suffix)
            with writing(target):
                atomic_write_bytes(target, data)
            written.append(str(target))
    if conv.status is not Status.OK:
        click.echo(f"已生成草稿（校验未通过，不得发布）：{'、'.join(written)}；{report.summary()}", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(f"已生成报告：{'、'.join(written)}；{report.summary()}", err=True)
    if conv.note:
        click.echo(f"注意：{conv.note}", err=True)


@command("batch", "批量处理收件夹（或 .zip）中的全部工作簿：逐个检查、生成报告或标注副本，并写出汇总表。")
@click.argument("inbox", metavar="收件夹或.zip")
@option("-o", "--output", "output", type=_Path(file_okay=False), required=True, help="输出文件夹（报告/、标注/、汇总.xlsx、summary.json）")
@jobs_option("同时处理的文件数，默认等于 CPU 核数")
@option("--force", is_flag=True, help="全部重新处理（默认跳过内容未变化的文件）")
@option("--aggregate", is_flag=True, help="另外汇总各单位的统计数字（合计表和分单位明细）")
@format_option("报告格式：docx、pdf，或 docx,pdf（PDF 需要 LibreOffice）")
@option("--previous", "previous", type=_Path(file_okay=False), metavar="上年文件夹",
        help="上年各单位的工作簿或已发布的报告（.xlsx/.html/.docx/.pdf）所在的文件夹：按机关名称对应，做跨年度核对")
@option("--roster", "roster", type=_Path(dir_okay=False), metavar="报送名单.xlsx",
        help="应报送的单位名单（nianbao roster 生成）：按单位列出报送情况（报送情况.xlsx），每个单位只计最新收到的一份")
@option("--year", "year", type=click.IntRange(2019, 2100), metavar="年度",
        help="本次收集的报告年度（与 --roster 一起用）；不写时取多数文件的年度")
def batch_cmd(inbox: str, output: str, jobs: int | None, force: bool, aggregate: bool, fmt: str, previous: str | None,
              roster: str | None, year: int | None) -> None:
    from nianbao.apps.batch.run import (  # openpyxl (汇总.xlsx) and the worker pool
        BatchError,
        Item,
        run_batch,
    )
    from nianbao.season.roster import RosterError, read_roster  # openpyxl, as above

    formats = _formats(fmt)
    src = Path(inbox)
    if not src.exists():
        raise click.UsageError(f"找不到“{inbox}”")
    if year is not None and roster is None:
        raise click.UsageError("--year 需要与 --roster 一起使用")
    try:
        units = read_roster(_input_path(roster)) if roster else None
    except RosterError as exc:
        click.echo(f"无法使用报送名单：{exc}", err=True)
        sys.exit(EXIT_FINDINGS)
    tty = sys.stderr.isatty()

    def progress(done: int, total: int, item: Item) -> None:
        line = f"[{done:>{len(str(total))}}/{total}] {item.status.short} {item.file}" + ("（未变化，跳过）" if item.skipped else "")
        if tty:
            click.echo("\r" + line[:100].ljust(100), err=True, nl=done == total)
        else:
            click.echo(line, err=True)

    try:
        with writing(output):
            result = run_batch(src, Path(output), jobs=jobs, force=force, aggregate=aggregate, progress=progress, formats=formats,
                               previous=_input_dir(previous) if previous else None, roster=units, year=year)
    except (BatchError, PdfError) as exc:
        raise Failure(str(exc)) from exc
    c = result.counts()
    click.echo(f"共 {len(result.items)} 个文件：已生成 {c['已生成']}，有错误 {c['有错误']}，无法读取 {c['无法读取']}；"
               f"用时 {result.seconds:.1f} 秒。汇总表：{Path(output) / '汇总.xlsx'}", err=True)
    if result.aggregate:
        for form_id, data in result.aggregate["forms"].items():
            bad = len(data["findings"])
            click.echo(f"{form_id} 版合计：{data['agencies']} 个单位" + (f"，合计数有 {bad} 处关系不成立" if bad else "，各项关系成立"), err=True)
        if result.season is not None:
            click.echo(f"本地区的填报工作簿可由各单位之和直接生成：nianbao region {output} -o 本地区.xlsx --agency 本地区机关全称", err=True)
    if "pdf" in formats and any(it.pdf for it in result.items):
        from nianbao.output.pdf import stand_in_note  # fontconfig, asked once for the whole batch

        if note := stand_in_note():
            click.echo(f"注意：{note}", err=True)
    if result.season is not None:
        click.echo(f"{result.season.year} 年度报送情况：{result.season.headline()}。"
                   f"报送情况表：{Path(output) / '报送情况.xlsx'}", err=True)
        sys.exit(EXIT_OK if all(u.status == "ok" for u in result.season.units) and not result.season.unmatched else EXIT_FINDINGS)
    sys.exit(EXIT_OK if all(it.status is Status.OK for it in result.items) else EXIT_FINDINGS)


@command("roster", "生成空白的报送名单（应报送年报的单位、联系人、邮箱），填好后用于 batch --roster。")
@option("-o", "--output", "output", type=_Path(dir_okay=False), default="报送名单.xlsx", show_default=True, help="输出文件")
def roster_cmd(output: str) -> None:
    from nianbao.season.roster import blank_roster  # openpyxl

    out = Path(output)
    if out.suffix.lower() != ".xlsx":
        raise click.UsageError(f"输出文件名应以 .xlsx 结尾，实际为“{out.name}”")
    with writing(out):
        atomic_write_bytes(out, blank_roster())
    click.echo(f"已生成空白报送名单：{out}（每个单位一行，只有“单位全称”必填）", err=True)


@command("import", "导入已发布的年度报告（网页 .html/.htm、Word .docx 或 PDF），生成填好的工作簿。")
@click.argument("report", metavar="已发布的报告")
@option("-o", "--output", "output", type=_Path(dir_okay=False), required=True, help="输出的工作簿（.xlsx）")
def import_cmd(report: str, output: str) -> None:
    src = _input_path(report)
    out = Path(output)
    _workbook_output(out, src, "输入的报告")
    imported, book, why = import_workbook(src)
    if imported is None:
        click.echo(f"无法导入：{why}", err=True)
        sys.exit(EXIT_FINDINGS)
    for finding in imported.findings:
        click.echo(finding.line_zh(), err=True)
    with writing(out):
        atomic_write_bytes(out, book)
    counts = {t: sum(x is not None for x in v.values()) for t, v in imported.figures.items()}
    year = imported.meta.get("year")
    click.echo(f"已导入 {imported.form.id} 版报告（{imported.meta.get('agency') or '机关名称未识别'}，"
               f"{f'{year} 年度' if year else '年度未识别'}）：数字 {sum(counts.values())} 个，"
               f"总体情况 {len(imported.general)} 段、问题及改进 {len(imported.problems)} 段；已写入 {out}。"
               "请用 nianbao check 检查。", err=True)
    # a figure that could not be placed is an error (the workbook has a blank for it); a row outside the
    # form only a warning: what the form asks for was all found
    sys.exit(EXIT_FINDINGS if any(f.level is Level.ERROR for f in imported.findings) else EXIT_OK)


@command("mail", "邮件网关：定时收取邮箱中的工作簿，自动回复生成的报告或标出问题的工作簿。")
@option("-c", "--config", "config", type=_Path(dir_okay=False), metavar="配置.toml", help="配置文件（TOML），见 --example-config")
@option("--once", is_flag=True, help="只处理一轮后退出（可用于定时任务）")
@option("--status", is_flag=True, help="显示处理记录（谁、何时、哪个文件、结果）后退出")
@option("--test", "test", is_flag=True, help="测试配置：登录收件和发件服务器、给本邮箱发一封测试邮件，说明哪里不对后退出")
@option("--example-config", "example", is_flag=True, help="打印一份配置文件示例后退出")
@option("--provider", "provider", type=click.Choice(sorted(PRESETS)), metavar="邮箱",
        help="与 --example-config 一起用：按邮箱服务商填好服务器：163、126、qq、coremail（政务邮箱）、exchange")
def mail_cmd(config: str | None, once: bool, status: bool, test: bool, example: bool, provider: str | None) -> None:
    if example:
        click.echo(example_config(provider), nl=False)
        return
    if provider:
        raise click.UsageError("--provider 需要与 --example-config 一起使用")
    if not config:
        raise click.UsageError("请用 --config 指定配置文件（nianbao mail --example-config 可打印示例）")
    path = _input_path(config)
    # The gateway (IMAP, SMTP, TLS, MIME) is loaded only by the commands that need it.
    from nianbao.apps.mail.gateway import Gateway, GatewayError, status_text

    try:
        if status:
            click.echo(status_text(journal_path(path)))
            return
        cfg = load_config(path)
    except ConfigError as exc:
        raise Failure(str(exc)) from exc
    for warning in cfg.warnings:
        click.echo(f"注意：{warning}", err=True)
    if test:
        from nianbao.apps.mail.selftest import self_test  # as the gateway above

        results = self_test(cfg)
        for ok, text in results:
            click.echo(("✓ " if ok else "✗ ") + text)
        if not all(ok for ok, _ in results):
            raise Failure("邮件设置有问题，请按上面的说明修改配置后再试")
        click.echo("邮件设置正确：可以运行 nianbao mail --config 启动网关。")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
    click.echo(f"邮件网关已启动：{cfg.imap.user}@{cfg.imap.host} 的“{cfg.imap.folder}”，每 {cfg.poll_seconds:g} 秒查看一次；"
               f"处理记录 {cfg.journal}。按 Ctrl+C 停止。", err=True)
    try:
        Gateway(cfg).run(once=once)
    except GatewayError as exc:
        raise Failure(str(exc)) from exc
    click.echo("邮件网关已停止。", err=True)


@command("season", "查看收集季的报送情况；可人工指定某单位以哪份为准（--pin），或把未对应的文件指定给某单位（--assign）。")
@click.argument("output", metavar="输出文件夹")
@option("--roster", "roster", type=_Path(dir_okay=False), required=True, metavar="报送名单.xlsx", help="应报送的单位名单")
@option("--pin", "pins", multiple=True, metavar="单位全称=文件", help="该单位以这份文件为准（可多次使用）")
@option("--assign", "assigns", multiple=True, metavar="文件=单位全称", help="这份文件属于该单位（可多次使用）")
@option("--year", "year", type=click.IntRange(2019, 2100), metavar="年度", help="本次收集的报告年度，默认取上次 batch 的年度")
def season_cmd(output: str, roster: str, pins: tuple[str, ...], assigns: tuple[str, ...], year: int | None) -> None:
    from nianbao.apps.mail.remind import season_of  # the season record and openpyxl (the roster)
    from nianbao.season.record import RECORD_NAME, SeasonRecord  # as above
    from nianbao.season.roster import RosterError, read_roster  # as above

    outdir = _input_dir(output)
    if not (outdir / RECORD_NAME).is_file():
        raise click.UsageError(f"“{output}”中没有报送记录：请先运行 nianbao batch 收件夹/ -o {output} --roster 报送名单.xlsx")
    try:
        units = read_roster(_input_path(roster))
    except RosterError as exc:
        click.echo(f"无法使用报送名单：{exc}", err=True)
        sys.exit(EXIT_FINDINGS)
    with writing(outdir / RECORD_NAME), SeasonRecord(outdir / RECORD_NAME) as record:
        files = {r.path: r for r in sorted(record.all(), key=lambda r: r.received)}  # the latest of a name wins
        for text, pin in [(t, True) for t in pins] + [(t, False) for t in assigns]:
            left, _, right = text.partition("=")
            unit, path = (left, right) if pin else (right, left)
            if "=" not in text or units.unit(unit.strip()) is None:
                raise click.UsageError(f"“{text}”中的单位不在报送名单中（写法：{'单位全称=文件' if pin else '文件=单位全称'}）")
            if path.strip() not in files:
                raise click.UsageError(f"报送记录中没有文件“{path.strip()}”")
            sha = files[path.strip()].sha256
            if pin:
                record.pin(unit.strip(), sha)
            else:
                record.assign(sha, unit.strip())
            click.echo(f"已记录：{unit.strip()} {'以' + path.strip() + '为准' if pin else '← ' + path.strip()}", err=True)
    season = season_of(outdir, units, year)
    click.echo(f"{season.year} 年度报送情况：{season.headline()}", err=True)
    for state in season.units:
        if state.status != "ok":
            click.echo(f"  {state.label}　{state.unit.name}　{state.problem(season.year)}", err=True)
    for rec, candidates in season.unmatched:
        fits = "可能是：" + "、".join(u.name for u in candidates) if candidates else "名单中没有对应的单位"
        click.echo(f"  未对应　{rec.path}（{rec.agency or '机关名称未识别'}）{fits}；可用 --assign 文件=单位全称 指定", err=True)
    if pins or assigns:
        click.echo(f"下次运行 nianbao batch … -o {output} --roster … 时按此整理报告和汇总。", err=True)


@command("remind", "提醒未报送或需要修改的单位：默认只列出将发送的提醒，加 --send 才通过邮件网关的发信设置发送。")
@click.argument("output", metavar="输出文件夹")
@option("--roster", "roster", type=_Path(dir_okay=False), required=True, metavar="报送名单.xlsx", help="应报送的单位名单")
@option("-c", "--config", "config", type=_Path(dir_okay=False), metavar="配置.toml", help="邮件网关的配置文件（用其中的发信设置）")
@option("--send", is_flag=True, help="真正发送（不加时只列出）")
@option("--year", "year", type=click.IntRange(2019, 2100), metavar="年度", help="本次收集的报告年度，默认取上次 batch 的年度")
@option("--deadline", default="", metavar="截止日期", help="写进提醒的报送截止日期，如“2026年1月25日”")
@option("--interval-hours", "interval", type=_FloatRange(0, 24 * 90), default=72, show_default=True,
        help="同一单位在多少小时内不重复提醒")
def remind_cmd(output: str, roster: str, config: str | None, send: bool, year: int | None, deadline: str, interval: float) -> None:
    from datetime import timedelta  # (with the imports below: only this command needs them)

    from nianbao.apps.mail.remind import plan, season_of  # the season record and openpyxl (the roster)
    from nianbao.apps.mail.remind import send as send_reminders  # SMTP, as above
    from nianbao.season.roster import RosterError, read_roster  # openpyxl, as above

    outdir = _input_dir(output)
    if not (outdir / "报送记录.sqlite").is_file():
        raise click.UsageError(f"“{output}”中没有报送记录：请先运行 nianbao batch 收件夹/ -o {output} --roster 报送名单.xlsx")
    if send and not config:
        raise click.UsageError("发送提醒需要用 --config 指定邮件网关的配置文件")
    try:
        units = read_roster(_input_path(roster))
        cfg = load_config(_input_path(config)) if config else None
    except RosterError as exc:
        click.echo(f"无法使用报送名单：{exc}", err=True)
        sys.exit(EXIT_FINDINGS)
    except ConfigError as exc:
        raise Failure(str(exc)) from exc
    season = season_of(outdir, units, year)
    due = plan(season, outdir, timedelta(hours=interval))
    click.echo(f"{season.year} 年度报送情况：{season.headline()}", err=True)
    if not due:
        click.echo("没有需要提醒的单位。", err=True)
        return
    if not send or cfg is None:
        for r in due:
            to = "、".join(r.to) or "名单中没有邮箱，请电话联系" + (f"（{r.state.unit.contact}）" if r.state.unit.contact else "")
            note = f"（{r.skipped}，本次不发）" if r.skipped else ""
            click.echo(f"将提醒 {r.state.unit.name}【{r.state.label}】→ {to}{note}", err=True)
        click.echo("以上为预览，没有发送；确认后加 --send 发送。", err=True)
        return
    with writing(outdir / "报送记录.sqlite"):
        results = send_reminders(due, season, cfg, outdir, deadline)
    for r, what in results:
        click.echo(f"{r.state.unit.name}【{r.state.label}】：{what}", err=True)
    sent = sum(what == "已发送" for _, what in results)
    click.echo(f"共发送 {sent} 个单位的提醒。", err=True)
    sys.exit(EXIT_OK if all(what == "已发送" or not r.to or r.skipped for r, what in results) else EXIT_FAILED)


@command("serve", "网页版：在内网提供下载模板、上传检查、下载报告的网页和 JSON 接口。")
@option("--host", default="127.0.0.1", show_default=True, help="监听地址；供内网其他电脑访问时用 0.0.0.0")
@option("--port", type=_IntRange(1, 65535), default=8000, show_default=True, help="端口")
@option("--data-dir", "data_dir", type=_Path(file_okay=False), help="存放上传文件和结果的文件夹，默认为临时文件夹（退出时删除）")
@option("--keep-minutes", "keep", type=_FloatRange(1, 7 * 24 * 60), default=60, show_default=True, help="上传的文件和结果保留多少分钟后删除")
@option("--max-upload-mb", "max_mb", type=_FloatRange(0.1, 100), default=10, show_default=True, help="上传文件大小上限（MB）")
@jobs_option("同时转换的文件数，默认等于 CPU 核数")
@option("--header-timeout", "header_timeout", type=_FloatRange(1, 300), default=30, show_default=True,
        help="请求头多少秒内未发完即断开连接（防止慢速攻击）")
@option("--body-timeout", "body_timeout", type=_FloatRange(5, 3600), default=120, show_default=True,
        help="上传的文件多少秒内未传完即断开（防止慢速上传长期占用连接）")
@option("--max-connections", "max_connections", type=_IntRange(10, 100000), default=500, show_default=True,
        help="同时保持的连接数上限，超过时回答 503")
@option("--root-url", "root_url", metavar="网址", help="放在 nginx 等反向代理之后时，用户在浏览器中输入的网址，如 https://nianbao.example.gov.cn/")
@option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="IP",
        help="反向代理的 IP 地址（可多次使用），信任其 X-Forwarded-Proto/Host 请求头；默认 127.0.0.1 和 ::1")
@option("--season", "season", type=_Path(dir_okay=False), metavar="报送记录.sqlite",
        help="收集季的报送记录（与 batch --roster 的输出文件夹中的同名文件共用）：每次上传都记入")
@option("--roster", "roster", type=_Path(dir_okay=False), metavar="报送名单.xlsx",
        help="与 --season 一起用：在 /office 页面按单位显示报送情况（需环境变量 NIANBAO_OFFICE_TOKEN 中的口令）")
@option("--previous", "previous", type=_Path(file_okay=False), metavar="上年来源",
        help="与 --roster 一起用：上年收集季的输出文件夹或上年各单位工作簿的文件夹，/office 页面的主要数字与上年对比")
def serve_cmd(host: str, port: int, data_dir: str | None, keep: float, max_mb: float, jobs: int | None,
              header_timeout: float, body_timeout: float, max_connections: int, root_url: str | None,
              trusted_proxies: tuple[str, ...], season: str | None, roster: str | None, previous: str | None) -> None:
    try:  # the optional web extra (FastAPI, uvicorn): only this command needs it
        import uvicorn

        from nianbao.apps.web.app import WebSettings, create_app  # FastAPI
        from nianbao.apps.web.protocol import with_deadline
    except ImportError as exc:
        raise Failure(f"网页版需要额外的组件（{exc.name}）：请运行 pip install 'nianbao[web]'") from exc
    try:  # uvicorn would only log in English and exit 1: say it in Chinese, with exit 3
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise Failure(f"无法在 {host}:{port} 上监听（{exc.strerror or exc}）：端口可能已被占用，请用 --port 换一个") from exc
    if roster and not season:
        raise click.UsageError("--roster 需要与 --season 一起使用")
    if previous and not roster:
        raise click.UsageError("--previous 需要与 --season、--roster 一起使用")
    token = os.environ.get("NIANBAO_OFFICE_TOKEN") or None
    if roster and (token is None or len(token) < 12):
        raise click.UsageError("显示报送情况需要口令：请在环境变量 NIANBAO_OFFICE_TOKEN 中设置至少 12 个字符的口令")
    settings = WebSettings(data_dir=Path(data_dir) if data_dir else None, keep_minutes=keep, max_upload_mb=max_mb,
                           jobs=jobs or os.cpu_count() or 1, season=Path(season) if season else None,
                           roster=_input_path(roster) if roster else None, office_token=token,
                           previous=_input_dir(previous) if previous else None, root_url=root_url,
                           trusted_proxies=tuple(trusted_proxies) or ("127.0.0.1", "::1"), body_timeout=body_timeout)
    if root_url and not re.match(r"(?i)^https?://[^/\s]+", root_url):
        raise click.UsageError(f"--root-url 应为完整网址，如 https://nianbao.example.gov.cn/，实际为“{root_url}”")
    try:
        app = create_app(settings)
    except OSError as exc:
        raise Failure(f"无法使用文件夹“{data_dir}”：{exc.strerror or exc}") from exc
    click.echo(f"网页版已启动：http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/ 按 Ctrl+C 停止。", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, http=with_deadline(header_timeout),
                limit_concurrency=max_connections, timeout_keep_alive=5, forwarded_allow_ips=",".join(settings.trusted_proxies))
    click.echo("网页版已停止。", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: every outcome becomes an exit code and a Chinese message; no traceback reaches a user."""
    try:
        cli.main(args=argv, prog_name="nianbao", standalone_mode=False)
        return EXIT_OK
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else EXIT_FAILED
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
        return EXIT_USAGE
    except click.UsageError as exc:
        hint = f"运行 {exc.ctx.command_path if exc.ctx else 'nianbao'} --help 查看用法。"
        click.echo(f"用法错误：{_usage_message(exc)}\n{hint}", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("已中止。", err=True)
        return EXIT_FAILED
    except Failure as exc:
        click.echo(f"无法完成：{exc}", err=True)
        return EXIT_FAILED
    except click.ClickException as exc:
        click.echo(f"出错：{exc.format_message()}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("已中断。", err=True)
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug must not print a traceback at a clerk
        if os.environ.get("NIANBAO_DEBUG"):
            traceback.print_exc()
        click.echo(f"程序内部错误（{type(exc).__name__}），未生成任何文件。请把输入文件和这条消息发给维护人员；设置环境变量 NIANBAO_DEBUG=1 可查看详细信息。", err=True)
        return EXIT_FAILED


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()

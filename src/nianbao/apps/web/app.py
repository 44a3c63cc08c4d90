"""`nianbao serve`: the converter as an intranet web app (FastAPI on uvicorn) and a JSON API.

Conversions run in a pool of forked worker processes (each file again in the memory- and time-limited
sandbox, as in `batch`); the event loop only moves bytes. Uploads and results live in one directory per
job, named by an unguessable id and bound to the uploading browser's cookie, and are deleted after the
retention time."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nianbao import __version__
from nianbao.apps.kernel import staging_path
from nianbao.apps.web import pages as webpages
from nianbao.apps.web.store import KINDS, Job, JobStore, owner_hash
from nianbao.conversion import Conversion, Status, convert, warm
from nianbao.files import atomic_write_bytes, disk_full, sha256_of
from nianbao.findings import Level
from nianbao.output.charts import overview_table
from nianbao.output.pdf import PdfError, pdf_bytes
from nianbao.season.overview import overview_rows
from nianbao.season.record import SeasonRecord, from_conversion
from nianbao.season.record import now as season_now
from nianbao.season.roster import read_roster
from nianbao.season.status import STATUSES, Season, from_record
from nianbao.season.units import Units, UnitsError, read_units, season_units
from nianbao.workbook.blank import template_bytes
from nianbao.workers import start_pool

log = logging.getLogger("nianbao.web")
COOKIE = "nianbao_owner"
LABELS = {"docx": "Word 报告（.docx）", "pdf": "PDF 报告（.pdf）", "html": "网页版（.html，可粘贴到网站）",
          "json": "数据（.json）", "annotated": "标注了问题的工作簿（.xlsx）"}
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf",
         "html": "text/html; charset=utf-8", "json": "application/json",
         "annotated": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_ZH_DETAIL = {"Not Found": "没有这个页面", "Method Not Allowed": "不支持这种请求方式",
              "Invalid multipart data.": "上传的数据不完整或格式有误（应为 multipart/form-data 表单），请重新上传"}


def _cross_site(request: Request, settings: WebSettings) -> bool:
    """A request sent by a page of another site. A browser says so itself (Sec-Fetch-Site, which no page can
    set); without it, the Origin (or Referer) must name this server: the host the request came to, the host a
    trusted reverse proxy says it came to (X-Forwarded-Host, Forwarded), or the configured --root-url."""
    fetch_site = (request.headers.get("sec-fetch-site") or "").lower()
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source == "null"
    return _hostname(urlsplit(source).netloc) not in _own_hosts(request, settings)


def _hostname(netloc: str) -> str:
    """The host of host[:port] or [v6]:port, lower-case (a proxy in front may listen on another port)."""
    netloc = netloc.strip().lower().rsplit("@", 1)[-1]
    if netloc.startswith("["):
        return netloc[: netloc.find("]") + 1]
    return netloc.split(":", 1)[0]


def _own_hosts(request: Request, settings: WebSettings) -> set[str]:
    hosts = {_hostname(request.headers.get("host") or "")}
    if settings.root_url:
        hosts.add(_hostname(urlsplit(settings.root_url).netloc))
    client = request.client.host if request.client else ""
    if client in settings.trusted_proxies or "*" in settings.trusted_proxies:
        for value in request.headers.getlist("x-forwarded-host"):
            hosts.update(_hostname(v) for v in value.split(","))
        for value in request.headers.getlist("forwarded"):
            hosts.update(_hostname(m.strip('"')) for m in re.findall(r'(?i)\bhost=("[^"]*"|[^;,\s]+)', value))
    hosts.discard("")
    return hosts


def _sweep_abandoned(tmp: Path) -> None:
    """Temporary folders of servers that were killed (no shutdown removed them): the owner's pid is gone."""
    for d in tmp.glob("nianbao-web-*"):
        try:
            pid = int((d / "pid").read_text().strip())
        except (OSError, ValueError):
            continue  # not ours, or a server starting right now
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass  # alive, another account's


def _status_text(status: str) -> str:
    """A job's status in words ("pending" before its conversion has finished)."""
    return Status(status).label if status in {s.value for s in Status} else status


@dataclass
class WebSettings:
    data_dir: Path | None = None  # None: a private temporary directory, removed on shutdown
    keep_minutes: float = 60.0
    max_upload_mb: float = 10.0
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    max_waiting: int = 100  # uploads queued beyond this get "busy, try again" instead of a long wait
    season: Path | None = None  # the collection season's record: every upload is also recorded there
    roster: Path | None = None  # with season and office_token: the office's status page /office
    office_token: str | None = None  # the office's secret for /office (never shown to the units)
    previous: Path | None = None  # last year's units (a season's folder or a folder of workbooks): /office compares
    root_url: str | None = None  # the address users type (behind a reverse proxy): its host is this server's too
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")  # whose X-Forwarded-Host / Forwarded is believed
    body_timeout: float = 120.0  # an upload's body must arrive within this many seconds (10 MB at 1 Mbit/s: 80 s)


# --- API models (they make the OpenAPI description) ----------------------------------------------------

class FindingOut(BaseModel):
    code: str = Field(description="稳定的问题代码，如 total-mismatch")
    level: str = Field(description="error（错误，阻止生成）、warning（警告）或 info（提示）")
    position: str = Field(description="工作表!单元格，如 依申请公开!J6；整个文件的问题为空")
    message: str = Field(description="中文说明")
    acknowledged: str | None = Field(None, description="填报人在“说明”表中写明的理由（仅警告）")


class ErrorOut(BaseModel):
    detail: str = Field(description="中文说明")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    what = {400: "请求有误", 404: "没有这个任务或文件（编号不对、不属于调用方，或已过期删除）", 413: "文件过大",
            422: "缺少参数或参数格式有误", 503: "服务器正忙或转换进程意外退出，请稍后重试"}
    return {c: {"model": ErrorOut, "description": what[c]} for c in codes}


class JobOut(BaseModel):
    id: str
    name: str = Field(description="上传的文件名")
    status: str = Field(description="ok（已生成报告）、errors（有错误）或 unreadable（无法读取）")
    status_text: str
    title: str = Field(description="报告标题（能读出机关名称和年度时）")
    counts: dict[str, int]
    findings: list[FindingOut]
    downloads: dict[str, str] = Field(description="可下载的文件：docx、pdf、html、json 或 annotated → 地址")
    expires: float = Field(description="删除时间（Unix 时间戳）")


SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"content-security-policy": b"default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}


class SecurityHeaders:
    """Every response (pages, JSON, downloads, and the errors: 404, 405, 413, 422, 500) carries them."""
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                present = {k.lower() for k, _ in msg.get("headers", [])}
                msg["headers"] = list(msg.get("headers", [])) + [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
            await send(msg)

        await self.app(scope, receive, with_headers)


class HeadAsGet:
    """HEAD answered as GET without the body (link checkers, `curl -I`, download managers): the same status
    and headers, Content-Length included."""
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(msg: Message) -> None:
            if msg["type"] == "http.response.body":
                if not msg.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(msg)

        await self.app(dict(scope, method="GET"), receive, headers_only)


class UploadLimit:
    """Refuse request bodies over the limit while they stream in, and bodies that take longer than the
    body timeout to arrive (a trickling upload holds a connection for that long, not for ever). The body is
    held in memory and handed on only once it is whole, so a refused upload never reaches the parser's spool
    files on disk; all uploads together hold at most `budget` bytes (beyond it: 503, try again)."""
    def __init__(self, app: ASGIApp, limit: int, timeout: float = 60.0, budget: int = 0, keep_text: str = "") -> None:
        self.app, self.limit, self.timeout, self.keep_text = app, limit, timeout, keep_text
        self.budget = budget or max(8 * limit, 64 * 1024 * 1024)
        self.held = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(scope, send, self.limit, self.keep_text)
            return
        chunks: list[bytes] = []
        seen = 0
        try:
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    msg = await asyncio.wait_for(receive(), max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    await _error(scope, send, self.keep_text, 408, "上传超时", f"上传未能在 {self.timeout:g} 秒内完成（网络过慢或中断），请重新上传。")
                    return
                if msg["type"] == "http.disconnect":
                    return
                chunk = msg.get("body", b"")
                seen += len(chunk)
                if seen > self.limit:
                    await _too_large(scope, send, self.limit, self.keep_text)
                    return
                if self.held + len(chunk) > self.budget:
                    await _error(scope, send, self.keep_text, 503, "服务器正忙", "同时上传的文件太多，服务器正忙，请稍后重试。")
                    return
                self.held += len(chunk)
                chunks.append(chunk)
                if not msg.get("more_body", False):
                    break
            body, replayed = b"".join(chunks), False
            chunks = [body]

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()  # after the body: a disconnect, as the server reports it

            await self.app(scope, replay, send)
        finally:
            self.held -= sum(len(c) for c in chunks)


def error_response(path: str, status: int, heading: str, text: str, keep_text: str,
                   headers: dict[str, str] | None = None) -> Response:
    """An error answered as the caller reads it: JSON for the API, a page for a browser — for the route
    handlers and for the upload limit alike (which answers before a request exists)."""
    if path.startswith("/api/"):
        return JSONResponse({"detail": text}, status_code=status, headers=headers)
    return HTMLResponse(webpages.render("error", heading=heading, message=text, keep_text=keep_text),
                        status_code=status, headers=headers)


async def _too_large(scope: Scope, send: Send, limit: int, keep_text: str) -> None:
    await _error(scope, send, keep_text, 413, "文件过大", f"文件过大：上传不能超过 {limit // 1024 // 1024} MB（填好的年报工作簿通常不到 1 MB）。")


async def _error(scope: Scope, send: Send, keep_text: str, status: int, heading: str, text: str) -> None:
    await error_response(scope["path"], status, heading, text, keep_text)({"type": "http"}, _nothing, send)


async def _nothing() -> Message:  # pragma: no cover - a response never reads the request
    return {"type": "http.disconnect"}


# --- the app ------------------------------------------------------------------------------------------

def _convert_in_worker(path: str, name: str, previous: str | None = None) -> Conversion:
    # The upload is removed by the server once the answer is in: a conversion cut short by a dying worker
    # is run again from the same file.
    return convert(Path(path), name, ("docx", "html", "json"), previous=Path(previous) if previous else None)


def _pdf_in_worker(docx: bytes, name: str) -> bytes:
    return pdf_bytes(docx, name)


class Runner:
    """The worker pool, replaced if a worker dies so one bad file never takes the app down."""
    def __init__(self, jobs: int, max_waiting: int) -> None:
        self.jobs, self.max_waiting, self.waiting = jobs, max_waiting, 0
        self.pool = self._new()
        self.replacing: asyncio.Lock | None = None

    def _new(self) -> ProcessPoolExecutor:
        return start_pool(self.jobs, warm, ["nianbao.conversion", "nianbao.apps.web.app"])

    async def run(self, fn: Any, *args: Any) -> Any:
        if self.waiting >= self.max_waiting:
            raise HTTPException(503, "服务器正忙，请稍后重试")
        self.waiting += 1
        try:
            for attempt in (1, 2):
                pool = self.pool
                try:
                    return await asyncio.wrap_future(pool.submit(fn, *args))
                except BrokenProcessPool:
                    # A worker died (killed, out of memory): every conversion in flight in the pool fails
                    # with it. The pool is replaced once, and each of them is run again on the new one.
                    await self._replace(pool)
                    if attempt == 2:
                        raise HTTPException(503, "转换进程意外退出，请重新上传；如果同一个文件反复出现这个问题，请把它发给维护人员") from None
            raise AssertionError("unreachable")
        finally:
            self.waiting -= 1

    async def _replace(self, broken: ProcessPoolExecutor) -> None:
        if self.replacing is None:
            self.replacing = asyncio.Lock()
        async with self.replacing:
            if self.pool is not broken:
                return  # another request replaced it already
            broken.shutdown(wait=False, cancel_futures=True)
            # Now the server has threads: a fork server starts the replacement workers (workers.start_pool).
            self.pool = await asyncio.to_thread(self._new)
            log.error("一个转换进程意外退出（被系统终止或内存不足），已重启转换进程；进行中的转换已重新开始")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _record_upload(record_path: Path, digest: str, name: str, conv: Conversion) -> None:
    with SeasonRecord(record_path) as record:
        record.add(from_conversion(digest, "web", name, season_now(), conv))


def office_page(season: Season, keep_text: str, last: Units | None = None) -> str:
    order = sorted(season.units, key=lambda u: (list(STATUSES).index(u.status), u.unit.name))
    units = [{"name": u.unit.name, "label": u.label, "css": {"ok": "info", "errors": "error"}.get(u.status, "warning"),
              "file": u.counted.path if u.counted else "", "received": (u.received or "")[5:16].replace("T", " "),
              "errors": u.counted.errors if u.counted else "", "problem": u.problem(season.year),
              "contact": "；".join(x for x in (u.unit.contact, "、".join(u.unit.emails)) if x)} for u in order]
    unmatched = [f"{r.path}（{r.agency or '机关名称未识别'}，{r.received[:10]}）" for r, _ in season.unmatched]
    this = season_units(season, "")
    last = last if last is not None and last.year == season.year - 1 else None
    overview = Markup(overview_table(overview_rows(this, last), (season.year, last.year if last else None)))  # charts escapes every text
    return webpages.render("office", year=season.year, headline=season.headline(), units=units, unmatched=unmatched,
                           keep_text=keep_text, overview=overview, compared=last is not None)


@functools.cache
def _last_year_units(source: Path) -> Units | None:
    """Last year's units, read once (last year's figures do not change while the page runs); None when
    the folder cannot be read — the page then shows this year alone."""
    try:
        return read_units(source, jobs=1)  # one file after another: no worker pool forked from the server
    except UnitsError:
        return None


def _season_now(record_path: Path, roster_path: Path) -> Season:
    roster = read_roster(roster_path)
    with SeasonRecord(record_path) as record:
        return from_record(record, roster)


class Service:
    """What the routes share: the settings, the job store and the worker pool; converting an upload,
    serving a download, and the one way an error is answered (JSON under /api, a page otherwise)."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.own_dir = settings.data_dir is None
        self.root = Path(settings.data_dir) if settings.data_dir is not None else Path(tempfile.gettempdir()) / f"nianbao-web-{secrets.token_hex(6)}"
        self.store = JobStore(self.root, settings.keep_minutes * 60)
        self.limit = int(settings.max_upload_mb * 1024 * 1024)
        self.keep_text = f"{settings.keep_minutes:g} 分钟" if settings.keep_minutes < 120 else f"{settings.keep_minutes / 60:g} 小时"
        self.runner: Runner | None = None
        self.pdf = False

    @contextlib.asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        self.store.open()
        self.store.expire()  # leftovers of an earlier run
        if self.own_dir:
            atomic_write_bytes(self.root / "pid", str(os.getpid()).encode())
            await asyncio.to_thread(_sweep_abandoned, self.root.parent)
        self.runner = Runner(self.settings.jobs, self.settings.max_waiting)
        self.pdf = shutil.which("soffice") is not None or shutil.which("libreoffice") is not None

        async def sweep() -> None:
            while True:
                await asyncio.sleep(max(1.0, min(60.0, self.store.keep / 4)))
                await asyncio.to_thread(self.store.expire)

        sweeper = asyncio.create_task(sweep())
        try:
            yield
        finally:
            sweeper.cancel()
            self.runner.close()
            if self.own_dir:
                shutil.rmtree(self.root, ignore_errors=True)

    async def run(self, fn: Any, *args: Any) -> Any:
        if self.runner is None:  # only before start-up or after shutdown
            raise HTTPException(503, "服务器正在启动或停止，请稍后重试")
        return await self.runner.run(fn, *args)

    def owner(self, request: Request) -> str | None:
        return owner_hash(request.cookies.get(COOKIE))

    def job_json(self, job: Job, base: str) -> dict[str, Any]:
        kinds = [k for k in KINDS if k in job.filenames]
        return JobOut(
            id=job.id, name=job.name, status=job.status, status_text=_status_text(job.status),
            title=job.title, counts=job.report.get("counts", {}),
            findings=[FindingOut(code=f["code"], level=f["level"], position=f["position"], message=f["message"],
                                 acknowledged=f.get("acknowledged")) for f in job.report.get("findings", [])],
            downloads={k: f"{base}/{job.id}/files/{k}" for k in kinds}, expires=job.created + self.store.keep,
        ).model_dump()

    async def convert(self, upload: UploadFile, cookie: str | None, previous: UploadFile | None = None) -> Job:
        name = Path((upload.filename or "").replace("\\", "/")).name or "工作簿.xlsx"
        job = self.store.new(name, owner_hash(cookie))
        try:
            path = staging_path(self.store.dir(job.id) / "upload", name)
            with path.open("wb") as fh:
                await asyncio.to_thread(shutil.copyfileobj, upload.file, fh, 1 << 20)
            prev_path = None
            if previous is not None and previous.filename:  # a browser sends an empty part for no file
                prev_name = Path(previous.filename.replace("\\", "/")).name
                prev_path = staging_path(self.store.dir(job.id) / "previous", prev_name)
                with prev_path.open("wb") as fh:
                    await asyncio.to_thread(shutil.copyfileobj, previous.file, fh, 1 << 20)
            # the season records the upload by its content (the conversion removes the uploaded file)
            digest = await asyncio.to_thread(sha256_of, path) if self.settings.season else ""
            conv: Conversion = await self.run(_convert_in_worker, str(path), name,
                                                         str(prev_path) if prev_path else None)
            for folder in ("upload", "previous"):  # the uploads themselves are not kept
                shutil.rmtree(self.store.dir(job.id) / folder, ignore_errors=True)
            job.status, job.title, job.report, job.note = conv.status, conv.title, conv.report.to_dict(), conv.note
            job.filenames = dict(conv.filenames)
            if conv.status is Status.OK and self.pdf:  # offered now, made on first download
                job.filenames["pdf"] = Path(conv.filenames["docx"]).with_suffix(".pdf").name
            job.seconds = conv.seconds
            if self.settings.season is not None:
                await asyncio.to_thread(_record_upload, self.settings.season, digest, name, conv)
            if not self.store.save(job, conv.files):
                raise HTTPException(404, "这个任务已被删除")
        except BaseException:
            self.store.delete(job.id)
            raise
        finally:
            self.store.finished(job.id)
        return job

    async def download(self, job: Job, kind: str) -> Response:
        data = self.store.file(job, kind)
        if data is None and kind == "pdf" and "pdf" in job.filenames:
            docx = self.store.file(job, "docx")
            if docx is None:
                raise HTTPException(404, "没有这个文件")
            try:
                data = await self.run(_pdf_in_worker, docx, Path(job.filenames["pdf"]).stem)
            except PdfError as exc:
                raise HTTPException(503, f"未能生成 PDF：{exc}") from exc
            if not self.store.save(job, {"pdf": data}):  # deleted while the PDF was being made: it stays deleted
                raise HTTPException(404, "找不到这个任务（已被删除）")
        if data is None or kind not in job.filenames:
            raise HTTPException(404, "没有这个文件")
        name = job.filenames[kind]
        ascii_name = "nianbao" + Path(name).suffix
        return Response(data, media_type=MEDIA[kind], headers={
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

    def lookup(self, job_id: str, request: Request) -> Job:
        try:
            return self.store.get(job_id, self.owner(request))
        except KeyError:
            raise HTTPException(404, "找不到这个任务（编号不对、不是本浏览器上传的，或已超过保留时间被删除）") from None

    # --- pages ----------------------------------------------------------------------------------

    def page(self, html: str, request: Request, status: int = 200) -> HTMLResponse:
        resp = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                                                "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"})
        if not request.cookies.get(COOKIE):
            resp.set_cookie(COOKIE, secrets.token_urlsafe(24), httponly=True, samesite="lax", max_age=30 * 86400)
        return resp


    def respond(self, request: Request, status: int, heading: str, text: str, headers: dict[str, str] | None = None) -> Response:
        return error_response(request.url.path, status, heading, text, self.keep_text, headers)


def _pages(app: FastAPI, svc: Service) -> None:
    """The pages a clerk's browser shows."""
    settings, store, keep_text = svc.settings, svc.store, svc.keep_text
    page, convert, download, lookup, owner = svc.page, svc.convert, svc.download, svc.lookup, svc.owner
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(request: Request) -> HTMLResponse:
        return page(webpages.render("index", max_mb=f"{settings.max_upload_mb:g}", pdf=svc.pdf, keep_text=keep_text,
                                    submits=settings.season is not None), request)

    @app.get("/template.xlsx", summary="下载空白填报工作簿（form=2021 或 2019）", tags=["模板"],
             responses={200: {"content": {MEDIA["annotated"]: {}}}, **_errors(422)})
    async def template(form: Literal["2021", "2019"] = "2021") -> Response:

        data = await asyncio.to_thread(template_bytes, form)
        name = f"年报填报模板（{form}版）.xlsx"
        return Response(data, media_type=MEDIA["annotated"],
                        headers={"Content-Disposition": f"attachment; filename=\"nianbao-{form}.xlsx\"; filename*=UTF-8''{quote(name)}"})

    @app.post("/upload", include_in_schema=False)
    async def upload_page(request: Request, file: UploadFile = File(...), previous: UploadFile | None = File(None)) -> Response:
        if _cross_site(request, settings):
            # a form on another site posting here (its browser would not send our Lax cookie): refused, so
            # that nobody lands on a job someone else chose and no cookie of the clerk's is replaced
            return page(webpages.render("error", heading="请从本页面上传", message="上传只能在本网页上进行。",
                                        keep_text=keep_text), request, status=403)
        fresh = COOKIE not in request.cookies
        # the first request of this browser: the job is bound to a new cookie
        cookie = secrets.token_urlsafe(24) if fresh else request.cookies[COOKIE]
        job = await convert(file, cookie, previous)
        resp = RedirectResponse(f"/jobs/{job.id}", status_code=303)
        if fresh:
            resp.set_cookie(COOKIE, cookie, httponly=True, samesite="lax", max_age=30 * 86400)
        return resp

    @app.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    async def job_page(job_id: str, request: Request) -> HTMLResponse:
        try:
            job = store.get(job_id, owner(request))
        except KeyError:
            return page(webpages.render("error", heading="找不到这个结果",
                                        message="编号不对、不是本浏览器上传的，或已超过保留时间被删除。请重新上传。", keep_text=keep_text), request, 404)
        findings = [dict(f, level_zh=Level(f["level"]).zh) for f in job.report.get("findings", [])]
        order = {"error": 0, "warning": 1, "info": 2}
        findings.sort(key=lambda f: (order[f["level"]], bool(f.get("acknowledged"))))
        downloads = [{"kind": k, "url": f"/jobs/{job.id}/files/{k}", "label": LABELS[k], "name": job.filenames[k]}
                     for k in KINDS if k in job.filenames]
        c = job.report.get("counts", {})
        summary = f"{c.get('error', 0)} 个错误，{c.get('warning', 0)} 个警告，{c.get('info', 0)} 条提示。"
        return page(webpages.render("job", job=job, status_text=_status_text(job.status), summary=summary,
                                    findings=findings, downloads=downloads, keep_text=keep_text), request)

    @app.get("/jobs/{job_id}/files/{kind}", include_in_schema=False)
    async def job_file(job_id: str, kind: str, request: Request) -> Response:
        return await download(lookup(job_id, request), kind)



def _api(app: FastAPI, svc: Service) -> None:
    """The JSON API (its OpenAPI description is docs/openapi.json) and the office's page."""
    settings, store, keep_text = svc.settings, svc.store, svc.keep_text
    page, convert, download, lookup, job_json = svc.page, svc.convert, svc.download, svc.lookup, svc.job_json
    # --- the JSON API -----------------------------------------------------------------------------

    @app.post("/api/jobs", status_code=201, response_model=JobOut, summary="上传工作簿：检查并生成报告", tags=["任务"],
              responses=_errors(400, 413, 422, 503))
    async def api_create(request: Request, file: UploadFile = File(..., description="填好的 .xlsx 工作簿"),
                         previous: UploadFile | None = File(None, description="可选：上年的工作簿或已发布的报告（.html/.docx/.pdf），用于跨年度核对")
                         ) -> dict[str, Any]:
        return job_json(await convert(file, request.cookies.get(COOKIE), previous), "/api/jobs")

    @app.get("/api/jobs/{job_id}", response_model=JobOut, summary="查看检查结果", tags=["任务"], responses=_errors(404, 422))
    async def api_get(job_id: str, request: Request) -> dict[str, Any]:
        return job_json(lookup(job_id, request), "/api/jobs")

    @app.get("/api/jobs/{job_id}/files/{kind}", summary="下载文件：docx、pdf、html、json 或 annotated", tags=["任务"],
             responses=_errors(404, 422, 503))
    async def api_file(job_id: str, kind: str, request: Request) -> Response:
        return await download(lookup(job_id, request), kind)

    @app.delete("/api/jobs/{job_id}", status_code=204, summary="立即删除任务及其全部文件", tags=["任务"], responses=_errors(404, 422))
    async def api_delete(job_id: str, request: Request) -> Response:
        store.delete(lookup(job_id, request).id)
        return Response(status_code=204)

    @app.get("/office", response_class=HTMLResponse, include_in_schema=False)
    async def office(request: Request, token: str = "") -> HTMLResponse:
        """The office's view of the season: every unit of the roster and where it stands. Only with the
        office's token (a query parameter or the X-Office-Token header); without one configured, no page."""
        given = token or request.headers.get("x-office-token", "")
        if not (settings.office_token and settings.roster and settings.season) or not secrets.compare_digest(
                given.encode(), settings.office_token.encode()):
            raise StarletteHTTPException(404)
        season = await asyncio.to_thread(_season_now, settings.season, settings.roster)
        last = await asyncio.to_thread(_last_year_units, settings.previous) if settings.previous else None
        return page(office_page(season, keep_text, last), request)

    @app.get("/api/health", summary="运行状态", tags=["服务"])
    async def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "waiting": svc.runner.waiting if svc.runner else 0, "pdf": svc.pdf}



def _error_handlers(app: FastAPI, svc: Service) -> None:
    """Every error in Chinese, as JSON or as a page (Service.respond)."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = _ZH_DETAIL.get(str(exc.detail), str(exc.detail))
        return svc.respond(request, exc.status_code, "出错了", detail, getattr(exc, "headers", None))  # e.g. Allow on 405

    @app.exception_handler(OSError)
    async def machine_error(request: Request, exc: OSError) -> Response:
        if not disk_full(exc):
            raise exc  # a bug of ours: internal_error below
        # the server's trouble, not the workbook's: 507, and a word for the administrator in the log
        log.error("磁盘空间不足（%s）：上传无法保存，请清理 %s 所在的磁盘", exc, svc.root)
        return svc.respond(request, 507, "服务器磁盘已满",
                           "服务器磁盘空间不足，暂时无法处理上传（不是工作簿的问题）。请稍后再试，并告知网站管理员清理磁盘。")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        return svc.respond(request, 500, "程序出错", f"程序内部错误（{type(exc).__name__}），未生成任何文件。请把这个工作簿发给维护人员。")

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        uploading = request.method == "POST"
        text = ("请求不完整：请选择要上传的 .xlsx 文件（表单字段 file）" if uploading else
                "参数有误：" + "、".join(".".join(str(x) for x in e.get("loc", ())[1:]) for e in exc.errors()) + "（可用的值见 /openapi.json）")
        return svc.respond(request, 422, "没有收到文件" if uploading else "参数有误", text)


def create_app(settings: WebSettings | None = None) -> FastAPI:
    svc = Service(settings or WebSettings())
    app = FastAPI(title="nianbao 年报生成与检查", version=__version__, lifespan=svc.lifespan, docs_url=None, redoc_url=None,
                  description="上传填好的年报填报工作簿（.xlsx），检查并生成政府信息公开工作年度报告。"
                              "每个任务有一个随机编号，只有持有编号的调用方（网页上传时还须是同一浏览器）能读取；"
                              "任务及其文件在保留时间后删除。")
    app.add_middleware(UploadLimit, limit=svc.limit, timeout=svc.settings.body_timeout, keep_text=svc.keep_text)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)  # added last: wraps everything, the 413 of UploadLimit included

    _pages(app, svc)
    _api(app, svc)
    _error_handlers(app, svc)
    app.state.store = svc.store
    app.state.settings = asdict(svc.settings) | {"data_dir": str(svc.root)}
    return app

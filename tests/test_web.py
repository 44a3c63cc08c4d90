"""nianbao serve: the JSON API and the pages against a real uvicorn process; limits, isolation, expiry,
and 20 uploads at once."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import httpx
import openpyxl
import pytest

from mailservers import wait_until
from support import DAZHUANG, PINGTAN, ROOT, agency_workbook, fill_disk
from webserver import Server

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("web-data")
    s = Server(data, "--jobs", "2")
    yield s
    err = s.stop()
    assert "Traceback" not in err, err


def _jobs(server: Server) -> set[str]:
    return {p.name for p in server.data_dir.iterdir() if p.is_dir()}


def _upload(client: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return client.post("/api/jobs", files={"file": (name, data, XLSX)})


def test_good_workbook_gives_every_format(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        r = _upload(c, "大庄乡.xlsx", DAZHUANG.read_bytes())
        assert r.status_code == 201
        job = r.json()
        assert job["status"] == "ok" and job["title"] == "大庄乡人民政府2024年政府信息公开工作年度报告"
        assert {"docx", "html", "json"} <= set(job["downloads"])
        d = c.get(job["downloads"]["docx"])
        assert d.status_code == 200 and "filename*=UTF-8''" in d.headers["content-disposition"]
        assert "%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.docx" in d.headers["content-disposition"]  # …年度报告.docx
        assert docx.Document(io.BytesIO(d.content)).paragraphs[0].text.replace("\n", "") == job["title"]
        data = c.get(job["downloads"]["json"]).json()
        assert "大庄乡人民政府" in json.dumps(data, ensure_ascii=False)
        assert c.get(f"/api/jobs/{job['id']}").json()["findings"] == job["findings"]


def test_pdf_made_on_first_download(server):
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice not installed")
    with httpx.Client(base_url=server.url, timeout=120) as c:
        job = _upload(c, "平潭.xlsx", PINGTAN.read_bytes()).json()
        pdf = c.get(job["downloads"]["pdf"])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert c.get(job["downloads"]["pdf"]).content == pdf.content, "made once, then kept"


def test_erroneous_and_unreadable_workbooks(server):
    wb = openpyxl.load_workbook(PINGTAN)
    wb["依申请公开"]["J6"] = 1
    buf = io.BytesIO()
    wb.save(buf)
    with httpx.Client(base_url=server.url, timeout=60) as c:
        job = _upload(c, "错的.xlsx", buf.getvalue()).json()
        assert job["status"] == "errors" and set(job["downloads"]) == {"annotated"}
        assert ("total-mismatch", "依申请公开!J6") in {(f["code"], f["position"]) for f in job["findings"]}
        marked = openpyxl.load_workbook(io.BytesIO(c.get(job["downloads"]["annotated"]).content))
        assert marked["依申请公开"]["J6"].comment is not None
        job = _upload(c, "扫描件.xlsx", b"%PDF-1.4 not a workbook").json()
        assert job["status"] == "unreadable" and job["downloads"] == {}
        assert job["findings"][0]["code"] == "file-not-xlsx" and "PDF" in job["findings"][0]["message"]


def test_upload_limit_refuses_before_storing(server):
    before = _jobs(server)
    with httpx.Client(base_url=server.url, timeout=60) as c:
        r = _upload(c, "大.xlsx", b"PK" + b"\0" * (11 * 1024 * 1024))
        assert r.status_code == 413 and "不能超过 10 MB" in r.json()["detail"]
        # a body that lies about its length (chunked, no Content-Length) is cut off as it streams
        def chunks():
            yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.xlsx\"\r\n\r\n"
            for _ in range(12):
                yield b"\0" * (1024 * 1024)
        r = c.post("/api/jobs", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413
        r = c.post("/upload", files={"file": ("大.xlsx", b"\0" * (11 * 1024 * 1024), XLSX)})
        assert r.status_code == 413 and "文件过大" in r.text
        assert "，后自动删除" not in r.text and "分钟后自动删除" in r.text, "the page says how long files are kept, as every page does"
        r = c.post("/api/jobs", data={"nothing": "here"})
        assert r.status_code == 422 and "请选择要上传" in r.json()["detail"]
    assert _jobs(server) == before


def test_names_never_become_paths(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        job = _upload(c, "../../../../tmp/evil.xlsx", DAZHUANG.read_bytes()).json()
        assert job["name"] == "evil.xlsx" and not Path("/tmp/evil.xlsx").exists()
        for path in (f"/api/jobs/{job['id']}/files/..%2Fjob.json", f"/api/jobs/{job['id']}/files/job",
                     "/api/jobs/..%2F..%2Fetc/files/docx", "/api/jobs/" + "A" * 22):
            r = c.get(path)
            assert r.status_code == 404 and "root:" not in r.text, path
        assert sorted(p.name for p in (server.data_dir / job["id"]).iterdir()) == ["docx.bin", "html.bin", "job.json", "json.bin"], \
            "the upload itself is not kept"


def test_one_browser_never_sees_another_browsers_files(server):
    with httpx.Client(base_url=server.url, timeout=60) as alice, httpx.Client(base_url=server.url, timeout=60) as bob:
        assert alice.get("/").status_code == 200 and bob.get("/").status_code == 200
        assert alice.cookies.get("nianbao_owner") != bob.cookies.get("nianbao_owner")
        r = alice.post("/upload", files={"file": ("大庄乡.xlsx", DAZHUANG.read_bytes(), XLSX)})
        assert r.status_code == 303
        page = r.headers["location"]
        mine = alice.get(page)
        assert mine.status_code == 200 and "已生成报告" in mine.text
        assert alice.get(page + "/files/docx").status_code == 200
        assert bob.get(page).status_code == 404 and "找不到" in bob.get(page).text
        assert bob.get(page + "/files/docx").status_code == 404
        job_id = page.rsplit("/", 1)[1]
        assert bob.get(f"/api/jobs/{job_id}").status_code == 404
        assert httpx.get(f"{server.url}/api/jobs/{job_id}").status_code == 404, "nor a client without the cookie"
        # the API: the random id is the key; deleting removes every file at once
        job = _upload(bob, "x.xlsx", DAZHUANG.read_bytes()).json()
        assert bob.delete(f"/api/jobs/{job['id']}").status_code == 204
        assert bob.get(f"/api/jobs/{job['id']}").status_code == 404 and not (server.data_dir / job["id"]).exists()


def test_uploads_are_deleted_after_the_retention_time(tmp_path):
    from fastapi.testclient import TestClient

    from nianbao.apps.web.app import WebSettings, create_app

    app = create_app(WebSettings(data_dir=tmp_path, keep_minutes=0.03, jobs=1))  # 1.8 s
    with TestClient(app) as c:
        job = c.post("/api/jobs", files={"file": ("a.xlsx", DAZHUANG.read_bytes(), XLSX)}).json()
        assert (tmp_path / job["id"]).is_dir() and c.get(f"/api/jobs/{job['id']}").status_code == 200
        time.sleep(2.0)
        assert c.get(f"/api/jobs/{job['id']}").status_code == 404, "expired: not served even before the sweep"
        deadline = time.monotonic() + 10
        while (tmp_path / job["id"]).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not (tmp_path / job["id"]).exists(), "and deleted by the sweep"


def test_pages_are_chinese_and_openapi_is_documented(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        html = c.get("/").text
        assert '<html lang="zh-CN">' in html and "下载填报工作簿（2021版）" in html and "检查并生成报告" in html
        t = c.get("/template.xlsx")
        assert openpyxl.load_workbook(io.BytesIO(t.content)).sheetnames[:2] == ["填报说明", "基本信息"]
        assert c.get("/nowhere").status_code == 404 and "没有这个页面" in c.get("/nowhere").text
        spec = c.get("/openapi.json").json()
    assert {"/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/files/{kind}", "/template.xlsx"} <= set(spec["paths"])
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text("utf-8"))
    assert committed == spec, "docs/openapi.json is stale: run python tools/regenerate.py"


@pytest.mark.slow
def test_twenty_uploads_at_once_each_get_their_own_report(server):
    names = [f"第{i}测试镇人民政府" for i in range(1, 21)]
    books = {n: agency_workbook(n) for n in names}

    def one(name: str) -> tuple[str, dict, bytes, float]:
        t = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=120) as c:
            job = _upload(c, f"{name}.xlsx", books[name]).json()
            doc = c.get(job["downloads"]["docx"]).content if job["status"] == "ok" else b""
        return name, job, doc, time.perf_counter() - t

    started = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, names))
    wall = time.perf_counter() - started
    assert len({job["id"] for _, job, _, _ in results}) == 20
    for name, job, doc, _ in results:
        assert job["status"] == "ok", job["findings"][:3]
        assert job["name"] == f"{name}.xlsx" and job["title"].startswith(name)
        assert docx.Document(io.BytesIO(doc)).paragraphs[0].text.replace("\n", "").startswith(name), "no mix-up"
    slowest = max(r[3] for r in results)
    print(f"\n20 concurrent uploads: {wall:.2f} s wall, {20 / wall:.1f} reports/s, slowest request {slowest:.2f} s")


def _dying_convert(path: str, name: str, previous: str | None = None):
    """Dies like a worker killed by the kernel's OOM killer, the first time only: while a file "die-once"
    lies in a folder above the upload (pickled by name; a fork server's worker imports this module and
    has the environment of the fork server's start, so the marker is found by place)."""
    import os

    from nianbao.apps.web import app as web

    for folder in Path(path).parents:
        if (folder / "die-once").exists():
            (folder / "die-once").unlink()
            os._exit(1)
    return getattr(web, "_real_convert_in_worker", web._convert_in_worker)(path, name, previous)  # the replacement pool: the real one


def test_a_dying_worker_is_replaced_and_the_conversion_runs_again(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from nianbao.apps.web import app as web

    (tmp_path / "die-once").write_text("x")
    monkeypatch.setattr(web, "_real_convert_in_worker", web._convert_in_worker, raising=False)
    monkeypatch.setattr(web, "_convert_in_worker", _dying_convert)
    app = web.create_app(web.WebSettings(data_dir=tmp_path / "data", jobs=1))
    with TestClient(app) as c:
        r = c.post("/api/jobs", files={"file": ("a.xlsx", DAZHUANG.read_bytes(), XLSX)})
        assert r.status_code == 201 and r.json()["status"] == "ok", "run again on the new workers"
        r = c.post("/api/jobs", files={"file": ("a.xlsx", DAZHUANG.read_bytes(), XLSX)})
        assert r.status_code == 201 and r.json()["status"] == "ok"


def _always_dying_convert(path: str, name: str, previous: str | None = None):
    os._exit(1)


def test_a_worker_that_dies_again_fails_that_request_and_leaves_nothing(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from nianbao.apps.web import app as web

    monkeypatch.setattr(web, "_convert_in_worker", _always_dying_convert)
    app = web.create_app(web.WebSettings(data_dir=tmp_path / "data", jobs=1))
    with TestClient(app) as c:
        r = c.post("/api/jobs", files={"file": ("a.xlsx", DAZHUANG.read_bytes(), XLSX)})
        assert r.status_code == 503 and "转换进程意外退出" in r.json()["detail"]
        assert [p.name for p in (tmp_path / "data").iterdir()] == [], "nothing left of the failed job"


def test_serve_on_a_busy_port_says_so(server, capsys):
    from nianbao.apps.cli import main

    assert main(["serve", "--port", str(server.port)]) == 3
    assert "端口可能已被占用" in capsys.readouterr().err


def test_bad_parameters_are_explained(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        r = c.get("/template.xlsx", params={"form": "1999"})
        assert r.status_code == 422 and "参数有误：form" in r.text
        r = c.post("/api/jobs", content=b"--x\r\ngarbage", headers={"content-type": "multipart/form-data; boundary=x"})
        assert r.status_code in (400, 422) and r.json()["detail"].startswith(("上传的数据", "请求不完整"))
        r = c.put("/api/jobs")
        assert r.status_code == 405 and "POST" in r.headers["allow"] and r.json()["detail"] == "不支持这种请求方式"


def _broken_convert(path: str, name: str, previous: str | None = None):
    raise RuntimeError("a bug of ours")


def test_a_bug_of_ours_is_a_chinese_500_and_leaves_nothing(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from nianbao.apps.web import app as web

    monkeypatch.setattr(web, "_convert_in_worker", _broken_convert)
    app = web.create_app(web.WebSettings(data_dir=tmp_path / "data", jobs=1))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/jobs", files={"file": ("a.xlsx", DAZHUANG.read_bytes(), XLSX)})
        assert r.status_code == 500 and r.json()["detail"].startswith("程序内部错误（RuntimeError）")
        r = c.post("/upload", files={"file": ("a.xlsx", DAZHUANG.read_bytes(), XLSX)})
        assert r.status_code == 500 and "程序出错" in r.text and "Traceback" not in r.text
        assert list((tmp_path / "data").iterdir()) == []


# --- under attack ---------------------------------------------------------------------------------------------

def _written(pid: int) -> int:
    """Bytes the process has written through write() so far (Linux /proc; spooling an upload counts)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar")


def test_a_chunked_oversize_upload_never_reaches_the_disk(tmp_path):
    spool = tmp_path / "tmp"
    spool.mkdir()
    s = Server(tmp_path / "data", "--jobs", "1", env={"TMPDIR": str(spool)})
    try:
        with httpx.Client(base_url=s.url, timeout=60) as c:
            def chunks():
                yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.xlsx\"\r\n\r\n"
                for _ in range(12):
                    yield b"\0" * (1024 * 1024)
            before = _written(s.proc.pid)
            r = c.post("/api/jobs", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
            assert r.status_code == 413
            assert _written(s.proc.pid) - before < 256 * 1024, "nothing of the refused body was written"
            assert list(spool.iterdir()) == [] and list((tmp_path / "data").iterdir()) == []
    finally:
        s.stop()


def test_every_response_carries_the_security_headers(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        responses = [c.get("/"), c.get("/nowhere"), c.put("/api/jobs"), c.post("/api/jobs", data={"x": "y"}),
                     c.post("/api/jobs", content=b"\0" * (11 * 1024 * 1024), headers={"content-type": "multipart/form-data; boundary=b"}),
                     c.get("/api/health"), c.get("/openapi.json")]
        assert [r.status_code for r in responses] == [200, 404, 405, 422, 413, 200, 200]
        for r in responses:
            assert r.headers.get("x-content-type-options") == "nosniff", r.url
            assert r.headers.get("x-frame-options") == "DENY" and "frame-ancestors 'none'" in r.headers.get("content-security-policy", "")
            assert r.headers.get("referrer-policy") == "same-origin"


def test_a_form_on_another_site_cannot_post_an_upload(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        c.get("/")
        mine = c.cookies.get("nianbao_owner")
        r = c.post("/upload", files={"file": ("x.xlsx", DAZHUANG.read_bytes(), XLSX)}, headers={"origin": "https://evil.example.com"})
        assert r.status_code == 403 and "set-cookie" not in r.headers and "本网页" in r.text
        assert c.cookies.get("nianbao_owner") == mine
        same = c.post("/upload", files={"file": ("x.xlsx", DAZHUANG.read_bytes(), XLSX)}, headers={"origin": server.url})
        assert same.status_code == 303


def test_arriving_from_another_site_keeps_the_clerks_results(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        first = c.get("/")
        assert "samesite=lax" in first.headers["set-cookie"].lower()
        r = c.post("/upload", files={"file": ("大庄乡.xlsx", DAZHUANG.read_bytes(), XLSX)})
        page = r.headers["location"]
        again = c.get(page, headers={"referer": "https://portal.example.org/"})
        assert again.status_code == 200 and "set-cookie" not in again.headers, "a cookie the browser has is never replaced"


def test_file_names_of_four_byte_characters(server):
    name = "\U0001F600" * 80 + "\U00020000" * 10 + ".xlsx"  # emoji and CJK Extension B: four bytes each
    with httpx.Client(base_url=server.url, timeout=60) as c:
        r = _upload(c, name, DAZHUANG.read_bytes())
        assert r.status_code == 201 and r.json()["name"] == name
        assert c.get(r.json()["downloads"]["docx"]).status_code == 200
        assert c.get("/api/health").status_code == 200, "the next request on the connection still works"


def test_half_sent_requests_are_closed_and_the_server_keeps_answering(tmp_path):
    """Slowloris: connections that never finish their headers are closed after --header-timeout."""
    import socket as socketlib

    s = Server(tmp_path / "data", "--jobs", "1", "--header-timeout", "2")
    held = []
    try:
        for _ in range(200):
            sock = socketlib.create_connection(("127.0.0.1", s.port), timeout=10)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never the rest
            held.append(sock)
        with httpx.Client(base_url=s.url, timeout=10) as c:
            assert c.get("/api/health").status_code == 200, "a normal request is answered meanwhile"
        time.sleep(3.5)
        closed = 0
        for sock in held:
            sock.settimeout(0.2)
            try:
                closed += sock.recv(1024) == b""  # the server closed it
            except ConnectionResetError:
                closed += 1
            except TimeoutError:
                pass  # still open
        assert closed == len(held), f"{len(held) - closed} half-sent requests still open"
    finally:
        for sock in held:
            sock.close()
        s.stop()


def test_last_years_report_as_an_optional_second_upload(server, edit):
    """The page's second file: last year's published report (here its web page) checks the carry-over."""
    from nianbao.conversion import convert

    last = edit({"基本信息!B5": 2023, "基本信息!B7": "2024年1月20日", "依申请公开!D30": 2, "依申请公开!D8": 69})
    page = convert(last, formats=("docx", "html")).outputs[".html"]
    with httpx.Client(base_url=server.url, timeout=60) as c:
        r = c.post("/api/jobs", files={"file": ("平潭.xlsx", PINGTAN.read_bytes(), XLSX),
                                       "previous": ("2023年报告.html", page, "text/html")})
        assert r.status_code == 201
        carry = [f for f in r.json()["findings"] if f["code"] == "carryover-mismatch"]
        assert [f["position"] for f in carry] == ["依申请公开!D7", "依申请公开!J7"]
        alone = _upload(c, "平潭.xlsx", PINGTAN.read_bytes()).json()
        assert not any(f["code"] == "carryover-mismatch" for f in alone["findings"])
        # the browser form sends an empty part when no second file is chosen
        r = c.post("/upload", files={"file": ("平潭.xlsx", PINGTAN.read_bytes(), XLSX), "previous": ("", b"", "application/octet-stream")},
                   follow_redirects=False)
        assert r.status_code == 303
    assert "name=\"previous\"" in httpx.get(server.url + "/").text


# --- round 2: behind a proxy, deletes, crashes, full disks, slow bodies (issue 25) -----------------------

REQUIRE_NGINX = os.environ.get("NIANBAO_REQUIRE_NGINX") == "1"


class Nginx:
    """Debian's nginx on a free loopback port in front of the server, configured as the README says (or
    with `proxy_pass` alone, as people do)."""

    def __init__(self, directory: Path, upstream: str, extra: str) -> None:
        import subprocess

        from mailservers import free_port

        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        directory.mkdir(parents=True, exist_ok=True)
        user = "user root;" if os.getuid() == 0 else ""  # its workers write the bodies into our private folder
        (directory / "nginx.conf").write_text(f"""
{user}
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {directory}/body;
  proxy_temp_path {directory}/proxy;
  client_max_body_size 20m;
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass {upstream};
      {extra}
    }}
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", str(directory / "nginx.conf"), "-p", str(directory)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(self.url + "/api/health", timeout=2)
                return
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start: " + (self.proc.stderr.read().decode() if self.proc.stderr else "")) from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


PROXIES = {
    "proxy_pass alone": "",
    "Host $host": "proxy_set_header Host $host;",
    "as the README says": ("proxy_set_header Host $host;\n      proxy_set_header X-Forwarded-Host $host:$server_port;\n"
                           "      proxy_set_header X-Forwarded-Proto $scheme;\n      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"),
}


@pytest.mark.skipif(shutil.which("nginx") is None and not REQUIRE_NGINX, reason="nginx not installed (.ci/run installs nginx-light)")
@pytest.mark.parametrize("proxy", list(PROXIES))
def test_uploads_through_a_real_reverse_proxy(server, tmp_path, proxy):
    """The clerk's browser talks to nginx at localhost:PORT; nginx to the server at 127.0.0.1:its port.
    A browser of today says Sec-Fetch-Site itself; an older one only sends Origin."""
    nginx = Nginx(tmp_path / "nginx", server.url, PROXIES[proxy])
    try:
        with httpx.Client(base_url=nginx.url, timeout=120) as c:
            c.get("/")
            modern = {"Origin": nginx.url, "Sec-Fetch-Site": "same-origin"}
            r = c.post("/upload", files={"file": ("大庄乡.xlsx", DAZHUANG.read_bytes(), XLSX)}, headers=modern)
            assert r.status_code == 303, r.text
            assert c.get(r.headers["location"]).status_code == 200
            older = c.post("/upload", files={"file": ("大庄乡.xlsx", DAZHUANG.read_bytes(), XLSX)}, headers={"Origin": nginx.url})
            if proxy == "proxy_pass alone":  # nothing tells the server its public name: --root-url does
                assert older.status_code == 403
            else:
                assert older.status_code == 303, older.text
            evil = c.post("/upload", files={"file": ("大庄乡.xlsx", DAZHUANG.read_bytes(), XLSX)},
                          headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
            assert evil.status_code == 403
            evil = c.post("/upload", files={"file": ("大庄乡.xlsx", DAZHUANG.read_bytes(), XLSX)}, headers={"Origin": "http://evil.example"})
            assert evil.status_code == 403
    finally:
        nginx.stop()


@pytest.mark.skipif(shutil.which("nginx") is None and not REQUIRE_NGINX, reason="nginx not installed (.ci/run installs nginx-light)")
def test_root_url_names_the_server_behind_a_bare_proxy(tmp_path):
    from mailservers import free_port

    port = free_port()
    s = Server(tmp_path / "data", "--jobs", "1", "--root-url", f"http://localhost:{port}/")
    try:
        nginx = Nginx(tmp_path / "nginx", s.url, "")
        assert nginx.port
        nginx.stop()
        # the proxy on the port the root URL names
        conf = (tmp_path / "nginx" / "nginx.conf").read_text().replace(f"127.0.0.1:{nginx.port}", f"127.0.0.1:{port}")
        (tmp_path / "nginx" / "nginx.conf").write_text(conf)
        import subprocess

        proc = subprocess.Popen(["nginx", "-c", str(tmp_path / "nginx" / "nginx.conf"), "-p", str(tmp_path / "nginx")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://localhost:{port}"
            assert wait_until(lambda: _reachable(url))
            with httpx.Client(base_url=url, timeout=120) as c:
                r = c.post("/upload", files={"file": ("大庄乡.xlsx", DAZHUANG.read_bytes(), XLSX)}, headers={"Origin": url})
                assert r.status_code == 303, r.text
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        s.stop()


def _reachable(url: str) -> bool:
    try:
        return httpx.get(url + "/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_head_is_answered_like_get_without_a_body(server):
    with httpx.Client(base_url=server.url, timeout=120) as c:
        job = _upload(c, "大庄乡.xlsx", DAZHUANG.read_bytes()).json()
        for url in ("/", "/template.xlsx", job["downloads"]["docx"], f"/api/jobs/{job['id']}", "/api/health"):
            got, head = c.get(url), c.head(url)
            assert head.status_code == got.status_code == 200, url
            assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"], url
            assert head.headers.get("content-length") == str(len(got.content)), url


def test_odd_upload_names_are_judged_by_content(server):
    with httpx.Client(base_url=server.url, timeout=120) as c:
        for name in ("大庄乡", "大庄乡.xlsx ", ".xlsx", "大庄乡."):
            r = c.post("/api/jobs", files={"file": (name, DAZHUANG.read_bytes(), "application/octet-stream")})
            assert r.status_code == 201 and r.json()["status"] == "ok", (name, r.text)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None and os.environ.get("NIANBAO_REQUIRE_SOFFICE") != "1", reason="LibreOffice not installed")
def test_a_job_deleted_while_its_pdf_is_made_stays_deleted(server):
    import threading

    with httpx.Client(base_url=server.url, timeout=180) as c:
        job = _upload(c, "大庄乡.xlsx", DAZHUANG.read_bytes()).json()
        answers: list[int] = []
        t = threading.Thread(target=lambda: answers.append(c.get(job["downloads"]["pdf"]).status_code))
        t.start()
        time.sleep(0.5)  # LibreOffice is at work
        assert c.delete(f"/api/jobs/{job['id']}").status_code == 204
        t.join(180)
        assert answers and answers[0] in (200, 404)
        assert c.get(job["downloads"]["pdf"]).status_code == 404
        assert c.get(f"/api/jobs/{job['id']}").status_code == 404
        assert job["id"] not in _jobs(server)


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(x) for x in (task / "children").read_text().split()]
    except OSError:
        pass  # ended meanwhile
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_a_killed_server_leaves_no_worker_and_its_files_go_at_the_next_start(tmp_path):
    import signal

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"TMPDIR": str(tmp)}
    s = Server(tmp_path / "unused", "--jobs", "2", env=env, own_dir=True)
    with httpx.Client(base_url=s.url, timeout=120) as c:
        assert _upload(c, "大庄乡.xlsx", DAZHUANG.read_bytes()).status_code == 201
        # a worker killed (out of memory): the replacement pool comes from a fork server (the server runs
        # threads by now), whose workers are not the server's children
        os.kill(_worker_pids(s.proc.pid)[0], signal.SIGKILL)
        assert _upload(c, "大庄乡.xlsx", DAZHUANG.read_bytes()).status_code == 201
    everyone = _descendants(s.proc.pid)
    assert len(everyone) >= 2
    (own,) = list(tmp.glob("nianbao-web-*"))
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(10)
    def left() -> list[int]:
        return [p for p in everyone if _alive(p)]
    assert wait_until(lambda: not left(), 20), f"the workers (and a fork server) end with the server: {left()}"
    assert own.exists()  # nobody removed it: the next start does
    again = Server(tmp_path / "unused", "--jobs", "1", env=env, own_dir=True)
    try:
        assert wait_until(lambda: not own.exists(), 20)
    finally:
        again.stop()
    assert list(tmp.glob("nianbao-web-*")) == []


def test_an_upload_in_flight_when_the_server_died_is_gone_after_the_restart(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    half = data / ("A" * 22)  # a job folder as an upload leaves it: the upload, no job.json
    (half / "upload").mkdir(parents=True)
    (half / "upload" / "大庄乡.xlsx").write_bytes(DAZHUANG.read_bytes())
    s = Server(data, "--jobs", "1")
    try:
        assert not half.exists()
    finally:
        s.stop()


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out


def _worker_pids(server_pid: int) -> list[int]:
    """The conversion workers: the server's descendants that start nothing themselves (a fork server's
    workers are its grandchildren), the resource tracker left out."""
    def cmdline(p: int) -> bytes:
        try:
            return Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            return b""
    return [p for p in _descendants(server_pid)
            if _alive(p) and not _children(p) and b"resource_tracker" not in cmdline(p)]


@pytest.mark.slow
def test_a_killed_worker_fails_no_upload_in_flight(tmp_path):
    import signal

    s = Server(tmp_path / "data", "--jobs", "2")
    try:
        workers = _worker_pids(s.proc.pid)
        with httpx.Client(base_url=s.url, timeout=180) as c, ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(_upload, c, f"单位{i}.xlsx", DAZHUANG.read_bytes()) for i in range(6)]
            time.sleep(0.8)
            os.kill(workers[0], signal.SIGKILL)
            answers = [f.result() for f in futures]
        assert [r.status_code for r in answers] == [201] * 6, [r.text for r in answers if r.status_code != 201]
        assert all(r.json()["status"] == "ok" for r in answers)
    finally:
        assert "Traceback" not in s.stop()


def test_a_full_disk_is_the_servers_trouble_not_the_workbooks(small_disk):
    s = Server(small_disk / "data", "--jobs", "1")
    try:
        filler = fill_disk(small_disk)
        with httpx.Client(base_url=s.url, timeout=120) as c:
            r = _upload(c, "大庄乡.xlsx", DAZHUANG.read_bytes())
            assert r.status_code == 507 and "磁盘空间不足" in r.json()["detail"] and "工作簿发给维护人员" not in r.json()["detail"]
            page = c.post("/upload", files={"file": ("大庄乡.xlsx", DAZHUANG.read_bytes(), XLSX)}, headers={"Origin": s.url})
            assert page.status_code == 507 and "磁盘" in page.text
            assert [p.name for p in (small_disk / "data").iterdir() if not p.name.startswith(".")] in ([], ["pid"])
            filler.unlink()
            assert _upload(c, "大庄乡.xlsx", DAZHUANG.read_bytes()).status_code == 201
    finally:
        err = s.stop()
        assert "Traceback" not in err, err


@pytest.mark.slow
def test_trickling_uploads_are_closed_after_the_body_timeout(tmp_path):
    import socket

    s = Server(tmp_path / "data", "--jobs", "1", "--body-timeout", "5")
    socks = []
    try:
        for _ in range(10):
            sock = socket.create_connection(("127.0.0.1", s.port))
            sock.sendall(b"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                         b"Content-Length: 9000000\r\n\r\n--x\r\n" + b"a" * 1000)
            socks.append(sock)
        started = time.monotonic()
        answers = []
        for sock in socks:
            sock.settimeout(max(1.0, 30 - (time.monotonic() - started)))
            try:
                answers.append(sock.recv(200))
            except OSError:
                answers.append(b"")
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers
        with httpx.Client(base_url=s.url, timeout=120) as c:  # and the server goes on
            assert _upload(c, "大庄乡.xlsx", DAZHUANG.read_bytes()).status_code == 201
    finally:
        for sock in socks:
            sock.close()
        s.stop()


def _slow_convert(path: str, name: str, previous: str | None = None):
    import time as _time

    from nianbao.apps.web import app as web

    _time.sleep(1.5)
    return web.convert(Path(path), name, ("docx", "html", "json"))


def test_uploads_waiting_longer_than_the_retention_time_are_not_swept(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from nianbao.apps.web import app as web

    monkeypatch.setattr(web, "_convert_in_worker", _slow_convert)
    app = web.create_app(web.WebSettings(data_dir=tmp_path / "data", jobs=1, keep_minutes=0.03))  # 1.8 s
    with TestClient(app) as c, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda i: c.post("/api/jobs", files={"file": (f"{i}.xlsx", DAZHUANG.read_bytes(), XLSX)}), range(4)))
    assert [r.status_code for r in answers] == [201] * 4, [r.text for r in answers]


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.mark.slow
def test_many_stalled_large_uploads_hold_bounded_memory(tmp_path):
    """Twenty-four uploads send 9.5 MB each (228 MB) and then stall: the server holds at most its budget
    (80 MB here) in memory — the uploads beyond it are told to come back later — and lets them all go at
    the body timeout. The bound leaves room for the allocator's slack (RSS is not the budget's count)."""
    import socket

    s = Server(tmp_path / "data", "--jobs", "1", "--body-timeout", "8")
    socks = []
    try:
        before = _rss(s.proc.pid)
        for _ in range(24):
            sock = socket.create_connection(("127.0.0.1", s.port))
            sock.sendall(b"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                         b"Content-Length: 10000000\r\n\r\n")
            sock.sendall(b"a" * 9_500_000)
            socks.append(sock)
        time.sleep(1.0)
        held = _rss(s.proc.pid) - before
        print(f"\n24 stalled uploads of 9.5 MB: server memory +{held / 1e6:.0f} MB")
        assert held < 150e6
        answers = []
        for sock in socks:
            sock.settimeout(20)
            try:
                answers.append(sock.recv(200)[:12])
            except OSError:
                answers.append(b"")
        assert answers.count(b"HTTP/1.1 503") >= 3 and answers.count(b"HTTP/1.1 408") >= 6, answers
    finally:
        for sock in socks:
            sock.close()
        s.stop()

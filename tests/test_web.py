"""nianbao serve: the JSON API and the pages against a real uvicorn process; limits, isolation, expiry,
and 20 uploads at once."""

from __future__ import annotations

import io
import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import httpx
import openpyxl
import pytest

from conftest import DAZHUANG, PINGTAN, ROOT, agency_workbook
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
    """Dies like a worker killed by the kernel's OOM killer, the first time only (pickled by name into
    the forked worker, which has this module already)."""
    import os

    from nianbao.apps.web import app as web

    marker = Path(os.environ["NIANBAO_TEST_DIE_ONCE"])
    if marker.exists():
        marker.unlink()
        os._exit(1)
    return getattr(web, "_real_convert_in_worker", web._convert_in_worker)(path, name, previous)  # the replacement pool: the real one


def test_a_dying_worker_fails_one_request_and_the_next_one_works(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from nianbao.apps.web import app as web

    marker = tmp_path / "die-once"
    marker.write_text("x")
    monkeypatch.setenv("NIANBAO_TEST_DIE_ONCE", str(marker))
    monkeypatch.setattr(web, "_real_convert_in_worker", web._convert_in_worker, raising=False)
    monkeypatch.setattr(web, "_convert_in_worker", _dying_convert)
    app = web.create_app(web.WebSettings(data_dir=tmp_path / "data", jobs=1))
    with TestClient(app) as c:
        r = c.post("/api/jobs", files={"file": ("a.xlsx", DAZHUANG.read_bytes(), XLSX)})
        assert r.status_code == 503 and "转换进程意外退出" in r.json()["detail"]
        assert list((tmp_path / "data").iterdir()) == [], "nothing left of the failed job"
        r = c.post("/api/jobs", files={"file": ("a.xlsx", DAZHUANG.read_bytes(), XLSX)})
        assert r.status_code == 201 and r.json()["status"] == "ok"


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

"""The county office's collection season over its inbox folder: the roster of who must report, every file
matched to its unit, the latest received version of the season's year counted (whatever its name), last
year's files listed and never counted, the county total over counted versions only, reruns that change
nothing, 报送情况.xlsx on paper."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from nianbao.apps.batch.run import run_batch
from nianbao.apps.cli import main
from nianbao.apps.mail.config import load_config
from nianbao.apps.mail.gateway import Gateway
from nianbao.season.matching import match
from nianbao.season.record import Received
from nianbao.season.roster import Roster, RosterError, Unit, read_roster
from nianbao.season.status import compute
from nianbao.workbook import layout as L
from test_mail import _msg, config_with, dovecot, gateway_config, needs_dovecot, smtp  # noqa: F401  (the real servers' fixtures)

from support import PINGTAN, ROOT, agency_workbook, strict_json

YEAR_CELL = f"{L.SHEET_META}!B{L.field_row(L.META_FIELDS, 'year')}"
DATE_CELL = f"{L.SHEET_META}!B{L.field_row(L.META_FIELDS, 'date')}"
NEW, PUBLISHED = "依申请公开!D6", "依申请公开!D8"  # 本年新收 and 予以公开 · 自然人: what each version changes


def _version(name: str, extra: int, **changes: object) -> bytes:
    """The Pingtan figures under a unit's name, with `extra` more applications received and published by
    natural persons (every relation still holds)."""
    base = openpyxl.load_workbook(PINGTAN)["依申请公开"]
    return agency_workbook(name, {NEW: base["D6"].value + extra, PUBLISHED: base["D8"].value + extra} | changes)


def _roster(path: Path, units: list[tuple[str, str, str]]) -> Path:
    """A roster filled as an office would: 单位全称, 机关类型, 联系人, 邮箱, 别名 (and an extra column)."""
    assert main(["roster", "-o", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws.cell(1, 8, "备注")  # a column of the office's own
    for r, (name, address, alias) in enumerate(units, start=2):
        ws.cell(r, 1, name)
        ws.cell(r, 2, "乡镇街道")
        ws.cell(r, 3, f"联系人{r} 0571-0000{r:04d}")
        ws.cell(r, 4, address)
        ws.cell(r, 5, alias)
    wb.save(path)
    return path


def test_the_blank_roster_has_the_contracted_columns(tmp_path, capsys):
    out = tmp_path / "报送名单.xlsx"
    assert main(["roster", "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert [c.value for c in ws[1]][:6] == ["单位全称", "机关类型", "联系人", "邮箱", "别名", "上级"]
    assert ws.max_row == 1, "one header row, no sample units to delete"


@pytest.mark.parametrize(("edit", "message"), [
    (lambda ws: ws.cell(1, 1, "单位名称"), "没有“单位全称”这一列"),
    (lambda ws: (ws.cell(2, 1, "白沙镇人民政府"), ws.cell(3, 1, "白沙镇人民政府")), "第 3 行的单位“白沙镇人民政府”与第 2 行重复"),
    (lambda ws: ws.cell(2, 4, "a@b.cn"), "第 2 行没有填写单位全称"),
    (lambda ws: None, "没有单位"),
])
def test_a_roster_filled_wrongly_is_named(tmp_path, edit, message):
    path = tmp_path / "名单.xlsx"
    assert main(["roster", "-o", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    edit(wb.worksheets[0])
    wb.save(path)
    with pytest.raises(RosterError, match=message):
        read_roster(path)


@pytest.mark.parametrize(("written", "sender", "file", "unit", "how"), [
    ("青山县白沙镇人民政府", "", "", "青山县白沙镇人民政府", "机关全称"),
    ("白沙镇人民政府", "", "", "青山县白沙镇人民政府", "机关全称"),          # the county's name left out
    ("白沙镇", "", "", "青山县白沙镇人民政府", "机关全称"),                  # 人民政府 too
    ("青山县白沙镇人民政府（盖章）", "", "", "青山县白沙镇人民政府", "机关全称"),
    ("浙江省 青山县白沙镇人民政府", "", "", "青山县白沙镇人民政府", "机关全称"),
    ("沙镇府", "", "", "青山县白沙镇人民政府", "别名"),
    ("", "BaiSha@qs.gov.cn", "", "青山县白沙镇人民政府", "发件人"),
    ("", "", "黄土镇（最终版）.xlsx", "青山县黄土镇人民政府", "文件名"),      # an unreadable file, by its name
    ("青山县人民政府办公室", "", "", "青山县人民政府办公室", "机关全称"),      # not 青山县人民政府
    ("人民政府", "", "", None, ""),                                          # fits three: left for a person
    ("红星乡人民政府", "", "", None, ""),
])
def test_a_file_is_matched_to_one_unit_or_left_for_a_person(written, sender, file, unit, how):
    roster = Roster([Unit("青山县白沙镇人民政府", emails=("baisha@qs.gov.cn",), aliases=("沙镇府",)), Unit("青山县黄土镇人民政府"),
                     Unit("青山县人民政府"), Unit("青山县人民政府办公室")])
    m = match(roster, written, sender, file)
    assert (m.unit.name if m.unit else None, m.how if m.unit else "") == (unit, how)


def _day(n: int, hour: int = 9) -> float:
    return dt.datetime(2026, 1, 10 + n, hour).timestamp()


def _put(inbox: Path, name: str, data: bytes, day: int, hour: int = 9) -> Path:
    path = inbox / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (_day(day, hour), _day(day, hour)))
    return path


def _units(summary: Path) -> dict[str, dict]:
    return {u["unit"]: u for u in strict_json(summary.read_bytes())["units"]}


def test_a_season_over_simulated_days(tmp_path, capsys):
    """30 units. Day 1: 24 send; one sends last year's workbook; one an unreadable file; one a file of a
    unit not on the roster. Day 2: one unit resends (the new file's name sorts first), another sends a
    fix named 最终版, the unreadable one resends a good one, the one with last year's file sends this
    year's. After each run: every unit's status, counted file and superseded files exactly; the county
    total equals the sum of the counted versions; a rerun converts nothing and adds no file."""
    names = [f"青山县第{i:02d}镇人民政府" for i in range(30)]
    roster = _roster(tmp_path / "报送名单.xlsx", [(n, f"u{i}@qs.gov.cn", "") for i, n in enumerate(names)])
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    for i in range(24):
        _put(inbox, f"{names[i].removeprefix('青山县')}.xlsx", _version(names[i], i), 1)
    _put(inbox, "第24镇2023年报.xlsx", agency_workbook(names[24], {YEAR_CELL: 2023, DATE_CELL: "2024年1月20日"}), 1)  # last year's
    _put(inbox, "第25镇.xlsx", b"PK\x03\x04 not a workbook at all", 1)                         # unreadable, named after the unit
    _put(inbox, "红星乡.xlsx", agency_workbook("青山县红星乡人民政府"), 1)                      # not on the roster
    # units 26-29 never send anything

    result = run_batch(inbox, out, jobs=2, roster=read_roster(roster), aggregate=True)
    units = _units(out / "summary.json")
    assert [units[n]["status"] for n in names] == ["ok"] * 24 + ["wrong_year", "unreadable"] + ["not_submitted"] * 4
    assert units[names[0]]["counted"] == "第00镇人民政府.xlsx" and units[names[0]]["superseded"] == []
    assert units[names[24]]["counted"] is None and units[names[24]]["other_years"][0]["path"] == "第24镇2023年报.xlsx"
    assert units[names[25]]["matched_by"] == "文件名"
    summary = strict_json((out / "summary.json").read_bytes())
    jsonschema.validate(summary, json.loads((ROOT / "docs" / "summary.schema.json").read_text("utf-8")))
    unmatched = summary["unmatched"]
    assert [u["path"] for u in unmatched] == ["红星乡.xlsx"]
    assert result.season is not None and result.season.headline().startswith("应报 30 · 已报 25 · 通过 24 · 有错误 0 · 无法读取 1 · 未报 4")
    total = result.aggregate["forms"]["2021"]["totals"]["table3"]
    base = openpyxl.load_workbook(PINGTAN)["依申请公开"]["D6"].value
    assert Decimal(total["D4"]) == sum(base + i for i in range(24)), "the county total: the 24 counted versions, not 2023's"

    # day 2
    _put(inbox, "00新版.xlsx", _version(names[0], 300), 2)     # sorts before the old name
    _put(inbox, "第01镇人民政府（最终版）.xlsx", _version(names[1], 400), 2, 8)
    _put(inbox, "第02镇人民政府-错.xlsx", _version(names[2], 0, **{NEW: -1}), 2)                  # a newer version with an error
    _put(inbox, "第25镇（重发）.xlsx", agency_workbook(names[25]), 2)
    _put(inbox, "第24镇2024年报.xlsx", agency_workbook(names[24]), 2)
    result = run_batch(inbox, out, jobs=2, roster=read_roster(roster), aggregate=True)
    units = _units(out / "summary.json")
    assert units[names[0]]["counted"] == "00新版.xlsx" and units[names[0]]["superseded"] == ["第00镇人民政府.xlsx"]
    assert units[names[1]]["counted"] == "第01镇人民政府（最终版）.xlsx"
    assert units[names[2]]["status"] == "errors" and units[names[2]]["counted"] == "第02镇人民政府-错.xlsx"
    assert "依申请公开!D6" in units[names[2]]["problem"]
    assert units[names[24]]["status"] == "ok" and [f["path"] for f in units[names[24]]["other_years"]] == ["第24镇2023年报.xlsx"]
    assert units[names[25]]["status"] == "ok" and units[names[25]]["superseded"] == ["第25镇.xlsx"]
    assert [units[n]["status"] for n in names[26:]] == ["not_submitted"] * 4
    counted_new = [base + 300, base + 400] + [base + i for i in range(3, 24)] + [base, base]  # unit 2 has errors: not summed
    assert Decimal(result.aggregate["forms"]["2021"]["totals"]["table3"]["D4"]) == sum(counted_new)
    # one current report per unit, named by the unit; superseded ones aside, never deleted
    reports = sorted(p.name for p in (out / "报告").iterdir())
    assert reports == sorted([f"{names[i]}2024年政府信息公开工作年度报告.docx" for i in range(26) if i != 2]
                             + ["青山县红星乡人民政府2024年政府信息公开工作年度报告.docx"])  # the unmatched file's own
    # aside: units 0, 1 and 2's first versions (2's is superseded by a newer one with errors) and 24's of 2023
    assert sorted(p.name for p in (out / "旧版").iterdir()) == sorted(
        [f"{names[i]}2024年政府信息公开工作年度报告.docx" for i in (0, 1, 2)] + [f"{names[24]}2023年政府信息公开工作年度报告.docx"])
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.suffix in (".docx", ".xlsx") and p.name != "汇总.xlsx"}

    # the same inbox again: nothing converted, nothing added, the same answer
    again = run_batch(inbox, out, jobs=2, roster=read_roster(roster), aggregate=True)
    assert all(it.skipped for it in again.items)
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.suffix in (".docx", ".xlsx") and p.name not in ("汇总.xlsx", "报送情况.xlsx")}
    assert after == {p: t for p, t in before.items() if p.name != "报送情况.xlsx"}
    assert _units(out / "summary.json") == units

    # the office's sheet and the command line's headline
    ws = openpyxl.load_workbook(out / "报送情况.xlsx").worksheets[0]
    rows = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(3, 33)}
    assert rows[names[2]] == "有错误" and rows[names[26]] == "未报送" and rows[names[0]] == "通过"
    assert "红星乡.xlsx" in [ws.cell(r, 4).value for r in range(33, ws.max_row + 1)]
    capsys.readouterr()
    assert main(["batch", str(inbox), "-o", str(out), "--roster", str(roster), "--year", "2024"]) == 1
    err = capsys.readouterr().err
    assert "2024 年度报送情况：应报 30 · 已报 26 · 通过 25 · 有错误 1 · 无法读取 0 · 未报 4 · 未对应的文件 1" in err


def test_status_of_a_large_season_is_computed_from_records(tmp_path):
    """compute() over records alone (what the mail gateway and the web page will feed): the latest received
    of the year counts, a pin wins, files of another year are listed."""
    roster = Roster([Unit(f"第{i}局") for i in range(3)])
    recs = [Received("a", "mail", "x.xlsx", "2026-01-11T09:00:00+08:00", "ok", agency="第0局", year=2025),
            Received("b", "web", "y.xlsx", "2026-01-12T09:00:00+08:00", "errors", agency="第0局", year=2025),
            Received("c", "folder", "z.xlsx", "2026-01-13T09:00:00+08:00", "ok", agency="第1局", year=2024)]
    season = compute(roster, recs, 2025)
    assert [(u.status, u.counted.path if u.counted else None) for u in season.units] == [
        ("errors", "y.xlsx"), ("wrong_year", None), ("not_submitted", None)]
    pinned = compute(roster, recs, 2025, pins={"第0局": "a"})
    assert (pinned.units[0].status, pinned.units[0].pinned, [r.path for r in pinned.units[0].superseded]) == ("ok", True, ["y.xlsx"])


@pytest.mark.soffice
def test_the_status_sheet_prints_on_a4_one_page_wide_in_three_pages_for_60_units(tmp_path):
    soffice = shutil.which("soffice")
    if not (soffice and shutil.which("pdfinfo") and Path("/usr/lib/libreoffice/program/libsclo.so").exists()):
        if os.environ.get("NIANBAO_REQUIRE_SOFFICE") == "1":
            pytest.fail("LibreOffice Calc and poppler are needed")
        pytest.skip("LibreOffice Calc and poppler are needed")
    from nianbao.season.sheet import season_sheet

    roster = Roster([Unit(f"青山县第{i:02d}街道办事处", contact=f"王明 0571-8888{i:04d}", emails=(f"jd{i}@qs.gov.cn",)) for i in range(60)])
    recs = [Received(f"s{i}", "folder", f"街道{i:02d}（修改后最终版）.xlsx", f"2026-01-{10 + i % 15:02d}T09:00:00+08:00",
                     "errors" if i % 4 else "ok", agency=f"青山县第{i:02d}街道办事处", year=2025, errors=i % 4, warnings=2,
                     first="错误 依申请公开!J6：一、本年新收政府信息公开申请数量 · 总计：应为 218（D6:I6 之和），实际为 217")
            for i in range(50)]
    book = tmp_path / "报送情况.xlsx"
    book.write_bytes(season_sheet(compute(roster, recs, 2025)))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(book)], check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", str(tmp_path / "报送情况.pdf")], capture_output=True, text=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    assert pages <= 3, pages
    width, height = (float(x) for x in size.split(":")[1].split("pts")[0].split(" x "))
    assert "(A4)" in size and width > height, size  # A4 landscape, one page wide
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "报送情况.pdf"), "-"], capture_output=True, text=True).stdout
    assert text.count("单位全称") == pages, "the header row on every page"
    assert "青山县第59街道办事处" in text and "未报送" in text


@needs_dovecot
def test_workbooks_by_mail_join_the_season(dovecot, smtp, gateway_config, tmp_path, capsys):  # noqa: F811 (fixtures)
    """The mail gateway writes every workbook it answers into the season's record: a unit that only mailed
    its workbook (twice: the later one counts), one that mailed a file nothing can read (matched by its
    sender's address on the roster); the folder run then shows them, and the county total sums the mailed
    version with the folder's."""
    names = [f"青山县第{i:02d}镇人民政府" for i in range(5)]  # the fourth never sends anything
    addresses = [f"zhen{i}@county.gov.cn" for i in range(4)] + ["wang.zhen4@163.com"]  # a personal mailbox
    roster_path = _roster(tmp_path / "报送名单.xlsx", list(zip(names, addresses, [""] * 5)))
    out = tmp_path / "输出"
    config = gateway_config.with_name("season.toml")
    config.write_text(gateway_config.read_text("utf-8").replace(
        "[gateway]", f'[gateway]\nseason = "{out / "报送记录.sqlite"}"\nroster = "{roster_path}"'), "utf-8")
    folder = load_config(config).imap.folder
    dovecot.deliver(folder, _msg(sender="zhen0@county.gov.cn", subject="年报", attach=[("第00镇.xlsx", _version(names[0], 5))],
                                 headers={"Date": "Mon, 12 Jan 2026 09:00:00 +0800"}))
    dovecot.deliver(folder, _msg(sender="zhen0@county.gov.cn", subject="年报（改）", attach=[("第00镇.xlsx", _version(names[0], 7))],
                                 headers={"Date": "Tue, 13 Jan 2026 09:00:00 +0800"}))
    dovecot.deliver(folder, _msg(sender="zhen1@county.gov.cn", subject="年报", attach=[("年报.xlsx", b"PK\x03\x04 broken")]))
    # the roster's 163.com address is answered (its domain is not an allowed one); a stranger's is not
    dovecot.deliver(folder, _msg(sender="wang.zhen4@163.com", subject="年报", attach=[("第4镇.xlsx", _version(names[4], 4))]))
    dovecot.deliver(folder, _msg(sender="stranger@163.com", subject="年报", attach=[("x.xlsx", _version(names[4], 9))]))
    gateway = Gateway(load_config(config))
    try:
        gateway.poll()
    finally:
        gateway.journal.close()
    assert {r.rcpt_tos[0] for r in smtp.wait(4)} == {"zhen0@county.gov.cn", "zhen1@county.gov.cn", "wang.zhen4@163.com"}
    inbox = tmp_path / "收件箱"
    _put(inbox, "第02镇.xlsx", _version(names[2], 1), 1)
    result = run_batch(inbox, out, jobs=1, roster=read_roster(roster_path), aggregate=True)
    units = _units(out / "summary.json")
    assert (units[names[0]]["status"], units[names[0]]["counted"], units[names[0]]["matched_by"]) == ("ok", "第00镇.xlsx", "机关全称")
    assert units[names[0]]["received"].startswith("2026-01-13T09:00:00")
    assert len(units[names[0]]["superseded"]) == 1
    assert (units[names[1]]["status"], units[names[1]]["matched_by"]) == ("unreadable", "发件人")
    assert units[names[2]]["status"] == "ok"
    base = openpyxl.load_workbook(PINGTAN)["依申请公开"]["D6"].value
    assert units[names[4]]["status"] == "ok"
    assert Decimal(result.aggregate["forms"]["2021"]["totals"]["table3"]["D4"]) == (base + 7) + (base + 1) + (base + 4)

    # reminders: a dry run lists them and sends nothing; --send writes to exactly the units due, each with
    # its own problem, the blank workbook to the one that sent nothing; a second --send sends nothing
    capsys.readouterr()
    assert main(["remind", str(out), "--roster", str(roster_path)]) == 0
    listed = capsys.readouterr().err
    assert f"将提醒 {names[1]}【无法读取】→ zhen1@county.gov.cn" in listed and f"将提醒 {names[3]}【未报送】" in listed
    assert names[0] not in listed.split("将提醒", 1)[1] and "没有发送" in listed
    time.sleep(1)
    assert len(smtp.received) == 4, "a dry run sends nothing"
    # the account refused (an expired 授权码 at MAIL FROM): said for each unit, exit 3, no traceback, and
    # nothing recorded as sent, so the next --send tries them again
    smtp.mail_answer = lambda _address: "553 5.7.1 Sender address rejected: not owned by user"
    capsys.readouterr()
    assert main(["remind", str(out), "--roster", str(roster_path), "--config", str(config), "--send"]) == 3
    refused = capsys.readouterr().err
    assert "发送失败：发件服务器不接受发件人地址" in refused and "Traceback" not in refused and len(smtp.received) == 4
    smtp.mail_answer = None
    assert main(["remind", str(out), "--roster", str(roster_path), "--config", str(config), "--send",
                 "--deadline", "2026年1月25日"]) == 0
    sent = {r.rcpt_tos[0]: r.message for r in smtp.wait(6)[4:]}
    assert set(sent) == {"zhen1@county.gov.cn", "zhen3@county.gov.cn"}
    assert "无法读取" in sent["zhen1@county.gov.cn"]["Subject"] and "2026年1月25日" in sent["zhen1@county.gov.cn"].get_body().get_content()
    assert [a.get_filename() for a in sent["zhen3@county.gov.cn"].iter_attachments()] == ["年报填报模板.xlsx"]
    assert not list(sent["zhen1@county.gov.cn"].iter_attachments())
    assert main(["remind", str(out), "--roster", str(roster_path), "--config", str(config), "--send"]) == 0
    time.sleep(1)
    assert len(smtp.received) == 6, "never twice within the interval"


def test_uploads_on_the_web_page_join_the_season_and_the_office_sees_it(tmp_path):
    """nianbao serve --season --roster: every upload is recorded; /office shows every unit's status to the
    office's token only (404 to anyone else); batch --roster then counts the uploads with the folder's."""
    import httpx

    from webserver import Server

    names = [f"青山县第{i:02d}镇人民政府" for i in range(3)]
    roster_path = _roster(tmp_path / "报送名单.xlsx", [(n, "", "") for n in names])
    out = tmp_path / "输出"
    token = "office-" + "x" * 20
    server = Server(tmp_path / "web", "--season", str(out / "报送记录.sqlite"), "--roster", str(roster_path),
                    env={"NIANBAO_OFFICE_TOKEN": token})
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for name, data in (("第00镇.xlsx", _version(names[0], 2)), ("第01镇.xlsx", _version(names[1], 0, **{NEW: -5}))):
                assert client.post("/api/jobs", files={"file": (name, data, "application/octet-stream")}).status_code == 201
            assert "上传即报送" in client.get("/").text, "the clerk is told the upload goes to the office"
            assert client.get("/office").status_code == 404
            assert client.get("/office", params={"token": "office-wrong-token-xxxx"}).status_code == 404
            page = client.get("/office", params={"token": token})
            assert page.status_code == 200
            assert "应报 3 · 已报 2 · 通过 1 · 有错误 1 · 无法读取 0 · 未报 1" in page.text
            assert page.text.index(names[2]) < page.text.index(names[1]) < page.text.index(names[0]), "who needs a call first"
            assert client.get("/office", headers={"X-Office-Token": token}).status_code == 200
    finally:
        assert "Traceback" not in server.stop()
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    run_batch(inbox, out, jobs=1, roster=read_roster(roster_path))
    units = _units(out / "summary.json")
    assert [(units[n]["status"], units[n]["counted"]) for n in names] == [
        ("ok", "第00镇.xlsx"), ("errors", "第01镇.xlsx"), ("not_submitted", None)]


@needs_dovecot
def test_a_season_by_folder_mail_and_web_with_reminders(dovecot, smtp, gateway_config, tmp_path, capsys):  # noqa: F811
    """The whole season with the real servers: 30 units; files by the inbox folder, by mail (the gateway)
    and by the web page; one unit resubmitting twice by mail (the newest counts, although its name is the
    oldest-looking), one sending last year's workbook, one an unreadable file, one file of no unit, four
    never sending. After each step every unit's status is as expected and the county total is the sum of
    the counted versions; the reminders go to exactly the units due, each with its own problem."""
    import httpx

    from webserver import Server

    names = [f"青山县第{i:02d}镇人民政府" for i in range(30)]
    roster_path = _roster(tmp_path / "报送名单.xlsx", [(n, f"zhen{i}@county.gov.cn", "") for i, n in enumerate(names)])
    out, inbox = tmp_path / "输出", tmp_path / "收件箱"
    record = out / "报送记录.sqlite"
    config = gateway_config.with_name("season.toml")
    config.write_text(gateway_config.read_text("utf-8").replace("[gateway]", f'[gateway]\nseason = "{record}"'), "utf-8")
    folder = load_config(config).imap.folder
    now = dt.datetime.now().astimezone()
    base = openpyxl.load_workbook(PINGTAN)["依申请公开"]["D6"].value

    def mail(i: int, name: str, data: bytes, days_ago: int) -> None:
        date = email.utils.format_datetime(now - dt.timedelta(days=days_ago))
        dovecot.deliver(folder, _msg(sender=f"zhen{i}@county.gov.cn", subject="年报", attach=[(name, data)], headers={"Date": date}))

    def folder_file(name: str, data: bytes, days_ago: int) -> None:
        path = inbox / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        t = (now - dt.timedelta(days=days_ago)).timestamp()
        os.utime(path, (t, t))

    def season() -> tuple[dict[str, dict], Decimal]:
        gateway = Gateway(load_config(config))
        try:
            gateway.poll()
        finally:
            gateway.journal.close()
        result = run_batch(inbox, out, jobs=2, roster=read_roster(roster_path), aggregate=True)
        return _units(out / "summary.json"), Decimal(result.aggregate["forms"]["2021"]["totals"]["table3"]["D4"])

    # step 1 (five days ago): 20 units by folder, 3 by mail, last year's file, an unreadable one, one of no unit
    for i in range(20):
        folder_file(f"第{i:02d}镇.xlsx", _version(names[i], i), 5)
    folder_file("第20镇-2023.xlsx", agency_workbook(names[20], {YEAR_CELL: 2023, DATE_CELL: "2024年1月20日"}), 5)
    folder_file("红星乡.xlsx", agency_workbook("青山县红星乡人民政府"), 5)
    mail(21, "新版年报.xlsx", _version(names[21], 100), 5)
    mail(22, "年报.xlsx", _version(names[22], 22), 5)
    mail(23, "年报.xlsx", b"PK\x03\x04 broken", 5)
    units, total = season()
    expected = {**{i: "ok" for i in range(20)}, 20: "wrong_year", 21: "ok", 22: "ok", 23: "unreadable"}
    assert [units[n]["status"] for n in names] == [expected.get(i, "not_submitted") for i in range(30)]
    assert total == sum(base + i for i in range(20)) + (base + 100) + (base + 22)
    assert [u["path"] for u in strict_json((out / "summary.json").read_bytes())["unmatched"]] == ["红星乡.xlsx"]

    # step 2 (three days ago, then today): unit 21 resends twice by mail, the newest named like the first;
    # two units upload on the web page; unit 20 sends this year's by mail; unit 23 its readable one
    mail(21, "年报（修改）.xlsx", _version(names[21], 200), 3)
    mail(21, "旧版年报.xlsx", _version(names[21], 300), 1)
    mail(20, "2024年报.xlsx", _version(names[20], 20), 1)
    mail(23, "年报.xlsx", _version(names[23], 23), 1)
    token = "office-" + "y" * 20
    server = Server(tmp_path / "web", "--season", str(record), "--roster", str(roster_path), env={"NIANBAO_OFFICE_TOKEN": token})
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for i in (24, 25):
                data = _version(names[i], i) if i == 24 else _version(names[i], 0, **{NEW: -1})
                assert client.post("/api/jobs", files={"file": (f"第{i}镇.xlsx", data, "application/octet-stream")}).status_code == 201
            office = client.get("/office", params={"token": token}).text
    finally:
        assert "Traceback" not in server.stop()
    units, total = season()
    expected.update({20: "ok", 21: "ok", 23: "ok", 24: "ok", 25: "errors"})
    assert [units[n]["status"] for n in names] == [expected.get(i, "not_submitted") for i in range(30)]
    assert (units[names[21]]["counted"], len(units[names[21]]["superseded"])) == ("旧版年报.xlsx", 2)
    assert [f["path"] for f in units[names[20]]["other_years"]] == ["第20镇-2023.xlsx"]
    assert total == (sum(base + i for i in range(20)) + (base + 300) + sum(base + i for i in (20, 22, 23, 24)))
    # the office's page before the gateway's next poll: step 1 and the two uploads
    assert "应报 30 · 已报 25 · 通过 23 · 有错误 1 · 无法读取 1 · 未报 4 · 年度不符 1 · 未对应的文件 1" in office

    # reminders: the four that never sent, and unit 25 (errors) — nobody else
    capsys.readouterr()
    received = len(smtp.received)  # the gateway's replies (each accepted before its poll returned)
    assert main(["remind", str(out), "--roster", str(roster_path), "--config", str(config), "--send"]) == 0
    sent = {r.rcpt_tos[0]: r.message for r in smtp.wait(received + 5)[received:]}
    assert set(sent) == {f"zhen{i}@county.gov.cn" for i in (25, 26, 27, 28, 29)}
    assert "依申请公开!D6" in sent["zhen25@county.gov.cn"].get_body().get_content()
    assert all(list(m.iter_attachments()) for a, m in sent.items() if a != "zhen25@county.gov.cn"), "the blank workbook"


def test_a_person_pins_a_version_and_assigns_a_file(tmp_path, capsys):
    """nianbao season: --pin makes an older version count (the next batch run counts it, moves the newer
    aside and sums the pinned one); --assign gives a file that fit no unit to the unit a person names."""
    names = ["青山县白沙镇人民政府", "青山县黄土镇人民政府"]
    roster = _roster(tmp_path / "报送名单.xlsx", [(n, "", "") for n in names])
    inbox, out = tmp_path / "收件箱", tmp_path / "输出"
    _put(inbox, "白沙镇-第一版.xlsx", _version(names[0], 1), 1)
    _put(inbox, "白沙镇-第二版.xlsx", _version(names[0], 2), 2)
    _put(inbox, "年报.xlsx", _version("青山县黄土乡人民政府", 3), 1)  # a misspelt name: fits no unit
    run_batch(inbox, out, jobs=1, roster=read_roster(roster))
    assert _units(out / "summary.json")[names[0]]["counted"] == "白沙镇-第二版.xlsx"
    capsys.readouterr()
    assert main(["season", str(out), "--roster", str(roster), "--pin", f"{names[0]}=白沙镇-第一版.xlsx",
                 "--assign", f"年报.xlsx={names[1]}"]) == 0
    err = capsys.readouterr().err
    assert "已记录" in err and "应报 2 · 已报 2 · 通过 2" in err
    result = run_batch(inbox, out, jobs=1, roster=read_roster(roster), aggregate=True)
    units = _units(out / "summary.json")
    assert (units[names[0]]["counted"], units[names[0]]["pinned"], units[names[0]]["superseded"]) == (
        "白沙镇-第一版.xlsx", True, ["白沙镇-第二版.xlsx"])
    assert (units[names[1]]["counted"], units[names[1]]["matched_by"]) == ("年报.xlsx", "人工指定")
    base = openpyxl.load_workbook(PINGTAN)["依申请公开"]["D6"].value
    assert Decimal(result.aggregate["forms"]["2021"]["totals"]["table3"]["D4"]) == (base + 1) + (base + 3)
    assert main(["season", str(out), "--roster", str(roster), "--pin", "红星乡=年报.xlsx"]) == 2


def test_a_zip_inbox_counts_by_the_members_own_times(tmp_path):
    """An inbox sent as one .zip: each member's stored time
    decides which version is the latest, not its name or its place in the archive."""
    import zipfile

    names = ["青山县白沙镇人民政府"]
    roster = _roster(tmp_path / "报送名单.xlsx", [(n, "", "") for n in names])
    archive = tmp_path / "收件.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for member, extra, when in (("白沙镇-最终版.xlsx", 1, (2026, 1, 10, 9, 0, 0)), ("白沙镇.xlsx", 2, (2026, 1, 12, 9, 0, 0))):
            info = zipfile.ZipInfo(member, date_time=when)
            zf.writestr(info, _version(names[0], extra))
    run_batch(archive, tmp_path / "输出", jobs=1, roster=read_roster(roster))
    unit = _units(tmp_path / "输出" / "summary.json")[names[0]]
    assert (unit["counted"], unit["superseded"]) == ("白沙镇.xlsx", ["白沙镇-最终版.xlsx"])
    assert unit["received"].startswith("2026-01-12T09:00:00")


def test_versions_received_in_different_zones_compare_by_when_they_came():
    """A mail's Date keeps the sender's zone: 09:00 in +08:00 came before 03:00 in UTC."""
    roster = Roster([Unit("第0局")])
    recs = [Received("a", "mail", "早.xlsx", "2026-01-12T09:00:00+08:00", "ok", agency="第0局", year=2025),
            Received("b", "web", "晚.xlsx", "2026-01-12T03:00:00+00:00", "ok", agency="第0局", year=2025)]
    unit = compute(roster, recs, 2025).units[0]
    assert (unit.counted.path if unit.counted else None, [r.path for r in unit.superseded]) == ("晚.xlsx", ["早.xlsx"])

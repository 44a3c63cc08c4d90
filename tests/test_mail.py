"""nianbao mail, end to end against real servers on loopback: dovecot (IMAP, STARTTLS) holds the
clerks' messages, aiosmtpd (SMTP, STARTTLS) receives the gateway's replies."""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import docx
import openpyxl
import pytest

from nianbao.apps.cli import main
from nianbao.apps.mail import message as mailmsg
from nianbao.apps.mail.config import ConfigError, load_config
from nianbao.apps.mail.gateway import KEYWORD, Gateway, GatewayError, status_text

from mailservers import PASSWORD, USER, Dovecot, SmtpSink, dovecot_available, wait_until
from support import DAZHUANG, PINGTAN, agency_workbook, fill_disk

REQUIRE = os.environ.get("NIANBAO_REQUIRE_MAIL") == "1"
needs_dovecot = pytest.mark.skipif(not dovecot_available() and not REQUIRE,
                                   reason="dovecot not installed (.ci/run installs dovecot-imapd)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- configuration and message rules (no servers) ----------------------------------------------------

def _write_config(path: Path, imap_port: int = 143, smtp_port: int = 25, ca: str | None = None, folder: str = "INBOX",
                  extra_gateway: str = "", imap_extra: str = "", poll: float = 0.5, smtp_extra: str = "",
                  answer_since: str = "2000-01-01") -> Path:
    ca_line = f'ca_file = "{ca}"\n' if ca else ""
    path.write_text(f"""
[imap]
host = "127.0.0.1"
port = {imap_port}
security = "starttls"
user = "{USER}"
password_env = "NIANBAO_TEST_IMAP_PASSWORD"
folder = "{folder}"
{ca_line}{imap_extra}
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "starttls"
user = "nianbao@county.gov.cn"
from = "年报助手 <nianbao@county.gov.cn>"
{ca_line}{smtp_extra}
[gateway]
allowed_domains = ["county.gov.cn"]
{"answer_since = " + answer_since if answer_since else ""}
journal = "journal.sqlite"
poll_seconds = {poll}
max_message_mb = 1
contact = "县政务公开办 0000-1234567"
{extra_gateway}
""", encoding="utf-8")
    return path


def test_config_never_holds_a_password_and_refuses_plain_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", "x")
    cfg = load_config(_write_config(tmp_path / "ok.toml"))
    assert cfg.imap.password == "x" and cfg.journal == tmp_path / "journal.sqlite" and cfg.allowed_domains == ["county.gov.cn"]
    bad = tmp_path / "bad.toml"
    bad.write_text((tmp_path / "ok.toml").read_text("utf-8").replace('password_env = "NIANBAO_TEST_IMAP_PASSWORD"', 'password = "hunter2"'), "utf-8")
    with pytest.raises(ConfigError, match="不能直接写密码"):
        load_config(bad)
    plain = tmp_path / "plain.toml"
    plain.write_text((tmp_path / "ok.toml").read_text("utf-8").replace('security = "starttls"', 'security = "plain"', 1), "utf-8")
    with pytest.raises(ConfigError, match="allow_plain"):
        load_config(plain)
    monkeypatch.delenv("NIANBAO_TEST_IMAP_PASSWORD")
    with pytest.raises(ConfigError, match="NIANBAO_TEST_IMAP_PASSWORD"):
        load_config(tmp_path / "ok.toml")
    # and on the command line: a Chinese message, exit 3, no traceback
    assert main(["mail", "--config", str(tmp_path / "ok.toml"), "--once"]) == 3


def test_example_config_is_valid(tmp_path, monkeypatch, capsys):
    assert main(["mail", "--example-config"]) == 0
    text = capsys.readouterr().out
    (tmp_path / "example.toml").write_text(text, "utf-8")
    monkeypatch.setenv("NIANBAO_IMAP_PASSWORD", "a")
    monkeypatch.setenv("NIANBAO_SMTP_PASSWORD", "b")
    cfg = load_config(tmp_path / "example.toml")
    assert cfg.imap.security == "tls" and cfg.smtp.port == 465 and cfg.allowed_domains == ["example.gov.cn"]


def _msg(sender: str = "李明 <liming@xiang.county.gov.cn>", subject: str = "大庄乡2024年年报", attach: list[tuple[str, bytes]] | None = None,
         headers: dict[str, str] | None = None, body: str = "请帮忙生成年报，谢谢。") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "nianbao@county.gov.cn"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{time.time_ns()}.{os.getpid()}@xiang.county.gov.cn>"
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(body)
    for name, data in attach or []:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"X-Autoreply": "yes"},
    {"Precedence": "bulk"},
    {"Return-Path": "<>"},
    {"List-Id": "<notice.county.gov.cn>"},
])
def test_automatic_mail_is_recognised(headers):
    inc = mailmsg.parse_headers(_msg(headers=headers).as_bytes())
    assert mailmsg.automatic_reason(inc.headers)
    assert mailmsg.automatic_reason(mailmsg.parse_headers(_msg(sender="MAILER-DAEMON@county.gov.cn").as_bytes()).headers)
    assert mailmsg.automatic_reason(mailmsg.parse_headers(_msg().as_bytes()).headers) is None


def test_domains_and_gbk_attachment_names():
    assert mailmsg.domain_allowed("a@xiang.county.gov.cn", ["county.gov.cn"])
    assert not mailmsg.domain_allowed("a@evilcounty.gov.cn", ["county.gov.cn"])
    assert not mailmsg.domain_allowed("a@county.gov.cn.evil.com", ["county.gov.cn"])
    # Foxmail and older Outlook send RFC 2047 names in GBK; a path in the name is only a name
    raw = (b"From: a@county.gov.cn\r\nMessage-ID: <g@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           b"--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: application/octet-stream; name=\"=?GBK?B?tPPXr8/nLnhsc3g=?=\"\r\n"
           b"Content-Disposition: attachment; filename=\"=?GBK?B?tPPXr8/nLnhsc3g=?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBA==\r\n"
           b"--B\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"../../etc/x.png\"\r\n\r\nxx\r\n--B--\r\n")
    c = mailmsg.attachments(raw, 10)
    assert [a.name for a in c.workbooks] == ["大庄乡.xlsx"] and c.workbooks[0].data == b"PK\x03\x04"
    assert c.others == ["x.png"]


def test_a_servers_answer_is_shown_as_it_said_it():
    """What a server answered, as the person reads it in the log and in `--status`: one line, imaplib's
    bytes wrapping gone, and a word starting with "b" left whole (the old trimming lost its letter)."""
    import imaplib

    from nianbao.apps.mail.outbox import server_text

    assert server_text(imaplib.IMAP4.error(str(b"[AUTHENTICATIONFAILED] Authentication failed."))) == "[AUTHENTICATIONFAILED] Authentication failed."
    assert server_text(b"bad sender\r\n  address rejected") == "bad sender address rejected"
    assert server_text([b"NO [NONEXISTENT] Mailbox doesn't exist: INBOX.x", b""]) == "NO [NONEXISTENT] Mailbox doesn't exist: INBOX.x"
    assert server_text(TimeoutError()) == "TimeoutError" and len(server_text("x" * 500)) == 200


# --- end to end --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dovecot():
    if not dovecot_available():
        pytest.fail("dovecot is required here (NIANBAO_REQUIRE_MAIL=1)") if REQUIRE else pytest.skip("dovecot not installed")
    server = Dovecot()
    yield server
    server.stop()


@pytest.fixture
def smtp(dovecot):
    sink = SmtpSink(dovecot.cert, dovecot.key)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def config_with(dovecot, smtp, tmp_path, monkeypatch, request):
    """A gateway's config on the private servers, in a folder of the test's own, with extra [gateway] lines."""
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
    folder = "t" + str(abs(hash(request.node.name)) % 10**8)

    def make(extra_gateway: str = "") -> Path:
        return _write_config(tmp_path / "mail.toml", dovecot.port, smtp.port, str(dovecot.cert), folder, extra_gateway=extra_gateway)
    return make


@pytest.fixture
def gateway_config(config_with):
    return config_with()


def _poll(config: Path) -> int:
    gw = Gateway(load_config(config))
    try:
        return gw.poll()
    finally:
        gw.journal.close()


def _folder(config: Path) -> str:
    return load_config(config).imap.folder


def _attachments(msg: EmailMessage) -> dict[str, bytes]:
    return {p.get_filename(): p.get_content() for p in msg.iter_attachments()}


@needs_dovecot
def test_good_erroneous_and_unreadable_attachments_each_get_their_reply(dovecot, smtp, gateway_config, tmp_path):
    folder = _folder(gateway_config)
    wrong = openpyxl.load_workbook(PINGTAN)
    wrong["依申请公开"]["J6"] = 1
    buf = io.BytesIO()
    wrong.save(buf)
    good = _msg(attach=[("大庄乡年报.xlsx", DAZHUANG.read_bytes())])
    bad = _msg(sender="王芳 <wangfang@county.gov.cn>", subject="平潭", attach=[("平潭.xlsx", buf.getvalue())])
    unreadable = _msg(sender="zhao@county.gov.cn", subject="年报", attach=[("年报.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)])
    for m in (good, bad, unreadable):
        dovecot.deliver(folder, m)

    assert _poll(gateway_config) == 3
    replies = {r.rcpt_tos[0]: r.message for r in smtp.wait(3)}
    assert set(replies) == {"liming@xiang.county.gov.cn", "wangfang@county.gov.cn", "zhao@county.gov.cn"}

    ok = replies["liming@xiang.county.gov.cn"]
    assert ok["In-Reply-To"] == good["Message-ID"] and good["Message-ID"] in ok["References"]
    assert ok["Subject"] == "Re: 大庄乡2024年年报" and ok["Auto-Submitted"] == "auto-replied"
    assert "检查通过" in ok.get_body(("plain",)).get_content()
    assert "如有疑问，请联系：县政务公开办 0000-1234567" in ok.get_body(("plain",)).get_content()
    files = _attachments(ok)
    name = "大庄乡人民政府2024年政府信息公开工作年度报告.docx"
    assert list(files) == [name]
    document = docx.Document(io.BytesIO(files[name]))
    assert "大庄乡人民政府2024年政府信息公开工作年度报告" in document.paragraphs[0].text.replace("\n", "")

    err = replies["wangfang@county.gov.cn"]
    text = err.get_body(("plain",)).get_content()
    assert "未生成报告" in text and "依申请公开!J6" in text
    files = _attachments(err)
    assert list(files) == ["平潭-标注.xlsx"]
    marked = openpyxl.load_workbook(io.BytesIO(files["平潭-标注.xlsx"]))
    assert "校验结果" in marked.sheetnames and marked["依申请公开"]["J6"].comment is not None

    unr = replies["zhao@county.gov.cn"]
    text = unr.get_body(("plain",)).get_content()
    assert "无法读取" in text and ".xlsx" in text
    assert "年报填报模板.xlsx" in _attachments(unr)

    # everything answered is marked; a second poll sends nothing more
    assert all(KEYWORD in f and "\\Seen" in f for f in dovecot.flags(folder))
    assert _poll(gateway_config) == 0 and len(smtp.received) == 3


@needs_dovecot
def test_no_attachment_huge_foreign_and_automatic_mail(dovecot, smtp, gateway_config):
    folder = _folder(gateway_config)
    dovecot.deliver(folder, _msg(subject="没有附件"))
    dovecot.deliver(folder, _msg(sender="big@county.gov.cn", attach=[("大.xlsx", os.urandom(1_300_000))]))
    dovecot.deliver(folder, _msg(sender="someone@gmail.com", attach=[("x.xlsx", DAZHUANG.read_bytes())]))
    dovecot.deliver(folder, _msg(subject="自动回复：我正在休假", headers={"Auto-Submitted": "auto-replied"}))
    dovecot.deliver(folder, _msg(sender="MAILER-DAEMON@county.gov.cn", subject="Undelivered Mail Returned to Sender", headers={"Return-Path": "<>"}))
    dovecot.deliver(folder, _msg(sender="nianbao@county.gov.cn", subject="Re: 我们自己的回复"))

    assert _poll(gateway_config) == 6
    replies = {r.rcpt_tos[0]: r.message for r in smtp.wait(2, timeout=5)}
    assert set(replies) == {"liming@xiang.county.gov.cn", "big@county.gov.cn"}, "only the two that deserve an answer"
    assert "没有找到工作簿" in replies["liming@xiang.county.gov.cn"].get_body(("plain",)).get_content()
    assert "年报填报模板.xlsx" in _attachments(replies["liming@xiang.county.gov.cn"])
    assert "超过了本邮箱处理的上限" in replies["big@county.gov.cn"].get_body(("plain",)).get_content()
    flags = dovecot.flags(folder)
    assert all(KEYWORD in f for f in flags)
    assert sum("\\Seen" in f for f in flags) == 2, "mail we did not answer stays unread for a person"
    db = sqlite3.connect(load_config(gateway_config).journal)
    outcomes = sorted(r[0] for r in db.execute("SELECT outcome FROM messages"))
    assert outcomes == ["ignored-auto", "ignored-auto", "ignored-domain", "ignored-self", "replied-no-attachment", "replied-too-large"]


@needs_dovecot
def test_smtp_down_the_reply_waits_and_is_sent_once_later(dovecot, smtp, gateway_config, capsys):
    folder = _folder(gateway_config)
    dovecot.deliver(folder, _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    smtp.before_accept = lambda n: "451 4.3.0 try again later" if n == 1 else None
    assert _poll(gateway_config) == 0
    assert smtp.received == [] and not any(KEYWORD in f for f in dovecot.flags(folder)), "not marked before the reply is sent"
    assert main(["mail", "--config", str(gateway_config), "--status"]) == 0
    assert "回复待发送" in capsys.readouterr().out
    assert _poll(gateway_config) == 1 and _poll(gateway_config) == 0
    assert len(smtp.received) == 1 and smtp.attempts == 2


@needs_dovecot
def test_gateway_killed_between_conversion_and_reply_answers_exactly_once(dovecot, smtp, gateway_config, tmp_path, capsys):
    """The gateway process is killed (SIGKILL) while its reply is in flight; after a restart the clerk
    gets exactly one reply, and the journal tells the story."""
    folder = _folder(gateway_config)
    incoming = _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())])
    dovecot.deliver(folder, incoming)
    procs: list[subprocess.Popen] = []

    def kill_gateway(n: int) -> str | None:
        if n == 1:
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait(10)
            return "421 4.3.0 connection lost"
        return None

    smtp.before_accept = kill_gateway
    env = dict(os.environ, NIANBAO_TEST_IMAP_PASSWORD=PASSWORD)
    cmd = [sys.executable, "-m", "nianbao", "mail", "--config", str(gateway_config)]
    procs.append(subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE))
    assert procs[0].wait(60) == -signal.SIGKILL
    assert smtp.received == [] and not any(KEYWORD in f for f in dovecot.flags(folder))

    again = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    try:
        assert wait_until(lambda: any(KEYWORD in f for f in dovecot.flags(folder)), 60)
        time.sleep(1.5)  # three more polls: nothing more may be sent
    finally:
        again.send_signal(signal.SIGTERM)
        _, err = again.communicate(timeout=20)
    assert again.returncode == 0 and "邮件网关已停止" in err.decode()
    assert len(smtp.received) == 1 and smtp.attempts == 2
    assert smtp.received[0].message["In-Reply-To"] == incoming["Message-ID"]
    assert main(["mail", "--config", str(gateway_config), "--status"]) == 0
    status = capsys.readouterr().out
    assert "liming@xiang.county.gov.cn" in status and "大庄乡.xlsx（通过）" in status and "已回复报告" in status and "完成" in status


@pytest.mark.slow
@needs_dovecot
def test_time_from_arrival_to_reply(dovecot, smtp, gateway_config):
    """The running gateway (polling every 0.5 s here) answers a good workbook well within the minute the
    clerks are promised; the figure goes into the closing note, the bound here is generous."""
    folder = _folder(gateway_config)
    env = dict(os.environ, NIANBAO_TEST_IMAP_PASSWORD=PASSWORD)
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "mail", "--config", str(gateway_config)], env=env, stderr=subprocess.PIPE)
    try:
        time.sleep(2)  # started and idle
        sent = time.time()
        dovecot.deliver(folder, _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
        got = smtp.wait(1, timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert len(got) == 1
    print(f"\narrival -> reply: {got[0].at - sent:.2f} s")
    assert got[0].at - sent < 60


HOSTILE = [
    # 8-bit bytes in the headers, an unknown charset
    b"From: \xc0\xee\xc3\xf7 <odd@county.gov.cn>\r\nSubject: \xc4\xea\xb1\xa8\r\nMessage-ID: <h1@county.gov.cn>\r\n"
    b"Content-Type: text/plain; charset=nonexistent\r\n\r\n\xff\xfe\r\n",
    # multipart without a boundary
    b"From: odd2@county.gov.cn\r\nMessage-ID: <h2@county.gov.cn>\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n",
    # an attachment whose base64 is broken and whose name is in an unknown charset
    b"From: odd3@county.gov.cn\r\nMessage-ID: <h3@county.gov.cn>\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n"
    b"Content-Disposition: attachment; filename=\"=?x-unknown?B?5aSn?=.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n--X--\r\n",
]


@needs_dovecot
def test_malformed_messages_are_answered_and_never_stop_the_mailbox(dovecot, smtp, gateway_config):
    folder = _folder(gateway_config)
    for raw in HOSTILE:
        dovecot.deliver(folder, raw)
    dovecot.deliver(folder, _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    assert _poll(gateway_config) == 4
    replies = {r.rcpt_tos[0]: r.message for r in smtp.wait(4)}
    assert set(replies) == {"odd@county.gov.cn", "odd2@county.gov.cn", "odd3@county.gov.cn", "liming@xiang.county.gov.cn"}
    assert "没有找到工作簿" in replies["odd2@county.gov.cn"].get_body(("plain",)).get_content()
    assert "无法读取" in replies["odd3@county.gov.cn"].get_body(("plain",)).get_content()
    assert "检查通过" in replies["liming@xiang.county.gov.cn"].get_body(("plain",)).get_content()


@needs_dovecot
def test_a_bug_of_ours_is_answered_politely_and_logged(dovecot, smtp, gateway_config, monkeypatch, caplog):
    def broken(self, incoming, raw):
        raise KeyError("boom")

    monkeypatch.setattr(Gateway, "_answer", broken)
    folder = _folder(gateway_config)
    dovecot.deliver(folder, _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    assert _poll(gateway_config) == 1
    [reply] = smtp.wait(1)
    assert "未能自动处理" in reply.message.get_body(("plain",)).get_content()
    assert "程序出错（KeyError" in caplog.text and "Traceback" not in caplog.text
    db = sqlite3.connect(load_config(gateway_config).journal)
    assert [r[0] for r in db.execute("SELECT outcome FROM messages")] == ["internal-error"]


@needs_dovecot
def test_many_workbooks_in_one_message(dovecot, smtp, gateway_config):
    folder = _folder(gateway_config)
    books = [(f"{i}.xlsx", agency_workbook(f"第{i}测试镇人民政府")) for i in range(12)]
    dovecot.deliver(folder, _msg(attach=[books[0], ("再发一次.xlsx", books[0][1]), *books[1:]]))
    assert _poll(gateway_config) == 1
    [reply] = smtp.wait(1)
    text = reply.message.get_body(("plain",)).get_content()
    assert text.count("检查通过") == 10 and "“10.xlsx”、“11.xlsx”" in text
    assert "“再发一次.xlsx”与“0.xlsx”内容完全相同" in text
    names = list(_attachments(reply.message))
    assert len(names) == 10 and all(n.startswith(f"第{i}测试镇") for i, n in enumerate(names))


def test_reports_with_the_same_name_are_all_attached():
    files = [("a.docx", b"1", "x/y"), ("a.docx", b"1", "x/y"), ("a.docx", b"2", "x/y"), ("a.docx", b"3", "x/y")]
    assert [n for n, _, _ in mailmsg._distinct(files)] == ["a.docx", "a（2）.docx", "a（3）.docx"]


@needs_dovecot
def test_implicit_tls_pdf_replies_and_the_certificate_is_checked(dovecot, smtp, gateway_config, tmp_path, capsys):
    """IMAP over TLS (port 993 style) works, a server whose certificate we cannot verify is refused with
    a Chinese message, and configured formats (PDF) come along with the report."""
    text = gateway_config.read_text("utf-8")
    tls = tmp_path / "tls.toml"
    tls.write_text(text.replace(f"port = {load_config(gateway_config).imap.port}", f"port = {dovecot.tls_port}", 1)
                   .replace('security = "starttls"', 'security = "tls"', 1)
                   .replace("max_message_mb = 1", 'max_message_mb = 1\nformats = ["docx", "pdf"]'), "utf-8")
    folder = _folder(tls)
    dovecot.deliver(folder, _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    if shutil.which("soffice") or os.environ.get("NIANBAO_REQUIRE_SOFFICE") == "1":
        assert _poll(tls) == 1
        [reply] = smtp.wait(1)
        files = _attachments(reply.message)
        assert sorted(files) == ["大庄乡人民政府2024年政府信息公开工作年度报告.docx", "大庄乡人民政府2024年政府信息公开工作年度报告.pdf"]
        assert files["大庄乡人民政府2024年政府信息公开工作年度报告.pdf"].startswith(b"%PDF")
    untrusted = tmp_path / "untrusted.toml"
    untrusted.write_text("\n".join(line for line in tls.read_text("utf-8").splitlines() if not line.startswith("ca_file")), "utf-8")
    capsys.readouterr()
    assert main(["mail", "--config", str(untrusted), "--once"]) == 3
    err = capsys.readouterr().err
    assert "无法登录收件服务器" in err and "CERTIFICATE_VERIFY_FAILED" in err, err


def test_unreachable_server_is_a_clear_failure(tmp_path, monkeypatch, capsys):
    from mailservers import free_port

    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", "x")
    cfg = _write_config(tmp_path / "down.toml", imap_port=free_port())
    assert main(["mail", "--config", str(cfg), "--once"]) == 3
    err = capsys.readouterr().err
    assert "无法登录收件服务器 127.0.0.1" in err and "Traceback" not in err


def test_messages_name_the_file_as_the_sender_did(tmp_path):
    from nianbao.apps.kernel import staging_path
    from nianbao.conversion import convert as convert_file

    path = staging_path(tmp_path / "00", "../各乡镇/年报.xls")
    assert path.parent == tmp_path / "00" and path.name == "年报.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    conv = convert_file(path, "年报.xls")
    assert conv.status == "unreadable" and "“年报.xls”是旧版" in conv.report.errors[0].message


@needs_dovecot
def test_a_second_gateway_on_the_same_journal_refuses_to_start(dovecot, smtp, gateway_config, capsys):
    env = dict(os.environ, NIANBAO_TEST_IMAP_PASSWORD=PASSWORD)
    first = subprocess.Popen([sys.executable, "-m", "nianbao", "mail", "--config", str(gateway_config)], env=env, stderr=subprocess.PIPE)
    try:
        time.sleep(2)
        assert first.poll() is None
        assert main(["mail", "--config", str(gateway_config)]) == 3
        assert "另一个邮件网关正在使用处理记录" in capsys.readouterr().err
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=20)


# --- faults and attacks: one bad message never stops the mailbox (issue: gateway under attack) ------------

def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode("utf-8")).decode()


def _raw(sender: str, subject: str, message_id: str, body: str = "请处理。") -> bytes:
    return (f"From: {sender}\r\nTo: nianbao@county.gov.cn\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


@needs_dovecot
def test_encoded_line_breaks_in_headers_are_answered_without_injection(dovecot, smtp, gateway_config):
    folder = _folder(gateway_config)
    subject, message_id = _b64("年报\r\nBcc: victim@else.com"), _b64("<x1@county.gov.cn>\r\nBcc: v@else.com")
    dovecot.deliver(folder, _raw("a@county.gov.cn", f"=?UTF-8?B?{subject}?=", f"=?UTF-8?B?{message_id}?="))
    dovecot.deliver(folder, _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    assert _poll(gateway_config) == 2
    replies = {r.rcpt_tos[0]: r for r in smtp.wait(2)}
    assert set(replies) == {"a@county.gov.cn", "liming@xiang.county.gov.cn"}
    odd = replies["a@county.gov.cn"].message
    assert "\n" not in odd["Subject"] and "Bcc" not in odd.keys() and odd["Subject"].startswith("Re: 年报")


@needs_dovecot
def test_a_message_that_keeps_failing_is_quarantined_and_the_rest_goes_on(dovecot, smtp, gateway_config, monkeypatch):
    folder = _folder(gateway_config)
    real = Gateway._decide

    def poisoned(self, imap, uid, incoming, size):
        if "毒" in incoming.subject:
            raise RuntimeError("boom\r\nforged log line")
        return real(self, imap, uid, incoming, size)

    monkeypatch.setattr(Gateway, "_decide", poisoned)
    dovecot.deliver(folder, _raw("a@county.gov.cn", f"=?UTF-8?B?{_b64('毒')}?=", "<poison@county.gov.cn>"))
    for _ in range(3):
        assert _poll(gateway_config) == 0
    assert "$NianbaoQuarantine" in " ".join(dovecot.flags(folder))
    dovecot.deliver(folder, _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    assert _poll(gateway_config) == 1  # the quarantined message is not tried again
    assert [r.rcpt_tos[0] for r in smtp.wait(1)] == ["liming@xiang.county.gov.cn"]
    status = status_text(load_config(gateway_config).journal)
    assert "已隔离" in status


@needs_dovecot
def test_the_address_is_read_before_the_display_name_is_decoded(dovecot, smtp, gateway_config):
    folder = _folder(gateway_config)
    spoof = f'=?UTF-8?B?{_b64(chr(60) + chr(34) + "boss@county.gov.cn" + chr(34) + chr(62))}?= <evil@gmail.com>'
    dovecot.deliver(folder, _raw(spoof, "年报", "<spoof@gmail.com>"))
    dovecot.deliver(folder, _raw(f"=?UTF-8?B?{_b64('王芳, 县办公室')}?= <wangfang@county.gov.cn>", "年报", "<wf@county.gov.cn>"))
    assert _poll(gateway_config) == 2
    assert [r.rcpt_tos[0] for r in smtp.wait(1, timeout=5)] == ["wangfang@county.gov.cn"]
    db = sqlite3.connect(load_config(gateway_config).journal)
    assert ("evil@gmail.com", "ignored-domain") in set(db.execute("SELECT sender, outcome FROM messages"))


@needs_dovecot
def test_vacation_responders_without_headers_and_the_hourly_limit(dovecot, smtp, config_with):
    config = config_with("max_replies_per_hour = 2")
    folder = _folder(config)
    dovecot.deliver(folder, _raw("a@county.gov.cn", f"=?UTF-8?B?{_b64('自动回复：年报')}?=", "<v1@county.gov.cn>"))
    dovecot.deliver(folder, _raw("a@county.gov.cn", "Re: 年报", "<v2@county.gov.cn>", "您好，我正在休假，1月5日返回。"))
    dovecot.deliver(folder, _raw("a@county.gov.cn", "Out of Office: 年报", "<v3@county.gov.cn>"))
    for n in range(3):
        dovecot.deliver(folder, _raw("b@county.gov.cn", "年报", f"<b{n}@county.gov.cn>"))
    assert _poll(config) == 5, "the third of b's messages waits: the limit defers, it does not drop"
    assert sorted(r.rcpt_tos[0] for r in smtp.wait(2, timeout=5)) == ["b@county.gov.cn", "b@county.gov.cn"]
    db = sqlite3.connect(load_config(config).journal)
    outcomes = sorted(o for (o,) in db.execute("SELECT outcome FROM messages"))
    assert outcomes.count("ignored-auto") == 3 and "ignored-rate" not in outcomes
    assert sum(KEYWORD in f for f in dovecot.flags(folder)) == 5, "the waiting message is not marked done"
    assert "等待中 1 封" in status_text(load_config(config).journal)
    assert _poll(config) == 0 and len(smtp.received) == 2, "still within the hour"
    with db:  # an hour later
        db.execute("UPDATE messages SET converted = converted - 3601, received = received - 3601")
    assert _poll(config) == 1
    assert [r.rcpt_tos[0] for r in smtp.wait(3, timeout=5)][2:] == ["b@county.gov.cn"]
    assert "等待中" not in status_text(load_config(config).journal)


@needs_dovecot
def test_a_waiting_message_a_person_deletes_is_no_longer_listed_as_waiting(dovecot, smtp, config_with):
    config = config_with("max_replies_per_hour = 1")
    folder = _folder(config)
    dovecot.deliver(folder, _raw("b@county.gov.cn", "年报", "<g1@county.gov.cn>"))
    dovecot.deliver(folder, _raw("b@county.gov.cn", "年报（第二版）", "<g2@county.gov.cn>"))
    assert _poll(config) == 1
    assert "等待中 1 封" in status_text(load_config(config).journal)
    m = dovecot.client()
    try:  # the clerk phoned instead; the county office deletes her second mail
        m.select(f'"{folder}"')
        typ, data = m.uid("SEARCH", "HEADER", "Message-ID", "g2@county.gov.cn")
        assert typ == "OK" and data[0]
        m.uid("STORE", data[0].decode(), "+FLAGS", "(\\Deleted)")
        m.expunge()
    finally:
        m.logout()
    assert _poll(config) == 0
    assert "等待中" not in status_text(load_config(config).journal), "nothing waits for a message that is gone"
    assert len(smtp.received) == 1


@needs_dovecot
def test_a_reused_message_id_from_someone_else_is_answered(dovecot, smtp, gateway_config):
    folder = _folder(gateway_config)
    dovecot.deliver(folder, _raw("a@county.gov.cn", "年报", "<same@id>"))
    assert _poll(gateway_config) == 1
    dovecot.deliver(folder, _raw("b@county.gov.cn", "年报", "<same@id>"))
    assert _poll(gateway_config) == 1
    assert sorted(r.rcpt_tos[0] for r in smtp.wait(2)) == ["a@county.gov.cn", "b@county.gov.cn"]


def test_a_child_of_a_killed_gateway_does_not_keep_the_lock(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", "x")
    cfg = load_config(_write_config(tmp_path / "m.toml"))
    first = Gateway(cfg)
    fd = first._lock()
    pid = os.fork()
    if pid == 0:  # a conversion child, still running when its parent is gone
        time.sleep(3)
        os._exit(0)
    try:
        os.close(fd)  # the parent is gone (its descriptors closed), the child lives on
        second = Gateway(cfg)
        os.close(second._lock())  # a flock() lock inherited by the child would refuse this
        second.journal.close()
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        first.journal.close()


def test_staged_attachments_of_a_killed_run_are_removed_at_start(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", "x")
    cfg = load_config(_write_config(tmp_path / "m.toml"))
    gw = Gateway(cfg)
    left = gw.staging / "message-x" / "00" / "大庄乡.xlsx"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"a clerk's workbook")
    with pytest.raises(GatewayError):  # no server to poll: the start still cleans up
        gw.run(once=True)
    assert not gw.staging.exists()


@needs_dovecot
def test_a_reply_of_unknown_outcome_is_sent_again_and_said_so(dovecot, smtp, gateway_config):
    """A kill between DATA and the server's answer leaves the journal at "sending": the next run sends the
    reply again with the same Message-ID and --status says the outcome was unknown."""
    folder = _folder(gateway_config)
    dovecot.deliver(folder, _raw("a@county.gov.cn", "年报", "<unknown@county.gov.cn>"))
    cfg = load_config(gateway_config)
    real = Gateway._send

    def killed_mid_send(self, sender, key, to, data):
        self.journal.mark_sending(key)  # as far as a kill during DATA lets it get
        return False

    Gateway._send = killed_mid_send  # type: ignore[method-assign]
    try:
        assert _poll(gateway_config) == 0
    finally:
        Gateway._send = real  # type: ignore[method-assign]
    assert _poll(gateway_config) == 1
    [reply] = smtp.wait(1)
    assert reply.message["Message-ID"].startswith("<nianbao.")
    assert "结果不明，已重发" in status_text(cfg.journal)


@pytest.mark.slow
@needs_dovecot
def test_chaos_kills_and_an_smtp_outage_lose_nothing_and_duplicate_only_what_is_listed(dovecot, smtp, gateway_config, tmp_path):
    """A few dozen mixed messages; the gateway killed with SIGKILL at random moments 20 times and
    restarted; the SMTP server refusing for a while. Every message that deserves a reply gets exactly
    one, except replies the journal lists as of unknown outcome; nothing goes to a stranger or a robot;
    nothing staged is left behind."""
    import random

    rng = random.Random(2024)
    folder = _folder(gateway_config)
    expected: dict[str, int] = {}
    for i in range(28):
        kind = i % 7
        if kind in (0, 1, 2):
            msg = _msg(sender=f"clerk{i}@xiang.county.gov.cn", attach=[(f"乡{i}.xlsx", DAZHUANG.read_bytes())])
            expected[f"clerk{i}@xiang.county.gov.cn"] = 1
        elif kind == 3:
            msg = _msg(sender=f"plain{i}@county.gov.cn")  # no attachment: answered with the template
            expected[f"plain{i}@county.gov.cn"] = 1
        elif kind == 4:
            msg = _msg(sender=f"stranger{i}@gmail.com", attach=[("x.xlsx", DAZHUANG.read_bytes())])
        elif kind == 5:
            msg = _msg(sender=f"away{i}@county.gov.cn", subject="自动回复：年报")
        else:
            msg = _msg(sender=f"bot{i}@county.gov.cn", headers={"Auto-Submitted": "auto-replied"})
        dovecot.deliver(folder, msg)

    refusing = {"until": 0.0}
    smtp.before_accept = lambda n: "451 4.3.0 try again later" if time.monotonic() < refusing["until"] else None
    env = dict(os.environ, NIANBAO_TEST_IMAP_PASSWORD=PASSWORD)
    cmd = [sys.executable, "-m", "nianbao", "mail", "--config", str(gateway_config)]
    kills = 0
    for round_no in range(20):
        if round_no == 8:
            refusing["until"] = time.monotonic() + 4  # the SMTP server down for a while
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        kills += 1
    final = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)
    try:
        deserving = len(expected)
        assert wait_until(lambda: len({r.rcpt_tos[0] for r in smtp.received}) >= deserving, 120)
        time.sleep(2)  # more polls: nothing more may be sent
    finally:
        final.send_signal(signal.SIGTERM)
        final.communicate(timeout=30)
    cfg = load_config(gateway_config)
    db = sqlite3.connect(cfg.journal)
    uncertain = {s for s, u in db.execute("SELECT sender, uncertain FROM messages") if u}
    got: dict[str, int] = {}
    for r in smtp.received:
        got[r.rcpt_tos[0]] = got.get(r.rcpt_tos[0], 0) + 1
    assert set(got) == set(expected), "every deserving sender answered, nobody else"
    duplicates = {who for who, n in got.items() if n > 1}
    assert duplicates <= uncertain, f"duplicates not listed as unknown: {duplicates - uncertain}"
    assert kills == 20
    left = subprocess.run(["pgrep", "-f", f"nianbao mail --config {gateway_config}"], capture_output=True, text=True).stdout.split()
    assert left == [], "no gateway or conversion child outlives its kill"
    staging = cfg.journal.parent / (cfg.journal.name + ".staging")
    assert not staging.exists() or not any(staging.rglob("*.xlsx")), "nothing of the clerks' left staged"
    print(f"chaos: {len(expected)} deserving of 28 messages, {kills} kills, {len(smtp.received)} replies, "
          f"{len(duplicates)} duplicates (all listed as unknown: {sorted(uncertain)})")


# --- round 2: refusing servers, several gateways, first start, hostile shapes (issue 25) ------------------

def _own_sink(dovecot: Dovecot, **options: object) -> SmtpSink:
    sink = SmtpSink(dovecot.cert, dovecot.key, **options)  # type: ignore[arg-type]
    sink.start()
    return sink


def _config_for(dovecot: Dovecot, sink: SmtpSink, tmp_path: Path, name: str, **kw: object) -> Path:
    folder = name + str(time.time_ns() % 10**8)
    return _write_config(tmp_path / f"{name}.toml", dovecot.port, sink.port, str(dovecot.cert), folder, **kw)  # type: ignore[arg-type]


def _replied_ids(sink: SmtpSink) -> list[str]:
    return sorted(r.message["In-Reply-To"] for r in sink.received)


REFUSALS = {
    "expired-password": ({"password": "right"}, {}, "拒绝登录"),
    "auth-required-no-password": ({}, {"mail_answer": "530 5.7.0 Authentication required"}, "要求先登录"),
    "sender-refused": ({}, {"mail_answer": "553 5.7.1 <nianbao@county.gov.cn>: Sender address rejected"}, "不接受发件人地址"),
    "temporary-at-rcpt": ({}, {"rcpt_answer": "451 4.7.1 Greylisted, try again"}, None),
}


@needs_dovecot
@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refusing_account_loses_no_reply_and_says_so(dovecot, tmp_path, monkeypatch, case, caplog):
    """The account is refused (or the server says "later"): nothing is marked done, --status says what is
    wrong, and once the account works every clerk is answered exactly once."""
    sink_options, answers, said = REFUSALS[case]
    sink = _own_sink(dovecot, **sink_options)
    try:
        monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
        monkeypatch.setenv("NIANBAO_TEST_SMTP_PASSWORD", "expired")
        config = _config_for(dovecot, sink, tmp_path, "refuse", extra_gateway="notify_mailbox = true",
                             smtp_extra='password_env = "NIANBAO_TEST_SMTP_PASSWORD"\n' if "password" in sink_options else "")
        folder = _folder(config)
        sent = [_msg(sender=f"clerk{i}@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]) for i in range(3)]
        for m in sent:
            dovecot.deliver(folder, m)
        if "mail_answer" in answers:
            sink.mail_answer = lambda _a: str(answers["mail_answer"])
        if "rcpt_answer" in answers:
            sink.rcpt_answer = lambda _a: str(answers["rcpt_answer"])
        assert _poll(config) == 0 and _poll(config) == 0
        assert sink.received == [] and not any(KEYWORD in f and "\\Flagged" not in f for f in dovecot.flags(folder)), \
            "nothing is done that was not sent"
        status = status_text(load_config(config).journal)
        assert "回复待发送" in status and "被拒收" not in status
        flags = dovecot.flags(folder)
        if said:
            assert "发件账户有问题" in status and said in status
            assert sink.mails <= 2 or "password" in sink_options, "an account refused once is not tried for every reply"
            # the office hears of it in the mailbox itself, once (IMAP works while SMTP does not)
            assert len(flags) == 4 and sum("\\Flagged" in f and KEYWORD in f for f in flags) == 1
        else:
            assert len(flags) == 3
        # the office mends it: every clerk is answered, once
        sink.mail_answer = sink.rcpt_answer = None
        monkeypatch.setenv("NIANBAO_TEST_SMTP_PASSWORD", "right")
        assert _poll(config) == 3 and _poll(config) == 0
        assert _replied_ids(sink) == sorted(m["Message-ID"] for m in sent), "each clerk exactly once"
        assert "发件账户有问题" not in status_text(load_config(config).journal)
    finally:
        sink.stop()


@needs_dovecot
def test_a_recipient_refused_for_good_is_listed_for_a_person(dovecot, smtp, gateway_config):
    folder = _folder(gateway_config)
    dovecot.deliver(folder, _msg(sender="gone@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    dovecot.deliver(folder, _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    smtp.rcpt_answer = lambda a: "550 5.1.1 <gone@county.gov.cn>: Recipient address rejected: User unknown" if a.startswith("gone") else None
    assert _poll(gateway_config) == 2
    assert [r.rcpt_tos[0] for r in smtp.received] == ["liming@xiang.county.gov.cn"]
    status = status_text(load_config(gateway_config).journal)
    assert "需要人工联系 1 封：gone@county.gov.cn" in status and "User unknown" in status


@needs_dovecot
def test_a_failed_journal_write_leaves_no_half_transaction(dovecot, smtp, gateway_config, monkeypatch):
    """The journal cannot take "sending" for the first reply (between RCPT and DATA): the connection is
    reset, the next clerk's reply goes out, and the first one goes out at the next poll."""
    from nianbao.apps.mail.journal import Journal

    folder = _folder(gateway_config)
    first, second = (_msg(sender=f"c{i}@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]) for i in range(2))
    dovecot.deliver(folder, first)
    dovecot.deliver(folder, second)
    original = Journal.mark_sending
    calls = []

    def failing(self: Journal, key: str) -> bool:
        calls.append(key)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return original(self, key)

    monkeypatch.setattr(Journal, "mark_sending", failing)
    assert _poll(gateway_config) == 1
    assert [r.message["In-Reply-To"] for r in smtp.received] == [second["Message-ID"]]
    assert _poll(gateway_config) == 1
    assert _replied_ids(smtp) == sorted([first["Message-ID"], second["Message-ID"]])


@needs_dovecot
@pytest.mark.parametrize("how", ["announced", "at-data"])
def test_a_reply_too_large_for_the_server_goes_without_its_attachments(dovecot, tmp_path, monkeypatch, how):
    sink = _own_sink(dovecot, size_limit=20_000) if how == "announced" else _own_sink(dovecot)
    if how == "at-data":
        sink.before_accept = lambda n: "552 5.3.4 Message size exceeds fixed limit" if n == 1 else None
    try:
        monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
        config = _config_for(dovecot, sink, tmp_path, "size")
        wrong = openpyxl.load_workbook(PINGTAN)
        wrong["依申请公开"]["J6"] = 1
        buf = io.BytesIO()
        wrong.save(buf)
        dovecot.deliver(_folder(config), _msg(attach=[("平潭.xlsx", buf.getvalue())]))
        assert _poll(config) == 1
        (reply,) = sink.wait(1, timeout=5)
        text = reply.message.get_body(("plain",)).get_content()
        assert "依申请公开!J6" in text and "附件未能随信发送" in text and "平潭-标注.xlsx" in text
        assert _attachments(reply.message) == {} and "县政务公开办 0000-1234567" in text
    finally:
        sink.stop()


@needs_dovecot
def test_forged_mail_in_a_clerks_name_neither_is_answered_nor_silences_her(dovecot, smtp, tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
    config = _config_for(dovecot, smtp, tmp_path, "forged", extra_gateway="max_replies_per_hour = 3")
    folder = _folder(config)
    forged = "mx.county.gov.cn; spf=fail smtp.mailfrom=wangfang@county.gov.cn; dkim=none; dmarc=fail header.from=county.gov.cn"
    for _ in range(10):
        dovecot.deliver(folder, _msg(sender="wangfang@county.gov.cn", attach=[("x.xlsx", DAZHUANG.read_bytes())],
                                     headers={"Authentication-Results": forged}))
    real = _msg(sender="wangfang@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())],
                headers={"Authentication-Results": "mx.county.gov.cn; spf=pass smtp.mailfrom=wangfang@county.gov.cn; dmarc=pass"})
    dovecot.deliver(folder, real)
    assert _poll(config) == 11
    assert _replied_ids(smtp) == [real["Message-ID"]]
    outcomes = [o for (o,) in sqlite3.connect(load_config(config).journal).execute("SELECT outcome FROM messages")]
    assert outcomes.count("ignored-forged") == 10


@needs_dovecot
def test_disk_full_answers_nobody_wrongly_and_everybody_once_space_is_back(dovecot, smtp, tmp_path, monkeypatch, small_disk, caplog):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
    config = _config_for(dovecot, smtp, tmp_path, "full", extra_gateway="")
    config.write_text(config.read_text("utf-8").replace('journal = "journal.sqlite"', f'journal = "{small_disk}/journal.sqlite"'), "utf-8")
    folder = _folder(config)
    dovecot.deliver(folder, _msg(sender="nianbao@county.gov.cn", subject="Re: 我们自己的回复"))
    assert _poll(config) == 1  # the folder and the journal exist (our own mail: not answered)
    filler = fill_disk(small_disk, leave=150_000)
    sent = [_msg(sender=f"c{i}@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]) for i in range(3)]
    for m in sent:
        dovecot.deliver(folder, m)
    for _ in range(2):
        with pytest.raises(GatewayError, match="磁盘空间不足"):
            _poll(config)
    assert all("程序出错" not in r.message.get_body(("plain",)).get_content() for r in smtp.received)
    answered_while_full = _replied_ids(smtp)
    filler.unlink()
    _poll(config)
    _poll(config)
    assert _replied_ids(smtp) == sorted(m["Message-ID"] for m in sent), "each clerk exactly once"
    assert all(KEYWORD in f for f in dovecot.flags(folder))
    assert len(answered_while_full) <= 3


@needs_dovecot
def test_first_start_answers_only_mail_that_arrives_after_it(dovecot, smtp, tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
    config = _config_for(dovecot, smtp, tmp_path, "first", answer_since="")
    folder = _folder(config)
    for i in range(4):  # last year's mail, already read by a person
        dovecot.deliver(folder, _msg(sender=f"old{i}@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    time.sleep(1.1)  # the server's arrival times are to the second
    assert _poll(config) == 0 and smtp.received == []
    assert not any(KEYWORD in f for f in dovecot.flags(folder)), "old mail is left untouched"
    new = _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())])
    dovecot.deliver(folder, new)
    assert _poll(config) == 1 and _replied_ids(smtp) == [new["Message-ID"]]
    # a date in the configuration instead
    dated = config.read_text("utf-8").replace("[gateway]", "[gateway]\nanswer_since = 2000-01-01")
    config.write_text(dated.replace('journal = "journal.sqlite"', 'journal = "journal2.sqlite"'), "utf-8")
    assert _poll(config) == 4  # a fresh journal and a date long ago: the 4 old ones (the new one is marked done)


@pytest.mark.slow
@needs_dovecot
def test_two_gateways_on_one_mailbox_answer_each_message_once(dovecot, smtp, tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
    first = _config_for(dovecot, smtp, tmp_path, "twin")
    folder = _folder(first)
    other = tmp_path / "other"
    other.mkdir()
    second = other / "twin.toml"
    second.write_text(first.read_text("utf-8"), "utf-8")  # same mailbox, its own journal (another machine)
    sent = [_msg(sender=f"c{i}@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]) for i in range(6)]
    for m in sent:
        dovecot.deliver(folder, m)
    env = dict(os.environ, NIANBAO_TEST_IMAP_PASSWORD=PASSWORD)
    procs = [subprocess.Popen([sys.executable, "-m", "nianbao", "mail", "--config", str(c), "--once"], env=env,
                              stderr=subprocess.PIPE) for c in (first, second)]
    for proc in procs:
        proc.communicate(timeout=300)
    assert _replied_ids(smtp) == sorted(m["Message-ID"] for m in sent), "every message answered exactly once"
    assert all(KEYWORD in f for f in dovecot.flags(folder))


@needs_dovecot
def test_a_body_the_server_does_not_hand_over_is_never_called_empty(dovecot, smtp, gateway_config, monkeypatch, capsys):
    import imaplib

    folder = _folder(gateway_config)
    incoming = _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())])
    dovecot.deliver(folder, incoming)
    original = imaplib.IMAP4.uid
    refuse = {"n": 1}

    def flaky(self: imaplib.IMAP4, command: str, *args: str):  # type: ignore[no-untyped-def]
        if command == "FETCH" and "BODY.PEEK[]" in " ".join(args) and refuse["n"] > 0:
            refuse["n"] -= 1
            return "NO", [b"[UNAVAILABLE] Temporary failure, try again"]
        return original(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", flaky)
    assert _poll(gateway_config) == 0 and smtp.received == []
    assert _poll(gateway_config) == 1
    (reply,) = smtp.wait(1)
    assert "检查通过" in reply.message.get_body(("plain",)).get_content()
    # a message the server can never read: quarantined, and listed
    never = _msg(sender="never@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())])
    dovecot.deliver(folder, never)
    refuse["n"] = 100
    for _ in range(3):
        _poll(gateway_config)
    assert len(smtp.received) == 1
    assert main(["mail", "--config", str(gateway_config), "--status"]) == 0
    assert "已隔离" in capsys.readouterr().out


@needs_dovecot
def test_a_mime_part_bomb_is_answered_at_once(dovecot, smtp, gateway_config):
    folder = _folder(gateway_config)
    parts = b"".join(b"--P\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(5000))
    bomb = (b"From: a@county.gov.cn\r\nSubject: bomb\r\nMessage-ID: <bomb@county.gov.cn>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=P\r\n\r\n" + parts + b"--P--\r\n")
    dovecot.deliver(folder, bomb)
    started = time.monotonic()
    assert _poll(gateway_config) == 1
    print(f"\n5000-part message handled in {time.monotonic() - started:.2f} s")
    (reply,) = smtp.wait(1)
    assert "结构过于复杂" in reply.message.get_body(("plain",)).get_content()


@pytest.mark.slow
@needs_dovecot
def test_a_hanging_smtp_server_costs_one_timeout_per_poll(dovecot, tmp_path, monkeypatch):
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])  # and never a word
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
    config = _write_config(tmp_path / "hang.toml", dovecot.port, listener.getsockname()[1], str(dovecot.cert),
                           "hang" + str(time.time_ns() % 10**8), smtp_extra="timeout = 1\n")
    for i in range(4):
        dovecot.deliver(_folder(config), _msg(sender=f"c{i}@county.gov.cn", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    assert _poll(config) == 0
    assert len(accepted) == 1, "one connection tried, not one per waiting reply"
    listener.close()


@needs_dovecot
def test_a_chinese_folder_name(dovecot, smtp, tmp_path, monkeypatch):
    from nianbao.apps.mail.gateway import imap_utf7

    assert imap_utf7("年报") == "&XnRipQ-" and imap_utf7("A&B 收件箱") == "A&-B &ZTZO9nux-"
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
    config = _write_config(tmp_path / "zh.toml", dovecot.port, smtp.port, str(dovecot.cert), "年报收件")
    dovecot.deliver(imap_utf7("年报收件"), _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())]))
    assert _poll(config) == 1 and len(smtp.wait(1)) == 1


def _part(headers: bytes, data: bytes) -> bytes:
    import base64

    return b"--B\r\n" + headers + b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data) + b"\r\n"


def test_workbooks_are_known_by_their_content_and_raw_gbk_names_are_read():
    book = DAZHUANG.read_bytes()
    raw = (b"From: a@county.gov.cn\r\nMessage-ID: <c@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
           + _part(b"Content-Type: " + XLSX.encode() + b"\r\nContent-Disposition: attachment\r\n", book)
           + _part(b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"\xb4\xf3\xd7\xaf\xcf\xe7\"\r\n", book + b"1")
           + _part(b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"\xb4\xf3\xd7\xaf\xcf\xe7.xlsx\"\r\n", book + b"2")
           + b"--B--\r\n")
    c = mailmsg.attachments(raw, 10)
    assert [a.name for a in c.workbooks] == ["工作簿.xlsx", "大庄乡.xlsx", "大庄乡.xlsx"] and c.others == []


@needs_dovecot
def test_odd_attachments_and_an_internationalised_sender_are_answered(dovecot, smtp, tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
    config = _config_for(dovecot, smtp, tmp_path, "odd", extra_gateway='allowed_senders = ["张三@例子.中国"]')
    folder = _folder(config)
    nameless = _msg(sender="a@county.gov.cn")
    nameless.add_attachment(DAZHUANG.read_bytes(), maintype="application",
                            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    no_extension = _msg(sender="b@county.gov.cn", attach=[("大庄乡", DAZHUANG.read_bytes())])
    idn = _msg(sender="张三 <张三@例子.中国>", attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())])
    for m in (nameless, no_extension):
        dovecot.deliver(folder, m)
    dovecot.deliver(folder, idn.as_bytes(policy=idn.policy.clone(utf8=True)))
    assert _poll(config) == 3
    replies = {r.rcpt_tos[0]: r.message.get_body(("plain",)).get_content() for r in smtp.wait(3)}
    assert set(replies) == {"a@county.gov.cn", "b@county.gov.cn", "张三@例子.中国"}
    assert all("检查通过" in text for text in replies.values()), replies


@needs_dovecot
def test_a_duplicate_delivery_is_marked_and_a_reused_message_id_with_new_content_is_answered(dovecot, smtp, gateway_config, monkeypatch):
    import imaplib

    folder = _folder(gateway_config)
    incoming = _msg(attach=[("大庄乡.xlsx", DAZHUANG.read_bytes())])
    dovecot.deliver(folder, incoming)
    dovecot.deliver(folder, incoming)  # delivered twice
    assert _poll(gateway_config) == 2 and len(smtp.received) == 1
    assert all(KEYWORD in f for f in dovecot.flags(folder)), "the second copy is not read again at every poll"
    fetched = []
    original = imaplib.IMAP4.uid
    monkeypatch.setattr(imaplib.IMAP4, "uid", lambda self, cmd, *a: (fetched.append(cmd), original(self, cmd, *a))[1])
    assert _poll(gateway_config) == 0 and "FETCH" not in fetched
    corrected = _msg(attach=[("大庄乡.xlsx", agency_workbook("大庄乡人民政府"))])
    del corrected["Message-ID"]
    corrected["Message-ID"] = incoming["Message-ID"]  # a client that reuses it for the corrected file
    dovecot.deliver(folder, corrected)
    assert _poll(gateway_config) == 1 and len(smtp.wait(2)) == 2


def test_the_journal_and_staging_are_private_and_a_readable_password_file_is_said(tmp_path, monkeypatch, capsys):
    from nianbao.apps.mail.journal import Journal

    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", "x")
    old = os.umask(0o022)
    try:
        journal = Journal(tmp_path / "j.sqlite")
        journal.close()
        assert (tmp_path / "j.sqlite").stat().st_mode & 0o777 == 0o600
        secret = tmp_path / "smtp.pass"
        secret.write_text("s")
        secret.chmod(0o644)
        config = _write_config(tmp_path / "m.toml", smtp_extra=f'password_file = "{secret}"\n')
        cfg = load_config(config)
        assert any("chmod 600" in w for w in cfg.warnings)
        gw = Gateway(cfg)
        gw._convert([])
        assert gw.staging.stat().st_mode & 0o777 == 0o700
        gw.journal.close()
        secret.chmod(0o600)
        assert load_config(config).warnings == ()
    finally:
        os.umask(old)


# --- install anywhere: provider presets and `mail --test` (issue 24) ----------------------------------------

# What each provider documents for mail clients: (IMAP host, port, security), (SMTP host, port, security)
DOCUMENTED = {
    "163": (("imap.163.com", 993, "tls"), ("smtp.163.com", 465, "tls")),
    "126": (("imap.126.com", 993, "tls"), ("smtp.126.com", 465, "tls")),
    "qq": (("imap.qq.com", 993, "tls"), ("smtp.qq.com", 465, "tls")),
    "coremail": (("mail.example.gov.cn", 993, "tls"), ("mail.example.gov.cn", 465, "tls")),
    "exchange": (("mail.example.gov.cn", 993, "tls"), ("mail.example.gov.cn", 587, "starttls")),
}


@pytest.mark.parametrize("provider", list(DOCUMENTED))
def test_provider_presets_are_what_the_providers_document(provider, tmp_path, monkeypatch, capsys):
    assert main(["mail", "--example-config", "--provider", provider]) == 0
    text = capsys.readouterr().out
    assert "授权" in text or provider in ("exchange",)
    path = tmp_path / f"{provider}.toml"
    path.write_text(text, "utf-8")
    monkeypatch.setenv("NIANBAO_IMAP_PASSWORD", "a")
    monkeypatch.setenv("NIANBAO_SMTP_PASSWORD", "b")
    cfg = load_config(path)
    assert ((cfg.imap.host, cfg.imap.port, cfg.imap.security), (cfg.smtp.host, cfg.smtp.port, cfg.smtp.security)) == DOCUMENTED[provider]


def test_allowed_senders_beside_domains(tmp_path, monkeypatch):
    monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", "x")
    config = _write_config(tmp_path / "m.toml", extra_gateway='allowed_senders = ["DaZhuang@163.com"]')
    cfg = load_config(config)
    assert "dazhuang@163.com" in cfg.allowed_senders and cfg.allowed_domains == ["county.gov.cn"]
    only = tmp_path / "only.toml"
    only.write_text(config.read_text("utf-8").replace('allowed_domains = ["county.gov.cn"]', ""), "utf-8")
    assert load_config(only).allowed_domains == []
    none = tmp_path / "none.toml"
    none.write_text(only.read_text("utf-8").replace('allowed_senders = ["DaZhuang@163.com"]', ""), "utf-8")
    with pytest.raises(ConfigError, match="allowed_senders"):
        load_config(none)


@needs_dovecot
def test_mail_test_succeeds_and_sends_one_message_to_the_mailbox(dovecot, smtp, gateway_config, capsys):
    dovecot.deliver(_folder(gateway_config), _msg())  # the folder exists, with one message
    assert main(["mail", "--config", str(gateway_config), "--test"]) == 0
    out = capsys.readouterr().out
    assert "✓ 收件服务器" in out and "登录成功" in out and "中有 1 封邮件" in out and "✓ 发件服务器" in out and "邮件设置正确" in out
    (sent,) = smtp.wait(1)
    assert sent.rcpt_tos == ["nianbao@county.gov.cn"] and sent.message["Subject"] == "【年报助手】邮件网关测试"
    assert sent.message["Auto-Submitted"] == "auto-generated"


@needs_dovecot
def test_mail_test_says_what_is_wrong(dovecot, tmp_path, monkeypatch, capsys):
    sink = _own_sink(dovecot, password="right")
    try:
        monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", "wrong-authorisation-code")
        monkeypatch.setenv("NIANBAO_TEST_SMTP_PASSWORD", "wrong")
        config = _write_config(tmp_path / "m.toml", dovecot.port, sink.port, str(dovecot.cert),
                               smtp_extra='password_env = "NIANBAO_TEST_SMTP_PASSWORD"\n')
        assert main(["mail", "--config", str(config), "--test"]) == 3
        captured = capsys.readouterr()
        assert "✗ 收件服务器拒绝登录" in captured.out and "授权码" in captured.out
        assert "✗ 发件服务器" in captured.out and "拒绝登录" in captured.out and "邮件设置有问题" in captured.err
        # TLS asked of a port that speaks plain IMAP first (143 with STARTTLS)
        monkeypatch.setenv("NIANBAO_TEST_IMAP_PASSWORD", PASSWORD)
        monkeypatch.setenv("NIANBAO_TEST_SMTP_PASSWORD", "right")
        config.write_text(config.read_text("utf-8").replace('security = "starttls"', 'security = "tls"', 1), "utf-8")
        assert main(["mail", "--config", str(config), "--test"]) == 3
        out = capsys.readouterr().out
        assert "✗ 与收件服务器" in out and "加密连接失败" in out and "993" in out
        assert "✓ 发件服务器" in out and len(sink.received) == 1
    finally:
        sink.stop()

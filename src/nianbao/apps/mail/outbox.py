"""Sending the replies over SMTP, and what a refusal means.

A refusal is classified by where it happened and its code (RFC 5321 reply codes, RFC 3463 enhanced codes):

- ``account``: the sending account or its configuration is wrong — login refused (535, an expired password or
  授权码), login required but none configured (530), the envelope sender refused (553, 550 at MAIL), TLS or
  relaying refused. Nothing can be sent until a person mends it: sending stops, every reply waits and goes
  out once the account works again.
- ``recipient``: this reply can never reach this clerk (550 user unknown at RCPT, 554 content refused): given
  up and listed for a person to call.
- ``size``: the reply is larger than the server takes (552 at DATA, or over the server's SIZE): sent again
  without its attachments, the findings in its text.
- ``temporary``: a 4xx answer, a lost or hanging connection: tried again at the next poll. After a connection
  failure no other reply is tried in the same poll (a hanging server costs one timeout per poll, not one per
  reply).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from nianbao import NianbaoError
from nianbao.apps.mail.config import Server

ACCOUNT, RECIPIENT, SIZE, TEMPORARY = "account", "recipient", "size", "temporary"


@dataclass
class Refusal(NianbaoError):
    kind: str  # ACCOUNT, RECIPIENT, SIZE or TEMPORARY
    stage: str  # connect, tls, login, mail, rcpt, data
    code: int
    text: str

    def __str__(self) -> str:
        return explain(self)


def context(server: Server) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.ca_file) if server.ca_file else ssl.create_default_context()


def server_text(raw: object) -> str:
    """A mail server's answer (bytes, IMAP's list of lines, an error carrying it) as one line of at most
    200 characters for a log or a message; an error without words is named by its kind."""
    if isinstance(raw, list) and raw and isinstance(raw[0], bytes):
        raw = raw[0]
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    quoted = re.fullmatch(r"""b(['"])(.*)\1""", text.strip(), re.S)  # imaplib's errors carry the repr of bytes
    text = " ".join((quoted.group(2) if quoted else text).split())[:200]
    return text or (type(raw).__name__ if isinstance(raw, BaseException) else "")


def classify(stage: str, code: int, text: str) -> str:
    """Which kind of refusal this answer is (see the module's description)."""
    lower = text.lower()
    if 400 <= code < 500 or code == 503 or code <= 0:
        return TEMPORARY  # 503: a command out of sequence, our connection's state: a new one is tried
    if stage in ("connect", "tls", "login"):
        return ACCOUNT
    if stage == "mail":
        return SIZE if code == 552 else ACCOUNT
    if stage == "rcpt":
        if code == 530 or "relay" in lower or "auth" in lower or "5.7.0" in lower:
            return ACCOUNT  # not allowed to send at all, whoever the recipient
        return RECIPIENT
    if code == 552 or "5.3.4" in lower:
        return SIZE
    return RECIPIENT


def explain(r: Refusal) -> str:
    """A refusal in words for the office (log, --status, mail --test)."""
    said = f"（服务器答复：{r.code} {r.text}）" if r.code > 0 else f"（{r.text}）"
    if r.kind == ACCOUNT:
        if r.stage == "tls":
            what = "与发件服务器建立加密连接失败：请检查 [smtp] 的 security 与端口（465 用 tls，587 用 starttls）和证书"
        elif r.stage == "login" or r.code in (534, 535):
            what = "发件服务器拒绝登录：用户名或密码不对；163、126、QQ 等邮箱须使用“授权码”而不是登录密码，授权码也可能已过期"
        elif r.code == 530:
            what = "发件服务器要求先登录：请在 [smtp] 中配置 password_env 或 password_file"
        elif r.stage == "mail":
            what = "发件服务器不接受发件人地址：[smtp] 的 from 应与登录的账户一致"
        elif r.stage == "rcpt":
            what = "发件服务器不允许本账户向外发信（未登录或无转发权限）"
        else:
            what = "发件服务器拒绝服务"
        return what + said
    if r.kind == RECIPIENT:
        return "收件人地址被拒收（地址不存在或对方拒收），需要人工联系" + said
    if r.kind == SIZE:
        return "邮件超过了服务器允许的大小" + said
    return "发件服务器暂时无法发送，稍后重试" + said


class Sender:
    """One SMTP connection per poll, opened when the first reply needs it. After a failure of the
    connection or of the account it is `down` for the rest of the poll."""

    def __init__(self, server: Server, envelope_from: str) -> None:
        self.server, self.envelope_from = server, envelope_from
        self.conn: smtplib.SMTP | None = None
        self.down: Refusal | None = None
        self.max_size = 0  # the server's SIZE (0: not announced)

    def open(self) -> smtplib.SMTP:
        s = self.server
        conn: smtplib.SMTP
        try:
            if s.security == "tls":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context(s))
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except ssl.SSLError as exc:
            raise Refusal(ACCOUNT, "tls", 0, server_text(exc)) from exc
        except smtplib.SMTPConnectError as exc:
            raise Refusal(classify("connect", exc.smtp_code, server_text(exc.smtp_error)), "connect", exc.smtp_code, server_text(exc.smtp_error)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise Refusal(TEMPORARY, "connect", 0, server_text(exc)) from exc
        try:
            if s.security == "starttls":
                conn.starttls(context=context(s))
            conn.ehlo_or_helo_if_needed()
            if s.password:
                conn.login(s.user, s.password)
        except smtplib.SMTPNotSupportedError as exc:
            _close(conn)
            raise Refusal(ACCOUNT, "tls" if "STARTTLS" in str(exc) else "login", 0, server_text(exc)) from exc
        except ssl.SSLError as exc:
            _close(conn)
            raise Refusal(ACCOUNT, "tls", 0, server_text(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            _close(conn)
            stage = "login" if isinstance(exc, smtplib.SMTPAuthenticationError) else "tls"
            raise Refusal(classify(stage, exc.smtp_code, server_text(exc.smtp_error)), stage, exc.smtp_code, server_text(exc.smtp_error)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            _close(conn)
            raise Refusal(TEMPORARY, "connect", 0, server_text(exc)) from exc
        size = conn.esmtp_features.get("size", "")
        self.max_size = int(size) if size.isdigit() else 0
        return conn

    def send(self, to: str, data: bytes, before_data: Callable[[], object] | None = None) -> None:
        """MAIL, RCPT, then before_data() (the journal's "sending"), then DATA: a kill before DATA is a
        reply not sent, only one after it is a reply of unknown outcome. Raises Refusal. Whatever happens
        the connection is left between transactions (or closed), never in the middle of one."""
        if self.down is not None:
            raise self.down
        try:
            if self.conn is None:
                self.conn = self.open()
        except Refusal as r:
            if r.kind in (ACCOUNT, TEMPORARY):
                self.down = r
            raise
        conn = self.conn
        if self.max_size and len(data) > self.max_size:
            raise Refusal(SIZE, "mail", 552, f"邮件 {len(data)} 字节，服务器允许 {self.max_size} 字节")
        options = ["SMTPUTF8"] if not (to + self.envelope_from).isascii() and conn.has_extn("smtputf8") else []
        stage = "mail"
        try:
            code, resp = conn.mail(self.envelope_from, options)
            if code != 250:
                raise Refusal(classify(stage, code, server_text(resp)), stage, code, server_text(resp))
            stage = "rcpt"
            code, resp = conn.rcpt(to)
            if code not in (250, 251):
                raise Refusal(classify(stage, code, server_text(resp)), stage, code, server_text(resp))
            if before_data is not None:
                before_data()
            stage = "data"
            code, resp = conn.data(data)
            if code != 250:
                raise Refusal(classify(stage, code, server_text(resp)), stage, code, server_text(resp))
        except Refusal as r:
            self._reset()
            if r.kind == ACCOUNT:
                self.down = r
            raise
        except (OSError, smtplib.SMTPException) as exc:
            # the connection failed (or hangs): this reply waits, and so do the others of this poll; no
            # QUIT to a server that does not answer (that would be one more timeout)
            self.abandon()
            if isinstance(exc, smtplib.SMTPResponseException):
                code, text = exc.smtp_code, server_text(exc.smtp_error)
                failure = Refusal(classify(stage, code, text), stage, code, text)
            else:
                failure = Refusal(TEMPORARY, stage, 0, server_text(exc))
            if failure.kind in (ACCOUNT, TEMPORARY):
                self.down = failure
            raise failure from exc
        except BaseException:
            self._reset()  # our own failure between RCPT and DATA (a journal that cannot be written)
            raise

    def _reset(self) -> None:
        """Back to between transactions; a connection that cannot even do that is closed."""
        if self.conn is None:
            return
        try:
            code, _ = self.conn.rset()
            if code == 250:
                return
        except (OSError, smtplib.SMTPException):
            pass
        self.abandon()

    def close(self) -> None:
        if self.conn is not None:
            _close(self.conn)
            self.conn = None

    def abandon(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        try:
            conn.close()
        except OSError:
            pass

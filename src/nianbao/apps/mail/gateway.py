"""`nianbao mail`: a mailbox that answers each workbook with its report.

Each poll: look at the messages in the folder that do not carry our IMAP keyword yet; decide and build
the reply once and store it in the journal; send it; only then set the keyword. A crash, a kill or a lost
connection at any step resumes from the journal on the next poll, so no message is lost.

What is guaranteed: every message that deserves a reply gets one; none gets two, except when the gateway is
killed after handing a reply to the SMTP server and before the server's answer was recorded (a network round
trip plus the server's processing). The journal marks "sending" before DATA, so such a reply is known to be
of unknown outcome: it is sent again with the same Message-ID (mail clients show it once in the thread) and
listed by `--status` as 结果不明，已重发. Messages that keep failing are quarantined after MAX_ATTEMPTS.
"""

from __future__ import annotations

import email.utils
import fcntl
import hashlib
import imaplib
import json as _json
import logging
import os
import re
import shutil
import signal
import smtplib
import ssl
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from nianbao.apps.mail import message as mailmsg
from nianbao.apps.mail.config import MailConfig, Server
from nianbao.apps.mail.journal import DONE, OUTCOME_ZH, READY, SENT, Journal
from nianbao.conversion import Conversion, Status, convert, staging_path
from nianbao.season.record import SeasonRecord, from_conversion
from nianbao.season.record import now as season_now

KEYWORD = "$NianbaoDone"  # set on a message once it is fully handled
QUARANTINE = "$NianbaoQuarantine"  # set on a message that failed MAX_ATTEMPTS times: left for a person
MAX_ATTEMPTS = 3
NOT_WORKBOOK = "not-workbook"  # an attachment that is not a workbook (the others carry a Status)
log = logging.getLogger("nianbao.mail")



def _file_verdict(status: str) -> str:
    """How `--status` names what became of one attachment."""
    return "不是工作簿" if status == NOT_WORKBOOK else Status(status).verdict if status in {s.value for s in Status} else status


class GatewayError(Exception):
    """The mail server could not be reached or refused us (Chinese message); the next poll retries."""


def _context(server: Server) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=server.ca_file) if server.ca_file else ssl.create_default_context()


def connect_imap(server: Server) -> imaplib.IMAP4:
    try:
        imap: imaplib.IMAP4
        if server.security == "tls":
            imap = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=_context(server), timeout=server.timeout)
        else:
            imap = imaplib.IMAP4(server.host, server.port, timeout=server.timeout)
            if server.security == "starttls":
                imap.starttls(_context(server))
        imap.login(server.user, server.password)
        return imap
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise GatewayError(f"无法登录收件服务器 {server.host}:{server.port}（{_reason(exc)}）") from exc


def _reason(exc: BaseException | bytes | str) -> str:
    text = exc.decode("utf-8", "replace") if isinstance(exc, bytes) else str(exc)
    return text.strip("b'\"")[:200] or type(exc).__name__


class Sender:
    """One SMTP connection per poll, opened when the first reply needs it."""
    def __init__(self, server: Server, envelope_from: str) -> None:
        self.server, self.envelope_from = server, envelope_from
        self.conn: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.server
        conn: smtplib.SMTP
        if s.security == "tls":
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=_context(s))
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                conn.starttls(context=_context(s))
        if s.password:
            conn.login(s.user, s.password)
        return conn

    def send(self, to: str, data: bytes, before_data: Callable[[], object] | None = None) -> None:
        """MAIL, RCPT, then before_data() (the journal's "sending"), then DATA: a kill before DATA is a
        reply not sent, only one after it is a reply of unknown outcome."""
        if self.conn is None:
            self.conn = self._open()
        conn = self.conn
        conn.ehlo_or_helo_if_needed()
        code, resp = conn.mail(self.envelope_from)
        if code != 250:
            conn.rset()
            raise smtplib.SMTPSenderRefused(code, resp, self.envelope_from)
        code, resp = conn.rcpt(to)
        if code not in (250, 251):
            conn.rset()
            raise smtplib.SMTPRecipientsRefused({to: (code, resp)})
        if before_data is not None:
            before_data()
        code, resp = conn.data(data)
        if code != 250:
            conn.rset()
            raise smtplib.SMTPDataError(code, resp)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.conn = None


class Gateway:
    def __init__(self, cfg: MailConfig) -> None:
        self.cfg = cfg
        self.journal = Journal(cfg.journal)
        self.stopping = False
        self.own_address = mailmsg.parseaddr(cfg.sender)[1].lower()

    # --- one poll -------------------------------------------------------------------------------------

    def poll(self) -> int:
        """Handle every waiting message once; returns how many were finished in this poll."""
        imap = connect_imap(self.cfg.imap)
        sender = Sender(self.cfg.smtp, self.own_address or self.cfg.smtp.user)
        finished = 0
        try:
            folder = self.cfg.imap.folder
            typ, _ = imap.select(_quote(folder))
            if typ != "OK":
                raise GatewayError(f"收件服务器上没有文件夹“{folder}”")
            uidvalidity = int((imap.response("UIDVALIDITY")[1] or [b"0"])[0] or 0)
            typ, data = imap.uid("SEARCH", "UNKEYWORD", KEYWORD, "UNKEYWORD", QUARANTINE, "UNDELETED")
            uids = [int(u) for u in (data[0] or b"").split()] if typ == "OK" else []
            seen: set[str] = set()
            for uid in uids:
                if self.stopping:
                    break
                finished += self._contained(imap, sender, folder, uidvalidity, uid, seen)
            if not self.stopping:
                finished += self._orphans(sender, seen)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
            raise GatewayError(f"与收件服务器的连接中断（{_reason(exc)}），稍后重试") from exc
        finally:
            sender.close()
            try:
                imap.logout()
            except (OSError, imaplib.IMAP4.error):
                pass
        return finished

    def _contained(self, imap: imaplib.IMAP4, sender: Sender, folder: str, uidvalidity: int, uid: int, seen: set[str]) -> int:
        """One message, its failure contained: a message that makes us fail is tried again on the next
        polls, then quarantined (flagged, left unread for a person, listed in --status); the loop goes on."""
        try:
            return self._one(imap, sender, folder, uidvalidity, uid, seen)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError):
            raise  # the connection, not the message: the whole poll is retried
        except Exception as exc:  # noqa: BLE001 - one message must never stop the mailbox
            where = f"{uidvalidity}:{uid}"
            attempts = self.journal.attempt_failed(where, f"{type(exc).__name__}: {exc}")
            log.error("处理邮件 %s 出错（%s，第 %d 次）", where, _one_line(f"{type(exc).__name__}: {exc}")[:200], attempts,
                      exc_info=bool(os.environ.get("NIANBAO_DEBUG")))
            if attempts >= MAX_ATTEMPTS:
                typ, _ = imap.uid("STORE", str(uid), "+FLAGS", f"({QUARANTINE})")
                if typ == "OK":
                    self.journal.quarantine(f"quarantine:{where}", folder=folder, uidvalidity=uidvalidity, uid=uid,
                                            error=f"{type(exc).__name__}: {exc}")
                    log.error("邮件 %s 已隔离（%d 次处理出错），留待人工处理", where, attempts)
            return 0

    def _one(self, imap: imaplib.IMAP4, sender: Sender, folder: str, uidvalidity: int, uid: int, seen: set[str]) -> int:
        typ, data = imap.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[HEADER])")
        header, size = _header_and_size(data) if typ == "OK" else (None, 0)
        if header is None:
            return 0  # expunged meanwhile
        incoming = mailmsg.parse_headers(header)
        legacy = self.journal.get(incoming.message_id) if incoming.message_id else None  # journals keyed by Message-ID alone
        if legacy is not None and legacy.sender == incoming.sender:
            incoming.key = legacy.key
        seen.add(incoming.key)
        entry = self.journal.get(incoming.key)
        if entry is None:
            started = time.time()
            outcome, files, reply = self._decide(imap, uid, incoming, size)
            data_out = reply.as_bytes() if reply is not None else None
            self.journal.record(incoming.key, folder=folder, uidvalidity=uidvalidity, uid=uid, sender=incoming.sender,
                                subject=incoming.subject, files=files, outcome=outcome, reply=data_out,
                                reply_to=incoming.sender if reply is not None else None,
                                reply_id=reply["Message-ID"] if reply is not None else None, received=started)
            entry = self.journal.get(incoming.key)
            assert entry is not None
        if entry.state == READY and not self._send(sender, entry.key, entry.reply_to or "", entry.reply or b""):
            return 0  # not sent: the message stays unmarked and is tried again next poll
        entry = self.journal.get(incoming.key)
        if entry is not None and entry.state == SENT:
            # \Seen only on what was answered: ignored mail stays unread for a person to look at
            flags = f"({KEYWORD} \\Seen)" if (entry.outcome or "").startswith("replied") else f"({KEYWORD})"
            typ, _ = imap.uid("STORE", str(uid), "+FLAGS", flags)
            if typ == "OK":
                self.journal.mark_done(entry.key, uid)
                self._log(entry.key)
                return 1
        return 0

    def _orphans(self, sender: Sender, seen: set[str]) -> int:
        """Replies recorded but not sent whose message is no longer waiting in the folder (moved or
        deleted by a person meanwhile): the clerk still gets the answer."""
        n = 0
        for entry in self.journal.pending():
            if entry.key in seen:
                continue
            if entry.state == SENT:  # answered; the message itself is gone or already marked
                self.journal.mark_done(entry.key)
                continue
            if entry.state == READY and self._send(sender, entry.key, entry.reply_to or "", entry.reply or b""):
                self.journal.mark_done(entry.key)
                self._log(entry.key)
                n += 1
        return n

    def _send(self, sender: Sender, key: str, to: str, data: bytes) -> bool:
        def sending() -> None:
            if self.journal.mark_sending(key):
                log.warning("回复 %s 上次发送时网关被中断，结果不明，现以同一 Message-ID 重发", to)

        try:
            sender.send(to, data, before_data=sending)
        except smtplib.SMTPRecipientsRefused as exc:
            self.journal.failed(key, f"收件人被拒收：{exc.recipients}", give_up=True)
            log.warning("回复 %s 被发件服务器拒收，不再重试", to)
            return True
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            self.journal.failed(key, f"{exc.smtp_code} {_reason(exc.smtp_error)}", give_up=permanent)
            log.warning("回复 %s 未发出（%s %s）%s", to, exc.smtp_code, _reason(exc.smtp_error), "，不再重试" if permanent else "，稍后重试")
            sender.close()
            return permanent
        except (OSError, smtplib.SMTPException) as exc:
            self.journal.failed(key, _reason(exc), refused=False)
            log.warning("回复 %s 未发出（%s），稍后重试", to, _reason(exc))
            sender.close()
            return False
        self.journal.mark_sent(key)
        return True

    # --- what to answer -------------------------------------------------------------------------------

    def _decide(self, imap: imaplib.IMAP4, uid: int, incoming: mailmsg.Incoming, size: int
                ) -> tuple[str, list[tuple[str, str]], mailmsg.EmailMessage | None]:
        if incoming.sender == self.own_address:
            return "ignored-self", [], None
        if mailmsg.automatic_reason(incoming.headers):
            return "ignored-auto", [], None
        if not (mailmsg.domain_allowed(incoming.sender, self.cfg.allowed_domains) or incoming.sender in self.cfg.roster_senders):
            return "ignored-domain", [], None  # answering strangers is backscatter (and spam's best friend)
        if self.journal.replies_since(incoming.sender, time.time() - 3600) >= self.cfg.max_replies_per_hour:
            return "ignored-rate", [], None  # a responder no header gives away: the loop stops here
        if size > self.cfg.max_message_bytes:
            body, files = mailmsg.too_large_body(size, self.cfg.max_message_bytes)
            return "replied-too-large", [], self._reply(incoming, body, files)
        typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
        raw = _literal(data) if typ == "OK" else None
        try:
            return self._answer(incoming, raw or b"")
        except Exception as exc:  # noqa: BLE001 - one strange message must not stop the mailbox
            log.error("处理 %s《%s》时程序出错（%s: %s），将回复对方重新发送", incoming.sender, incoming.subject,
                      type(exc).__name__, _one_line(str(exc))[:200], exc_info=bool(os.environ.get("NIANBAO_DEBUG")))
            body, files = mailmsg.internal_error_body()
            return "internal-error", [], self._reply(incoming, body, files)

    def _answer(self, incoming: mailmsg.Incoming, raw: bytes
                ) -> tuple[str, list[tuple[str, str]], mailmsg.EmailMessage | None]:
        contents = mailmsg.attachments(raw, self.cfg.max_attachments)
        if not contents.workbooks and mailmsg.automatic_body(raw):
            return "ignored-auto", [], None  # "我正在休假……" without any header to say so
        if not contents.workbooks:
            body, files = mailmsg.no_attachment_body(contents.others)
            return "replied-no-attachment", [(n, NOT_WORKBOOK) for n in contents.others], \
                self._reply(incoming, body, files)
        conversions = self._convert(contents.workbooks)
        if self.cfg.season is not None:
            self._record_season(incoming, contents.workbooks, conversions)
        body, files = mailmsg.body_for(conversions, contents.others, contents.over_limit, contents.duplicates)
        statuses = {c.status for c in conversions}
        outcome = "replied-ok" if statuses == {Status.OK} else "replied-unreadable" if statuses == {Status.UNREADABLE} else "replied-errors"
        return outcome, [(c.name, c.status) for c in conversions], self._reply(incoming, body, files)

    def _record_season(self, incoming: mailmsg.Incoming, workbooks: list[mailmsg.Attachment], conversions: list[Conversion]) -> None:
        """Each workbook of the message into the season's record (the office's, shared with batch and the web
        page): who sent it and when (the message's Date), and what the check made of it."""
        assert self.cfg.season is not None
        try:  # the message's Date, in the sender's zone (without one: this machine's)
            date = email.utils.parsedate_to_datetime(str(incoming.headers.get("Date", "")))
            when = (date if date.tzinfo else date.astimezone()).isoformat(timespec="seconds")
        except (TypeError, ValueError, OverflowError):
            when = season_now()
        with SeasonRecord(self.cfg.season) as record:
            for att, conv in zip(workbooks, conversions):
                record.add(from_conversion(hashlib.sha256(att.data).hexdigest(), "mail", att.name, when, conv,
                                           sender=incoming.sender, message_id=incoming.message_id))

    def _reply(self, incoming: mailmsg.Incoming, body: str, files: list[tuple[str, bytes, str]]) -> mailmsg.EmailMessage:
        try:
            return mailmsg.reply_message(incoming, self.cfg.sender, body, files, self.cfg.contact)
        except (ValueError, TypeError, UnicodeError):
            # a header of theirs the reply cannot carry: answer without subject and thread headers
            plain = mailmsg.Incoming(incoming.key, "", incoming.sender, "", "", "", incoming.headers)
            return mailmsg.reply_message(plain, self.cfg.sender, body, files, self.cfg.contact)

    @property
    def staging(self) -> Path:
        """Where attachments wait for their conversion: beside the journal, emptied at every start (a
        killed gateway leaves nothing of the clerks' in a shared temporary folder)."""
        return self.cfg.journal.parent / (self.cfg.journal.name + ".staging")

    def _convert(self, workbooks: list[mailmsg.Attachment]) -> list[Conversion]:
        out = []
        self.staging.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="message-", dir=self.staging) as tmp:
            for i, att in enumerate(workbooks):
                # one folder of ours per attachment: its name is only ever a file name inside it
                path = staging_path(Path(tmp) / f"{i:02d}", att.name)
                path.write_bytes(att.data)
                out.append(convert(path, att.name, self.cfg.formats))
        return out

    def _log(self, key: str) -> None:

        e = self.journal.get(key)
        if e is not None:
            files = "、".join(n for n, _ in e.files) or "无附件"
            log.info("%s《%s》（%s）→ %s", e.sender, e.subject, files, OUTCOME_ZH.get(e.outcome or "", e.outcome))

    # --- running --------------------------------------------------------------------------------------

    def _lock(self) -> int:
        """One gateway per journal: two running over the same mailbox would both answer every message."""

        fd = os.open(str(self.cfg.journal) + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            # A POSIX record lock belongs to this process alone: a forked conversion child does not hold it,
            # so a gateway killed mid-conversion can be restarted at once (a flock() lock would live on in
            # the orphan).
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise GatewayError(f"另一个邮件网关正在使用处理记录 {self.cfg.journal}：同一个邮箱只能运行一个 nianbao mail") from None
        return fd

    def run(self, once: bool = False) -> None:
        delay = self.cfg.poll_seconds
        try:
            lock = self._lock()
        except GatewayError:
            self.journal.close()
            raise
        shutil.rmtree(self.staging, ignore_errors=True)  # what a killed run left: its messages are retried

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stopping = True

        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self.stopping:
                try:
                    self.poll()
                    delay = self.cfg.poll_seconds
                except GatewayError as exc:
                    if once:
                        raise
                    delay = min(300.0, max(delay * 2, self.cfg.poll_seconds))
                    log.warning("%s；%.0f 秒后重试", exc, delay)
                if once:
                    break
                end = time.monotonic() + delay
                while not self.stopping and time.monotonic() < end:
                    time.sleep(min(0.2, delay))
        finally:
            for s, h in previous.items():
                signal.signal(s, h)
            self.journal.close()
            os.close(lock)


def _one_line(text: str) -> str:
    return mailmsg._one_line(text)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literal(data: list[Any]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    return None


def _header_and_size(data: list[Any]) -> tuple[bytes | None, int]:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            m = re.search(rb"RFC822\.SIZE (\d+)", item[0])
            return bytes(item[1]), int(m.group(1)) if m else 0
    return None, 0


def status_text(journal_path: Path, limit: int = 20) -> str:
    """What `nianbao mail --status` prints: counts by outcome, what is pending, the latest messages."""
    if not journal_path.exists():
        return f"还没有处理记录（{journal_path} 不存在）。"
    j = Journal(journal_path)
    try:
        lines = [f"处理记录：{journal_path}"]
        counts = j.counts()
        total = sum(counts.values())
        lines.append(f"共 {total} 封：" + "，".join(f"{OUTCOME_ZH.get(o, o)} {n}" for o, n in sorted(counts.items())) if total else "共 0 封")
        pending = j.pending()
        if pending:
            lines.append(f"待完成 {len(pending)} 封（下次轮询时继续）：" + "；".join(
                f"{e.sender}《{e.subject}》{'回复待发送' if e.state == READY else '待标记'}" + (f"，上次失败：{e.last_error}" if e.last_error else "")
                for e in pending))
        lines.append("")
        lines.append("时间\t发件人\t主题\t附件\t结果\t状态")

        for r in j.rows(limit):
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["received"]))
            files = "、".join(f"{n}（{_file_verdict(s)}）" for n, s in _json.loads(r["files"] or "[]")) or "—"
            state = {READY: "回复待发送", SENT: "待标记", DONE: "完成"}.get(r["state"], r["state"])
            if r.get("uncertain"):
                state += "（结果不明，已重发）"
            lines.append(f"{when}\t{r['sender']}\t{r['subject']}\t{files}\t{OUTCOME_ZH.get(r['outcome'], r['outcome'])}\t{state}")
        return "\n".join(lines)
    finally:
        j.close()

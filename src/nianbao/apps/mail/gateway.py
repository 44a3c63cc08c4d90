"""`nianbao mail`: a mailbox that answers each workbook with its report.

Each poll: look at the messages in the folder that do not carry our IMAP keyword yet; decide and build
the reply once and store it in the journal; send it; only then set the keyword. A crash, a kill or a lost
connection at any step resumes from the journal on the next poll, so no message is lost.

What is guaranteed: every message that deserves a reply gets one; none gets two, except when the gateway is
killed after handing a reply to the SMTP server and before the server's answer was recorded (a network round
trip plus the server's processing). The journal marks "sending" before DATA, so such a reply is known to be
of unknown outcome: it is sent again with the same Message-ID (mail clients show it once in the thread) and
listed by `--status` as 结果不明，已重发. Messages that keep failing are quarantined after MAX_ATTEMPTS.

Several gateways on one mailbox (a second machine, a restart script started twice): each message is first
claimed on the server — a keyword of this gateway's own, set with a conditional STORE (CONDSTORE) so that of
two gateways racing for a message exactly one wins — and only the winner answers it.

Mail that arrived before the gateway's first start (or before `answer_since`) is never answered: an existing
mailbox holds last year's mail. A refusing SMTP server is classified (see `outbox`): a refused account stops
sending until it works again; nothing is marked done that was not sent or given up for its recipient.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import imaplib
import json as _json
import logging
import os
import re
import shutil
import signal
import sqlite3
import ssl
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from types import FrameType
from typing import Any

from nianbao import NianbaoError
from nianbao.apps.kernel import staging_path
from nianbao.apps.mail import message as mailmsg
from nianbao.apps.mail.config import MailConfig, Server
from nianbao.apps.mail.journal import DONE, OUTCOME_ZH, READY, SENT, Journal
from nianbao.apps.mail.outbox import ACCOUNT, RECIPIENT, SIZE, Refusal, Sender, context, server_text
from nianbao.conversion import Conversion, Status, convert
from nianbao.files import disk_full
from nianbao.season.record import SeasonRecord, from_conversion
from nianbao.season.record import now as season_now

KEYWORD = "$NianbaoDone"  # set on a message once it is fully handled
QUARANTINE = "$NianbaoQuarantine"  # set on a message that failed MAX_ATTEMPTS times: left for a person
CLAIM = "$NianbaoBy"  # + the gateway's id: set on a message a gateway has taken on (one gateway per message)
MAX_ATTEMPTS = 3
NOT_WORKBOOK = "not-workbook"  # an attachment that is not a workbook (the others carry a Status)
log = logging.getLogger("nianbao.mail")



def _file_verdict(status: str) -> str:
    """How `--status` names what became of one attachment."""
    return "不是工作簿" if status == NOT_WORKBOOK else Status(status).verdict if status in {s.value for s in Status} else status


class GatewayError(NianbaoError):
    """The mail server could not be reached or refused us (Chinese message); the next poll retries."""


class Unreadable(NianbaoError):
    """The server did not hand over a message's body this time (a temporary NO, a message deleted while
    being read): nothing is said about it until it can be read; after MAX_ATTEMPTS it is quarantined."""


class Deferred(NianbaoError):
    """Not now: the sender has had the hour's replies; the message waits unmarked for the next hour."""


DISK_FULL = "本机磁盘空间不足，邮件网关暂停处理（邮件都留在邮箱中，未作答复）；请清理磁盘，空间恢复后自动继续"


def open_imap(server: Server) -> imaplib.IMAP4:
    """Connected, encrypted as configured, logged in, introduced (ID); raises what the server or the
    network raised (OSError, IMAP4.error) for the caller to put in words."""
    imap: imaplib.IMAP4
    if server.security == "tls":
        imap = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=context(server), timeout=server.timeout)
    else:
        imap = imaplib.IMAP4(server.host, server.port, timeout=server.timeout)
        if server.security == "starttls":
            imap.starttls(context(server))
    imap.login(server.user, server.password)
    if "ID" in imap.capabilities:
        # RFC 2971: 163 and 126 refuse to open a folder ("Unsafe Login") for a client that does not say who it is
        imap.xatom("ID", '("name" "nianbao" "vendor" "nianbao")')
    return imap


def connect_imap(server: Server) -> imaplib.IMAP4:
    try:
        return open_imap(server)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        raise GatewayError(f"无法登录收件服务器 {server.host}:{server.port}（{server_text(exc)}）") from exc


class Gateway:
    def __init__(self, cfg: MailConfig) -> None:
        self.cfg = cfg
        self.journal = Journal(cfg.journal)
        self.stopping = False
        self.own_address = mailmsg.parseaddr(cfg.sender)[1].lower()
        self.claim = CLAIM + self.journal.gateway_id()
        # mail that arrived before this is not answered (last year's, in an existing mailbox)
        self.since = cfg.answer_since if cfg.answer_since is not None else self.journal.first_start()
        self.unrecorded: set[str] = set()  # replies sent whose "sent" the journal could not take (disk full)

    # --- one poll -------------------------------------------------------------------------------------

    def poll(self) -> int:
        """Handle every waiting message once; returns how many were finished in this poll."""
        imap = connect_imap(self.cfg.imap)
        sender = Sender(self.cfg.smtp, self.own_address or self.cfg.smtp.user)
        finished = 0
        try:
            folder = self.cfg.imap.folder
            typ, _ = imap.select(mailbox_name(folder))
            if typ != "OK":
                raise GatewayError(f"收件服务器上没有文件夹“{folder}”")
            uidvalidity = int((imap.response("UIDVALIDITY")[1] or [b"0"])[0] or 0)
            condstore = "CONDSTORE" in imap.capabilities
            day = time.strftime("%d-%b-%Y", time.gmtime(self.since - 86400))  # SINCE is by day: the exact time below
            typ, data = imap.uid("SEARCH", "UNKEYWORD", KEYWORD, "UNKEYWORD", QUARANTINE, "UNDELETED", "SINCE", day)
            uids = [int(u) for u in (data[0] or b"").split()] if typ == "OK" else []
            seen: set[str] = set()
            for uid in uids:
                if self.stopping:
                    break
                finished += self._contained(imap, sender, folder, uidvalidity, uid, seen, condstore)
            if not self.stopping:
                finished += self._orphans(sender, seen)
                self.journal.keep_deferred(seen)
            self._account(sender, imap)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
            if disk_full(exc):
                raise GatewayError(DISK_FULL) from exc
            raise GatewayError(f"与收件服务器的连接中断（{server_text(exc)}），稍后重试") from exc
        except sqlite3.Error as exc:
            if disk_full(exc):
                raise GatewayError(DISK_FULL) from exc
            raise
        finally:
            sender.close()
            try:
                imap.logout()
            except (OSError, imaplib.IMAP4.error):
                pass
        return finished

    def _account(self, sender: Sender, imap: imaplib.IMAP4) -> None:
        """The sending account's state after this poll, kept in the journal for --status: a refused
        account is said once when it starts (in the log, and with notify_mailbox as a flagged message put
        into the mailbox itself: SMTP is what fails, IMAP still works) and once when it works again."""
        before = self.journal.meta("account_problem")
        if sender.down is not None and sender.down.kind == ACCOUNT:
            text = str(sender.down)
            if before != text:
                self.journal.set_meta("account_problem", text)
                self.journal.set_meta("account_problem_since", repr(time.time()))
                log.error("发件账户有问题，回复暂停发送：%s。改正后无需重启，下次轮询自动补发。", text)
                if self.cfg.notify_mailbox:
                    self._notice(imap, text)
        elif before is not None and sender.conn is not None:
            self.journal.set_meta("account_problem", None)
            log.warning("发件账户已恢复，暂停期间的回复已开始补发")

    def _notice(self, imap: imaplib.IMAP4, text: str) -> None:
        waiting = len([e for e in self.journal.pending() if e.state == READY])
        notice = EmailMessage()
        notice["From"] = notice["To"] = self.cfg.sender
        notice["Subject"] = "【年报助手】发件账户有问题，自动回复已暂停"
        notice["Date"] = email.utils.formatdate(localtime=True)
        notice["Auto-Submitted"] = "auto-generated"
        notice.set_content(f"年报邮件网关无法发出回复：{text}。\n\n目前有 {waiting} 封回复等待发送。改正配置（或在邮箱设置中重新生成授权码并更新"
                           "密码文件）后无需重启网关，下一轮会自动补发；nianbao mail --status 可查看详情。\n\n——年报助手（nianbao）")
        typ, _ = imap.append(mailbox_name(self.cfg.imap.folder), f"({KEYWORD} \\Flagged)",
                             imaplib.Time2Internaldate(time.time()), notice.as_bytes())
        if typ != "OK":
            log.warning("未能在邮箱中放入提醒邮件")

    def _contained(self, imap: imaplib.IMAP4, sender: Sender, folder: str, uidvalidity: int, uid: int,
                   seen: set[str], condstore: bool) -> int:
        """One message, its failure contained: a message that makes us fail is tried again on the next
        polls, then quarantined (flagged, left unread for a person, listed in --status); the loop goes on."""
        try:
            return self._one(imap, sender, folder, uidvalidity, uid, seen, condstore)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError):
            raise  # the connection, not the message: the whole poll is retried
        except Deferred:
            return 0
        except Exception as exc:  # one message must never stop the mailbox (a full disk is the machine's)
            if disk_full(exc):
                raise GatewayError(DISK_FULL) from exc
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

    def _header(self, imap: imaplib.IMAP4, uid: int) -> tuple[bytes, int, float] | None:
        """The message's header, size and arrival time; None when it is gone (expunged meanwhile)."""
        typ, data = imap.uid("FETCH", str(uid), "(RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])")
        if typ != "OK":
            raise Unreadable(f"收件服务器未能读出邮件头（{server_text(data[0] if data else typ)}）")
        header, size = _header_and_size(data)
        if header is None:
            return None
        stamp = imaplib.Internaldate2tuple(b" ".join(x[0] if isinstance(x, tuple) else x for x in data if x))
        return header, size, time.mktime(stamp) if stamp is not None else time.time()

    def _claimed(self, imap: imaplib.IMAP4, uid: int, condstore: bool) -> bool:
        """Take the message on for this gateway, on the server: True when it is ours (already, or now)."""
        flags, modseq = _flags(imap, uid, condstore)
        claims = {f for f in flags if f.startswith(CLAIM)}
        if claims == {self.claim}:
            return True
        if claims:
            return self._tie(imap, uid, claims)
        if condstore and modseq:
            # only if nobody changed the message's flags since we looked: of two gateways one wins
            imap.uid("STORE", str(uid), f"(UNCHANGEDSINCE {modseq})", "+FLAGS.SILENT", f"({self.claim})")
        else:
            imap.uid("STORE", str(uid), "+FLAGS.SILENT", f"({self.claim})")
        flags, _ = _flags(imap, uid, False)
        claims = {f for f in flags if f.startswith(CLAIM)}
        return claims == {self.claim} or (self.claim in claims and self._tie(imap, uid, claims))

    def _tie(self, imap: imaplib.IMAP4, uid: int, claims: set[str]) -> bool:
        """Two claims (a server without CONDSTORE): the smaller id keeps the message, the other lets go."""
        if self.claim in claims and min(claims) == self.claim:
            return True
        if self.claim in claims:
            imap.uid("STORE", str(uid), "-FLAGS.SILENT", f"({self.claim})")
        return False

    def _one(self, imap: imaplib.IMAP4, sender: Sender, folder: str, uidvalidity: int, uid: int, seen: set[str],
             condstore: bool = False) -> int:
        got = self._header(imap, uid)
        if got is None:
            return 0  # expunged meanwhile
        header, size, arrived = got
        if arrived < int(self.since):  # the server's arrival time is to the second
            return 0  # before the gateway's first start (or answer_since): not ours to answer, left untouched
        incoming = mailmsg.parse_headers(header)
        legacy = self.journal.get(incoming.message_id) if incoming.message_id else None  # journals keyed by Message-ID alone
        if legacy is not None and legacy.sender == incoming.sender:
            incoming.key = legacy.key
        entry = self.journal.get(incoming.key)
        if entry is None or entry.state != DONE:
            if not self._claimed(imap, uid, condstore):
                return 0  # another gateway on this mailbox has it
        elif entry.uid != uid:
            digest = _digest(self._body(imap, uid, text_only=True))
            known = self.journal.digest(entry.key)
            if known is None or known == digest:
                return self._duplicate(imap, entry.key, folder, uidvalidity, uid)
            incoming.key = f"{entry.key}|{digest[:16]}"  # the Message-ID reused for another message (a corrected workbook)
            entry = self.journal.get(incoming.key)
            if (entry is None or entry.state != DONE) and not self._claimed(imap, uid, condstore):
                return 0
        seen.add(incoming.key)
        if entry is None:
            started = time.time()
            outcome, files, reply, digest_now = self._decide(imap, uid, incoming, size)
            data_out = reply.as_bytes() if reply is not None else None
            self.journal.record(incoming.key, folder=folder, uidvalidity=uidvalidity, uid=uid, sender=incoming.sender,
                                subject=incoming.subject, files=files, outcome=outcome, reply=data_out,
                                reply_to=incoming.sender if reply is not None else None,
                                reply_id=reply["Message-ID"] if reply is not None else None, received=started,
                                digest=digest_now)
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

    def _duplicate(self, imap: imaplib.IMAP4, key: str, folder: str, uidvalidity: int, uid: int) -> int:
        """A second delivery of a message already answered: marked (no second reply), recorded once."""
        typ, _ = imap.uid("STORE", str(uid), "+FLAGS", f"({KEYWORD})")
        if typ != "OK":
            return 0
        first = self.journal.get(key)
        self.journal.record(f"duplicate:{uidvalidity}:{uid}|{key}", folder=folder, uidvalidity=uidvalidity, uid=uid,
                            sender=first.sender if first else "", subject=first.subject if first else "", files=[],
                            outcome="duplicate", reply=None, reply_to=None, reply_id=None, received=time.time())
        self.journal.mark_done(f"duplicate:{uidvalidity}:{uid}|{key}", uid)
        log.info("邮件 %s 是已回复邮件的重复投递，不再回复", uid)
        return 1

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
        """Send one reply; True when it is settled (sent, or given up for its recipient)."""
        if key in self.unrecorded:  # sent before, only the journal could not say so: not sent twice
            self.journal.mark_sent(key)
            self.unrecorded.discard(key)
            return True

        def sending() -> None:
            if self.journal.mark_sending(key):
                log.warning("回复 %s 上次发送时网关被中断，结果不明，现以同一 Message-ID 重发", to)

        try:
            sender.send(to, data, before_data=sending)
        except Refusal as r:
            if r.kind == SIZE:
                return self._send_smaller(sender, key, to, data, r)
            if r.kind == RECIPIENT:
                self.journal.failed(key, str(r), give_up=True)
                log.warning("回复 %s 被拒收，不再重试，请人工联系：%s", to, r)
                return True
            self.journal.failed(key, str(r), refused=r.code > 0)
            if r.kind != ACCOUNT:
                log.warning("回复 %s 未发出（%s），稍后重试", to, r)
            return False
        try:
            self.journal.mark_sent(key)
        except sqlite3.Error as exc:
            if disk_full(exc):
                self.unrecorded.add(key)
            raise
        return True

    def _send_smaller(self, sender: Sender, key: str, to: str, data: bytes, why: Refusal) -> bool:
        """The server will not take the reply's size: the same reply without its attachments."""
        smaller = mailmsg.without_attachments(data, self.cfg.contact)
        if smaller is None or len(smaller) >= len(data):
            self.journal.failed(key, str(why), give_up=True)
            log.warning("回复 %s 过大且无法缩小，不再重试：%s", to, why)
            return True
        log.warning("回复 %s 过大（%s），改为不带附件发送", to, why)
        self.journal.replace_reply(key, smaller)
        return self._send(sender, key, to, smaller)

    # --- what to answer -------------------------------------------------------------------------------

    def _body(self, imap: imaplib.IMAP4, uid: int, text_only: bool = False) -> bytes:
        typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[TEXT])" if text_only else "(BODY.PEEK[])")
        raw = _literal(data) if typ == "OK" else None
        if raw is None:
            raise Unreadable(f"收件服务器未能读出邮件内容（{server_text(data[0] if data and data[0] else typ)}）")
        return raw

    def _decide(self, imap: imaplib.IMAP4, uid: int, incoming: mailmsg.Incoming, size: int
                ) -> tuple[str, list[tuple[str, str]], mailmsg.EmailMessage | None, str | None]:
        if incoming.sender == self.own_address:
            return "ignored-self", [], None, None
        if mailmsg.automatic_reason(incoming.headers):
            return "ignored-auto", [], None, None
        if not (mailmsg.domain_allowed(incoming.sender, self.cfg.allowed_domains) or incoming.sender in self.cfg.allowed_senders):
            return "ignored-domain", [], None, None  # answering strangers is backscatter (and spam's best friend)
        if mailmsg.forged(incoming.headers):
            return "ignored-forged", [], None, None  # the receiving server says the From is not the sender's
        if self.journal.replies_since(incoming.sender, time.time() - 3600) >= self.cfg.max_replies_per_hour:
            # a responder no header gives away is slowed to the limit; the mail waits, unmarked, for the next hour
            self.journal.defer(incoming.key, incoming.sender, incoming.subject)
            log.warning("%s 一小时内的回复已达上限（%d 封），《%s》稍后回复", incoming.sender, self.cfg.max_replies_per_hour, incoming.subject)
            raise Deferred(incoming.key)
        if size > self.cfg.max_message_bytes:
            body, files = mailmsg.too_large_body(size, self.cfg.max_message_bytes)
            return "replied-too-large", [], self._reply(incoming, body, files), None
        raw = self._body(imap, uid)
        digest = _digest(raw.split(b"\r\n\r\n", 1)[-1])
        try:
            outcome, names, reply = self._answer(incoming, raw)
            return outcome, names, reply, digest
        except Exception as exc:  # one strange message must not stop the mailbox
            if disk_full(exc):
                raise  # the machine's trouble: nobody is told their mail was at fault
            log.error("处理 %s《%s》时程序出错（%s: %s），将回复对方重新发送", incoming.sender, incoming.subject,
                      type(exc).__name__, _one_line(str(exc))[:200], exc_info=bool(os.environ.get("NIANBAO_DEBUG")))
            body, attached = mailmsg.internal_error_body()
            return "internal-error", [], self._reply(incoming, body, attached), digest

    def _answer(self, incoming: mailmsg.Incoming, raw: bytes
                ) -> tuple[str, list[tuple[str, str]], mailmsg.EmailMessage | None]:
        try:
            contents = mailmsg.attachments(raw, self.cfg.max_attachments)
        except mailmsg.TooComplex as exc:
            body, files = mailmsg.too_complex_body(str(exc))
            return "replied-too-complex", [], self._reply(incoming, body, files)
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
        self.staging.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.staging.chmod(0o700)  # the clerks' workbooks: for this account alone
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

        fd = os.open(str(self.cfg.journal) + ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            if sys.platform == "win32":
                import msvcrt  # Windows' byte-range lock (there is no fcntl there)

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl  # POSIX only
                # A POSIX record lock belongs to this process alone: a forked conversion child does not hold
                # it, so a gateway killed mid-conversion can be restarted at once (a flock() lock would live
                # on in the orphan).
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
                except (OSError, sqlite3.Error) as exc:
                    if not disk_full(exc):
                        raise
                    if once:
                        raise GatewayError(DISK_FULL) from exc
                    delay = min(300.0, max(delay * 2, self.cfg.poll_seconds))
                    log.error("%s；%.0f 秒后重试", DISK_FULL, delay)
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


def imap_utf7(name: str) -> str:
    """A folder name as IMAP writes it (RFC 3501 5.1.3, modified UTF-7): “年报” is "&XnRipQ-"."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            encoded = base64.b64encode("".join(run).encode("utf-16-be")).decode("ascii").rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def _flags(imap: imaplib.IMAP4, uid: int, modseq: bool) -> tuple[set[str], int]:
    typ, data = imap.uid("FETCH", str(uid), "(FLAGS MODSEQ)" if modseq else "(FLAGS)")
    text = b" ".join(x[0] if isinstance(x, tuple) else x for x in data if isinstance(x, (bytes, tuple))) if typ == "OK" else b""
    flags = re.search(rb"FLAGS \(([^)]*)\)", text)
    seq = re.search(rb"MODSEQ \((\d+)\)", text)
    return ({f.decode("ascii", "replace") for f in flags.group(1).split()} if flags else set(),
            int(seq.group(1)) if seq else 0)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mailbox_name(folder: str) -> str:
    """A folder's name as an IMAP command argument: modified UTF-7, quoted."""
    return _quote(imap_utf7(folder))


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
        problem = j.meta("account_problem")
        if problem:
            since = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(j.meta("account_problem_since") or 0)))
            lines.append(f"【发件账户有问题，自 {since} 起回复暂停发送】{problem}。改正后自动补发，无需重启。")
        counts = j.counts()
        total = sum(counts.values())
        lines.append(f"共 {total} 封：" + "，".join(f"{OUTCOME_ZH.get(o, o)} {n}" for o, n in sorted(counts.items())) if total else "共 0 封")
        pending = j.pending()
        if pending:
            lines.append(f"待完成 {len(pending)} 封（下次轮询时继续）：" + "；".join(
                f"{e.sender}《{e.subject}》{'回复待发送' if e.state == READY else '待标记'}" + (f"，上次失败：{e.last_error}" if e.last_error else "")
                for e in pending))
        waiting = j.deferred()
        if waiting:
            lines.append(f"等待中 {len(waiting)} 封（同一发件人一小时内的回复已达上限，稍后自动回复）：" + "；".join(
                f"{who}《{subject}》" for who, subject, _ in waiting))
        refused = j.refused()
        if refused:
            lines.append(f"回复被拒收、需要人工联系 {len(refused)} 封：" + "；".join(
                f"{e.sender}《{e.subject}》（{e.last_error}）" for e in refused))
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

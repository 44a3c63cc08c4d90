"""The mail gateway's journal (SQLite): what arrived, what was done, and how far each message got.

States, in order: ``ready`` (the reply is built and stored here, not yet sent), ``sent`` (the SMTP server
accepted it), ``done`` (the message is marked on the IMAP server). A message is marked only after its
reply was sent, and a reply is built once and stored before sending, so a crash at any point resumes with
the same reply: nothing is lost and nothing is answered twice (except the one case gateway.py describes).
Beside the messages: this gateway's id and first start and the sending account's state (meta), messages
waiting for the hourly limit (deferred), and failed attempts by mailbox position (failures).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

READY, SENT, DONE = "ready", "sent", "done"

OUTCOME_ZH = {
    "replied-ok": "已回复报告",
    "replied-errors": "已回复标注副本（有错误）",
    "replied-unreadable": "已回复说明（附件无法读取）",
    "replied-no-attachment": "已回复说明（没有工作簿附件）",
    "replied-too-large": "已回复说明（邮件过大）",
    "replied-too-complex": "已回复说明（邮件结构过于复杂）",
    "ignored-auto": "未回复（自动回复或退信）",
    "ignored-domain": "未回复（发件人不在允许的域名内）",
    "ignored-self": "未回复（本网关自己发出的邮件）",
    "reply-refused": "回复被邮件服务器拒收",
    "internal-error": "已回复说明（程序出错，请对方重新发送）",
    "ignored-rate": "未回复（同一发件人一小时内回复已达上限）",
    "quarantined": "已隔离（多次处理出错，已标记，留待人工处理）",
    "ignored-forged": "未回复（收件服务器判定发件人是冒用的）",
    "duplicate": "未回复（同一封邮件的重复投递，已回复过）",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    key TEXT PRIMARY KEY,         -- "Message-ID|sender" (a hash of the header without a Message-ID; "|digest"
                                  -- added for a reused Message-ID with other content; "duplicate:..." rows)
    folder TEXT, uidvalidity INTEGER, uid INTEGER,
    sender TEXT, subject TEXT, files TEXT,   -- files: JSON [[name, status], ...]
    outcome TEXT, state TEXT NOT NULL,
    reply BLOB, reply_to TEXT, reply_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
    received REAL NOT NULL,       -- when the gateway first saw it (epoch seconds)
    converted REAL, sent REAL, done REAL
);
CREATE INDEX IF NOT EXISTS by_state ON messages(state);
CREATE TABLE IF NOT EXISTS meta (      -- this gateway: its id, its first start, the sending account's state
    key TEXT PRIMARY KEY, value TEXT
);
CREATE TABLE IF NOT EXISTS deferred (  -- messages waiting for the per-sender hourly limit (not answered yet)
    key TEXT PRIMARY KEY, sender TEXT, subject TEXT, since REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (  -- attempts that raised, by "uidvalidity:uid" of the message
    key TEXT PRIMARY KEY, attempts INTEGER NOT NULL, last_error TEXT
);
"""


@dataclass
class Entry:
    key: str
    state: str
    outcome: str | None
    sender: str
    subject: str
    files: list[list[str]]
    reply: bytes | None
    reply_to: str | None
    uid: int | None
    attempts: int
    received: float
    sent: float | None
    last_error: str | None


class Journal:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the clerks' addresses, subjects and replies: for this account alone (SQLite gives its -wal and
        # -shm files the database file's mode)
        os.close(os.open(str(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        # autocommit off, one short transaction per step; WAL so --status can read while the gateway runs
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a step recorded is a step that survives a power cut
        self.db.executescript(_SCHEMA)
        for column in ("sending REAL", "uncertain INTEGER NOT NULL DEFAULT 0", "digest TEXT"):  # journals of earlier versions
            try:
                self.db.execute(f"ALTER TABLE messages ADD COLUMN {column}")
            except sqlite3.OperationalError:
                pass  # already there

    def close(self) -> None:
        self.db.close()

    # --- this gateway ---------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        with self.db:
            if value is None:
                self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                (key, value))

    def first_start(self) -> float:
        """When this journal's gateway first started: by default mail that arrived before is not answered
        (an existing mailbox full of last year's messages)."""
        value = self.meta("first_start")
        if value is None:
            value = repr(time.time())
            self.set_meta("first_start", value)
        return float(value)

    def gateway_id(self) -> str:
        """This gateway's name among the gateways of one mailbox (in its IMAP claim keyword)."""
        value = self.meta("gateway_id")
        if value is None:
            value = secrets.token_hex(4)
            self.set_meta("gateway_id", value)
        return value

    def defer(self, key: str, sender: str, subject: str) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO deferred (key, sender, subject, since) VALUES (?,?,?,?)",
                            (key, sender, subject, time.time()))

    def keep_deferred(self, waiting: set[str]) -> None:
        """After a whole pass over the folder: only the messages still there wait (one a person deleted or
        moved before its hour came is no longer listed as waiting)."""
        gone = [k for (k,) in self.db.execute("SELECT key FROM deferred") if k not in waiting]
        with self.db:
            self.db.executemany("DELETE FROM deferred WHERE key = ?", [(k,) for k in gone])

    def deferred(self) -> list[tuple[str, str, float]]:
        return [(r[0], r[1], r[2]) for r in self.db.execute("SELECT sender, subject, since FROM deferred ORDER BY since")]

    def get(self, key: str) -> Entry | None:
        row = self.db.execute(
            "SELECT key, state, outcome, sender, subject, files, reply, reply_to, uid, attempts, received, sent, last_error"
            " FROM messages WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return Entry(row[0], row[1], row[2], row[3] or "", row[4] or "", json.loads(row[5] or "[]"), row[6], row[7],
                     row[8], row[9], row[10], row[11], row[12])

    def record(self, key: str, *, folder: str, uidvalidity: int, uid: int, sender: str, subject: str,
               files: list[tuple[str, str]], outcome: str, reply: bytes | None, reply_to: str | None,
               reply_id: str | None, received: float, digest: str | None = None) -> None:
        """The decision and (if any) the reply, in one transaction: from here on the reply is fixed."""
        state = READY if reply is not None else SENT  # nothing to send: only the IMAP mark is left
        with self.db:
            self.db.execute(
                "INSERT INTO messages (key, folder, uidvalidity, uid, sender, subject, files, outcome, state, reply,"
                " reply_to, reply_id, received, converted, digest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (key, folder, uidvalidity, uid, sender, subject, json.dumps(files, ensure_ascii=False, allow_nan=False), outcome, state,
                 reply, reply_to, reply_id, received, time.time(), digest))
            self.db.execute("DELETE FROM deferred WHERE key = ?", (key,))

    def digest(self, key: str) -> str | None:
        row = self.db.execute("SELECT digest FROM messages WHERE key = ?", (key,)).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def replace_reply(self, key: str, reply: bytes) -> None:
        """A smaller reply instead (the server refused the first one's size): sent from now on."""
        with self.db:
            self.db.execute("UPDATE messages SET reply = ?, sending = NULL WHERE key = ?", (reply, key))

    def mark_sending(self, key: str) -> bool:
        """Recorded before the reply goes to the SMTP server. Returns True when an earlier attempt got that
        far and no further (killed between DATA and the server's answer): whether that reply went out is
        unknown, so it is sent again (with the same Message-ID) and listed as 结果不明，已重发."""
        row = self.db.execute("SELECT sending FROM messages WHERE key = ?", (key,)).fetchone()
        unknown = row is not None and row[0] is not None
        with self.db:
            self.db.execute("UPDATE messages SET sending = ?, uncertain = uncertain + ? WHERE key = ?", (time.time(), int(unknown), key))
        return unknown

    def mark_sent(self, key: str) -> None:
        with self.db:
            self.db.execute("UPDATE messages SET state = ?, sent = ?, last_error = NULL, sending = NULL WHERE key = ?",
                            (SENT, time.time(), key))

    def mark_done(self, key: str, uid: int | None = None) -> None:
        with self.db:
            # the reply's bytes are not needed any more (it was sent): the journal stays small
            self.db.execute("UPDATE messages SET state = ?, done = ?, uid = COALESCE(?, uid), reply = NULL WHERE key = ?",
                            (DONE, time.time(), uid, key))

    def failed(self, key: str, error: str, give_up: bool = False, refused: bool = True) -> None:
        """refused: the server said no (not sent). Otherwise the connection failed: if DATA had begun, the
        outcome stays unknown ("sending" is kept)."""
        with self.db:
            if refused:
                self.db.execute("UPDATE messages SET sending = NULL WHERE key = ?", (key,))
            if give_up:
                self.db.execute("UPDATE messages SET state = ?, outcome = 'reply-refused', attempts = attempts + 1,"
                                " last_error = ? WHERE key = ?", (SENT, error[:500], key))
            else:
                self.db.execute("UPDATE messages SET attempts = attempts + 1, last_error = ? WHERE key = ?", (error[:500], key))

    def quarantine(self, key: str, *, folder: str, uidvalidity: int, uid: int, error: str) -> None:
        """A message given up on: recorded, done, for --status to list."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO messages (key, folder, uidvalidity, uid, sender, subject, files, outcome, state,"
                " last_error, received, done) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (key, folder, uidvalidity, uid, "", f"（第 {uid} 封，见邮箱中带 $NianbaoQuarantine 标记的邮件）", "[]",
                 "quarantined", DONE, error[:500], time.time(), time.time()))

    def replies_since(self, sender: str, since: float) -> int:
        """Replies recorded for this sender since then (for the per-hour limit): only mail that passed the
        sender checks was answered, so forged or foreign mail never uses up anybody's limit."""
        row = self.db.execute("SELECT COUNT(*) FROM messages WHERE sender = ? AND converted >= ? AND outcome LIKE 'replied-%'",
                              (sender, since)).fetchone()
        return int(row[0])

    def attempt_failed(self, key: str, error: str) -> int:
        """One more failed attempt at a message (by its place in the mailbox); returns how many so far."""
        with self.db:
            self.db.execute("INSERT INTO failures (key, attempts, last_error) VALUES (?, 1, ?)"
                            " ON CONFLICT(key) DO UPDATE SET attempts = attempts + 1, last_error = excluded.last_error",
                            (key, error[:500]))
        row = self.db.execute("SELECT attempts FROM failures WHERE key = ?", (key,)).fetchone()
        return int(row[0])

    def pending(self) -> list[Entry]:
        keys = [r[0] for r in self.db.execute("SELECT key FROM messages WHERE state != ? ORDER BY received", (DONE,))]
        return [e for k in keys if (e := self.get(k)) is not None]

    def refused(self) -> list[Entry]:
        """Replies a server refused for good for their recipient: a person has to reach these clerks."""
        keys = [r[0] for r in self.db.execute("SELECT key FROM messages WHERE outcome = 'reply-refused' ORDER BY received")]
        return [e for k in keys if (e := self.get(k)) is not None]

    def rows(self, limit: int = 50) -> list[dict[str, Any]]:
        cur = self.db.execute(
            "SELECT received, sender, subject, files, outcome, state, attempts, last_error, sent, uncertain FROM messages"
            " ORDER BY received DESC LIMIT ?", (limit,))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def counts(self) -> dict[str, int]:
        return {o or "": n for o, n in self.db.execute("SELECT outcome, COUNT(*) FROM messages GROUP BY outcome")}

"""One record of the season: every file received — from the inbox folder, the mailbox or the web page —
once, with where and when it came and what the check made of it. SQLite by default (one file beside the
collection, no server), opened in WAL mode with a busy timeout so that a batch run, the mail gateway and
the web page can write at the same time; plain SQL (INSERT … ON CONFLICT) that PostgreSQL runs as well."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, fields
from pathlib import Path

from nianbao.conversion import Conversion
from nianbao.season.roster import Roster, Unit

RECORD_NAME = "报送记录.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS received (
    sha256     TEXT NOT NULL,
    source     TEXT NOT NULL,   -- folder | mail | web
    path       TEXT NOT NULL,   -- the file as received: its path in the inbox, or the attachment's name
    sender     TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '',
    received   TEXT NOT NULL,   -- ISO 8601: mail date, upload time, or the file's time
    agency     TEXT NOT NULL DEFAULT '',
    agency_type TEXT NOT NULL DEFAULT '',  -- 机关类型 as the workbook says
    year       INTEGER,
    status     TEXT NOT NULL,   -- ok | errors | unreadable (nianbao.conversion.Status)
    errors     INTEGER NOT NULL DEFAULT 0,
    warnings   INTEGER NOT NULL DEFAULT 0,
    first      TEXT NOT NULL DEFAULT '',  -- the first problem to fix, as a line
    form       TEXT NOT NULL DEFAULT '',
    figures    TEXT NOT NULL DEFAULT '{}',  -- JSON {table: {cell: figure}} of a workbook that could be read: the sum
    report     TEXT,            -- relative to the output folder
    annotated  TEXT,
    recorded   TEXT NOT NULL,
    PRIMARY KEY (sha256, source, path)
);
CREATE TABLE IF NOT EXISTS pins (        -- a person chose the version that counts for a unit
    unit   TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    pinned TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reminders (   -- every reminder sent, so that none goes twice within the interval
    unit    TEXT NOT NULL,
    address TEXT NOT NULL,
    status  TEXT NOT NULL,   -- the unit's status it reminded of
    sent    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS roster (      -- the roster the season was last computed with, so that its folder
    pos     INTEGER PRIMARY KEY,          -- alone says who had to report (nianbao region, export)
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    emails  TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT '',
    parent  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS assignments ( -- a person said which unit a file belongs to
    sha256 TEXT PRIMARY KEY,
    unit   TEXT NOT NULL
);
"""


@dataclass
class Received:
    sha256: str
    source: str
    path: str
    received: str
    status: str
    sender: str = ""
    message_id: str = ""
    agency: str = ""
    year: int | None = None
    errors: int = 0
    warnings: int = 0
    first: str = ""
    form: str = ""
    figures: str = "{}"  # JSON {table: {cell: figure}}: what the region's total adds up
    report: str | None = None
    annotated: str | None = None
    recorded: str = ""
    agency_type: str = ""


_COLUMNS = [f.name for f in fields(Received)]


def from_conversion(sha256: str, source: str, path: str, received: str, conv: Conversion, *, sender: str = "",
                    message_id: str = "") -> Received:
    """A file the mail gateway or the web page converted, as the season records it."""
    first = (conv.report.errors or conv.report.warnings)[:1]
    return Received(sha256, source, path, received, conv.status.value, sender=sender, message_id=message_id,
                    agency=conv.agency, agency_type=conv.agency_type, year=conv.year, errors=conv.errors, warnings=conv.warnings,
                    first=first[0].line() if first else "", form=conv.form,
                    figures=json.dumps(conv.figures, ensure_ascii=False, allow_nan=False))


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class SeasonRecord:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
        self.db.execute("PRAGMA busy_timeout=30000")  # writers wait for each other instead of failing
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(received)")}
        for added in ("agency_type",):  # a record of an earlier nianbao: the columns added since, empty
            if added not in columns:
                self.db.execute(f"ALTER TABLE received ADD COLUMN {added} TEXT NOT NULL DEFAULT ''")

    def __enter__(self) -> SeasonRecord:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def add(self, rec: Received) -> None:
        """Record a file once: the same content from the same place again updates what the check made of
        it (a newer nianbao, outputs moved), never the time it was first received."""
        rec.recorded = rec.recorded or now()
        values = [getattr(rec, c) for c in _COLUMNS]
        update = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c not in ("sha256", "source", "path", "received", "recorded"))
        self.db.execute(f"INSERT INTO received ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
                        f"ON CONFLICT (sha256, source, path) DO UPDATE SET {update}", values)

    def all(self) -> list[Received]:
        rows = self.db.execute(f"SELECT {', '.join(_COLUMNS)} FROM received ORDER BY received, path").fetchall()
        return [Received(*row) for row in rows]

    def set_outputs(self, sha256: str, source: str, path: str, report: str | None, annotated: str | None) -> None:
        self.db.execute("UPDATE received SET report = ?, annotated = ? WHERE sha256 = ? AND source = ? AND path = ?",
                        (report, annotated, sha256, source, path))

    def pin(self, unit: str, sha256: str) -> None:
        self.db.execute("INSERT INTO pins (unit, sha256, pinned) VALUES (?, ?, ?) "
                        "ON CONFLICT (unit) DO UPDATE SET sha256 = excluded.sha256, pinned = excluded.pinned",
                        (unit, sha256, now()))

    def pins(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT unit, sha256 FROM pins").fetchall())

    def remind(self, unit: str, address: str, status: str) -> None:
        self.db.execute("INSERT INTO reminders (unit, address, status, sent) VALUES (?, ?, ?, ?)", (unit, address, status, now()))

    def last_reminded(self) -> dict[str, str]:
        """unit -> when it was last reminded (ISO 8601)."""
        return dict(self.db.execute("SELECT unit, MAX(sent) FROM reminders GROUP BY unit").fetchall())

    def keep_roster(self, roster: Roster) -> None:
        """The roster this season is computed with, kept in its record (replacing the one kept before)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM roster")
            self.db.executemany("INSERT INTO roster (pos, name, kind, contact, emails, aliases, parent) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [(i, u.name, u.kind, u.contact, ",".join(u.emails), ",".join(u.aliases), u.parent)
                                 for i, u in enumerate(roster.units)])

    def roster(self) -> Roster | None:
        """The roster kept by the last run with one; None when none was."""
        rows = self.db.execute("SELECT name, kind, contact, emails, aliases, parent FROM roster ORDER BY pos").fetchall()
        if not rows:
            return None
        return Roster([Unit(name, kind, contact, tuple(e for e in emails.split(",") if e), tuple(a for a in aliases.split(",") if a), parent)
                       for name, kind, contact, emails, aliases, parent in rows], "报送记录")

    def assign(self, sha256: str, unit: str) -> None:
        self.db.execute("INSERT INTO assignments (sha256, unit) VALUES (?, ?) "
                        "ON CONFLICT (sha256) DO UPDATE SET unit = excluded.unit", (sha256, unit))

    def assignments(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT sha256, unit FROM assignments").fetchall())

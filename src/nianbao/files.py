"""Writing output files so that a failure never leaves half a file or clobbers a good one."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sqlite3
import tempfile
from pathlib import Path

NAME_BYTES = 150  # of a file system's 255 per name: room for a suffix and the ".….part" of atomic writes


def cut_bytes(text: str, limit: int = NAME_BYTES) -> str:
    """text cut to at most limit bytes of UTF-8, at a character boundary (names of emoji or rare
    characters take four bytes each: a cut by characters overflows the file system's limit)."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def safe_filename(text: str, fallback: str = "报告") -> str:
    """An agency name or a sender's file name made safe as one file name (no folders, no controls)."""
    return cut_bytes(re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text).strip(" .")[:80]).strip(" .") or fallback


def sha256_of(path: Path) -> str:
    """The file's SHA-256 (hex), read in pieces: how every part of the tool tells one version of a file."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _umask() -> int:
    """This process's umask, read without changing it (os.umask sets it, which races with other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write_bytes(path: Path, data: bytes, parents: bool = True) -> None:
    """Write to a temporary file in the target folder, then rename it into place. The file gets the
    permissions of a file replaced, else those any program's new file gets (mkstemp's own are private:
    a report or open data published from that folder would be unreadable to the web server)."""
    path = Path(path)
    if parents:  # else a folder that is gone (a job deleted meanwhile) stays gone: FileNotFoundError
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            mode = 0o666 & ~_umask()
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def disk_full(exc: BaseException) -> bool:
    """This machine is out of space or quota (an OSError ENOSPC/EDQUOT, SQLite's "disk is full"), anywhere in
    the exception's chain: the machine's trouble, never the clerk's file (the mail gateway and the web page)."""
    seen: BaseException | None = exc
    for _ in range(10):  # a chain of causes, bounded: a cycle in it cannot loop
        if seen is None:
            return False
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(seen, sqlite3.Error) and ("full" in str(seen).lower() or "disk i/o" in str(seen).lower()):
            return True
        seen = seen.__cause__ or seen.__context__
    return False

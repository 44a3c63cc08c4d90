"""Writing output files so that a failure never leaves half a file or clobbers a good one."""

from __future__ import annotations

import os
import re
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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the target folder, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
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

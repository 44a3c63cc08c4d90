"""Writing output files so that a failure never leaves half a file or clobbers a good one."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def safe_filename(text: str, fallback: str = "报告") -> str:
    """An agency name or a sender's file name made safe as one file name (no folders, no controls)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text).strip(" .")[:80] or fallback


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

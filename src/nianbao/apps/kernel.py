"""The apps' shared kernel (batch, audit, mail and the web page are apps of their own and never import each
other; what they share is here): what came in — the files of an inbox folder or .zip, the private place an
upload or an attachment waits in, whether an attachment is meant as a workbook — and the plain answer to a
person (the findings as numbered lines)."""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

from nianbao import NianbaoError
from nianbao.conversion import WORKBOOK_SUFFIXES
from nianbao.files import cut_bytes, safe_filename
from nianbao.findings import Level, Report

SKIP_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_BYTES = 2 * 1024 * 1024 * 1024  # declared, for the whole inbox archive


def skipped(name: str) -> bool:
    """A file no person put there on purpose: hidden, an Office lock file, a folder view's database."""
    return name.startswith((".", "~$")) or name.lower() in SKIP_NAMES


def discover(inbox: Path, scratch: Path) -> list[tuple[str, Path]]:
    """(display name, path) of every file in a folder (recursively) or in a .zip (unpacked into scratch)."""
    if inbox.is_dir():
        found = [
            (str(p.relative_to(inbox)), p)
            for p in sorted(inbox.rglob("*"))
            if p.is_file() and not any(skipped(part) for part in p.relative_to(inbox).parts)
        ]
        return found
    return _unzip(inbox, scratch)


def _unzip(archive: Path, scratch: Path) -> list[tuple[str, Path]]:
    """Members of an inbox archive, each written into a folder of ours by index: a member name never chooses a path."""
    out: list[tuple[str, Path]] = []
    with zipfile.ZipFile(archive) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
            raise BatchError(f"压缩包“{archive.name}”中的文件过多或过大，请分批处理")
        for n, info in enumerate(infos):
            name = _member_name(info)
            if any(skipped(part) for part in name.split("/")):
                continue
            target = staging_path(scratch / f"{n:05d}", Path(name).name)  # messages name the member as the sender did
            with zf.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)  # each member is then guarded like any file
            try:  # the member's own time: when it was received, for a collection season
                stamp = time.mktime((*info.date_time, 0, 0, -1))
                os.utime(target, (stamp, stamp))
            except (OverflowError, ValueError, OSError):
                pass
            out.append((name, target))
    return out


def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # no UTF-8 flag: Chinese Windows zips names in GBK
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "/".join(parts)  # for display only: files are written under scratch by index


class BatchError(NianbaoError):
    """The batch as a whole cannot run (bad inbox, unwritable output)."""


def looks_like_workbook(name: str, content_type: str = "") -> bool:
    """Is this attachment meant as the workbook? (Anything spreadsheet-like: a wrong kind is explained
    by the guard; pictures, signatures and letters are not workbooks.)"""
    lower = name.lower()
    return lower.endswith(WORKBOOK_SUFFIXES) or "spreadsheet" in content_type or "excel" in content_type


def staging_path(folder: Path, name: str) -> Path:
    """Where to put an uploaded or attached file so that every message names it as the sender did:
    a private folder of ours, the sender's name made safe (never a path of theirs)."""
    folder.mkdir(parents=True, exist_ok=True)
    p = Path(name)
    return folder / (cut_bytes(safe_filename(p.stem, "工作簿"), 120) + cut_bytes(p.suffix.lower()[:8], 16))


def plain_findings(report: Report, limit: int = 30) -> list[str]:
    """The findings as numbered lines for a person: errors first, then open warnings."""
    shown = [f for f in report.findings if f.level is Level.ERROR]
    shown += [f for f in report.findings if f.level is Level.WARNING and not f.acknowledged]
    lines = [f"{i}. {'【错误】' if f.level is Level.ERROR else '【提醒】'}{f.position + '：' if f.position else ''}{f.message}"
             for i, f in enumerate(shown[:limit], 1)]
    if len(shown) > limit:
        lines.append(f"……另有 {len(shown) - limit} 条，详见附件中的标注副本")
    return lines

"""Checks on the file itself, by content, before any parser sees it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .findings import Finding, Level

MAX_FILE_BYTES = 20 * 1024 * 1024  # a filled workbook is ~50 KB; 20 MB is generous
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # declared sizes in the zip directory, read without inflating
MAX_RATIO = 200
MAX_ENTRIES = 2000

_SAVE_AS = "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（*.xlsx）再发送。"


def _sniff(head: bytes) -> str | None:
    """What a non-zip file most likely is, in words a clerk knows."""
    if head.startswith(b"%PDF"):
        return "PDF 文件"
    if head.startswith(b"{\\rtf"):
        return "RTF 文档"
    if head[:5].lower() in (b"<html", b"<!doc", b"<?xml"):
        return "网页或 XML 文件"
    if head.startswith(b"Rar!") or head.startswith(b"7z\xbc\xaf"):
        return "压缩包"
    try:
        head.decode("utf-8")
        return "文本文件（可能是改了扩展名的 CSV）"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("gb18030")
        return "文本文件（可能是改了扩展名的 CSV）"
    except UnicodeDecodeError:
        return None


def check_file(path: Path) -> list[Finding]:
    """Findings about the file as a file; any error here means it must not be parsed."""

    def err(code: str, msg: str) -> list[Finding]:
        return [Finding(code, Level.ERROR, msg)]

    name = path.name
    if not path.is_file():
        return err("file-missing", f"找不到文件“{path}”。")
    size = path.stat().st_size
    if size == 0:
        return err("file-empty", f"“{name}”是空文件（0 字节），可能发送或保存时出错，请重新发送。")
    if size > MAX_FILE_BYTES:
        return err("file-too-large", f"“{name}”有 {size // 1024 // 1024} MB，远超填报工作簿的正常大小（上限 {MAX_FILE_BYTES // 1024 // 1024} MB）。")
    with path.open("rb") as fh:
        head = fh.read(512)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return err(
            "file-encrypted-or-legacy",
            f"“{name}”是旧版 .xls/WPS .et 格式，或是设置了打开密码的工作簿。"
            f"如有密码，请取消文件打开密码后重新发送；否则{_SAVE_AS}",
        )
    if not head.startswith(b"PK"):
        what = _sniff(head)
        return err("file-not-xlsx", f"“{name}”不是 Excel 工作簿" + (f"，看起来是{what}" if what else "") + f"。{_SAVE_AS}")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return err("file-corrupt", f"“{name}”已损坏（压缩结构无法读取），可能下载不完整。{_SAVE_AS}")
    names = {i.filename for i in infos}
    declared = sum(i.file_size for i in infos)
    if len(infos) > MAX_ENTRIES or declared > MAX_UNZIPPED_BYTES or declared > MAX_RATIO * max(size, 1) + 10_000_000:
        return err("file-too-large", f"“{name}”解压后的内容异常庞大（声明 {declared // 1024 // 1024} MB、{len(infos)} 个部件），已拒绝读取。")
    if "xl/workbook.xml" not in names:
        kind = "Word 文档" if "word/document.xml" in names else "其他压缩文件"
        return err("file-not-xlsx", f"“{name}”不是 Excel 工作簿（是{kind}）。{_SAVE_AS}")
    found: list[Finding] = []
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        found.append(
            Finding("file-macro", Level.WARNING, f"“{name}”含有宏代码。宏不会被执行，也不会随报告转发；建议另存为不含宏的 .xlsx。")
        )
    return found

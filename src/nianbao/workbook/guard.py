"""Checks on the file itself, by content, before any parser sees it."""

from __future__ import annotations

import zipfile
from pathlib import Path
from zlib import error as zlib_error

from nianbao.findings import Finding, Level

MAX_FILE_BYTES = 10 * 1024 * 1024  # a filled workbook is 25-500 KB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # declared sizes in the zip directory, read without inflating
MAX_RATIO = 100  # XML compresses 5-20x; a zip bomb 1000x
RATIO_FLOOR = 5 * 1024 * 1024  # below this many declared bytes a high ratio is harmless
MAX_ENTRIES = 1000
SNIFF_BYTES = 4096  # of each XML part, to find DOCTYPE/ENTITY declarations without inflating it all

_SAVE_AS = "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（*.xlsx）再发送。"
# a report as published (web page, Word, PDF) can be read back rather than retyped
_PUBLISHED = "请发送填好的 .xlsx 工作簿；如果这是已发布的年度报告，可以用 nianbao import 把它读回填报工作簿。"


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


def _ole_message(path: Path) -> str:
    """An OLE compound file: an encrypted .xlsx, a legacy .xls (or WPS .et), or a Word .doc."""
    name = path.name
    try:
        import olefile  # only for OLE files (old .xls, encrypted workbooks): the guard stays light for the rest

        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(p) for p in ole.listdir()}
    except Exception:  # noqa: BLE001 - a broken OLE file gets the general answer
        streams = set()
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return f"“{name}”设置了打开密码，程序无法读取。请在 Excel 或 WPS 中取消文件打开密码（文件→信息→保护工作簿/文档加密）后重新发送。"
    if "WordDocument" in streams:
        return f"“{name}”是 Word 文档（.doc），不是填报工作簿。请发送填好的 .xlsx 工作簿。"
    if "Workbook" in streams or "Book" in streams:
        return f"“{name}”是旧版 Excel（.xls）或 WPS 表格（.et）格式。{_SAVE_AS}"
    return f"“{name}”是旧版 Office 格式，或设置了打开密码。如有密码请取消后重新发送；否则{_SAVE_AS}"


def _entity_declarations(path: Path, infos: list[zipfile.ZipInfo]) -> str | None:
    """The first XML part that declares a DOCTYPE or entities (billion laughs, external entities)."""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in infos:
                if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                with zf.open(info) as fh:
                    head = fh.read(SNIFF_BYTES)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    return info.filename
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, zlib_error):
        return None  # unreadable parts are reported by the parser as a corrupt file
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
        return err("file-encrypted-or-legacy", _ole_message(path))
    if not head.startswith(b"PK"):
        what = _sniff(head)
        advice = _PUBLISHED if what in ("PDF 文件", "网页或 XML 文件") else _SAVE_AS
        return err("file-not-xlsx", f"“{name}”不是 Excel 工作簿" + (f"，看起来是{what}" if what else "") + f"。{advice}")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return err("file-corrupt", f"“{name}”已损坏（压缩结构无法读取），可能下载不完整。{_SAVE_AS}")
    names = {i.filename for i in infos}
    declared = sum(i.file_size for i in infos)
    bomb = any(i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos)
    if len(infos) > MAX_ENTRIES or declared > MAX_UNZIPPED_BYTES or bomb:
        return err("file-too-large", f"“{name}”解压后的内容异常庞大（声明 {declared / 1024 / 1024:.0f} MB、{len(infos)} 个部件），不像填报工作簿，已拒绝读取。")
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return err("file-not-xlsx", f"“{name}”是 Word 文档，不是填报工作簿。{_PUBLISHED}")
        if "content.xml" in names:
            return err("file-not-xlsx", f"“{name}”是 ODS 表格（WPS、LibreOffice 的开放文档格式），不是 .xlsx 工作簿。{_SAVE_AS}")
        return err("file-not-xlsx", f"“{name}”不是 Excel 工作簿（是其他压缩文件）。{_SAVE_AS}")
    unsafe = _entity_declarations(path, infos)
    if unsafe:
        return err("file-unsafe", f"“{name}”的部件 {unsafe} 含有 XML 实体声明（正常的工作簿没有），已拒绝读取。{_SAVE_AS}")
    found: list[Finding] = []
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        found.append(
            Finding.of("file-macro", f"“{name}”含有宏代码。宏不会被执行，也不会随报告转发；建议另存为不含宏的 .xlsx。")
        )
    return found

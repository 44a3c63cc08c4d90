"""Reading an incoming message and writing the reply: which mail to answer at all (no reply loops, no
backscatter), where the workbooks are, and what the clerk reads back (plain Chinese, in the same thread)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import Header, decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import formatdate, parseaddr

from nianbao import NianbaoError
from nianbao.apps.kernel import looks_like_workbook, plain_findings
from nianbao.conversion import Conversion, Status

SIGNATURE = "——\n本邮件由年报助手（nianbao）自动发送。改正后可直接回复本邮件并附上工作簿，会再次自动处理。"
AUTO_SENDERS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply", "bounce")


@dataclass
class Incoming:
    key: str
    message_id: str
    sender: str  # bare address, lower-case
    sender_display: str
    subject: str
    references: str
    headers: Message


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class Contents:
    workbooks: list[Attachment] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # names of attachments that are not workbooks
    over_limit: list[str] = field(default_factory=list)  # workbooks beyond the per-message limit
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (name, name of the identical one kept)


def parse_headers(raw_headers: bytes) -> Incoming:
    msg = BytesHeaderParser(policy=policy.compat32).parsebytes(raw_headers)
    mid = _one_line(_h(msg, "Message-ID") or "")
    name, addr = sender_of(msg)
    # A reused Message-ID from someone else is another message: the sender is part of the key.
    key = f"{mid}|{addr}" if mid else "sha256:" + hashlib.sha256(raw_headers).hexdigest()
    subject = _one_line(_h(msg, "Subject") or "")
    refs = " ".join(x for x in (_one_line(_h(msg, "References") or ""), mid) if x)
    return Incoming(key, mid, addr, name, subject, refs, msg)


def _one_line(text: str) -> str:
    """A header value fit to be written into a reply or a log line: encoded CR, LF and other control
    characters (=?UTF-8?B?...?= can hide them) become spaces."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text).strip()[:998]


def sender_of(msg: Message) -> tuple[str, str]:
    """(display name, bare lower-case address) of From. The address is parsed from the raw header before
    anything is decoded: an encoded display name may hold "<boss@county.gov.cn>" or "王芳, 县办公室", and
    neither may change who the sender is."""
    raw = msg.get("From")
    if raw is None:
        return "", ""
    text = str(raw)
    if isinstance(raw, Header):
        # raw 8-bit bytes: an SMTPUTF8 message (RFC 6532: UTF-8, 张三@例子.中国) is read as UTF-8; anything
        # else (raw GBK from an old client) stays as the parser left it. Either way the name-addr's own
        # <address>, the last one, is the sender: bytes in a display name never choose the address.
        raw_bytes = b"".join(c if isinstance(c, bytes) else c.encode("utf-8", "surrogateescape") for c, _ in decode_header(raw))
        try:
            text = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            pass
        angles = [a for a in re.findall(r"<([^<>\s]+)>", text) if _ADDR.fullmatch(a)]
        if angles:
            return _one_line(_text(raw)[: _text(raw).rfind("<")]), angles[-1].lower()
    try:
        header = policy.default.header_factory("From", text)
        addresses = getattr(header, "addresses", ())
        if addresses and _ADDR.fullmatch(addresses[0].addr_spec or ""):
            return _one_line(addresses[0].display_name), addresses[0].addr_spec.strip().lower()
    except Exception:  # noqa: BLE001 - a header the registry cannot parse: the angle address below
        pass
    # A malformed display name (an invalid encoded word with ":" or "@" in it) can make the parser see
    # another address: the name-addr's own <address>, the last one, is the sender's.
    angles = [a for a in re.findall(r"<([^<>\s]+)>", text) if _ADDR.fullmatch(a)]
    if angles:
        name = text[:text.rfind("<")]
        return _one_line(_text(name)), angles[-1].lower()
    name, addr = parseaddr(text)
    return _one_line(_text(name)), addr.strip().lower() if _ADDR.fullmatch(addr.strip()) else ""


# RFC 5321 addresses, and RFC 6531's internationalised ones (张三@例子.中国: UTF-8 in the local part and
# the domain, as the SMTPUTF8 clients of Chinese providers send them)
_ADDR = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\u00a1-\ud7ff\ue000-\ufffc-]+@[A-Za-z0-9\u00a1-\ud7ff\ue000-\ufffc](?:[A-Za-z0-9\u00a1-\ud7ff\ue000-\ufffc-]*"
                   r"[A-Za-z0-9\u00a1-\ud7ff\ue000-\ufffc])?(?:\.[A-Za-z0-9\u00a1-\ud7ff\ue000-\ufffc](?:[A-Za-z0-9\u00a1-\ud7ff\ue000-\ufffc-]*[A-Za-z0-9\u00a1-\ud7ff\ue000-\ufffc])?)+")


def _text(value: object) -> str:
    """A header as text: encoded words (=?GBK?B?...?=, as Chinese clients send them) decoded; raw 8-bit
    bytes in a header (the parser hands those over as Header objects) become text too."""

    if not value:
        return ""
    if isinstance(value, Header):  # raw 8-bit bytes: clients that skip RFC 2047 send UTF-8 or GBK
        out = []
        for chunk, charset in decode_header(value):
            if isinstance(chunk, str):
                out.append(chunk)
                continue
            for encoding in ((charset,) if charset and charset != "unknown-8bit" else ()) + ("utf-8", "gb18030"):
                try:
                    out.append(chunk.decode(encoding))
                    break
                except (UnicodeError, LookupError):
                    continue
            else:
                out.append(chunk.decode("utf-8", "replace"))
        return "".join(out).strip()
    try:
        return str(make_header(decode_header(str(value)))).strip()
    except (UnicodeError, LookupError, ValueError, TypeError):
        return str(value).strip()


def _h(msg: Message, name: str) -> str | None:
    value = msg.get(name)
    return None if value is None else _text(value) or str(value)


def automatic_reason(msg: Message) -> str | None:
    """Why this message must not be answered automatically (RFC 3834 and what mail servers do in
    practice), or None. Answering an auto-reply or a bounce starts a mail loop."""
    auto = (_h(msg, "Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "X-Autogenerated", "X-Failed-Recipients"):
        value = _h(msg, header)
        if value is not None and not (header == "X-Auto-Response-Suppress" and value.strip().lower() in ("", "none")):
            return header
    precedence = (_h(msg, "Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if _h(msg, "List-Id") or _h(msg, "List-Unsubscribe"):
        return "mailing list"
    return_path = (_h(msg, "Return-Path") or "").strip()
    if return_path == "<>":
        return "empty Return-Path (a bounce)"
    if (msg.get_content_type() or "").lower() == "multipart/report":
        return "delivery report"
    _, addr = sender_of(msg)
    local = addr.split("@")[0].lower()
    if not addr or any(local.startswith(s) for s in AUTO_SENDERS):
        return f"sender {addr or '(none)'}"
    if AUTO_SUBJECT.search(_h(msg, "Subject") or ""):
        return "auto-reply subject"  # vacation responders that send none of the headers above
    return None


# What vacation responders put in the subject or at the top of the body when they set no header.
AUTO_SUBJECT = re.compile(r"(?i)^\s*(?:自动回复|自动答复|自动应答|休假|外出|不在办公室|auto(?:matic)?[ -]?(?:reply|response)|"
                          r"out of (?:the )?office|vacation|absence)")
AUTO_BODY = re.compile(r"(?i)(?:此邮件为自动回复|这是一封自动回复|自动回复邮件|我(?:目前|现在)?(?:正在)?休假|"
                       r"i am (?:currently )?out of (?:the )?office|this is an automatic reply)")


def automatic_body(raw: bytes) -> bool:
    """The first lines of the text body read like a vacation responder's."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        body = msg.get_body(("plain", "html"))
        text = body.get_content() if body is not None else ""
    except Exception:  # noqa: BLE001 - an unreadable body is not evidence either way
        return False
    return bool(AUTO_BODY.search(str(text)[:600]))


def domain_allowed(address: str, allowed: list[str]) -> bool:
    domain = _ascii_domain(address.rsplit("@", 1)[-1]) if "@" in address else ""
    return bool(domain) and any(domain == d or domain.endswith("." + d) for d in (_ascii_domain(a) for a in allowed))


def _ascii_domain(domain: str) -> str:
    """例子.中国 and xn--fsqu00a.xn--fiqs8s are one domain."""
    try:
        return domain.strip().lower().encode("idna").decode("ascii")
    except UnicodeError:
        return domain.strip().lower()


def forged(msg: Message) -> str | None:
    """Why the receiving server says the From is not the sender's (its Authentication-Results: DMARC
    failed, or SPF failed without a passing DKIM signature), or None. Only the topmost such header counts:
    the one our own server added; anything below it came with the message."""
    results = msg.get_all("Authentication-Results") or []
    if not results:
        return None
    top = str(results[0]).lower()
    if re.search(r"\bdmarc\s*=\s*fail", top):
        return "dmarc=fail"
    if re.search(r"\bspf\s*=\s*fail", top) and not re.search(r"\bdkim\s*=\s*pass", top):
        return "spf=fail"
    return None


MAX_PARTS = 200  # a year's workbooks, letters and pictures in one message are far fewer
MAX_DEPTH = 20


class TooComplex(NianbaoError):
    """A message with more MIME parts or deeper nesting than any real one: not parsed at all."""


def check_structure(raw: bytes) -> None:
    """Bounded work for any message: the parts are counted in the raw bytes before the parser builds
    them (thousands of tiny parts took minutes and hundreds of MB)."""
    parts = len(re.findall(rb"(?im)^content-type[ \t]*:", raw))
    if parts > MAX_PARTS:
        raise TooComplex(f"邮件有 {parts} 个部分（上限 {MAX_PARTS}）")
    depth = len(set(re.findall(rb'(?i)boundary\s*=\s*"?([^";\r\n]+)', raw)))
    if depth > MAX_DEPTH:
        raise TooComplex(f"邮件嵌套了 {depth} 层（上限 {MAX_DEPTH}）")


WORKBOOK_CONTENT = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # a zip (xlsx, et) or an OLE file (xls, a password-protected xlsx)


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError):  # damaged transfer encoding: the guard explains an empty file
        payload = b""
    return payload if isinstance(payload, bytes) else b""


def _is_workbook(name: str, ctype: str, data: bytes) -> bool:
    """By its name or type — or by its content: no name, a name without an extension, a generic type."""
    if looks_like_workbook(name, ctype):
        return True
    if ctype.startswith(("text/", "image/", "message/", "audio/", "video/")):
        return False
    return data.startswith(WORKBOOK_CONTENT) and (b"xl/" in data[:200_000] or data.startswith(b"\xd0\xcf") or not name)


def _with_suffix(name: str, data: bytes) -> str:
    """A workbook sent without an extension is named as what its content is (the reply names it so)."""
    if "." in name.rsplit("/", 1)[-1].strip(". ") and name.rsplit(".", 1)[-1].strip():
        return name
    return name.rstrip(". ") + (".xlsx" if data.startswith(b"PK") else ".xls")


def attachments(raw: bytes, limit: int) -> Contents:
    check_structure(raw)
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    out = Contents()
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        ctype = part.get_content_type().lower()
        if not name and disposition != "attachment" and not looks_like_workbook("", ctype):
            continue  # the body text, or an inline picture without a name
        data = b""
        if not looks_like_workbook(name, ctype) and not ctype.startswith(("text/", "image/")):
            data = _payload(part)
        workbook = _is_workbook(name, ctype, data)
        name = _text(name) or ("工作簿" if workbook else "附件")
        if workbook and len(out.workbooks) >= limit:
            out.over_limit.append(_safe_name(name))
        elif workbook:
            data = data or _payload(part)
            name = _with_suffix(name, data)
            same = next((w.name for w in out.workbooks if w.data == data), None)
            if same is not None:  # the same file attached twice: converted once
                out.duplicates.append((_safe_name(name), same))
            else:
                out.workbooks.append(Attachment(_safe_name(name), ctype, data))
        elif disposition == "attachment" or name:
            if not ctype.startswith("image/") or disposition == "attachment":
                out.others.append(_safe_name(name))
    return out


def _filename(part: Message) -> str:
    """The attachment's name. Older Foxmail and Outlook put raw GBK bytes in filename= (no RFC 2231 or
    2047): the parser keeps those bytes only in the raw header, where they are decoded as UTF-8 or GBK."""
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type") and any("\udc80" <= ch <= "\udcff" for ch in str(value)):
            found = re.search(r'(?i)\b(?:file)?name\s*=\s*"?([^";]+)"?', str(value))
            if found:
                raw = found.group(1).strip().encode("utf-8", "surrogateescape")
                for encoding in ("utf-8", "gb18030"):
                    try:
                        return raw.decode(encoding)
                    except UnicodeDecodeError:
                        continue
    try:
        return part.get_filename() or ""
    except (ValueError, TypeError, LookupError):
        return ""


def _safe_name(name: str) -> str:
    """Only the last path component, without control characters: the name is shown, never used as a path."""
    name = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:120] or "附件"


# --- replies ------------------------------------------------------------------------------------------

def reply_message(incoming: Incoming, sender: str, body: str, files: list[tuple[str, bytes, str]], contact: str = "") -> EmailMessage:
    """A reply in the same thread, marked as automatic so that other robots do not answer it."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = _address(incoming)
    subject = _one_line(incoming.subject) or "年度报告"
    msg["Subject"] = subject if re.match(r"(?i)^(re|回复|答复)[:：]", subject) else f"Re: {subject}"
    msg["Date"] = formatdate(localtime=True)
    domain = parseaddr(sender)[1].rsplit("@", 1)[-1] or "nianbao.invalid"
    # Derived from the incoming message: a reply re-sent after a crash carries the same Message-ID.
    msg["Message-ID"] = f"<nianbao.{hashlib.sha256(incoming.key.encode()).hexdigest()[:32]}@{domain}>"
    for name, value in (("In-Reply-To", incoming.message_id), ("References", incoming.references)):
        if value:
            try:
                msg[name] = _one_line(value)
            except (ValueError, TypeError):  # a Message-ID the header parser rejects: the reply goes without it
                pass
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    signature = SIGNATURE + (f"\n如有疑问，请联系：{contact}" if contact else "")
    msg.set_content(body + "\n\n" + signature + "\n", charset="utf-8")
    for name, data, ctype in files:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def _address(incoming: Incoming) -> str:
    """The reply's To: the sender's address, with the display name only when it is a plain name (a name
    full of header syntax or replacement characters is where header folding goes wrong)."""
    name = incoming.sender_display
    plain = name and len(name) <= 60 and not re.search(r'[@:;<>,"\\\[\]()\ufffd=?]', name) and name.isprintable()
    try:
        return str(Address(display_name=name if plain else "", addr_spec=incoming.sender))
    except (ValueError, IndexError):
        return incoming.sender


CTYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html",
    "json": "application/json",
    "annotated": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "template": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def body_for(conversions: list[Conversion], others: list[str], over_limit: list[str] | None = None,
             duplicates: list[tuple[str, str]] | None = None) -> tuple[str, list[tuple[str, bytes, str]]]:
    """The Chinese reply text and its attachments for the workbooks of one message."""
    paras, files = ["您好！"], []
    for conv in conversions:
        head = f"工作簿“{conv.name}”："
        if conv.status is Status.OK:
            names = "、".join(f"“{conv.filenames[k]}”" for k in ("docx", "pdf", "html") if k in conv.filenames)
            text = head + f"检查通过，已生成{('《' + conv.title + '》') if conv.title else '年度报告'}，见附件 {names}。"
            if conv.warnings:
                text += f"\n请核对以下 {conv.warnings} 条提醒（不影响生成；确认无误的，可在工作簿“说明”表中写明理由）：\n" + "\n".join(plain_findings(conv.report))
            if conv.note:
                text += "\n" + conv.note
            files += [(conv.filenames[k], conv.files[k], CTYPES[k]) for k in ("docx", "pdf", "html") if k in conv.files]
        elif conv.status is Status.UNREADABLE:
            text = head + "无法读取，未生成报告。\n" + "\n".join(plain_findings(conv.report)) + (
                "\n请用本助手的填报模板（见附件“年报填报模板.xlsx”）填写，并以 .xlsx 格式保存后作为附件发送；"
                "不要发送 .xls/.et、PDF、截图或压缩包，也不要给文件加密码。")
            files.append(("年报填报模板.xlsx", _template(), CTYPES["template"]))
        else:
            text = head + f"有 {conv.errors} 处错误，未生成报告。请逐条改正后重新发送：\n" + "\n".join(plain_findings(conv.report))
            if "annotated" in conv.files:
                text += f"\n附件“{conv.filenames['annotated']}”是您工作簿的副本，每个问题所在的单元格已标色并加了批注，另有“校验结果”工作表。"
                files.append((conv.filenames["annotated"], conv.files["annotated"], CTYPES["annotated"]))
        paras.append(text)
    if others:
        paras.append("以下附件不是工作簿，未处理：" + "、".join(f"“{n}”" for n in others) + "。")
    if duplicates:
        paras.append("；".join(f"“{a}”与“{b}”内容完全相同" for a, b in duplicates) + "，只处理了一次。")
    if over_limit:
        paras.append(f"一封邮件最多处理 {len(conversions)} 个工作簿，以下未处理，请另发邮件：" + "、".join(f"“{n}”" for n in over_limit) + "。")
    return "\n\n".join(paras), _distinct(files)


def _distinct(files: list[tuple[str, bytes, str]]) -> list[tuple[str, bytes, str]]:
    """The same file once; different files that would share a name get （2）, （3）…"""
    out: list[tuple[str, bytes, str]] = []
    by_name: dict[str, bytes] = {}
    for name, data, ctype in files:
        if by_name.get(name) == data:
            continue
        candidate, n = name, 1
        while candidate in by_name:
            n += 1
            stem, dot, ext = name.rpartition(".")
            candidate = f"{stem}（{n}）.{ext}" if dot else f"{name}（{n}）"
        by_name[candidate] = data
        out.append((candidate, data, ctype))
    return out


def no_attachment_body(others: list[str]) -> tuple[str, list[tuple[str, bytes, str]]]:
    what = ("邮件中的附件（" + "、".join(f"“{n}”" for n in others) + "）都不是工作簿。") if others else "邮件中没有找到工作簿附件。"
    body = ("您好！\n\n" + what + "请把填写好的年报填报工作簿（.xlsx）作为附件发送到本邮箱，几分钟内会收到生成的年度报告，"
            "或标出问题的工作簿。\n\n空白填报模板见附件“年报填报模板.xlsx”。")
    return body, [("年报填报模板.xlsx", _template(), CTYPES["template"])]


def too_large_body(size: int, limit: int) -> tuple[str, list[tuple[str, bytes, str]]]:
    body = (f"您好！\n\n您的邮件有 {size / 1024 / 1024:.1f} MB，超过了本邮箱处理的上限（{limit / 1024 / 1024:.0f} MB），未处理。"
            "填好的年报工作簿通常不到 1 MB：请只附上这一个 .xlsx 文件（不要附图片、扫描件或压缩包）后重新发送。")
    return body, []


def too_complex_body(why: str) -> tuple[str, list[tuple[str, bytes, str]]]:
    body = (f"您好！\n\n您的邮件结构过于复杂（{why}），未处理。请新写一封邮件，只附上填好的年报工作簿（.xlsx），"
            "不要转发多层嵌套的邮件或附上大量文件。")
    return body, []


def internal_error_body() -> tuple[str, list[tuple[str, bytes, str]]]:
    body = ("您好！\n\n您的邮件未能自动处理（程序出错，管理员已记录）。请把填好的年报填报工作簿（.xlsx）作为附件重新发送；"
            "如果再次出现这封回复，请直接联系负责汇总的同志。")
    return body, []


def _template() -> bytes:
    from nianbao.workbook.blank import (
        template_bytes,  # openpyxl: only for a reply that attaches the blank workbook
    )

    return template_bytes("2021")



def without_attachments(reply: bytes, contact: str = "") -> bytes | None:
    """The same reply (headers, thread, Message-ID, text) without its attachments, and a paragraph saying
    why: for a server that refuses the full reply's size. None when there is nothing to leave out."""
    try:
        msg = BytesParser(policy=policy.SMTP).parsebytes(reply)
        files = [(p.get_filename() or "附件", len(p.get_payload(decode=True) or b"")) for p in msg.iter_attachments()]
        body = msg.get_body(("plain",))
        text = str(body.get_content()) if body is not None else ""
    except Exception:  # noqa: BLE001 - a reply of ours that cannot be read back: nothing smaller to send
        return None
    if not files:
        return None
    out = EmailMessage(policy=policy.SMTP)
    for name in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted",
                 "X-Auto-Response-Suppress"):
        if msg[name] is not None:
            out[name] = str(msg[name])
    size = sum(n for _, n in files) / 1024 / 1024
    note = (f"【附件未能随信发送】附件（{'、'.join(f'“{n}”' for n, _ in files)}，共 {size:.1f} MB）超过了邮件服务器允许的大小，"
            "本回复只有文字：检查结果和需要改正的地方都在上面。"
            + (f"需要生成的文件，请联系：{contact}。" if contact else "需要生成的文件，请联系负责汇总的同志，或改用网页版上传。"))
    head, sep, tail = text.partition("\n\n——\n")
    out.set_content(head.rstrip() + "\n\n" + note + ("\n\n——\n" + tail if sep else "\n"), charset="utf-8")
    return out.as_bytes()

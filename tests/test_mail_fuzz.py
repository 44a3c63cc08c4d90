"""Header fuzzing: whatever a sender (or an attacker) puts in Subject, From, Message-ID or an attachment's
file name — encoded words, CR/LF, NUL, overlong or non-UTF-8 bytes — reading the message and building the
reply never raise, and the reply carries no header of theirs that could inject another header."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.apps.mail import message as mailmsg

pytestmark = pytest.mark.slow  # the inner loop: pytest -m "not slow" (CI runs everything)

NASTY = st.sampled_from(["\r\n", "\n", "\r", "\x00", "\u2028", "Bcc: x@evil.com", "<", ">", '"', ",", "@", "=?", "?=",
                         "王芳", "\U0001F600", "\udcff"[:0], " ", ":"])
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=20)), max_size=12).map("".join)


def _encoded(text: str, how: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    if how == "b64":
        return b"=?UTF-8?B?" + base64.b64encode(data) + b"?="
    if how == "gbk":
        return text.encode("gb18030", "replace")
    if how == "raw":
        return data
    return b"=?UTF-8?Q?" + data.replace(b" ", b"_").replace(b"?", b"=3F") + b"?="


def _value(raw: bytes) -> bytes:
    return raw.replace(b"\r", b" ").replace(b"\n", b" ")  # a header line itself cannot hold a bare line break


HOW = st.sampled_from(["b64", "q", "raw", "gbk"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=TEXT, name=TEXT, mid=TEXT, filename=TEXT, how=HOW, overlong=st.integers(0, 3))
def test_any_header_is_read_and_answered_without_injection(subject, name, mid, filename, how, overlong):
    raw_subject = _value(_encoded(subject * (1 + overlong * 50), how))
    display = _value(_encoded(name, how))
    headers = (b"From: " + display + b" <clerk@county.gov.cn>\r\n"
               b"Subject: " + raw_subject + b"\r\n"
               b"Message-ID: " + _value(_encoded(mid, how)) + b"\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BB\r\n")
    body = (b"\r\n--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n--BB\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\""
            + _value(_encoded(filename, how)).replace(b'"', b"'") + b".xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.b64encode(b"PK\x03\x04 not really") + b"\r\n--BB--\r\n")
    incoming = mailmsg.parse_headers(headers + b"\r\n")
    if b"@" not in display:  # nothing in the raw header but the one address: decoding cannot add another
        assert incoming.sender == "clerk@county.gov.cn", "the address never depends on the decoded display name"
    else:  # raw "@" and ":" are the header's own syntax: the sender is an address written in it, or none
        assert incoming.sender == "" or incoming.sender.encode() in (display + b" <clerk@county.gov.cn>").lower()
    assert not any(ch in incoming.subject + incoming.message_id + incoming.sender_display for ch in "\r\n\x00")
    mailmsg.automatic_reason(incoming.headers)
    contents = mailmsg.attachments(headers + body, 10)
    for att in contents.workbooks:
        assert "/" not in att.name and "\\" not in att.name and "\x00" not in att.name
    try:
        reply = mailmsg.reply_message(incoming, "年报助手 <nianbao@county.gov.cn>", "正文", [])
    except (ValueError, TypeError, UnicodeError):  # the gateway then answers without their headers
        plain = mailmsg.Incoming(incoming.key, "", incoming.sender, "", "", "", incoming.headers)
        reply = mailmsg.reply_message(plain, "年报助手 <nianbao@county.gov.cn>", "正文", [])
    data = reply.as_bytes()
    head = data.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0].lower() for line in head.split(b"\r\n") if line and not line[:1].isspace()]
    assert b"bcc" not in names and names.count(b"to") == 1 and names.count(b"subject") == 1

"""`nianbao mail --test`: log in to both servers, open the folder, send one message to the mailbox itself,
and say in Chinese what failed and how to mend it (wrong 授权码, IMAP not enabled, TLS on the wrong port)."""

from __future__ import annotations

import imaplib
import socket
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from nianbao.apps.mail.config import MailConfig
from nianbao.apps.mail.gateway import mailbox_name, open_imap
from nianbao.apps.mail.outbox import Refusal, Sender, server_text

SUBJECT = "【年报助手】邮件网关测试"


def _imap_problem(exc: BaseException, host: str, port: int, security: str) -> str:
    text = str(exc)
    if isinstance(exc, ssl.SSLError):
        hint = "端口 993 用 security = \"tls\"，端口 143 用 \"starttls\"" if security == "tls" else "检查证书（ca_file）"
        return f"与收件服务器 {host}:{port} 建立加密连接失败（{exc.reason or text}）：{hint}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"连接收件服务器 {host}:{port} 超时：检查地址、端口和网络（政务外网可能需要开通）"
    if isinstance(exc, ConnectionRefusedError):
        return f"收件服务器 {host}:{port} 拒绝连接：端口不对，或服务器未开启 IMAP"
    if isinstance(exc, socket.gaierror):
        return f"找不到收件服务器“{host}”：地址写错了，或本机无法解析这个域名"
    if isinstance(exc, imaplib.IMAP4.error):
        lower = text.lower()
        if "authenticationfailed" in lower or "login" in lower or "password" in lower or "auth" in lower:
            return ("收件服务器拒绝登录：用户名或密码不对；163、126、QQ 等邮箱须在网页版设置中开启 IMAP 服务，"
                    f"并使用那里生成的“授权码”（服务器答复：{text[:160]}）")
        if "starttls" in lower:
            return f"收件服务器不支持 STARTTLS：改用 security = \"tls\" 和端口 993（{text[:160]}）"
        if "unsafe" in lower:
            return f"收件服务器认为登录不安全（{text[:160]}）：请在邮箱网页版中确认已开启 IMAP 服务"
        return f"收件服务器答复错误：{text[:200]}"
    return f"无法连接收件服务器 {host}:{port}（{text[:200] or type(exc).__name__}）"


def check_imap(cfg: MailConfig) -> tuple[bool, str]:
    s = cfg.imap
    try:
        imap = open_imap(s)
    except (OSError, imaplib.IMAP4.error) as exc:
        return False, _imap_problem(exc, s.host, s.port, s.security)
    try:
        typ, data = imap.select(mailbox_name(s.folder), readonly=True)
        if typ != "OK":
            return False, f"登录收件服务器成功，但没有文件夹“{s.folder}”（服务器答复：{server_text(data)}）：检查 [imap] 的 folder"
        count = int(data[0] or 0) if data and data[0] and data[0].isdigit() else 0
        return True, f"收件服务器 {s.host}:{s.port}：以 {s.user} 登录成功，文件夹“{s.folder}”中有 {count} 封邮件"
    except (OSError, imaplib.IMAP4.error) as exc:
        return False, _imap_problem(exc, s.host, s.port, s.security)
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def check_smtp(cfg: MailConfig) -> tuple[bool, str]:
    own = parseaddr(cfg.sender)[1] or cfg.smtp.user
    msg = EmailMessage()
    msg["From"] = cfg.sender
    msg["To"] = own
    msg["Subject"] = SUBJECT
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=own.rsplit("@", 1)[-1] or "nianbao.invalid")
    msg["Auto-Submitted"] = "auto-generated"  # the gateway never answers it
    msg.set_content(f"这是 nianbao mail --test 于 {time.strftime('%Y-%m-%d %H:%M:%S')} 发出的测试邮件：收到即说明发信设置正确，可以删除。")
    sender = Sender(cfg.smtp, own)
    try:
        sender.send(own, msg.as_bytes())
    except Refusal as r:
        return False, f"发件服务器 {cfg.smtp.host}:{cfg.smtp.port}：{r}"
    finally:
        sender.close()
    return True, f"发件服务器 {cfg.smtp.host}:{cfg.smtp.port}：登录并发出测试邮件成功（发给本邮箱 {own}，主题“{SUBJECT}”）"


def self_test(cfg: MailConfig) -> list[tuple[bool, str]]:
    return [check_imap(cfg), check_smtp(cfg)]

"""The mail gateway's TOML configuration. Passwords are never in the file: only the name of an environment
variable or of a file that holds them (so the config can be shown, copied and committed)."""

from __future__ import annotations

import datetime
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao import NianbaoError

SECURITY = ("tls", "starttls", "plain")
EXAMPLE = """\
# nianbao mail 的配置文件（TOML）。密码不写在这里：写环境变量名（password_env）或密码文件（password_file）。

[imap]
host = "mail.example.gov.cn"
port = 993
security = "tls"            # tls（993）、starttls（143）；plain 仅用于本机测试，且须 allow_plain = true
user = "nianbao@example.gov.cn"
password_env = "NIANBAO_IMAP_PASSWORD"   # 或 password_file = "/etc/nianbao/imap.pass"
folder = "INBOX"
# ca_file = "内网根证书.pem"           # 邮件服务器用内网自签证书时

[smtp]
host = "mail.example.gov.cn"
port = 465
security = "tls"            # tls（465）、starttls（587）
user = "nianbao@example.gov.cn"
password_env = "NIANBAO_SMTP_PASSWORD"
from = "年报助手 <nianbao@example.gov.cn>"

[gateway]
allowed_domains = ["example.gov.cn"]   # 只答复这些域名的发件人（含其子域名）
# allowed_senders = ["dazhuang@163.com"] # 另外只答复这几个邮箱（如用个人 163、QQ 邮箱报送的单位）
# answer_since = 2026-12-01            # 只答复此后收到的邮件；不写则为网关第一次启动的时刻（邮箱里原有的旧邮件不答复）
formats = ["docx"]                     # 还可加 "pdf"（需要 LibreOffice）、"html"
journal = "nianbao-mail.sqlite"        # 处理记录（相对路径相对于本配置文件）
poll_seconds = 20
max_message_mb = 15
contact = "县政务公开办 张同志 0000-12345678"  # 写在每封回复的末尾，供填报人咨询
# season = "输出/报送记录.sqlite"     # 收集季的报送记录：收到的每份工作簿也记入这里（与 batch --roster -o 输出/ 共用）
# roster = "报送名单.xlsx"             # 报送名单：名单中的邮箱即使不在 allowed_domains 中也答复（如个人 163 邮箱）
max_replies_per_hour = 10              # 同一发件人每小时最多回复几封（防止与自动回复程序来回通信）
notify_mailbox = true                  # 发件账户出问题（如授权码过期）时，在本邮箱中放一封加星标的提醒邮件
"""


_WARNINGS: list[str] = []  # collected while one configuration is read (load_config empties it first)


@dataclass(frozen=True)
class Preset:
    """A mail provider's servers as the provider documents them (host, port, encryption) and how to log in."""
    title: str
    imap: tuple[str, int, str]
    smtp: tuple[str, int, str]
    login: str  # a line for the configuration: what the password is


PRESETS = {
    "163": Preset("网易 163 邮箱", ("imap.163.com", 993, "tls"), ("smtp.163.com", 465, "tls"),
                  "网页版 163 邮箱“设置 → POP3/SMTP/IMAP”中开启 IMAP/SMTP 服务，密码处填那里生成的“授权码”，不是登录密码"),
    "126": Preset("网易 126 邮箱", ("imap.126.com", 993, "tls"), ("smtp.126.com", 465, "tls"),
                  "网页版 126 邮箱“设置 → POP3/SMTP/IMAP”中开启 IMAP/SMTP 服务，密码处填那里生成的“授权码”，不是登录密码"),
    "qq": Preset("QQ 邮箱", ("imap.qq.com", 993, "tls"), ("smtp.qq.com", 465, "tls"),
                 "网页版 QQ 邮箱“设置 → 账号”中开启 IMAP/SMTP 服务，密码处填生成的“授权码”，不是 QQ 密码"),
    "coremail": Preset("政务邮箱（Coremail）", ("mail.example.gov.cn", 993, "tls"), ("mail.example.gov.cn", 465, "tls"),
                       "把 mail.example.gov.cn 换成本地政务邮箱网页登录的地址（如 mail.xx.gov.cn）；开启了“客户端授权密码”的，"
                       "密码处填客户端授权密码"),
    "exchange": Preset("Exchange（单位自建）", ("mail.example.gov.cn", 993, "tls"), ("mail.example.gov.cn", 587, "starttls"),
                       "把 mail.example.gov.cn 换成单位 Exchange 服务器的地址；须由管理员为该邮箱开启 IMAP4；用户名一般是完整邮箱地址"),
}


def example(provider: str | None = None) -> str:
    """The example configuration, for a provider's servers when one is named."""
    if provider is None:
        return EXAMPLE
    p = PRESETS[provider]
    text = f"# {p.title}：{p.login}。\n" + EXAMPLE
    for section, (host, port, security) in (("imap", p.imap), ("smtp", p.smtp)):
        head, _, rest = text.partition(f"[{section}]\n")
        block, sep, tail = rest.partition("\n\n")
        block = re.sub(r'(?m)^host = ".*"$', f'host = "{host}"', block)
        block = re.sub(r"(?m)^port = \d+", f"port = {port}", block)
        block = re.sub(r'(?m)^security = "\w+"', f'security = "{security}"', block)
        text = head + f"[{section}]\n" + block + sep + tail
    if provider in ("163", "126", "qq"):
        domain = {"163": "163.com", "126": "126.com", "qq": "qq.com"}[provider]
        text = text.replace("nianbao@example.gov.cn", f"nianbao@{domain}")
    return text


class ConfigError(NianbaoError):
    """The configuration cannot be used: the message says what to change (Chinese)."""


@dataclass
class Server:
    host: str
    port: int
    security: str
    user: str
    password: str = field(repr=False, default="")
    folder: str = "INBOX"
    ca_file: str | None = None
    timeout: float = 60.0


@dataclass
class MailConfig:
    imap: Server
    smtp: Server
    sender: str  # the From of every reply
    allowed_domains: list[str]
    formats: tuple[str, ...] = ("docx",)
    journal: Path = Path("nianbao-mail.sqlite")
    poll_seconds: float = 20.0
    max_message_bytes: int = 15 * 1024 * 1024
    max_attachments: int = 10
    contact: str = ""  # a person to ask, printed under every reply
    max_replies_per_hour: int = 10  # per sender: a responder the headers do not reveal cannot start a loop
    season: Path | None = None  # the collection season's record: every workbook received is written there too
    roster_senders: frozenset[str] = frozenset()  # the roster's addresses: answered whatever their domain
    senders: frozenset[str] = frozenset()  # [gateway] allowed_senders: single addresses answered whatever their domain
    answer_since: float | None = None  # mail that arrived before is not answered (None: the gateway's first start)
    notify_mailbox: bool = False  # an account problem is also put, as a flagged message, into the mailbox itself
    warnings: tuple[str, ...] = ()  # what the office should change, said at start (a password file others can read)

    @property
    def allowed_senders(self) -> frozenset[str]:
        return self.roster_senders | self.senders


def _secret(section: str, raw: dict[str, Any], base: Path) -> str:
    if "password" in raw:
        raise ConfigError(f"[{section}] 中不能直接写密码（password）：请改用 password_env（环境变量名）或 password_file（密码文件路径）")
    if raw.get("password_env"):
        name = str(raw["password_env"])
        if name not in os.environ:
            raise ConfigError(f"[{section}] 的密码应在环境变量 {name} 中，但该变量未设置")
        return os.environ[name]
    if raw.get("password_file"):
        p = Path(str(raw["password_file"]))
        p = p if p.is_absolute() else base / p
        try:
            if os.name == "posix" and p.stat().st_mode & 0o077:
                _WARNINGS.append(f"[{section}] 的密码文件“{p}”其他用户也能读取：请执行 chmod 600 {p}")
            return p.read_text("utf-8").strip("\r\n")
        except OSError as exc:
            raise ConfigError(f"[{section}] 的密码文件“{p}”无法读取：{exc.strerror or exc}") from exc
    return ""


def _server(section: str, raw: Any, base: Path, default_port: dict[str, int]) -> Server:
    if not isinstance(raw, dict):
        raise ConfigError(f"配置文件缺少 [{section}] 部分")
    for key in ("host", "user"):
        if not raw.get(key):
            raise ConfigError(f"[{section}] 缺少 {key}")
    security = str(raw.get("security", "tls")).lower()
    if security not in SECURITY:
        raise ConfigError(f"[{section}] 的 security 只能是 tls、starttls 或 plain，实际为“{security}”")
    if security == "plain" and raw.get("allow_plain") is not True:
        raise ConfigError(f"[{section}] 使用明文连接（security = \"plain\"）会泄露密码，只允许用于本机测试服务器：确需如此请加上 allow_plain = true")
    try:
        port = int(raw.get("port", default_port[security]))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[{section}] 的 port 应为数字") from exc
    ca = raw.get("ca_file")
    return Server(str(raw["host"]), port, security, str(raw["user"]), _secret(section, raw, base),
                  str(raw.get("folder", "INBOX")), str(base / ca) if ca else None, float(raw.get("timeout", 60)))


def _journal(gateway: dict[str, Any], base: Path) -> Path:
    journal = Path(str(gateway.get("journal", "nianbao-mail.sqlite")))
    return journal if journal.is_absolute() else base / journal


def journal_path(path: Path) -> Path:
    """Only the journal's location (for --status: no passwords needed, no servers contacted)."""
    try:
        gw = tomllib.loads(path.read_text("utf-8")).get("gateway", {})
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件“{path}”：{exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件“{path}”格式有误：{exc}") from exc
    return _journal(gw if isinstance(gw, dict) else {}, path.resolve().parent)


def load_config(path: Path) -> MailConfig:
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件“{path}”：{exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件“{path}”格式有误：{exc}") from exc
    base = path.resolve().parent
    _WARNINGS.clear()
    imap = _server("imap", raw.get("imap"), base, {"tls": 993, "starttls": 143, "plain": 143})
    smtp_raw = raw.get("smtp")
    smtp = _server("smtp", smtp_raw, base, {"tls": 465, "starttls": 587, "plain": 25})
    sender = str((smtp_raw or {}).get("from") or smtp.user)
    gw = raw.get("gateway", {})
    if not isinstance(gw, dict):
        raise ConfigError("[gateway] 格式有误")
    domains = gw.get("allowed_domains", [])
    senders = gw.get("allowed_senders", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) and d.strip() for d in domains):
        raise ConfigError("[gateway] 的 allowed_domains 应为域名列表，例如 [\"example.gov.cn\"]")
    if not isinstance(senders, list) or not all(isinstance(d, str) and "@" in d for d in senders):
        raise ConfigError("[gateway] 的 allowed_senders 应为邮箱地址列表，例如 [\"dazhuang@163.com\"]")
    if not domains and not senders and not gw.get("roster"):
        raise ConfigError("[gateway] 须列出 allowed_domains（只答复这些域名的发件人，例如 [\"example.gov.cn\"]）、"
                          "allowed_senders（只答复这些邮箱）或 roster（报送名单中的邮箱），至少一项")
    formats = gw.get("formats", ["docx"])
    bad = [f for f in formats if f not in ("docx", "pdf", "html", "json")] if isinstance(formats, list) else [formats]
    if bad:
        raise ConfigError(f"[gateway] formats 只能包含 docx、pdf、html、json，实际有“{bad[0]}”")
    try:
        poll = float(gw.get("poll_seconds", 20))
        max_mb = float(gw.get("max_message_mb", 15))
        per_hour = int(gw.get("max_replies_per_hour", 10))
    except (TypeError, ValueError) as exc:
        raise ConfigError("[gateway] 的 poll_seconds、max_message_mb、max_replies_per_hour 应为数字") from exc
    return MailConfig(
        imap=imap, smtp=smtp, sender=sender,
        allowed_domains=[d.strip().lower().lstrip("@") for d in domains],
        formats=tuple(dict.fromkeys(["docx", *formats])),
        journal=_journal(gw, base),
        poll_seconds=max(0.2, poll), max_message_bytes=int(max_mb * 1024 * 1024),
        contact=str(gw.get("contact", "")).strip(), max_replies_per_hour=max(1, per_hour),
        season=_relative(str(gw["season"]), base) if gw.get("season") else None,
        roster_senders=_roster_senders(gw, base),
        senders=frozenset(a.strip().lower() for a in senders),
        answer_since=_since(gw.get("answer_since")),
        notify_mailbox=gw.get("notify_mailbox") is True,
        warnings=tuple(_WARNINGS),
    )


def _since(value: Any) -> float | None:
    """[gateway] answer_since: a date (2026-12-01) or a date and time; mail that arrived earlier is not answered."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return (value if value.tzinfo else value.astimezone()).timestamp()
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day).astimezone().timestamp()
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"[gateway] 的 answer_since 应为日期，如 2026-12-01，实际为“{value}”") from None
    return (moment if moment.tzinfo else moment.astimezone()).timestamp()


def _roster_senders(gw: dict[str, Any], base: Path) -> frozenset[str]:
    """The addresses of the roster ([gateway] roster): units that write from a personal 163.com mailbox
    are answered although their domain is not an allowed one."""
    if not gw.get("roster"):
        return frozenset()
    from nianbao.season.roster import RosterError, read_roster  # openpyxl: only for a gateway with a roster

    try:
        roster = read_roster(_relative(str(gw["roster"]), base))
    except RosterError as exc:
        raise ConfigError(f"[gateway] 的 roster：{exc}") from exc
    return frozenset(e for u in roster.units for e in u.emails)


def _relative(path: str, base: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else base / p

"""Real mail servers on loopback for the gateway's tests: Debian's dovecot (IMAP with STARTTLS, a test
user, a Maildir in a temporary directory) and aiosmtpd (SMTP with STARTTLS) collecting the replies."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

USER, PASSWORD = "clerk", "test-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_cert(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None and shutil.which("openssl") is not None


class Dovecot:
    """A private dovecot: its own config, run directory, port and Maildir; stopped with the fixture."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="nianbao-dovecot-"))
        self.dir.chmod(0o755)  # the mail user (dovecot, when we are root) must reach the Maildir
        self.cert, self.key = make_cert(self.dir)
        self.port = free_port()
        self.tls_port = free_port()
        if os.getuid() == 0:
            mail_user = pwd.getpwnam("dovecot")  # dovecot refuses to give a mailbox to uid 0
            internal = ""
        else:
            mail_user = pwd.getpwuid(os.getuid())
            internal = f"default_internal_user = {mail_user.pw_name}\ndefault_login_user = {mail_user.pw_name}\n"
        mail = self.dir / "mail"
        mail.mkdir()
        os.chown(mail, mail_user.pw_uid, mail_user.pw_gid)
        (self.dir / "run").mkdir()
        (self.dir / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::\n")
        (self.dir / "dovecot.conf").write_text(f"""\
base_dir = {self.dir}/run
state_dir = {self.dir}/run
log_path = {self.dir}/dovecot.log
{internal}protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = yes
auth_mechanisms = plain login
first_valid_uid = {mail_user.pw_uid}
mail_location = maildir:{mail}/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.dir}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"dovecot did not start: {err} {self.log()}") from None
                time.sleep(0.05)

    def log(self) -> str:
        p = self.dir / "dovecot.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def client(self) -> imaplib.IMAP4:
        m = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        m.starttls(ssl.create_default_context(cafile=str(self.cert)))
        m.login(USER, PASSWORD)
        return m

    def deliver(self, folder: str, msg: EmailMessage | bytes) -> None:
        """Put a message into the folder (IMAP APPEND), as the mail server's delivery would."""
        data = msg if isinstance(msg, bytes) else msg.as_bytes(policy=policy.SMTP)
        m = self.client()
        try:
            m.create(f'"{folder}"')  # fails harmlessly when it exists
            typ, resp = m.append(f'"{folder}"', None, None, data)
            assert typ == "OK", resp
        finally:
            m.logout()

    def flags(self, folder: str) -> list[str]:
        m = self.client()
        try:
            m.select(f'"{folder}"')
            typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
            return [d.decode() for d in data if isinstance(d, bytes)]
        finally:
            m.logout()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        msg = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class SmtpSink:
    """aiosmtpd on loopback with STARTTLS: every accepted message is kept in `received`.
    `before_accept(n)` runs before the n-th DATA is answered (a test may kill the sender there);
    `mail_answer(address)` / `rcpt_answer(address)` may refuse at MAIL FROM / RCPT TO with their answer;
    `password` turns on AUTH (only that password is accepted); `size_limit` announces SIZE and refuses
    larger messages with 552."""

    cert: Path
    key: Path
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    before_accept: Callable[[int], str | None] | None = None
    mail_answer: Callable[[str], str | None] | None = None
    rcpt_answer: Callable[[str], str | None] | None = None
    password: str | None = None
    size_limit: int = 33554432
    attempts: int = 0
    mails: int = 0

    def start(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        sink = self

        class Handler:
            async def handle_MAIL(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
                sink.mails += 1
                answer = sink.mail_answer(address) if sink.mail_answer else None
                if answer:
                    return answer
                envelope.mail_from = address
                envelope.mail_options.extend(options)
                return "250 OK"

            async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
                answer = sink.rcpt_answer(address) if sink.rcpt_answer else None
                if answer:
                    return answer
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
                sink.attempts += 1
                if sink.before_accept is not None:
                    answer = sink.before_accept(sink.attempts)
                    if answer:
                        return answer  # not accepted: the sender must not count it as sent
                sink.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content), time.time()))
                return "250 Message accepted for delivery"

        def authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
            return AuthResult(success=sink.password is not None and getattr(auth_data, "password", b"") == sink.password.encode(), handled=False)

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(self.cert), str(self.key))
        extra = {"authenticator": authenticate, "auth_require_tls": True} if self.password is not None else {}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, tls_context=ctx, require_starttls=True,
                                     data_size_limit=self.size_limit, enable_SMTPUTF8=True, **extra)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def wait(self, count: int, timeout: float = 60) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)


def wait_until(predicate: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def threaded(fn: Callable[[], None]) -> threading.Thread:
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    return t

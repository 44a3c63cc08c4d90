"""Benchmarks of the two services, each against a baseline measured in the same run:

    python benchmarks/bench_services.py           # web (40 uploads, 20 at a time) and mail (10 messages)
    python benchmarks/bench_services.py --quick

- web: `nianbao serve --jobs 2` taking N distinct workbooks, 20 uploads at a time over HTTP (each request
  waits for its report and downloads the .docx), against `nianbao batch --jobs 2` converting the same N
  files from a folder (same conversion, same two workers, no HTTP);
- mail: the time from a message being delivered into the mailbox (IMAP APPEND to a private dovecot) to the
  reply reaching the SMTP server (aiosmtpd), with the gateway polling every second; against the conversion
  of the same workbook alone (`service.convert_file`, in-process). The journal's own timestamps give the
  processing time (first seen → sent), the rest is waiting for the next poll.
Medians; not a test — machines are shared and noisy. Needs dovecot for the mail rows (skipped otherwise).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import print_table, realistic  # noqa: E402

from mailservers import PASSWORD, USER, Dovecot, SmtpSink, dovecot_available  # noqa: E402
from webserver import Server  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bench_web(count: int, concurrency: int, rng: random.Random) -> tuple[list[tuple[str, float, float, str]], list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        books = {f"{i:03d}.xlsx": realistic(i, rng) for i in range(count)}
        for name, data in books.items():
            (inbox / name).write_bytes(data)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nianbao", "batch", str(inbox), "-o", str(Path(tmp) / "out"), "--jobs", "2"],
                       check=True, capture_output=True)
        batch_seconds = time.perf_counter() - t

        server = Server(Path(tmp) / "web", "--jobs", "2")
        try:
            def one(name: str) -> float:
                started = time.perf_counter()
                with httpx.Client(base_url=server.url, timeout=300) as c:
                    job = c.post("/api/jobs", files={"file": (name, books[name], XLSX)}).json()
                    assert job["status"] == "ok", job["findings"][:2]
                    assert c.get(job["downloads"]["docx"]).status_code == 200
                return time.perf_counter() - started

            one(next(iter(books)))  # warm
            t = time.perf_counter()
            with ThreadPoolExecutor(concurrency) as pool:
                latencies = list(pool.map(one, books))
            web_seconds = time.perf_counter() - t
        finally:
            server.stop()
    latencies.sort()
    rows = [(f"web: {count} uploads, {concurrency} at a time, vs `batch --jobs 2` of the same files (wall seconds)",
             web_seconds, batch_seconds, "≤ 1.5×")]
    notes = [f"web throughput {count / web_seconds:.1f} reports/s (batch {count / batch_seconds:.1f}/s); request latency "
             f"median {statistics.median(latencies):.2f} s, 95th percentile {latencies[int(0.95 * (len(latencies) - 1))]:.2f} s, "
             f"max {latencies[-1]:.2f} s"]
    return rows, notes


def bench_mail(count: int) -> tuple[list[tuple[str, float, float, str]], list[str]]:
    if not dovecot_available():
        return [], ["mail rows: dovecot is not installed here"]
    from nianbao.conversion import convert as convert_file

    example = ROOT / "examples" / "大庄乡人民政府2024.xlsx"
    convert_file(example, example.name)
    alone = []
    for _ in range(5):
        t = time.perf_counter()
        convert_file(example, example.name)
        alone.append(time.perf_counter() - t)

    dovecot = Dovecot()
    sink = SmtpSink(dovecot.cert, dovecot.key)
    sink.start()
    tmp = tempfile.mkdtemp()
    cfg = Path(tmp) / "mail.toml"
    cfg.write_text(f"""
[imap]
host = "127.0.0.1"
port = {dovecot.port}
security = "starttls"
user = "{USER}"
password_env = "BENCH_PASSWORD"
ca_file = "{dovecot.cert}"
[smtp]
host = "127.0.0.1"
port = {sink.port}
security = "starttls"
user = "nianbao@county.gov.cn"
ca_file = "{dovecot.cert}"
[gateway]
allowed_domains = ["county.gov.cn"]
journal = "journal.sqlite"
poll_seconds = 1
""", "utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "mail", "--config", str(cfg)],
                            env=dict(os.environ, BENCH_PASSWORD=PASSWORD), stderr=subprocess.DEVNULL)
    latencies = []
    try:
        time.sleep(2)
        for i in range(count):
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = f"clerk{i}@county.gov.cn", "nianbao@county.gov.cn", f"年报 {i}"
            msg["Message-ID"] = f"<bench{i}.{time.time_ns()}@county.gov.cn>"
            msg.set_content("见附件")
            msg.add_attachment(example.read_bytes(), maintype="application", subtype="octet-stream", filename=example.name)
            t = time.time()
            dovecot.deliver("INBOX", msg)
            got = sink.wait(i + 1, timeout=120)
            assert len(got) == i + 1, "no reply"
            latencies.append(got[-1].at - t)
            time.sleep(random.uniform(0, 1))  # arrivals at random moments of the poll cycle
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        sink.stop()
        dovecot.stop()
    db = sqlite3.connect(Path(tmp) / "journal.sqlite")
    processing = [s - r for r, s in db.execute("SELECT received, sent FROM messages WHERE sent IS NOT NULL")]
    rows = [("mail: processing of one message (journal: first seen → reply sent) vs converting its workbook alone",
             statistics.median(processing), statistics.median(alone), "(overhead of IMAP, SMTP, journal)")]
    notes = [f"mail: message delivered → reply at the SMTP server, polling every 1 s: median {statistics.median(latencies):.2f} s, "
             f"max {max(latencies):.2f} s over {count} messages (with the default poll of 20 s add up to 20 s of waiting)"]
    return rows, notes


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rng = random.Random(6)
    rows, notes = bench_web(20 if args.quick else 40, 20, rng)
    mail_rows, mail_notes = bench_mail(4 if args.quick else 10)
    rows += mail_rows
    notes += mail_notes
    print_table(rows, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())

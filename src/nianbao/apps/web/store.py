"""Where the web app keeps an upload's results until they expire: one directory per job, named by an
unguessable id; files inside have fixed names of ours (a user's file name is only ever a download name)."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nianbao.files import atomic_write_bytes

JOB_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 16 random bytes, URL-safe base64
KINDS = ("docx", "pdf", "html", "json", "annotated")


def owner_hash(cookie: str | None) -> str | None:
    """Only a hash of the browser's cookie is stored: a leaked store does not let anyone act as the owner."""
    return hashlib.sha256(cookie.encode()).hexdigest() if cookie else None


@dataclass
class Job:
    id: str
    name: str  # the uploaded file's name, for display
    created: float
    owner: str | None  # hash of the uploading browser's cookie; None for API clients without a cookie
    status: str = "pending"
    title: str = ""
    report: dict[str, Any] = field(default_factory=dict)
    filenames: dict[str, str] = field(default_factory=dict)  # kind -> download name
    note: str = ""
    seconds: float = 0.0


class JobStore:
    def __init__(self, root: Path, keep_seconds: float) -> None:
        self.root, self.keep = root, keep_seconds
        self.active: set[str] = set()  # jobs being uploaded or converted: never swept, however long they wait

    def open(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)  # other accounts on the server never read the uploads
        # jobs of an earlier run that never finished (the server was killed mid-upload): nobody waits for them
        for d in self.root.iterdir():
            if d.is_dir() and JOB_ID.match(d.name) and not (d / "job.json").exists():
                shutil.rmtree(d, ignore_errors=True)

    def new(self, name: str, owner: str | None) -> Job:
        job = Job(secrets.token_urlsafe(16), name, time.time(), owner)
        (self.root / job.id).mkdir(mode=0o700)
        self.active.add(job.id)
        return job

    def finished(self, job_id: str) -> None:
        self.active.discard(job_id)

    def dir(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id):
            raise KeyError(job_id)
        return self.root / job_id

    def save(self, job: Job, files: dict[str, bytes] | None = None) -> bool:
        """Store the job's files; False (nothing written) when the job was deleted meanwhile."""
        d = self.dir(job.id)
        try:  # never into a folder made again: a job deleted meanwhile stays deleted
            for kind, data in (files or {}).items():
                if kind in KINDS:
                    atomic_write_bytes(d / f"{kind}.bin", data, parents=False)
            atomic_write_bytes(d / "job.json", json.dumps(asdict(job), ensure_ascii=False, allow_nan=False).encode("utf-8"),
                               parents=False)
        except FileNotFoundError:
            return False
        return d.is_dir()

    def get(self, job_id: str, owner: str | None) -> Job:
        """The job, if it exists, has not expired and belongs to this caller; KeyError otherwise (the same
        answer whether it never existed or belongs to someone else)."""
        try:
            data = json.loads((self.dir(job_id) / "job.json").read_text("utf-8"))
            job = Job(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise KeyError(job_id) from exc
        if job.owner is not None and job.owner != owner:
            raise KeyError(job_id)
        if time.time() - job.created > self.keep:
            raise KeyError(job_id)
        return job

    def file(self, job: Job, kind: str) -> bytes | None:
        if kind not in KINDS:
            return None
        try:
            return (self.dir(job.id) / f"{kind}.bin").read_bytes()
        except OSError:
            return None

    def delete(self, job_id: str) -> None:
        """Gone at once for every reader and writer: the folder is renamed away first (a PDF being written
        into it meanwhile cannot bring the job back), then removed."""
        self.active.discard(job_id)
        gone = self.root / f".deleted-{secrets.token_hex(8)}"
        try:
            self.dir(job_id).rename(gone)
        except OSError:
            return
        shutil.rmtree(gone, ignore_errors=True)

    def expire(self, now: float | None = None) -> int:
        """Delete every job older than the retention time (uploads, reports, everything)."""
        now = now or time.time()
        removed = 0
        for d in self.root.iterdir():
            if d.name.startswith(".deleted-"):
                shutil.rmtree(d, ignore_errors=True)
                continue
            if not d.is_dir() or not JOB_ID.match(d.name) or d.name in self.active:
                continue
            try:
                created = json.loads((d / "job.json").read_text("utf-8"))["created"]
            except (OSError, ValueError, KeyError):
                created = d.stat().st_mtime  # a job that never finished: judged by its directory
            if now - float(created) > self.keep:
                shutil.rmtree(d, ignore_errors=True)
                removed += 1
        return removed

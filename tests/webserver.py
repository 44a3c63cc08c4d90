"""`nianbao serve` started for real (uvicorn in its own process) on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mailservers import free_port


class Server:
    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None, own_dir: bool = False) -> None:
        """own_dir: no --data-dir (the server's private temporary folder, removed at shutdown)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nianbao", "serve", "--port", str(self.port),
             *([] if own_dir else ["--data-dir", str(data_dir)]), *args],
            stderr=subprocess.PIPE, env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})))
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("nianbao serve did not start: " + (self.proc.stderr.read().decode() if self.proc.stderr else ""))
            time.sleep(0.1)

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err.decode(errors="replace")

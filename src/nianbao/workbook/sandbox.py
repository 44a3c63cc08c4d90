"""Running the parser of an untrusted file in a child process with a memory and a time limit, so that
one workbook cannot take the whole program (or a batch, or a mail gateway) down with it."""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nianbao import NianbaoError
from nianbao.workers import die_with_parent


@dataclass(frozen=True)
class Limits:
    seconds: float = 60.0
    memory_bytes: int = 768 * 1024 * 1024  # on top of what the parent already maps


class LimitExceeded(NianbaoError):
    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind = kind  # "time" | "memory" | "crash"
        self.detail = detail


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):  # pragma: no cover - not Linux
        return 0


def run_limited(fn: Callable[..., Any], *args: Any, limits: Limits = Limits(),
                meanwhile: Callable[[], object] | None = None) -> Any:
    """fn(*args) in a forked child; its result comes back pickled. Raises LimitExceeded.

    meanwhile runs in this process while the child works (on a second core): the next step's preparation,
    such as importing the Word library, costs no wall time then.

    An exception raised by fn is re-raised here (as RuntimeError with its text) — fn is our own code, and
    bad input must already come back as findings, so that only happens for a bug.
    """
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: no isolation, same results
        return fn(*args)
    read_fd, write_fd = os.pipe()
    # Objects that exist before the fork are moved out of the collector's reach: a collection in the
    # child would otherwise write to every one of them and copy most of the parent's memory (measured:
    # 55 ms of a 140 ms conversion).
    gc.collect(1)  # young garbage (the previous file's documents) must not be frozen with the rest
    gc.freeze()
    parent = os.getpid()
    pid = os.fork()
    if pid != 0:
        gc.unfreeze()
    if pid == 0:  # child
        die_with_parent(parent)
        os.close(read_fd)
        # Parsers write to stderr on their own (Rust panic backtraces, library warnings): the user
        # gets findings, not that.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        status = 0
        try:
            import resource  # POSIX only (the module does not exist on Windows, where nothing is forked)

            budget = _mapped_bytes() + limits.memory_bytes
            resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
            try:
                payload = pickle.dumps(("ok", fn(*args)))
            except MemoryError:
                payload = pickle.dumps(("memory", ""))
            except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
                payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + limits.seconds
    try:
        if meanwhile is not None:
            meanwhile()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise LimitExceeded("time", f"{limits.seconds:.0f} 秒")
            ready, _, _ = select.select([read_fd], [], [], left)
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        if os.WIFSIGNALED(status):
            raise LimitExceeded("crash", f"signal {os.WTERMSIG(status)}")
        raise LimitExceeded("memory" if os.WEXITSTATUS(status) else "crash")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "ok":
        return value
    if kind == "memory":
        raise LimitExceeded("memory")
    raise RuntimeError(value)

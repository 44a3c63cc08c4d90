"""Worker processes, one way for every part that uses them (the batch, the season's folder, the audit, the
web page): a pool whose workers are started at once and die with the process that started them, and a run
of many independent jobs over such a pool in which a worker that dies takes down only its own job.

A process pool breaks as a whole when one of its workers dies (killed, out of memory): every job in it
fails with `BrokenProcessPool`, not only the one that killed it. `each` therefore runs the jobs that were in
the pool when it broke again, and each of those alone, so the job that kills its worker is the one that is
given up, and every other file is read as if nothing had happened.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

R = TypeVar("R")
Job = tuple[Any, ...]


def worker_start(warm: Callable[[], None] | None = None) -> None:
    """Each worker: its parent's signal handlers are not its own (SIGTERM ends it), on Linux it ends with its
    parent (a parent killed with SIGKILL leaves no worker behind), and it imports what the jobs need once."""
    parent = os.getppid()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    _leave_fork_server()
    die_with_parent(parent)
    if warm is not None:
        warm()


def die_with_parent(parent: int) -> None:
    """Linux: this process is killed when `parent`, the process that started it, dies (PR_SET_PDEATHSIG) —
    a killed gateway, web server or batch leaves no worker or parser running; a parent that died before
    the call took effect ends it at once. Elsewhere nothing happens."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes  # the prctl call: only where there is one

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


def _leave_fork_server() -> None:
    """A worker holds the fork server's keep-alive pipe (handed to every process it starts, and inherited
    by a fork): the fork server ends only when every holder has closed it, and a worker started by it ends
    only when it ends (PR_SET_PDEATHSIG) — so a worker that kept it would keep both alive for ever once
    the parent is killed. Our workers start no process through the fork server: they close it."""
    if sys.platform == "win32":
        return  # spawned workers: no fork server there
    from multiprocessing import forkserver  # POSIX only: not imported where it has no meaning

    server: Any = getattr(forkserver, "_forkserver", None)  # the module's one ForkServer (private, stable since 3.4)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int):
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None


def _pid() -> int:
    return os.getpid()


def _context(preload: Sequence[str]) -> BaseContext | None:
    """Fork while this process has one thread (the workers inherit its imports, and nothing is copied in a
    half-held state); once threads run (a web server, a test's mail server), a fork server — a fresh
    single-threaded process that imports `preload` once — starts them. Windows has neither: spawn."""
    if sys.platform == "win32":
        return None
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    return ctx


def start_pool(workers: int, warm: Callable[[], None] | None = None, preload: Sequence[str] = ()) -> ProcessPoolExecutor:
    """A pool of `workers` processes, every one of them started (and warmed) before this returns."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(preload),
                               initializer=functools.partial(worker_start, warm))
    for fut in [pool.submit(_pid) for _ in range(workers)]:
        fut.result()
    return pool


def each(fn: Callable[..., R], jobs: Iterable[Job], workers: int, died: Callable[[Job, BaseException], R],
         warm: Callable[[], None] | None = None) -> Iterator[tuple[Job, R]]:
    """`fn(*job)` for every job on `workers` processes, as each finishes: (job, result), or (job,
    died(job, exc)) for a job whose call raised or whose worker died. At most two jobs a worker are in the
    pool at a time (one running, one waiting, so that no worker idles while the caller handles a result);
    when the pool breaks, the jobs in it are run again each alone afterwards, and only one that breaks a
    pool of its own is given up."""
    queue: deque[Job] = deque(jobs)
    if not queue:
        return
    preload = [fn.__module__]
    suspects: list[Job] = []
    while queue:
        width = max(1, min(workers, len(queue)))
        pool = start_pool(width, warm, preload)
        try:
            running: dict[Future[R], Job] = {}
            broken = False
            while (queue and not broken) or running:
                while queue and not broken and len(running) < 2 * width:
                    job = queue.popleft()
                    running[pool.submit(fn, *job)] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(job)
                        continue
                    except Exception as exc:  # noqa: BLE001 - one job's failure is that job's result
                        result = died(job, exc)
                    yield job, result
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    for job in suspects:
        pool = start_pool(1, warm, preload)
        try:
            result = pool.submit(fn, *job).result()
        except Exception as exc:  # noqa: BLE001 - alone in its pool: this job is what killed the worker
            result = died(job, exc)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        yield job, result

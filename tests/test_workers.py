"""nianbao.workers: the pool every part shares — a worker that dies takes down only its own job."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from nianbao.workers import each


def square_or_die(n: int, runs: str) -> int:
    """The job: n², recorded in `runs`; 13 kills its worker as the kernel's OOM killer would, 7 raises."""
    with open(runs, "a") as fh:
        fh.write(f"{n}\n")
    if n == 13:
        os._exit(1)
    if n == 7:
        raise ValueError("seven")
    return n * n


def _died(job: tuple, exc: BaseException) -> int:
    return -1 if type(exc).__name__ == "BrokenProcessPool" else -2


@pytest.fixture(params=["one thread", "threads running"])
def threads(request):
    """Forked workers while this process has one thread; a fork server once threads run (as in the web
    server): both must give the same answers."""
    if request.param == "one thread" and threading.active_count() > 1:
        pytest.skip("this test process already runs other threads")
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    if request.param == "threads running":
        helper.start()
    yield request.param
    stop.set()


def test_a_job_that_kills_its_worker_is_the_only_one_given_up(tmp_path: Path, threads):
    runs = tmp_path / "runs.txt"
    jobs = [(n, str(runs)) for n in range(1, 25)]
    out = list(each(square_or_die, jobs, 3, _died))
    results = dict((job[0], r) for job, r in out)
    assert len(out) == len(jobs) and sorted(results) == list(range(1, 25)), "every job answered exactly once"
    assert results[13] == -1, "the job whose worker died is given up as such"
    assert results[7] == -2, "a job that raises is that job's failure, the pool goes on"
    assert all(results[n] == n * n for n in results if n not in (7, 13))
    counts = [int(x) for x in runs.read_text().split()]
    assert counts.count(13) == 2, "run once in the pool, once alone"
    assert all(counts.count(n) <= 2 for n in range(1, 25)), "the others at most once more (the ones beside it)"
    assert sum(counts.count(n) == 2 for n in range(1, 25) if n != 13) <= 2, "only the jobs in the pool with it run again"


def test_no_jobs_start_no_workers():
    assert list(each(square_or_die, [], 4, _died)) == []

"""nianbao.workers: the pool every part shares — a worker that dies takes down only its own job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

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


def _scenario(runs: Path) -> dict[int, int]:
    jobs = [(n, str(runs)) for n in range(1, 25)]
    out = list(each(square_or_die, jobs, 3, _died))
    assert len(out) == len(jobs), "every job answered exactly once"
    return {job[0]: r for job, r in out}


def _check(results: dict[int, int], runs: Path) -> None:
    assert sorted(results) == list(range(1, 25))
    assert results[13] == -1, "the job whose worker died is given up as such"
    assert results[7] == -2, "a job that raises is that job's failure, the pool goes on"
    assert all(results[n] == n * n for n in results if n not in (7, 13))
    counts = [int(x) for x in runs.read_text().split()]
    assert counts.count(13) == 2, "run once in the pool, once alone"
    assert all(counts.count(n) <= 2 for n in range(1, 25)), "the others at most once more (the ones beside it)"
    assert sum(counts.count(n) == 2 for n in range(1, 25) if n != 13) <= 5, "only the jobs in the pool with it (two a worker) run again"


def test_a_job_that_kills_its_worker_is_the_only_one_given_up_with_threads_running(tmp_path: Path):
    """With threads running (as in the web server, or this test process) the workers come from a fork server."""
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    helper.start()
    try:
        _check(_scenario(tmp_path / "runs.txt"), tmp_path / "runs.txt")
    finally:
        stop.set()


def test_a_job_that_kills_its_worker_is_the_only_one_given_up_in_a_single_threaded_process(tmp_path: Path):
    """A command (batch, audit, region) runs with one thread: its workers are forked. A fresh process is
    that case for certain (this test process may run other tests' threads)."""
    runs = tmp_path / "runs.txt"
    code = ("import json, sys, threading; sys.path.insert(0, sys.argv[2]); import test_workers as t; "
            "assert threading.active_count() == 1; from pathlib import Path; "
            "print(json.dumps(t._scenario(Path(sys.argv[1]))))")
    done = subprocess.run([sys.executable, "-c", code, str(runs), str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    _check({int(k): v for k, v in json.loads(done.stdout).items()}, runs)


def test_no_jobs_start_no_workers():
    assert list(each(square_or_die, [], 4, _died)) == []

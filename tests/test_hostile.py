"""Hostile files are refused cheaply, and parsing runs with bounded memory and time."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile

import pytest

from nianbao.workbook.sandbox import LimitExceeded, Limits, run_limited

BOMB_MB = 300


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """An .xlsx whose one sheet inflates to 300 MB from a few hundred KB (the measured case in the spec)."""
    path = tmp_path_factory.mktemp("bomb") / "看起来正常.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            chunk = b"<row>" + b" " * (1 << 20) + b"</row>"
            for _ in range(BOMB_MB):
                fh.write(chunk)
    return path


# Peak memory as VmHWM of this process image: ru_maxrss would carry over the (larger) pytest parent's
# high-water mark across fork+exec.
PROBE = """
import sys, time, json
t = time.perf_counter()
from nianbao.conversion import check
sub, report = check(sys.argv[1])
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"codes": [f.code for f in report.findings], "seconds": time.perf_counter() - t, "peak_mb": hwm / 1024}))
"""


def test_zip_bomb_is_refused_without_inflating_it(bomb):
    assert bomb.stat().st_size < 2 * 1024 * 1024
    out = subprocess.run([sys.executable, "-c", PROBE, str(bomb)], capture_output=True, text=True, timeout=120, check=True)
    import json

    result = json.loads(out.stdout)
    assert result["codes"] == ["file-too-large"]
    assert result["peak_mb"] < 100, result


def test_cli_on_the_bomb_exits_1_with_a_chinese_message(bomb):
    out = subprocess.run([sys.executable, "-m", "nianbao", "check", str(bomb)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "解压后的内容异常庞大" in out.stdout and "Traceback" not in out.stderr


def _allocate(mb: int) -> int:
    blob = bytearray(mb * 1024 * 1024)
    return len(blob)


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def test_child_over_its_memory_budget_is_stopped():
    assert run_limited(_allocate, 10, limits=Limits(seconds=30, memory_bytes=200 * 1024 * 1024)) == 10 * 1024 * 1024
    with pytest.raises(LimitExceeded) as exc:
        run_limited(_allocate, 2000, limits=Limits(seconds=30, memory_bytes=200 * 1024 * 1024))
    assert exc.value.kind == "memory"


def test_child_over_its_time_budget_is_killed():
    with pytest.raises(LimitExceeded) as exc:
        run_limited(_sleep, 30, limits=Limits(seconds=0.5))
    assert exc.value.kind == "time"


def test_a_bug_in_the_child_comes_back_as_an_error_not_a_hang():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        run_limited(divmod, 1, 0)


def test_200000_numbers_down_a_column_are_one_finding_in_bounded_memory(tmp_path):
    """A hostile but valid workbook: the rows no layout reaches are counted as they stream past, never
    held; the whole check stays under 250 MB (it took 556 MB when every cell became a Python object)."""
    import subprocess
    import sys

    import openpyxl

    from support import PINGTAN

    wb = openpyxl.load_workbook(PINGTAN)
    ws = wb["依申请公开"]
    for r in range(40, 200_040):
        ws.cell(r, 4).value = r
    path = tmp_path / "huge.xlsx"
    wb.save(path)
    # measured in a fresh process of its own: this test process's children (LibreOffice, servers) do not count
    probe = ("import resource, subprocess, sys; p = subprocess.run([sys.executable, '-m', 'nianbao', 'check', sys.argv[1]],"
             " capture_output=True, text=True); print(p.returncode); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
             " print(p.stdout)")
    proc = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=300)
    code, peak_kb, out = proc.stdout.split("\n", 2)
    assert code == "0"
    assert "第 1000 行以下还有 199039 个单元格有内容（第一个是 D1001）" in out
    assert int(peak_kb) / 1024 < 250, f"peak {int(peak_kb) / 1024:.0f} MB"

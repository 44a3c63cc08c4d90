from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from support import DAZHUANG, PINGTAN, set_cells


@pytest.fixture
def edit(tmp_path: Path) -> Callable[..., Path]:
    """Copy an example workbook, change it with openpyxl as a clerk would, return the new file.

    edit(lambda wb: wb["依申请公开"].__setitem__("D6", 5)) or edit({"依申请公开!D6": 5}).
    """
    counter = iter(range(10_000))

    def _edit(change: Callable[[openpyxl.Workbook], None] | dict[str, object], base: Path = PINGTAN) -> Path:
        wb = openpyxl.load_workbook(base)
        if isinstance(change, dict):
            set_cells(wb, change)
        else:
            change(wb)
        out = tmp_path / f"edited-{next(counter)}.xlsx"
        wb.save(out)
        return out

    return _edit


@pytest.fixture
def example_copy(tmp_path: Path) -> Callable[[Path], Path]:
    def _copy(src: Path = DAZHUANG) -> Path:
        dst = tmp_path / src.name
        shutil.copyfile(src, dst)
        return dst

    return _copy


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 3 MB file system (tmpfs) for a test that fills the disk; needs root (skipped otherwise)."""
    where = tmp_path / "disk"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root)")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)

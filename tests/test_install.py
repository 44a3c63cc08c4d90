"""The offline bundle (tools/bundle.py, packaging/): built for this machine's platform, installed with the
network unreachable into a fresh place, then `nianbao` typed in a new login shell converts the example."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from support import ROOT

pytestmark = pytest.mark.slow  # the inner loop: pytest -m "not slow" (CI runs everything)

REQUIRE = os.environ.get("NIANBAO_REQUIRE_BUNDLE") == "1"


def _offline(cmd: list[str]) -> list[str]:
    """The command in a network namespace of its own (no network at all) when we may make one."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n", *cmd]
    return cmd  # the install script uses pip --no-index either way; PIP_INDEX_URL below points nowhere


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "nianbao-offline"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "bundle.py"), "-o", str(out), "--target", "this"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        message = f"the bundle could not be built (no package index?): {done.stderr[-800:]}"
        pytest.fail(message) if REQUIRE else pytest.skip(message)
    print("\n" + done.stdout)
    return out


def test_the_bundle_holds_everything_for_its_targets(bundle):
    names = {p.name for p in (bundle / "wheels").iterdir()}
    assert any(n.startswith("nianbao-") for n in names) and any(n.startswith("pip-") for n in names)
    for package in ("pandas", "numpy", "openpyxl", "docxtpl", "lxml", "pdfplumber", "fastapi", "uvicorn"):
        assert any(n.lower().startswith(package + "-") for n in names), package
    assert all(n.endswith(".whl") for n in names), "wheels only: nothing to compile on the office's machine"
    for script in ("install.sh", "install.ps1", "install.bat", "安装说明.txt", "examples/大庄乡人民政府2024.xlsx"):
        assert (bundle / script).is_file(), script
    assert (bundle / "install.ps1").read_bytes().startswith(b"\xef\xbb\xbf"), "Windows PowerShell 5.1 needs the BOM for Chinese"
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as zf:
        assert f"{bundle.name}/install.sh" in zf.namelist()


def test_installed_offline_nianbao_is_on_the_path_and_converts_the_example(bundle, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_CONFIG_FILE": os.devnull}
    # the interpreter this venv was made from: the bundle was built for its version
    python = str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
    started = time.monotonic()
    done = subprocess.run(_offline(["bash", str(bundle / "install.sh"), "--python", python]), env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    print(f"\ninstalled offline in {time.monotonic() - started:.1f} s")
    assert "安装完成" in done.stderr and "加入 PATH" in done.stderr
    # a new terminal (a login shell reads ~/.profile): the user types nianbao
    work = tmp_path / "work"
    work.mkdir()
    example = bundle / "examples" / "大庄乡人民政府2024.xlsx"
    shell = f"umask 022 && cd '{work}' && nianbao convert '{example}' -o 大庄乡.docx"
    done = subprocess.run(_offline(["bash", "-lc", shell]), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = work / "大庄乡.docx"
    assert out.stat().st_size > 10_000 and out.stat().st_mode & 0o777 == 0o644, "the user's umask, not a private file"
    # installing again (an update) replaces the installation and writes the PATH line once
    again = subprocess.run(_offline(["bash", str(bundle / "install.sh"), "--python", python]), env=env,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert (home / ".profile").read_text().count("# nianbao") == 1


def test_a_python_too_old_is_said_in_chinese(bundle, tmp_path):
    fake = tmp_path / "python3.8"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    done = subprocess.run(["bash", str(bundle / "install.sh"), "--python", str(fake)], env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)
    assert done.returncode == 2 and "不是 3.11 或 3.12" in done.stderr
    tools = tmp_path / "bin"  # a desktop whose only Python is an old one: the usual tools, no python3.11/3.12
    tools.mkdir()
    for tool in ("dirname", "uname", "ls", "head", "sed", "tar", "mkdir", "rm"):
        (tools / tool).symlink_to(shutil.which(tool) or f"/bin/{tool}")
    (tools / "python3").symlink_to(fake)
    done = subprocess.run([shutil.which("bash") or "/bin/bash", str(bundle / "install.sh")], env={"HOME": str(tmp_path), "PATH": str(tools)},
                          capture_output=True, text=True)
    assert done.returncode == 2 and "麒麟" in done.stderr and "--python-archive" in done.stderr


def _interpreter(version: str) -> str | None:
    """A Python of that version on this machine (Debian's, or one pyenv installed), or None."""
    found = shutil.which(f"python{version}")
    candidates = [found] if found and "shims" not in found else []
    candidates += sorted(str(p) for p in Path("/root/.pyenv/versions").glob(f"{version}.*/bin/python{version}"))
    for candidate in candidates:
        if subprocess.run([candidate, "-c", "pass"], capture_output=True).returncode == 0:
            return candidate
    return None


def test_a_desktop_with_an_old_python_installs_with_the_bundled_one(tmp_path):
    """Kylin V10 / UOS 20: python3 is 3.8. The bundle brings a Python 3.12 (here a stand-in for a
    python-build-standalone archive: python/bin/python3.12 starting this machine's 3.12) and installs with it,
    offline; nianbao then converts the example on Python 3.12."""
    py312, py38 = _interpreter("3.12"), _interpreter("3.8")
    if py312 is None or py38 is None:
        message = "needs a Python 3.12 and a Python 3.8 on this machine (pyenv's)"
        pytest.fail(message) if REQUIRE else pytest.skip(message)
    stand_in = tmp_path / "standalone"
    (stand_in / "python" / "bin").mkdir(parents=True)
    launcher = stand_in / "python" / "bin" / "python3.12"
    launcher.write_text(f'#!/bin/sh\nexec "{py312}" "$@"\n')
    launcher.chmod(0o755)
    archive = tmp_path / "cpython-3.12-x86_64-linux-install_only.tar.gz"
    subprocess.run(["tar", "-czf", str(archive), "-C", str(stand_in), "python"], check=True)
    out = tmp_path / "bundle" / "nianbao-offline"
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "bundle.py"), "-o", str(out), "--target", "linux-x86_64-cp312",
                           "--python-archive", f"linux-x86_64={archive}"], capture_output=True, text=True)
    if done.returncode != 0:
        message = f"the bundle could not be built (no package index?): {done.stderr[-800:]}"
        pytest.fail(message) if REQUIRE else pytest.skip(message)
    tools = tmp_path / "bin"  # the desktop: its tools, and python3 = 3.8
    tools.mkdir()
    for tool in ("dirname", "uname", "ls", "head", "sed", "tar", "gzip", "mkdir", "rm", "ln", "grep", "cat", "sh"):
        (tools / tool).symlink_to(shutil.which(tool) or f"/bin/{tool}")
    (tools / "python3").symlink_to(py38)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": str(tools), "LANG": "C.UTF-8", "PIP_CONFIG_FILE": os.devnull}
    bash = shutil.which("bash") or "/bin/bash"
    done = subprocess.run(_offline([bash, str(out / "install.sh")]), env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "使用离线包自带的 Python" in done.stderr and "3.12" in done.stderr
    nianbao = home / ".local" / "bin" / "nianbao"
    converted = subprocess.run(_offline([str(nianbao), "convert", str(out / "examples" / "大庄乡人民政府2024.xlsx"), "-o",
                                         str(tmp_path / "大庄乡.docx")]), env=env, capture_output=True, text=True, timeout=300)
    assert converted.returncode == 0, converted.stderr
    version = subprocess.run([str(home / ".local/share/nianbao/venv/bin/python"), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True)
    assert version.stdout.strip() == "(3, 12)"


WINDOWS_LIKE = r"""
import os, sys
POSIX_ONLY = {"resource", "fcntl", "termios", "pwd", "grp"}


class PosixOnly:
    '''Our own code asking for a module Windows does not have fails as it would there.'''
    def find_spec(self, name, path=None, target=None):
        if name in POSIX_ONLY:
            frame = sys._getframe(1)
            while frame and frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen_importlib")):
                frame = frame.f_back
            if frame and frame.f_globals.get("__name__", "").startswith("nianbao"):
                raise ImportError(f"No module named {name!r} (as on Windows)")
        return None


for name in POSIX_ONLY:
    sys.modules.pop(name, None)
sys.meta_path.insert(0, PosixOnly())
del os.fork  # Windows has no fork: the sandbox runs in-process there
import nianbao.apps.audit, nianbao.apps.batch.run, nianbao.apps.mail.gateway, nianbao.apps.mail.selftest  # noqa: E401
import nianbao.apps.web.app  # noqa: F401
from nianbao.apps.cli import main
sys.exit(main(["convert", sys.argv[1], "-o", sys.argv[2]]))
"""


def test_every_command_imports_and_the_example_converts_without_posix_only_modules(tmp_path):
    """The Windows bundle (install.ps1) cannot be run here; what can be: every app's modules import, and the
    example converts, in a Python where `resource`, `fcntl` and `os.fork` do not exist for our code."""
    out = tmp_path / "报告.docx"
    done = subprocess.run([sys.executable, "-c", WINDOWS_LIKE, str(ROOT / "examples" / "大庄乡人民政府2024.xlsx"), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and out.stat().st_size > 10_000

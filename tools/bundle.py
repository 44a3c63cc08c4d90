"""Build the offline installation bundle: nianbao's wheel and every dependency's wheel for the platforms
county offices use, with an install script per platform. Needs a package index (run it on a machine with
internet); the bundle then installs with none.

    python tools/bundle.py -o dist/离线安装包                      # every target below
    python tools/bundle.py -o dist/x --target linux-x86_64-cp311   # only this machine's kind
    python tools/bundle.py -o dist/x --python-archive linux-x86_64=cpython-3.12-x86_64-linux-install_only.tar.gz

A target is <platform>-<python>: linux-x86_64, linux-aarch64 or win-amd64, and cp311 or cp312. All wheels go
into one folder (pip picks each platform's by its tags; pure-Python wheels are there once). With
--python-archive a standalone CPython (python-build-standalone's "install_only" archive) goes into the
bundle for a Linux platform, for desktops whose own Python is older than 3.11 (Kylin V10, UOS 20).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
EXTRAS = "web"  # the web page comes with the bundle: a county office may run `nianbao serve`
PLATFORMS = {
    # pip's platform tags, newest last; manylinux2014 = glibc 2.17, enough for Kylin V10 and UOS 20 (glibc 2.28+)
    "linux-x86_64": ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
    "linux-aarch64": ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
    "win-amd64": ["win_amd64"],
}
PYTHONS = ("cp311", "cp312")
TARGETS = [f"{p}-{py}" for p in PLATFORMS for py in PYTHONS]


def requirements() -> list[str]:
    """What the installed tool needs: pyproject's dependencies and the bundled extras'."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in EXTRAS.split(","):
        reqs += [r for r in project["optional-dependencies"][extra] if not r.startswith("nianbao")]
    return reqs


def this_target() -> str:
    import platform

    machine = {"amd64": "x86_64", "x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[platform.machine().lower()]
    kind = "win-amd64" if sys.platform == "win32" else f"linux-{machine}"
    return f"{kind}-cp{sys.version_info.major}{sys.version_info.minor}"


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "-q"], check=True)


def download(target: str, wheels: Path) -> None:
    platform_name, python = target.rsplit("-", 1)
    platforms = [a for tag in PLATFORMS[platform_name] for a in ("--platform", tag)]
    _pip("download", "--only-binary=:all:", *platforms, "--python-version", python[2:], "--implementation", "cp",
         "--abi", python, "-d", str(wheels), "pip", *requirements())


def build(out: Path, targets: list[str], python_archives: dict[str, Path]) -> dict[str, float]:
    """The bundle in `out` (a folder) and `out`.zip; returns the seconds each step took."""
    timings: dict[str, float] = {}
    if out.exists():
        shutil.rmtree(out)
    wheels = out / "wheels"
    wheels.mkdir(parents=True)
    started = time.monotonic()
    _pip("wheel", "--no-deps", "-w", str(wheels), str(ROOT))
    timings["nianbao wheel"] = time.monotonic() - started
    for target in targets:
        started = time.monotonic()
        download(target, wheels)
        timings[target] = time.monotonic() - started
    for name in ("install.sh", "install.ps1", "install.bat", "安装说明.txt"):
        shutil.copy2(PACKAGING / name, out / name)
    (out / "install.sh").chmod(0o755)
    (out / "examples").mkdir()
    shutil.copy2(ROOT / "examples" / "大庄乡人民政府2024.xlsx", out / "examples")
    for platform_name, archive in python_archives.items():
        shutil.copy2(archive, out / f"python-{platform_name}.tar.gz")
    (out / "targets.txt").write_text("\n".join(targets) + "\n", "utf-8")
    started = time.monotonic()
    archive_path = out.with_suffix(".zip")
    with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_STORED) as zf:  # wheels are compressed already
        for path in sorted(out.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, Path(out.name) / path.relative_to(out))
                with path.open("rb") as fh:
                    zf.writestr(info, fh.read())
    timings["zip"] = time.monotonic() - started
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", type=Path, required=True, help="the bundle's folder (and .zip beside it)")
    parser.add_argument("--target", action="append", choices=TARGETS + ["this"], help="default: every target")
    parser.add_argument("--python-archive", action="append", default=[], metavar="PLATFORM=FILE",
                        help="a standalone CPython for linux-x86_64 or linux-aarch64 (install_only .tar.gz)")
    args = parser.parse_args(argv)
    targets = [this_target() if t == "this" else t for t in (args.target or TARGETS)]
    archives = {}
    for item in args.python_archive:
        platform_name, _, file = item.partition("=")
        if platform_name not in ("linux-x86_64", "linux-aarch64") or not Path(file).is_file():
            parser.error(f"--python-archive {item}: PLATFORM is linux-x86_64 or linux-aarch64, FILE an existing archive")
        archives[platform_name] = Path(file)
    timings = build(args.output, targets, archives)
    total = sum(p.stat().st_size for p in args.output.rglob("*") if p.is_file())
    print(f"bundle: {args.output} ({total / 1e6:.0f} MB), {args.output.with_suffix('.zip')}")
    for step, seconds in timings.items():
        print(f"  {step}: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

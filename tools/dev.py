"""One task runner for the developer's loop (run it with the project's venv: .venv/bin/python tools/dev.py …).

    test          the whole suite, as CI runs it (README's test command)
    test-fast     the inner loop: everything not marked slow (properties, chaos, PDF pages, real-site
                  imports, installs, browsers), stopping at the first failure
    lint          ruff and mypy, as CI runs them
    regenerate    everything derived from the form and the code, in order: the Word templates, the
                  examples, OpenAPI and the README's generated parts (tools/regenerate.py), then the
                  golden documents (tests/golden, compared by content) from the fresh templates
    snapshot      tools/snapshot.py take|compare … (a refactoring's proof: no output changed)
    bundle        tools/bundle.py … (the offline installation bundle)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _run(*cmd: str, env: dict[str, str] | None = None) -> int:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **(env or {}))).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    task, rest = argv[0], argv[1:]
    if task == "test":
        return _run(PY, "-m", "pytest", *rest)
    if task == "test-fast":
        return _run(PY, "-m", "pytest", "-m", "not slow", "-x", "-q", *rest)
    if task == "lint":
        return _run(PY, "-m", "ruff", "check", ".") or _run(PY, "-m", "mypy")
    if task == "regenerate":
        return _run(PY, "tools/regenerate.py") or _run(PY, "-m", "pytest", "-q", "tests/test_render.py",
                                                         env={"NIANBAO_REGEN_GOLDEN": "1"})
    if task == "snapshot":
        return _run(PY, "tools/snapshot.py", *rest)
    if task == "bundle":
        return _run(PY, "tools/bundle.py", *rest)
    print(f"unknown task {task!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Docs that cannot drift: the README's code list, its two commands, and .ci/run running the test command."""

from __future__ import annotations

import importlib.util
import re

from support import ROOT

_spec = importlib.util.spec_from_file_location("readme_codes", ROOT / "tools" / "readme_codes.py")
assert _spec is not None and _spec.loader is not None
_codes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_codes)
CODES_BEGIN, CODES_END, codes_table = _codes.CODES_BEGIN, _codes.CODES_END, _codes.codes_table

README = (ROOT / "README.md").read_text("utf-8")


def test_code_list_is_generated_from_the_code():
    section = README.split(CODES_BEGIN, 1)[1].split(CODES_END, 1)[0].strip()
    assert section == codes_table(), "run: python tools/regenerate.py"


def _commands() -> list[str]:
    return re.findall(r"```bash\n(python3 -m venv[^\n]+)\n```", README)


def test_readme_has_the_two_commands_and_ci_runs_the_test_command():
    convert, tests = _commands()
    assert "nianbao convert examples/大庄乡人民政府2024.xlsx" in convert
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert tests in ci.splitlines(), ".ci/run must run the README's test command verbatim"


def test_readme_example_file_exists():
    convert, _ = _commands()
    path = re.search(r"convert (\S+\.xlsx)", convert).group(1)
    assert (ROOT / path).is_file()


def test_every_command_and_option_in_the_readme_exists():
    """The README's usage lines cannot drift from the CLI: each command and option shown must exist."""
    from nianbao.apps.cli import cli

    lines = [line.split("#")[0].strip() for block in re.findall(r"```bash\n(.*?)```", README, re.S) for line in block.splitlines()]
    usage = [line for line in lines if line.startswith("nianbao ")]
    assert len(usage) >= 10
    for line in usage:
        words = line.split()
        command = cli.commands.get(words[1])
        assert command is not None, line
        known = {opt for p in command.params for opt in getattr(p, "opts", [])} | {"-h", "--help"}
        for word in words[2:]:
            if word.startswith("-"):
                assert word in known, f"{word} in: {line}"

"""Measure the package's shape: modules at the top, the import graph and its cycles, function-local
imports, quoted cell references outside the form package, branches on form ids or table names, and
`# type: ignore` comments. tests/test_architecture.py holds the limits; this prints the numbers.

    python tools/architecture.py
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "src" / "nianbao"
CELL_REF = re.compile(r"""(?<![\w])["'][A-Z]{1,2}[0-9]{1,4}(?::[A-Z]{1,2}[0-9]{1,4})?["']""")
FORM_BRANCH = re.compile(r"""(?:form\.id|form_id|\.name|table)\s*[!=]=\s*["'](?:20\d\d|table\d)["']|["'](?:20\d\d|table\d)["']\s*[!=]=""")


@dataclass
class Module:
    name: str
    path: Path
    imports: set[str] = field(default_factory=set)  # nianbao modules imported (type-checking-only ones left out)
    local_imports: list[tuple[int, str, str]] = field(default_factory=list)  # (line, module, comment on that line)


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(mod: Module, node: ast.ImportFrom) -> list[str]:
    if node.level:
        base = mod.name.split(".")
        if not mod.path.name == "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("nianbao"):
        return []
    return [target] + [f"{target}.{a.name}" for a in node.names]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def scan() -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(PKG.rglob("*.py")):
        m = Module(module_name(path), path)
        modules[m.name] = m
    for m in modules.values():
        source = m.path.read_text("utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _is_type_checking(node):
                for sub in ast.walk(node):
                    skip.add(id(sub))
        top_level = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if id(node) in skip or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                targets = _resolve(m, node)
            found = [t for t in targets if t in modules]
            m.imports.update(t for t in found if t != m.name)
            if id(node) not in top_level:
                what = targets[0] if targets else (node.module if isinstance(node, ast.ImportFrom) else "")
                comment_lines = lines[max(node.lineno - 2, 0): node.end_lineno or node.lineno]
                comment = " ".join(c.split("#", 1)[1].strip() for c in comment_lines if "#" in c)
                m.local_imports.append((node.lineno, what or "", comment))
    return modules


def _package_parents(name: str, modules: dict[str, Module]) -> set[str]:
    # Importing nianbao.a.b runs nianbao/__init__ and nianbao/a/__init__ too; those edges are not
    # dependencies of the importer's design, so the graph leaves them out.
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))} & set(modules)


def cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    graph = {n: {t for t in m.imports if t not in _package_parents(n, modules) and t != "nianbao"} for n, m in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def top_modules() -> list[str]:
    return sorted(p.name for p in PKG.glob("*.py"))


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """Lines of code with docstrings and comments blanked (a docstring may show a cell as an example)."""
    source = path.read_text("utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    doc_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                doc_lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return [(i, line.split("#", 1)[0] if "#" in line else line) for i, line in enumerate(lines, 1) if i not in doc_lines]


def _code_matches(pattern: re.Pattern[str], whole_line: bool) -> list[tuple[str, int, str]]:
    """Matches of pattern in code (not docstrings or comments) outside the form's description: the form
    package and the workbook's layout (workbook/layout.py: where the form's parts sit in the workbook)."""
    found = []
    for path in sorted(PKG.rglob("*.py")):
        if (PKG / "form") in path.parents or path == PKG / "workbook" / "layout.py":
            continue
        for i, line in _code_lines(path):
            hits = [line.strip()] if whole_line and pattern.search(line) else [] if whole_line else [m.group(0) for m in pattern.finditer(line)]
            found.extend((str(path.relative_to(PKG)), i, h) for h in hits)
    return found


def cell_references() -> list[tuple[str, int, str]]:
    """Quoted cell references ("J4", "A1:C3") in code outside the form package."""
    return _code_matches(CELL_REF, whole_line=False)


def form_branches() -> list[tuple[str, int, str]]:
    """Lines that branch on a form id or a table name outside the form package."""
    return _code_matches(FORM_BRANCH, whole_line=True)


def type_ignores() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(PKG.rglob("*.py")):
        for i, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if "type: ignore" in line:
                found.append((str(path.relative_to(PKG)), i, line.strip()))
    return found


def main() -> int:
    modules = scan()
    tops = top_modules()
    print(f"modules directly in src/nianbao: {len(tops)} ({', '.join(tops)})")
    print(f"modules in all: {len(modules)}")
    cyc = cycles(modules)
    print(f"import cycles: {len(cyc)}" + "".join(f"\n  {' → '.join(c)}" for c in cyc))
    local = [(n, line, what, c) for n, m in modules.items() for line, what, c in m.local_imports]
    print(f"function-local imports: {len(local)}")
    for n, line, what, c in local:
        print(f"  {n}:{line} {what}  # {c or '(no comment)'}")
    refs = cell_references()
    print(f"quoted cell references outside nianbao.form: {len(refs)}")
    for f, i, r in refs:
        print(f"  {f}:{i} {r}")
    br = form_branches()
    print(f"branches on a form id or table name: {len(br)}")
    for f, i, line in br:
        print(f"  {f}:{i} {line}")
    ti = type_ignores()
    print(f"type: ignore comments: {len(ti)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The package's shape: no import cycles (counting imports inside functions, which hide them
from import-linter), no module over 400 lines, no function over 60, no class over 20 methods
(but those written down below, which may only shrink)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "desktop_app"
MAX_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_METHODS = 20
# Classes allowed over MAX_METHODS, with their count: none since issue 26; each may only shrink.
TOO_MANY_METHODS: dict[str, int] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """desktop_app modules `path` imports anywhere in its body (TYPE_CHECKING ones too)."""
    found: set[str] = set()
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(files)
    edges = {m: imports_of(p, modules) - {m} for m, p in files.items()}
    # A package's __init__ importing its own submodules is not a cycle of design.
    return {
        m: {t for t in ts if not m.startswith(t + ".") and not t.startswith(m + ".")}
        for m, ts in edges.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_even_through_function_level_imports():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_over_400_lines():
    long = {
        module_name(p): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def definitions() -> list[tuple[str, ast.AST]]:
    """Every function and class of the package, by its dotted name below desktop_app."""
    found: list[tuple[str, ast.AST]] = []
    for path in PACKAGE.rglob("*.py"):
        module = module_name(path).removeprefix("desktop_app.")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.append((f"{module}.{node.name}", node))
    return found


def test_no_function_over_60_lines():
    long = {
        name: n
        for name, node in definitions()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (n := (node.end_lineno or 0) - node.lineno + 1) > MAX_FUNCTION_LINES
    }
    assert long == {}


def test_no_class_over_20_methods_but_the_known_ones_which_only_shrink():
    counts = {
        name: sum(isinstance(b, ast.FunctionDef | ast.AsyncFunctionDef) for b in node.body)
        for name, node in definitions()
        if isinstance(node, ast.ClassDef)
    }
    over = {name: n for name, n in counts.items() if n > MAX_METHODS}
    grown = {n: c for n, c in over.items() if c > TOO_MANY_METHODS.get(n, MAX_METHODS)}
    assert grown == {}
    shrunk = {n: counts.get(n) for n, c in TOO_MANY_METHODS.items() if counts.get(n, 0) < c}
    assert shrunk == {}, "update TOO_MANY_METHODS: these classes lost methods (or are gone)"

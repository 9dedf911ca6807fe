"""The import rule: no cycles among newsloom modules, every newsloom import at the top of its module, lower layers
never import higher ones, and nothing below ``cli/`` imports click (a Spark executor imports the engine alone)."""
from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import REPO

PKG = REPO / "newsloom"

#: the layers, lowest first; a module may import its own layer and the layers below it (docs/architecture.md)
LAYERS = [
    ("version", "errors", "model", "settings", "plugins", "blas_threads"),
    ("storage",),
    ("readers", "nlp"),
    ("pipeline", "gc_freeze"),
    ("stages",),
    ("engine",),
    ("queries",),
    ("export",),
    ("loom", "__init__"),
    ("eval", "bench"),
    ("cli", "web", "__main__"),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    imports: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)  # target -> [(line, at top)]


def _modules(root: Path = PKG) -> dict[str, Module]:
    mods = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        mods[name] = Module(name, path, is_package)
    for mod in mods.values():
        tree = ast.parse(mod.path.read_text(encoding="utf-8"))
        top = _top_imports(tree)
        for node in ast.walk(tree):
            for target in _targets(node, mod, mods):
                mod.imports.setdefault(target, []).append((node.lineno, id(node) in top))
    return mods


def _top_imports(tree: ast.Module) -> set[int]:
    """The import statements that open the module (after its docstring), before any other statement."""
    out = set()
    for i, node in enumerate(tree.body):
        if i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            break
        out.add(id(node))
    return out


def _targets(node: ast.AST, mod: Module, mods: dict[str, Module]) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "newsloom"]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = mod.name.split(".") if mod.is_package else mod.name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != "newsloom":
        return []
    # ``from pkg import sub`` imports the module pkg.sub
    return [f"{target}.{a.name}" if f"{target}.{a.name}" in mods else target for a in node.names]


def cycles(mods: dict[str, Module]) -> list[list[str]]:
    """Every import cycle (strongly connected group of modules), each as a list of module names."""
    graph = {m: [t for t in mod.imports if t in mods and t != m] for m, mod in mods.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def _layer(name: str) -> str:
    """The layer of a module: its first name under newsloom (``newsloom`` itself is ``__init__``)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_import_cycles():
    found = cycles(_modules())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_newsloom_imports_open_their_module():
    """An import inside a function or below the code can hide a cycle; every newsloom import opens its module."""
    late = [f"{mod.path.relative_to(REPO)}:{line} imports {target}"
            for mod in _modules().values() for target, places in mod.imports.items()
            for line, at_top in places if not at_top]
    assert not late, "\n".join(late)


def test_lower_layers_never_import_higher_ones():
    mods = _modules()
    assert {_layer(m) for m in mods} <= set(RANK), f"put new packages in LAYERS: {sorted({_layer(m) for m in mods} - set(RANK))}"
    wrong = [f"{m} ({_layer(m)}) imports {t} ({_layer(t)})" for m, mod in mods.items() for t in mod.imports
             if t in mods and RANK[_layer(t)] > RANK[_layer(m)]]
    assert not wrong, "\n".join(wrong)


def test_nothing_below_the_cli_imports_click():
    for path in sorted(PKG.rglob("*.py")):
        if _layer(".".join(path.relative_to(REPO).with_suffix("").parts)) in ("cli", "web"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        assert not [n for n in names if n.split(".")[0] == "click"], f"{path.relative_to(REPO)} imports click"
    # and loading everything but the CLI (every built-in and plugin) leaves click unloaded
    code = ("import sys, newsloom, newsloom.plugins as p; p.load(); "
            "assert 'click' not in sys.modules, sorted(m for m in sys.modules if m.startswith('newsloom'))")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


@pytest.mark.parametrize("source, cyclic", [
    ({"a": "from . import b\n", "b": "from . import a\n"}, True),
    ({"a": "from . import b\n", "b": "def f():\n    from . import a\n"}, True),
    ({"a": "from .b import x\n", "b": "x = 1\n"}, False),
])
def test_the_cycle_finder_finds_cycles(tmp_path, source, cyclic):
    """The check above can fail: a cycle written into a throwaway package is found."""
    pkg = tmp_path / "newsloom"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name, text in source.items():
        (pkg / f"{name}.py").write_text(text)
    assert bool(cycles(_modules(pkg))) is cyclic

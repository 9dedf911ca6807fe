"""Docs stay true: the CLI reference is current, every setting has help, architecture names every module."""
from __future__ import annotations

import re

from newsloom.cli.reference import render
from newsloom.settings import Settings

from .conftest import REPO


def test_cli_reference_is_current():
    current = (REPO / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert current == render(), "regenerate: python -m newsloom.cli.reference > docs/cli-reference.md"


def test_every_setting_has_help():
    for name, _default, help_ in Settings.documented():
        assert help_, f"setting {name} needs a comment above it in default_settings.toml"


def module_table(text: str) -> set[str]:
    """The paths the first column of the "## Modules" table names (relative to ``newsloom/``)."""
    section = text.split("\n## Modules", 1)[1].split("\n## ", 1)[0]
    paths: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            first = line.split("|")[1]
            paths |= set(re.findall(r"`([\w/]+\.py)`", first))
    return paths


def test_architecture_names_every_module():
    """Every module of the tree is in the module table by its path, and every path there exists."""
    named = module_table((REPO / "docs" / "architecture.md").read_text(encoding="utf-8"))
    pkg = REPO / "newsloom"
    tree = {p.relative_to(pkg).as_posix() for p in pkg.rglob("*.py")}
    assert not tree - named, f"docs/architecture.md's module table lacks {sorted(tree - named)}"
    assert not named - tree, f"docs/architecture.md's module table names missing files {sorted(named - tree)}"


def test_the_module_table_is_read_from_its_first_column():
    text = "# A\n\n## Modules\n\n| module | job |\n|---|---|\n| `a.py`, `b/c.py` | see `d.py` |\n\n## Next\n| `e.py` |"
    assert module_table(text) == {"a.py", "b/c.py"}

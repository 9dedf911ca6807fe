"""Docs stay true: the CLI reference is current, every setting has help, architecture names every module."""
from __future__ import annotations

from newsloom.cli.reference import render
from newsloom.settings import Settings

from .conftest import REPO


def test_cli_reference_is_current():
    current = (REPO / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert current == render(), "regenerate: python -m newsloom.cli.reference > docs/cli-reference.md"


def test_every_setting_has_help():
    for name, _default, help_ in Settings.documented():
        assert help_, f"setting {name} needs a comment above it in default_settings.toml"


def test_architecture_names_every_module():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    pkg = REPO / "newsloom"
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg).as_posix()
        if path.name in ("__init__.py", "__main__.py"):
            continue
        assert rel in text or path.stem in text, f"docs/architecture.md does not mention {rel}"

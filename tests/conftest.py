"""Shared fixtures: stores, seed paths, and the --slow switch."""
from __future__ import annotations

from pathlib import Path

import pytest

from newsloom import Loom, Settings
from newsloom.eval import shared_root
from newsloom.storage import Store

from .localhttp import server  # noqa: F401  (a fixture: a real HTTP server on 127.0.0.1)

REPO = Path(__file__).resolve().parents[1]
#: the shared folder (seeds, bench data): the one place tests find it
SHARED = shared_root()
SEEDS = SHARED / "corpora" / "seeds"
BENCH = SHARED / "bench-data"
#: the per-article stages that need no extra; foundation tests run these to stay fast
BASE_STAGES = ["clean", "language", "boilerplate"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False, help="also run slow benchmark tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def fresh_store() -> Store:
    store = Store(":memory:")
    yield store
    store.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def base_settings() -> Settings:
    """Settings whose pipeline runs only the foundation stages (no NLP extras)."""
    return Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES})


@pytest.fixture
def loom(db_path: Path, base_settings: Settings) -> Loom:
    with Loom(db_path, settings=base_settings) as lm:
        yield lm


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    paths = sorted(SEEDS.glob("0*.txt"))
    if len(paths) != 5:
        pytest.fail(f"expected the 5 seed articles in {SEEDS}; the shared folder must sit beside the repo")
    return paths


def seed(paths: list[Path], prefix: str) -> Path:
    return next(p for p in paths if p.name.startswith(prefix))

"""Shared fixtures: stores, seed paths, registries restored after each test, and the --slow switch."""
from __future__ import annotations

from pathlib import Path

import pytest

from newsloom import Loom, Settings, plugins
from newsloom.eval import shared_root
from newsloom.storage import Store

from .localhttp import server  # noqa: F401  (a fixture: a real HTTP server on 127.0.0.1)

REPO = Path(__file__).resolve().parents[1]
#: the shared folder (seeds, bench data): the one place tests find it
SHARED = shared_root()
SEEDS = SHARED / "corpora" / "seeds"
BENCH = SHARED / "bench-data"
#: the demo's bundled sample corpus (fictional articles)
SAMPLE = REPO / "newsloom" / "data" / "sample"
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


@pytest.fixture(autouse=True)
def registries():
    """Every registry (stages, readers, migrations, writers, exporters, ...) as the plugins step left it, restored
    after each test, so a test that registers something leaves nothing behind."""
    plugins.load()
    saved = plugins.snapshot()
    yield
    plugins.restore(saved)


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


#: an article whose every field carries markup and script: the web must show it as text and run nothing
HOSTILE = {
    "id": "hostile-1",
    "title": '<script>window.__pwned=1</script>Hostile "title"',
    "source": '<img src=x onerror="window.__pwned=2">evil.example',
    "url": "javascript:window.__pwned=3",
    "published": "2021-11-17",
    "text": ("Officials in Minsk said on Tuesday <script>window.__pwned=4</script> that the border would stay "
             "closed. \"We will not <b onmouseover=window.__pwned=5>open</b> it,\" said Alexander Lukashenko, "
             "the leader of Belarus. The European Union said it would answer the crisis at the border.\n\n"
             "Polish guards said 30 migrants crossed <a href=\"javascript:window.__pwned=6\">the line</a> near "
             "Kuznica. The ministry in Warsaw said the situation stayed tense."),
}


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the five seeds, the demo sample and :data:`HOSTILE`, through the whole default pipeline."""
    import json

    db = tmp_path_factory.mktemp("web") / "web.db"
    hostile = db.parent / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    with Loom(db) as loom:
        loom.ingest(str(SEEDS), str(SAMPLE), str(hostile))
    return db


@pytest.fixture(scope="session")
def hostile_id(web_db: Path) -> str:
    with Store(web_db) as store:
        return store.execute("SELECT id FROM articles WHERE external_id = ?", (HOSTILE["id"],)).fetchone()[0]

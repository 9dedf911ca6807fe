"""The web UI in a real browser (Debian chromium through Playwright): a walk through the pages, hostile
content that must run nothing, screenshots as artefacts, and an axe-core accessibility check on each page.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``) and axe-core from the npm registry
(``npm install --prefix .cache/npm axe-core``); ``.ci/run`` installs both. Without them the tests skip,
except under CI (``CI=true``), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import REPO
from .test_web import TOKEN

CHROMIUM = Path(os.environ.get("NEWSLOOM_CHROMIUM", "/usr/bin/chromium"))
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = REPO / "build" / "test-artefacts" / "web"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI installs it in .ci/run)")
    pytest.skip(what)


def _axe_source() -> str:
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(AXE.parents[2]),
                        "axe-core@4.14.1"], check=False, timeout=300, capture_output=True)
    if not AXE.exists():
        _missing(f"axe-core is not installed at {AXE}: npm install --prefix .cache/npm axe-core@4.14.1")
    return AXE.read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(web_db: Path) -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn")
    from newsloom.web import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(web_db, token=TOKEN), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        _missing(f"no browser at {CHROMIUM}: apt-get install chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    # CSP bypassed: axe-core is injected as an inline script, and the hostile-content test must show that escaping
    # alone keeps scripts from running (the CSP header is checked on its own in test_web.py)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)  # type: ignore[attr-defined]
    pg = context.new_page()
    outside: list[str] = []
    pg.on("request", lambda req: outside.append(req.url) if not req.url.startswith(("http://127.0.0.1", "data:",
                                                                                   "about:")) else None)
    pg.outside_requests = outside
    yield pg
    context.close()


def _check_axe(pg: object, name: str) -> None:
    pg.add_script_tag(content=_axe_source())  # type: ignore[attr-defined]
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")  # type: ignore[attr-defined]
    serious = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: accessibility violations {serious}"


def _shot(pg: object, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _has_stories(db: Path) -> bool:
    from newsloom.storage import Store

    with Store(db) as store:
        return "stories" in store.tables() and store.execute("SELECT count(*) FROM stories").fetchone()[0] > 0


def test_walk_story_article_entity_thread(page: object, base_url: str, web_db: Path) -> None:
    """Story list -> story -> article -> entity -> thread -> search, checking what each page shows.

    A store without the stories stage starts the walk at the article list (the story list says why)."""
    pg = page
    pg.goto(base_url + "/")  # type: ignore[attr-defined]
    assert pg.locator("h1").inner_text() == "Stories"  # type: ignore[attr-defined]
    _shot(pg, "01-stories"), _check_axe(pg, "story list")
    thread_href = None
    if _has_stories(web_db):
        stories = pg.locator("table.stories tbody a")  # type: ignore[attr-defined]
        assert stories.count() >= 2, "the seeds and the demo give several stories"
        stories.first.click()
        assert pg.url.startswith(base_url + "/stories/")  # type: ignore[attr-defined]
        text = pg.locator("main").inner_text()  # type: ignore[attr-defined]
        assert "Articles" in text and "Top entities" in text
        _shot(pg, "02-story"), _check_axe(pg, "story page")
        thread_link = pg.locator("p.meta a[href^='/threads/']")  # type: ignore[attr-defined]
        assert thread_link.count(), "every story shows its thread"
        thread_href = thread_link.first.get_attribute("href")
        pg.locator("section a[href^='/articles/']").first.click()  # type: ignore[attr-defined]
    else:
        assert "no stories yet" in pg.locator("main").inner_text()  # type: ignore[attr-defined]
        pg.goto(base_url + "/articles")  # type: ignore[attr-defined]
        _shot(pg, "02-articles"), _check_axe(pg, "article list")
        pg.locator("table a[href^='/articles/']").first.click()  # type: ignore[attr-defined]
    assert "/articles/" in pg.url  # type: ignore[attr-defined]
    assert pg.locator("section.article-text p").count() >= 1  # type: ignore[attr-defined]
    assert pg.locator("section.article-text mark").count() >= 1, "entities, quotes or dates are highlighted"
    _shot(pg, "03-article"), _check_axe(pg, "article page")
    pg.locator("#entities-h + ul a").first.click()  # type: ignore[attr-defined]
    assert "/entities/" in pg.url  # type: ignore[attr-defined]
    assert "Aliases" in pg.locator("main").inner_text()  # type: ignore[attr-defined]
    _shot(pg, "04-entity"), _check_axe(pg, "entity page")
    if thread_href:
        pg.goto(base_url + thread_href)  # type: ignore[attr-defined]
        assert "Stories in order" in pg.locator("main").inner_text()  # type: ignore[attr-defined]
        _shot(pg, "05-thread"), _check_axe(pg, "thread page")
    pg.goto(base_url + "/quotes?speaker=Lukashenko")  # type: ignore[attr-defined]
    assert pg.locator("blockquote").count() >= 1  # type: ignore[attr-defined]
    _check_axe(pg, "quotes page")
    pg.goto(base_url + "/search?q=Belarus-Poland")  # type: ignore[attr-defined]
    assert pg.locator("ol.hits li").count() >= 1  # type: ignore[attr-defined]
    _shot(pg, "06-search"), _check_axe(pg, "search page")
    assert not pg.outside_requests, f"pages loaded outside addresses: {pg.outside_requests}"  # type: ignore[attr-defined]


def test_hostile_content_runs_nothing_in_the_browser(page: object, base_url: str, hostile_id: str) -> None:
    pg = page
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    for path in (f"/articles/{hostile_id}", "/articles", "/search?q=Hostile", "/quotes", "/"):
        pg.goto(base_url + path)  # type: ignore[attr-defined]
        pg.mouse.move(300, 300)  # type: ignore[attr-defined]
        for mark in pg.locator("mark").all()[:20]:  # type: ignore[attr-defined]
            mark.hover()
        assert pg.evaluate("() => window.__pwned === undefined"), path  # type: ignore[attr-defined]
    pg.goto(base_url + f"/articles/{hostile_id}")  # type: ignore[attr-defined]
    assert "<script>window.__pwned=1</script>" in pg.locator("h1").inner_text()  # type: ignore[attr-defined]
    hrefs = pg.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href') || '')")  # type: ignore[attr-defined]
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]
    assert not dialogs
    _shot(pg, "07-hostile-article")

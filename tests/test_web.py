"""The web app over a real store (seeds + demo sample + a hostile article): API, error shape and security."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from newsloom.web import create_app  # noqa: E402

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def client(web_db: Path) -> TestClient:
    with TestClient(create_app(web_db, token=TOKEN, max_body_bytes=200_000)) as c:
        yield c


def test_api_lists_are_paginated_with_a_total(client: TestClient) -> None:
    first = client.get("/api/articles", params={"limit": 3}).json()
    assert first["total"] >= 9 and len(first["items"]) == 3 and first["offset"] == 0
    second = client.get("/api/articles", params={"limit": 3, "offset": 3}).json()
    assert {a["id"] for a in first["items"]}.isdisjoint({a["id"] for a in second["items"]})


def test_api_article_carries_its_annotations(client: TestClient) -> None:
    items = client.get("/api/search", params={"q": "Lukashenko Merkel"}).json()["items"]
    assert items, "the seeds mention Lukashenko's call with Merkel"
    art = client.get(f"/api/articles/{items[0]['id']}").json()
    assert art["text"] and art["entities"] and art["quotes"] and art["dates"]
    assert any("Lukashenko" in (e["name"] or "") for e in art["entities"])


def test_api_entity_and_quotes_by_alias(client: TestClient) -> None:
    ents = client.get("/api/entities", params={"name": "Lukashenko", "type": "PERSON"}).json()["items"]
    assert ents
    entity = client.get(f"/api/entities/{ents[0]['id']}").json()
    assert entity["aliases"] and entity["article_list"]
    by_full = client.get("/api/quotes", params={"speaker": "Alexander Lukashenko", "limit": 500}).json()
    by_short = client.get("/api/quotes", params={"speaker": "Lukashenko", "limit": 500}).json()
    assert by_full["total"] == by_short["total"] > 0


def test_openapi_and_docs_are_served_locally(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/articles", "/api/articles/{article_id}", "/api/entities", "/api/quotes", "/api/search"):
        assert path in spec["paths"]
    docs = client.get("/docs").text
    assert "/api/articles" in docs and "cdn" not in docs.lower() and "http://" not in docs.split("<body>")[1]


@pytest.mark.parametrize("path", ["/api/articles/nope-not-an-id", "/api/entities/zzzz-none", "/api/quotes/zzzz"])
def test_unknown_ids_are_404_in_the_error_shape(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    body = r.json()
    assert body["ok"] is False and body["status"] == 404 and body["error"] and isinstance(body["errors"], list)


@pytest.mark.parametrize("q", ['"unbalanced', "AND OR NOT", "a:b:c", "((", "*", "NEAR(", "col:umn\"'", "-"])
def test_malformed_search_is_never_a_500(client: TestClient, q: str) -> None:
    r = client.get("/api/search", params={"q": q})
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert r.json()["ok"] is False
    page = client.get("/search", params={"q": q})
    assert page.status_code in (200, 400)


def test_bad_parameters_are_400_json(client: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": "abc"}, {"offset": -1}, {"limit": 10_000}):
        r = client.get("/api/articles", params=params)
        assert r.status_code == 400 and r.json()["ok"] is False, (params, r.text)


def test_writes_need_the_token(client: TestClient, web_db: Path) -> None:
    article = {"title": "Token test", "text": "A short article about the token test. " * 5, "source": "t.example"}
    assert client.post("/api/articles", json=article).status_code == 401
    assert client.post("/api/articles", json=article, headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.post("/api/articles", json=article, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 201, ok.text
    assert ok.json()["stored"] == 1
    again = client.post("/api/articles", json=article, headers={"Authorization": f"Bearer {TOKEN}"})
    assert again.status_code == 200 and again.json()["stored"] == 0  # the same article is stored once


def test_writes_are_refused_without_a_configured_token(web_db: Path) -> None:
    with TestClient(create_app(web_db)) as c:
        r = c.post("/api/articles", json={"text": "x" * 300}, headers={"Authorization": "Bearer "})
    assert r.status_code == 401 and r.json()["ok"] is False


def test_jsonl_batch_and_bad_records(client: TestClient) -> None:
    lines = "\n".join(json.dumps({"id": f"b{i}", "text": f"Batch article number {i}. " * 20}) for i in range(3))
    r = client.post("/api/articles", content=lines, headers={"Authorization": f"Bearer {TOKEN}",
                                                             "Content-Type": "application/x-ndjson"})
    assert r.status_code == 201 and r.json()["stored"] == 3
    bad = client.post("/api/articles", content=b"{not json", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 400 and bad.json()["ok"] is False


def test_bodies_over_the_limit_are_413(client: TestClient) -> None:
    big = json.dumps({"text": "x" * 300_000})
    r = client.post("/api/articles", content=big, headers={"Authorization": f"Bearer {TOKEN}",
                                                           "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413


def test_static_paths_cannot_escape(client: TestClient) -> None:
    assert client.get("/static/style.css").status_code == 200
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2f%2e%2e%2fsetup.py"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "create_app" not in r.text


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/", "/articles", "/api/articles", "/nope"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"


def _active_markup(html: str) -> list[str]:
    """Script elements, event-handler attributes and javascript: links in a page, as parsed by an HTML parser."""
    from lxml import html as lxml_html

    found = []
    for el in lxml_html.fromstring(html).iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "script":
            found.append(f"<script> {el.text_content()[:60]}")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{el.tag} {name}>")
            if name.lower() in ("href", "src", "action") and value.strip().lower().startswith("javascript:"):
                found.append(f"<{el.tag} {name}={value[:40]}>")
    return found


def test_hostile_article_is_escaped_in_html(client: TestClient, hostile_id: str) -> None:
    for path in (f"/articles/{hostile_id}", "/articles", "/search?q=Hostile", "/quotes", "/entities"):
        html = client.get(path).text
        assert not _active_markup(html), path
    html = client.get(f"/articles/{hostile_id}").text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # shown as text


def test_pages_render(client: TestClient, hostile_id: str) -> None:
    for path in ("/", "/articles", "/entities", "/quotes", "/search?q=Belarus", f"/articles/{hostile_id}", "/docs"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert "<html" in r.text
    assert client.get("/articles/zzzz-none").status_code == 404


def test_serve_get_prints_one_response_and_binds_loopback_by_default(web_db: Path) -> None:
    from click.testing import CliRunner

    from newsloom.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(web_db), "serve", "--get", "/api/articles?limit=2"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert len(json.loads(out.output)["items"]) == 2
    missing = runner.invoke(cli, ["--db", str(web_db), "serve", "--get", "/api/articles/zzzz-none"])
    assert missing.exit_code == 1 and json.loads(missing.output)["status"] == 404
    params = {p.name: p for p in cli.commands["serve"].params}
    assert params["host"].default == "127.0.0.1"


def test_stories_api_and_story_page(client: TestClient) -> None:
    page = client.get("/api/stories", params={"limit": 2}).json()
    assert page["total"] >= 3 and len(page["items"]) == 2
    biggest = page["items"][0]
    story = client.get(f"/api/stories/{biggest['id']}").json()
    assert story["articles"] and story["summary"] and story["timeline"] and story["comparison"]["outlets"]
    assert all(s["article_id"] in {a["id"] for a in story["articles"]} for s in story["summary"])
    assert client.get(f"/api/threads/{story['thread_id']}").json()["stories"]
    tl = client.get("/api/timeline", params={"story": biggest["id"], "max_dates": 3}).json()
    assert 1 <= len(tl["days"]) <= 3
    assert client.get("/api/timeline").status_code == 400  # exactly one scope
    assert client.get("/api/stories", params={"q": "Belarus-Poland"}).status_code == 200  # plain words are fine
    html = client.get(f"/stories/{biggest['id']}").text
    assert "How the outlets differ" in html and "Summary" in html and not _active_markup(html)

"""The queries layer: every read the CLI prints comes from newsloom.queries, through Loom, as plain data."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsloom import Loom, Settings
from newsloom.cli import cli
from newsloom.errors import QueryError
from newsloom.queries import articles, copies, dates, entities, events, quotes

from .conftest import REPO, SEEDS


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The five seeds through the shipped pipeline (every stage), plus a verbatim copy of seed 001."""
    paths = sorted(SEEDS.glob("0*.txt"))
    folder = tmp_path_factory.mktemp("seeds")
    copy = folder / "copy.jsonl"
    copy.write_text(json.dumps({"id": "wire-copy", "source": "Copycat", "title": "Copied",
                                "text": paths[0].read_text(encoding="utf-8")}) + "\n", encoding="utf-8")
    with Loom(folder / "q.db", settings=Settings.load(env={})) as loom:
        loom.ingest(*map(str, paths), str(copy))
        yield loom


def _cli_json(loom: Loom, *args: str):
    res = CliRunner().invoke(cli, ["--db", loom.store.path, *args, "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_loom_reads_are_what_the_cli_prints(seeded):
    first = seeded.articles()[0]
    ent = seeded.entities(limit=1)[0]
    quote = seeded.quotes(limit=1)[0]
    pairs = [
        (_cli_json(seeded, "entities", "--limit", "5"), seeded.entities(limit=5)),
        (_cli_json(seeded, "show", "entity", ent["id"]), seeded.entity(ent["id"])),
        (_cli_json(seeded, "quotes", "--limit", "5"), seeded.quotes(limit=5)),
        (_cli_json(seeded, "show", "quote", quote["id"]), seeded.quote(quote["id"])),
        (_cli_json(seeded, "show", "copies", first.id), seeded.copies(first.id)),
        (_cli_json(seeded, "show", "article", first.id), seeded.article_record(first.id)),
        (_cli_json(seeded, "search", "Lukashenko"), seeded.search("Lukashenko")),
    ]
    for printed, read in pairs:
        assert printed == json.loads(json.dumps(read, default=str))


def test_article_record_holds_every_capability(seeded):
    original = next(a for a in seeded.articles() if seeded.copies(a.id)["copies"])
    rec = seeded.article_record(original.id[:8])
    assert rec["id"] == original.id and "raw_text" not in rec
    assert rec["copies"] == copies.copies_of(seeded.store, original.id) and rec["copies"][0]["source"] == "Copycat"
    assert rec["entities"] == entities.article_entities(seeded.store, original.id) and rec["entities"]
    assert rec["dates"] == dates.article_dates(seeded.store, original.id)
    assert rec["events"] == events.article_events(seeded.store, original.id)
    assert rec["quotes"] == quotes.article_quotes(seeded.store, original.id) and rec["quotes"]


def test_copy_group_and_coverage(seeded):
    copy = next(a for a in seeded.articles() if a.copy_of)
    group = seeded.copies(copy.id)
    assert group["original_id"] == copy.copy_of and [c["id"] for c in group["copies"]] == [copy.id]
    assert group["outlets"][-1] == "Copycat"
    covered = seeded.coverage([a.id for a in seeded.articles()])
    assert len(covered) == articles.counts(seeded.store)["originals"] == 5


def test_reads_refuse_unknown_ids(seeded):
    for read in (seeded.article_record, seeded.copies, seeded.quote, seeded.entity):
        with pytest.raises(QueryError):
            read("zzzz-no-such-id")


def test_no_sql_in_the_cli():
    """Read SQL lives in queries/, write SQL in storage/: the CLI only parses options and prints."""
    for path in sorted((REPO / "newsloom" / "cli").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\s", text), f"SQL in {Path(path).name}"
        assert ".execute(" not in text and ".rows(" not in text, f"store access in {Path(path).name}"

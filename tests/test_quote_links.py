"""The quote_links corpus stage (speaker entities, first carrier across articles) and ``export quotes``."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from newsloom.cli import cli
from newsloom.export import export
from newsloom.model import Article
from newsloom.stages.quote_links import QuoteLinks, first_carrier
from newsloom.storage import InputRow, Store

from .conftest import SHARED

QUOTE = "“The border will stay open for trade,”"
TEXT = f"{QUOTE} Anna Berg said. Later she left."


def quote(text: str = TEXT, start: int = 0, speaker: tuple[int, int] | None = None, name: str = "Anna Berg") -> dict:
    end = text.index(",”") + 2
    s, e = speaker or (end + 1, end + 10)
    return {"start": start, "end": end, "parts": [[start, end]], "text": text[start:end], "kind": "direct",
            "cue": "said", "cue_start": e + 1, "cue_end": e + 5, "speaker_text": text[s:e], "speaker_start": s,
            "speaker_end": e, "speaker_name": name}


def art(aid: str, published: str | None, *, text: str = TEXT, copy_of: str | None = None,
        quotes: list[dict] | None = None) -> Article:
    a = Article(id=aid, external_id=aid, title=aid, text=text, published=published, language="en",
                text_hash=f"h-{aid}", copy_of=copy_of, copy_kind="near" if copy_of else None)
    a.annotations["quotes"] = [quote(text)] if quotes is None else quotes
    return a


def ingest(store: Store, *articles: Article) -> list[str]:
    ids = store.add_batch(list(articles), [InputRow(a.id, a.id, a.id, "stored") for a in articles],
                          queue=["quote_links"])
    QuoteLinks(None).run(store, ids)
    return ids


def firsts(store: Store) -> dict[str, str]:
    rows = store.rows("SELECT article_id, first_article_id FROM quotes")
    return {r["article_id"]: r["first_article_id"] for r in rows}


@pytest.fixture
def store():
    with Store(":memory:") as s:
        yield s


def test_earliest_published_is_first_even_when_stored_later(store):
    ingest(store, art("late", "2021-11-17"))
    assert firsts(store) == {"late": "late"}
    ingest(store, art("early", "2021-11-15"), art("undated", None))
    assert firsts(store) == {"late": "early", "early": "early", "undated": "early"}
    assert store.pending("quote_links") == []


def test_ties_go_by_store_order(store):
    ingest(store, art("b", "2021-11-16"), art("a", "2021-11-16"))
    assert set(firsts(store).values()) == {"b"}


def test_a_copy_is_not_an_independent_first_carrier(store):
    ingest(store, art("orig", "2021-11-16"))
    ingest(store, art("copy", "2021-11-01", copy_of="orig"))
    assert firsts(store) == {"orig": "orig", "copy": "orig"}


def test_first_carrier_falls_back_to_the_copy_s_original():
    rows = [{"id": "c", "published": "2021-01-01", "rowid": 2, "copy_of": "o", "original": "o"}]
    assert first_carrier(rows) == "o"
    assert first_carrier([]) is None


def test_different_or_short_quotes_are_not_linked(store):
    other = "“Nothing at all like the first one,” Anna Berg said."
    short = "“Unacceptable,” Anna Berg said."
    ingest(store, art("a", "2021-11-16"), art("b", "2021-11-10", text=other),
           art("c", "2021-11-01", text=short, quotes=[quote(short)]))
    assert firsts(store) == {"a": "a", "b": "b", "c": "c"}


def _mentions_table(store: Store) -> None:
    """The colleague's mentions table when their migration is registered, else one with the contract's columns."""
    if "mentions" not in store.tables():
        store.execute('CREATE TABLE mentions (article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,'
                      ' text TEXT NOT NULL, label TEXT NOT NULL, name TEXT NOT NULL, entity_id TEXT)')
    store.execute("PRAGMA foreign_keys=OFF")  # entity rows themselves are the resolve stage's business


def test_speaker_entity_by_span_and_by_resolved_name(store):
    _mentions_table(store)
    text = f"Anna Berg arrived. {QUOTE} she said."
    she = text.index("she")
    a = art("a", "2021-11-16", text=text, quotes=[quote(text, start=text.index("“"), speaker=(she, she + 3))])
    b = art("b", "2021-11-16")
    store.add_batch([a, b], [InputRow(x.id, x.id, x.id, "stored") for x in (a, b)], queue=["quote_links"])
    anna = TEXT.index("Anna")
    with store.transaction():
        store.execute('INSERT INTO mentions (article_id, start, "end", text, label, name, entity_id) VALUES '
                      "('a', 0, 9, 'Anna Berg', 'PERSON', 'Anna Berg', 'e1'),"
                      "('b', ?, ?, 'Anna Berg', 'PERSON', 'Anna Berg', 'e2')", (anna, anna + 9))
    QuoteLinks(None).run(store, ["a", "b"])
    got = {r["article_id"]: r["speaker_entity"] for r in store.rows("SELECT article_id, speaker_entity FROM quotes")}
    assert got == {"a": "e1", "b": "e2"}


def test_export_quotes_marks_the_first_carrier(store, tmp_path):
    ingest(store, art("late", "2021-11-17"), art("early", "2021-11-15"))
    out = tmp_path / "q.jsonl"
    assert export(store, "quotes", "jsonl", str(out)) == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["article_id"]: r["is_first"] for r in rows} == {"late": False, "early": True}
    assert all(r["carriers"] == 2 and r["speaker_name"] == "Anna Berg" and r["parts"] for r in rows)
    assert export(store, "quotes", "csv", str(tmp_path / "q.csv")) == 2


def test_cli_export_quotes(tmp_path):
    db = tmp_path / "n.db"
    with Store(db) as s:
        ingest(s, art("a", "2021-11-16"))
    result = CliRunner().invoke(cli, ["--db", str(db), "export", "quotes"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    row = json.loads(result.output.splitlines()[0])
    assert row["text"] == QUOTE and row["first_article_id"] == "a"


SEED_001 = SHARED / "corpora" / "seeds"


def test_end_to_end_an_earlier_rewrite_carries_the_seed_quotes_first(tmp_path):
    """Seed 001 and a rewrite of it dated a day earlier: their quotes link, and the rewrite is first."""
    from newsloom import Loom, Settings
    from newsloom.pipeline import registered_stages

    seed = next(SEED_001.glob("001_*.txt")).read_text(encoding="utf-8")
    (tmp_path / "a.txt").write_text(seed, encoding="utf-8")
    rewrite = seed.replace("date 2021-11-16", "date 2021-11-15").replace("Belarusian leader", "Belarus leader")
    (tmp_path / "b.txt").write_text(rewrite, encoding="utf-8")
    names = [n for n in ("clean", "language", "nlp", "entities", "quotes", "resolve", "quote_links")
             if n in registered_stages()]
    settings = Settings.load(env={}, overrides={"pipeline.stages": names})
    with Loom(tmp_path / "n.db", settings=settings) as loom:
        loom.ingest(str(tmp_path / "a.txt"))
        loom.ingest(str(tmp_path / "b.txt"))
        rows = list(loom.store.rows(
            "SELECT q.article_id, a.published, q.speaker_name, q.speaker_entity, q.first_article_id, q.text "
            "FROM quotes q JOIN articles a ON a.id = q.article_id WHERE q.text LIKE '%We cannot allow%' "
            "AND q.kind = 'direct'"))
    assert len(rows) == 2
    earlier = next(r for r in rows if r["published"] == "2021-11-15")
    assert {r["first_article_id"] for r in rows} == {earlier["article_id"]}
    assert {r["speaker_name"] for r in rows} == {"Alexander Lukashenko"}
    if "resolve" in names:
        assert len({r["speaker_entity"] for r in rows}) == 1 and rows[0]["speaker_entity"] is not None


def test_cli_quotes_list_show_quote_and_article_extras(tmp_path):
    db = tmp_path / "n.db"
    with Store(db) as s:
        ingest(s, art("late", "2021-11-17"), art("early", "2021-11-15"))
        qid = next(s.rows("SELECT id FROM quotes WHERE article_id = 'late'"))["id"]
    run = CliRunner()
    listed = run.invoke(cli, ["--db", str(db), "quotes", "--speaker", "Berg", "--json"], catch_exceptions=False)
    assert [r["carriers"] for r in json.loads(listed.output)] == [2, 2]
    shown = run.invoke(cli, ["--db", str(db), "show", "quote", qid[:8], "--json"], catch_exceptions=False)
    rec = json.loads(shown.output)
    assert rec["first_article_id"] == "early" and [c["id"] for c in rec["carriers"]] == ["early", "late"]
    article = run.invoke(cli, ["--db", str(db), "show", "article", "late", "--json"], catch_exceptions=False)
    assert json.loads(article.output)["quotes"][0]["id"] == qid
    missing = run.invoke(cli, ["--db", str(db), "show", "quote", "ffffffff"])
    assert missing.exit_code != 0 and "no quote" in missing.output


LONG = ("“The border will stay open for trade, and every lorry that waits at Brest tonight will cross "
        "before the morning,”")


def _keys(store: Store) -> dict[str, str]:
    return {r["article_id"]: r["quote_key"] for r in store.rows("SELECT article_id, quote_key FROM quotes")}


def test_an_excerpt_of_an_earlier_quote_by_the_same_speaker_is_linked(store):
    full = f"{LONG} Anna Berg said. Later she left."
    excerpt = "“Every lorry that waits at Brest tonight will cross before the morning,” Anna Berg said. Later she left."
    ingest(store, art("full", "2021-11-16", text=full, quotes=[quote(full)]))
    ingest(store, art("excerpt", "2021-11-17", text=excerpt, quotes=[quote(excerpt)]))
    keys = _keys(store)
    assert keys["full"] == keys["excerpt"]
    assert firsts(store) == {"full": "full", "excerpt": "full"}


def test_near_copies_need_the_same_speaker_and_enough_shared_words(store):
    full = f"{LONG} Anna Berg said. Later she left."
    other_speaker = "“Every lorry that waits at Brest tonight will cross before the morning,” Ivan Tal said. Then."
    one_phrase = "“We know every lorry that waits here is late, and we are sorry for it,” Anna Berg said. Then."
    ingest(store, art("full", "2021-11-16", text=full, quotes=[quote(full)]))
    ingest(store, art("other", "2021-11-17", text=other_speaker, quotes=[quote(other_speaker, name="Ivan Tal")]),
           art("phrase", "2021-11-17", text=one_phrase, quotes=[quote(one_phrase)]))
    keys = _keys(store)
    assert len(set(keys.values())) == 3
    assert firsts(store) == {"full": "full", "other": "other", "phrase": "phrase"}


def test_near_copy_linking_can_be_turned_off():
    from newsloom import Settings

    full = f"{LONG} Anna Berg said. Later she left."
    excerpt = "“Every lorry that waits at Brest tonight will cross before the morning,” Anna Berg said. Later she left."
    with Store(":memory:") as s:
        stage = QuoteLinks(Settings.load(env={}, overrides={"stages.quote_links.near_containment": 0}))
        for a in (art("full", "2021-11-16", text=full, quotes=[quote(full)]),
                  art("excerpt", "2021-11-17", text=excerpt, quotes=[quote(excerpt)])):
            ids = s.add_batch([a], [InputRow(a.id, a.id, a.id, "stored")], queue=["quote_links"])
            stage.run(s, ids)
        assert len(set(_keys(s).values())) == 2


@given(st.lists(st.sampled_from("we will keep the border open for trade and travel".split()), min_size=8, max_size=40),
       st.data())
def test_any_contiguous_excerpt_of_five_words_or_more_is_a_near_copy(words, data):
    from newsloom.stages.quote_links import _shingles, near_copy

    start = data.draw(st.integers(0, len(words) - 5))
    end = data.draw(st.integers(start + 5, len(words)))
    whole, part = _shingles(" ".join(words)), _shingles(" ".join(words[start:end]))
    assume(len(part) >= 2)  # "we we we we we" has one distinct 4-gram: too little to link on
    assert near_copy(whole, part, 0.6) and near_copy(part, whole, 0.6)
    assert not near_copy(whole, part, 0)

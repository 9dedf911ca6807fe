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


def _compare_latest(store: Store, q, mine, limit: int, window=None) -> list:
    """The near-copy candidates as the stage read them before ``quote_grams``: the speaker's ``limit`` latest
    quotes in other articles, every one."""
    column, value = ("speaker_entity", q["speaker_entity"]) if q["speaker_entity"] else (
        "speaker_name", q["speaker_name"])
    return list(store.rows(f"""
        SELECT id, text, quote_key FROM quotes
         WHERE {column} = ? AND article_id != ? AND quote_key IS NOT NULL AND quote_key != ?
         ORDER BY rowid DESC LIMIT ?""", (value, q["article_id"], q["quote_key"], limit)))


def _first_by_carriers(store: Store, ids) -> None:
    """``first_article_id`` as the stage set it before: first_carrier over every carrier's row."""
    keys = {r[0] for r in store.execute(f"SELECT quote_key FROM quotes WHERE quote_key IS NOT NULL AND article_id"
                                        f" IN ({', '.join('?' for _ in ids)})", list(ids))}
    for key in keys:
        carriers = [dict(r) for r in store.execute("""
            SELECT DISTINCT a.id, a.published, a.rowid AS rowid, a.copy_of,
                   (SELECT o.id FROM articles o WHERE o.id = a.copy_of) AS original
              FROM quotes q JOIN articles a ON a.id = q.article_id WHERE q.quote_key = ?""", (key,))]
        store.execute("UPDATE quotes SET first_article_id = ? WHERE quote_key = ?", (first_carrier(carriers), key))


@pytest.mark.parametrize("seed", range(4))
def test_the_4gram_index_links_as_comparing_every_latest_quote(seed, monkeypatch):
    """Random quotes of three speakers over batches (with deleted quotes, the last stored among them), a window of
    five latest quotes: the index-based stage gives every quote the key and first carrier that comparing each
    new quote with every one of its speaker's five latest (and first_carrier over all carriers) gives."""
    import random

    from newsloom import Settings
    from newsloom.stages import quote_links
    from newsloom.storage.tables.quotes import quote_key

    rng = random.Random(seed)
    words = "the border will stay open for trade and every lorry waits at brest tonight".split()
    said_before = [[rng.choice(words) for _ in range(16)] for _ in range(3)]  # excerpts of these are near copies
    batches = []
    for b in range(8):
        batch = []
        for i in range(rng.randint(1, 5)):
            aid = f"a{b}-{i}"
            quotes, text = [], ""
            for _ in range(rng.randint(1, 3)):
                whole = rng.choice(said_before)
                start = rng.randrange(10)
                said = " ".join(whole[start:start + rng.randint(3, 12)])
                body = f"“{said},” {rng.choice(['Anna Berg', 'Ivan Tal', 'Olga Ek'])} said. "
                quotes.append(quote(body, start=0, name=body.split("” ")[1][:-7]))
                quotes[-1] = {k: (v + len(text) if k in ("start", "end", "cue_start", "cue_end", "speaker_start",
                                                         "speaker_end") else v) for k, v in quotes[-1].items()}
                quotes[-1]["parts"] = [[quotes[-1]["start"], quotes[-1]["end"]]]
                text += body
            published = rng.choice([None, "2021-11-15", "2021-11-16", "2021-11-17"])
            copy_of = rng.choice([None, None, batches[0][0].id]) if batches else None
            batch.append(art(aid, published, text=text, quotes=quotes, copy_of=copy_of))
        batches.append(batch)
    settings = Settings.load(env={}, overrides={"stages.quote_links.near_candidates": 5})
    results = []
    for reference in (False, True):
        with monkeypatch.context() as m, Store(":memory:") as s:
            if reference:
                m.setattr(quote_links, "_near_candidates", _compare_latest)
                m.setattr(quote_links, "_link", _first_by_carriers)
            stage = QuoteLinks(settings)
            for b, batch in enumerate(batches):
                ids = s.add_batch(batch, [InputRow(a.id, a.id, a.id, "stored") for a in batch], queue=["quote_links"])
                stage.run(s, ids)
                if b in (3, 5):  # a cut paragraph: the last stored quote and one earlier go
                    with s.transaction() as conn:
                        conn.execute("DELETE FROM quotes WHERE rowid = (SELECT max(rowid) FROM quotes)")
                        conn.execute("DELETE FROM quotes WHERE rowid = (SELECT min(rowid) FROM quotes)")
            results.append(sorted(tuple(r) for r in s.execute(
                "SELECT id, quote_key, first_article_id FROM quotes")))
            s_texts = [tuple(r) for r in s.execute("SELECT id, text FROM quotes")]
    assert results[0] == results[1]
    texts = {r[0]: r[1] for r in s_texts}
    linked = {r[1] for r in results[0] if r[1] is not None}
    assert len(linked) < len({quote_key(texts[r[0]]) for r in results[0] if r[1] is not None})  # near copies linked


@pytest.mark.parametrize("seed", range(6))
def test_first_carriers_from_the_earlier_firsts_are_those_of_every_carrier(seed, monkeypatch):
    """Random batches of articles carrying some of six quotes (dates, copies of stored articles), and between them
    what changes a stored carrier: an original turned into a copy of a later article (the copies stage's re-rooting)
    and a quote row cut; some batches linked only after the next one. The first carriers taken from the earlier
    firsts and the batch's carriers are those that first_carrier over every carrier gives, and both ways of finding
    them are taken."""
    import random

    from newsloom import Settings
    from newsloom.stages import quote_links

    rng = random.Random(seed)
    said = [f"“The {w} border will stay open for trade and travel,”" for w in "north south east west inner far".split()]
    settings = Settings.load(env={}, overrides={"stages.quote_links.near_containment": 0.0})
    batches, changes, stored = [], [], []
    for b in range(12):
        batch = []
        for i in range(rng.randint(1, 6)):
            aid = f"a{b}-{i}"
            quotes, text = [], ""
            for q in rng.sample(said, rng.randint(1, 3)):
                body = f"{q} Anna Berg said. "
                one = quote(body)
                quotes.append({**{k: v + len(text) if k in ("start", "end", "cue_start", "cue_end", "speaker_start",
                                                             "speaker_end") else v for k, v in one.items()},
                               "parts": [[one["start"] + len(text), one["end"] + len(text)]]})
                text += body
            published = rng.choice([None, "2021-11-14", "2021-11-15", "2021-11-16", "2021-11-17"])
            copy_of = rng.choice([None, None, None, *stored[-4:]])
            batch.append(art(aid, published, text=text, quotes=quotes, copy_of=copy_of))
        batches.append(batch)
        stored += [a.id for a in batch]
        changes.append((rng.random() < 0.4, rng.random() < 0.3, rng.random(), rng.random() < 0.3))
    ways = []  # per key linked: its first from the earlier firsts, or None (every carrier read)
    earliest = quote_links._earliest

    def counted(*args):
        ways.append(earliest(*args))
        return ways[-1]

    results = []
    for reference in (False, True):
        with monkeypatch.context() as m, Store(":memory:") as s:
            m.setattr(quote_links, "_link", _first_by_carriers) if reference else \
                m.setattr(quote_links, "_earliest", counted)
            stage = QuoteLinks(settings)
            waiting: list[str] = []
            for batch, (reroot, cut, pick, wait) in zip(batches, changes):
                ids = s.add_batch(batch, [InputRow(a.id, a.id, a.id, "stored") for a in batch], queue=["quote_links"])
                if wait:  # linked after the next batch (as after a crash): its quotes are carriers meanwhile
                    waiting += ids
                    continue
                stage.run(s, ids)
                if waiting:
                    stage.run(s, waiting)
                    waiting = []
                with s.transaction() as conn:
                    originals = [r[0] for r in conn.execute("SELECT id FROM articles WHERE copy_of IS NULL"
                                                            " ORDER BY rowid")]
                    if reroot and len(originals) > 1:  # an earlier original becomes a copy of the latest one
                        old = originals[int(pick * (len(originals) - 1))]
                        conn.execute("UPDATE articles SET copy_of = ? WHERE id = ? OR copy_of = ?",
                                     (originals[-1], old, old))
                    if cut:
                        conn.execute("DELETE FROM quotes WHERE rowid = (SELECT rowid FROM quotes ORDER BY"
                                     " first_article_id = article_id DESC, rowid LIMIT 1)")
            results.append(sorted(tuple(r) for r in s.execute("SELECT id, quote_key, first_article_id FROM quotes")))
    assert results[0] == results[1]
    assert any(w is None for w in ways) and any(w is not None for w in ways)  # both ways were taken


def test_an_excerpt_is_linked_after_the_quotes_got_new_rowids(tmp_path):
    full = f"{LONG} Anna Berg said. Later she left."
    excerpt = "“Every lorry that waits at Brest tonight will cross before the morning,” Anna Berg said. Later she left."
    filler = "“We have nothing to add to that today, thank you,” Anna Berg said. Later she left."
    with Store(tmp_path / "s.db") as s:
        ingest(s, art("filler", "2021-11-15", text=filler, quotes=[quote(filler)]))
        ingest(s, art("full", "2021-11-16", text=full, quotes=[quote(full)]))
        with s.transaction() as conn:  # as a VACUUM may do after a delete: the rowids are given anew
            conn.execute("DELETE FROM quotes WHERE article_id = 'filler'")
            conn.execute("UPDATE quotes SET rowid = rowid - 1")
        ingest(s, art("excerpt", "2021-11-17", text=excerpt, quotes=[quote(excerpt)]))
        keys = _keys(s)
        assert keys["full"] == keys["excerpt"]

"""Property tests: store round-trips, idempotent ingest, and parsers that never crash."""
from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsloom.errors import Rejected
from newsloom.model import Article, Record, content_id, text_hash
from newsloom.readers.published import parse_published
from newsloom.readers.tabular import _parse_csv, text_lines
from newsloom.stages.clean import Clean
from newsloom.storage import Store

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=400)
words = st.lists(st.text(alphabet=string.ascii_letters, min_size=1, max_size=9), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(title=texts, text=texts, source=st.none() | texts, removed=st.lists(st.fixed_dictionaries(
    {"text": texts, "reason": texts, "rule": st.sampled_from(["a", "b"])}), max_size=3))
def test_article_round_trip(title, text, source, removed):
    store = Store(":memory:")
    art = Article(id=content_id(Record("x", text=text, title=title)), external_id="x", title=title, text=text,
                  source=source, removed=removed, text_hash=text_hash(text), quality={"k": 0.5})
    store.add_batch([art], [])
    back = store.article(art.id)
    assert (back.title, back.text, back.source, back.removed, back.quality) == (title, text, source, removed,
                                                                               {"k": 0.5})
    store.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(words.map(" ".join), min_size=1, max_size=6))
def test_ingest_is_idempotent(docs, tmp_path_factory):
    from newsloom import Loom, Settings

    db = tmp_path_factory.mktemp("prop") / "p.db"
    settings = Settings.load(env={}, overrides={"pipeline.stages": ["clean", "language", "boilerplate"]})
    recs = [Record(f"r{i}", text=f"Title {i}\n\n{d}") for i, d in enumerate(docs)]
    with Loom(db, settings=settings) as loom:
        first = loom.ingest(items=list(recs))
        n_articles = loom.counts()["articles"]
        n_inputs = loom.store.execute("SELECT count(*) FROM inputs").fetchone()[0]
        second = loom.ingest(items=list(recs))
        assert second.stored == 0
        assert loom.counts()["articles"] == n_articles == first.stored
        assert loom.store.execute("SELECT count(*) FROM inputs").fetchone()[0] == n_inputs


@settings(max_examples=200, deadline=None)
@given(raw=texts)
def test_clean_never_crashes_and_keeps_or_records(raw):
    art = Article(id="x", external_id="x", title="", text=raw, raw_text=raw)
    out = Clean()(art)
    assert out.title
    for cut in out.removed:
        assert cut["reason"] and cut["rule"]
    # nothing is both kept and recorded as removed
    kept = set(out.text.split("\n\n"))
    assert not any(c["text"] in kept for c in out.removed if c["rule"] != "repeated_paragraph")


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet='ab,"\n x', max_size=200))
def test_csv_parser_never_raises(body):
    rows = list(_parse_csv(text_lines(iter(["id,text\n" + body]), 10_000), "f.csv", 10_000))
    for where, row in rows:
        assert where.startswith("f.csv:")
        assert isinstance(row, (dict, Rejected))


@given(value=st.one_of(texts, st.integers(), st.floats(allow_nan=True), st.none()))
def test_parse_published_total(value):
    out = parse_published(value)
    assert out is None or (len(out) == 10 and out[4] == "-")


def test_parse_published_never_reads_the_clock():
    assert parse_published("yesterday") is None
    assert parse_published("2 hours ago") is None
    assert parse_published("Tue, 16 Nov 2021 10:00:00 GMT") == "2021-11-16"
    assert parse_published("November 16th, 2021") == "2021-11-16"

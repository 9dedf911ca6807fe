"""Entity resolution with its misspelling search blocked (stages/spark_resolve.py) equals the local stage (no Spark
here but in the slow bench test: the cluster's jobs are tested in tests/test_spark_corpus.py)."""
from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from newsloom.model import Article
from newsloom.stages.resolve import Resolve, misspelling
from newsloom.stages.spark_resolve import BlockedResolve, block_pairs, form_rows, lookup_keys
from newsloom.storage.tables.entities import key_variants
from newsloom.storage import Store

from .test_resolve import _article

keys = st.lists(st.text(alphabet="abcde", min_size=4, max_size=9), min_size=1, max_size=60, unique=True)


@hsettings(max_examples=200, deadline=None)
@given(keys)
def test_blocks_of_one_deletion_variants_find_every_misspelling(universe):
    """Keys grouped by their one-deletion variants, each block scored by the stage's test, give for every key exactly
    the keys a scan of all of them finds (:func:`misspelling`)."""
    blocks: dict[str, set[str]] = defaultdict(set)
    for key in universe:
        for v in key_variants(key):
            blocks[v].add(key)
    found = {pair for block in blocks.values() for pair in block_pairs(block)}
    assert found == {(k, o) for k in universe for o in universe if misspelling(k, o)}


def test_misspelling_is_the_stage_test():
    assert misspelling("stoltenberg", "stoltenburg") and misspelling("stoltenberg", "stoltenbergs")
    assert not misspelling("smith", "smyth")  # under six letters: never searched
    assert not misspelling("stoltenberg", "stoltenberg")  # the same key is an exact match, not a misspelling
    assert not misspelling("lukashenko", "kukashenko")  # the first two letters must agree
    assert not misspelling("lukashenko", "lukashenkaa")  # two edits


FIRST = ["John", "Jon", "Alexander", "Aleksandr", "A.", "Angela", "Mrs.", None]
LAST = ["Lukashenko", "Lukashenka", "Lukashenco", "Lukashenkos", "Stoltenberg", "Stoltenburg", "Stoltenbergs",
        "Merkel", "Smith", "Smithe", "Smyth"]
PLACES = ["Belarus", "Belaruse", "Belarusi", "European Union", "European Unions", "EU", "Minsk", "Vilnius", "Vilniuss"]
names = st.one_of(
    st.tuples(st.sampled_from(FIRST), st.sampled_from(LAST)).map(
        lambda fl: (" ".join(w for w in fl if w), "PERSON", " ".join(w for w in fl if w))),
    st.sampled_from(PLACES).map(lambda p: (p, "GPE", p)),
    st.sampled_from(PLACES).map(lambda p: (p, "ORG", p)),
    # a surface form other than the name: an alias a later name may be looked up under
    st.tuples(st.sampled_from(PLACES), st.sampled_from(["ORG", "GPE", "NORP"]), st.sampled_from(PLACES)))
batches = st.lists(st.lists(st.lists(names, min_size=1, max_size=5), min_size=1, max_size=4), min_size=1, max_size=5)


def _tables(store: Store) -> dict[str, list[tuple]]:
    q = {"entities": "SELECT id, name, type, grp, key, skel, first, mentions, articles FROM entities",
         "mentions": 'SELECT article_id, start, "end", text, label, name, entity_id FROM mentions',
         "aliases": "SELECT * FROM aliases", "alias_articles": "SELECT * FROM alias_articles",
         "entity_merges": "SELECT old_id, new_id FROM entity_merges"}
    return {t: sorted(tuple(r) for r in store.execute(sql)) for t, sql in q.items()}


def _misspelt_map(arts: list[Article]) -> dict[tuple[str, str], tuple[str, ...]]:
    """What the cluster answers (:func:`misspelt_keys`, tested against brute force apart), by brute force."""
    universe = {gk for art in arts for gk in lookup_keys(art)}
    return {(g, k): tuple(sorted(o for h, o in universe if h == g and misspelling(k, o)))
            for g, k in universe if len(k) >= 6}


def first_forms_by_scan(arts: list[Article]) -> dict[tuple[str, str], tuple[int, ...]]:
    """What the cluster answers (:func:`first_forms`), by a scan of every article (ranks: their order)."""
    rows = [row for rank, art in enumerate(arts) for row in form_rows(rank, art)]
    return {gf: tuple(sorted({r for f, r in rows if f == gf and r is not None}))[:2] for gf, r in rows if r is None}


def _blocked(arts: list[Article]) -> BlockedResolve:
    return BlockedResolve(None, _misspelt_map(arts), first_forms_by_scan(arts), {a.id: i for i, a in enumerate(arts)})


@hsettings(max_examples=40, deadline=None)
@given(batches)
def test_blocked_resolve_stores_what_the_local_stage_stores(plan):
    """Random articles of people and places with misspelt names, in batches: every entity table row for row."""
    arts = [[_article(f"a{b}-{i}", names) for i, names in enumerate(batch)] for b, batch in enumerate(plan)]
    stages = [Resolve(), _blocked([a for batch in arts for a in batch])]
    got = []
    for stage in stages:
        with Store(":memory:") as store:
            for batch in arts:
                stage.run(store, store.add_batch(batch, [], queue=["resolve"]))
            got.append(_tables(store))
    assert got[0] == got[1]
    # that the cluster's answers are used at all is checked below on a known misspelling: here a plan may hold
    # only keys the stage never looks up (the first word of a lone "Alexander Smith", kept for a split)


def test_a_misspelling_found_by_blocking_joins_as_locally():
    """The blocked look-up finds a stored entity one edit away (it is not answered by the local scan)."""
    arts = [_article("b1", [("Jens Stoltenberg", "PERSON", "Jens Stoltenberg"), ("Brussels", "GPE", "Brussels")]),
            _article("b2", [("Jens Stoltenburg", "PERSON", "Jens Stoltenburg"), ("Brussels", "GPE", "Brussels")])]
    stage = _blocked(arts)
    assert stage.misspelt[("person", "stoltenburg")] == ("stoltenberg",)
    with Store(":memory:") as store:
        for art in arts:
            stage.run(store, store.add_batch([art], [], queue=["resolve"]))
        ids = {r[0] for r in store.execute("SELECT entity_id FROM mentions WHERE label = 'PERSON'")}
    assert len(ids) == 1 and stage.answered >= 2  # both people's searches (and a place's)


def test_an_alias_look_up_is_skipped_only_where_no_earlier_mention_has_the_form():
    arts = [_article("c1", [("EU", "ORG", "European Union"), ("Minsk", "GPE", "Minsk")]),
            _article("c2", [("EU", "ORG", "EU"), ("Vilnius", "GPE", "Vilnius")])]
    local, stage = Resolve(), _blocked(arts)
    got = []
    for st_ in (local, stage):
        with Store(":memory:") as store:
            for art in arts:
                st_.run(store, store.add_batch([art], [], queue=["resolve"]))
            got.append(_tables(store))
            eu = {r[0] for r in store.execute("SELECT entity_id FROM mentions WHERE text = 'EU'")}
        assert len(eu) == 1  # "EU" in c2 joins the European Union of c1 through its alias
    assert got[0] == got[1]
    # skipped: European Union, Minsk (c1) and Vilnius (c2), whose forms no earlier mention has; "EU" (c2) looked up
    assert stage.skipped == 3


@pytest.mark.slow
def test_bench_spark_resolve_compares_the_engines(tmp_path):
    """``newsloom bench spark_resolve`` on a small resolved store: both engines resolve it anew, the same tables."""
    pytest.importorskip("pyspark", reason="the distributed extra: pip install -e '.[distributed]'")
    from newsloom.bench.spark_resolve import bench_spark_resolve

    arts = [_article("d1", [("Jens Stoltenberg", "PERSON", "Jens Stoltenberg"), ("EU", "ORG", "European Union")]),
            _article("d2", [("Jens Stoltenburg", "PERSON", "Jens Stoltenburg"), ("EU", "ORG", "EU")])]
    with Store(tmp_path / "a.db") as store:
        Resolve().run(store, store.add_batch(arts, [], queue=["resolve"]))
    rows = bench_spark_resolve(store=str(tmp_path / "a.db"), batch=1)[0].rows
    assert [r["articles"] for r in rows] == [2, 2] and rows[1]["same tables"] == "yes"
    assert not rows[1]["answered from the cluster"].startswith("0 ")

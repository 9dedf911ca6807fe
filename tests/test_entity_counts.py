"""The resolve stage's running counts per entity, and its indexed fuzzy key search, equal a full recount / scan."""
from __future__ import annotations

import random
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom.model import Article
from newsloom.stages import entity_counts
from newsloom.stages.entity_words import edit_distance
from newsloom.stages.resolve import Resolve, merge_entities, skeleton
from newsloom.storage import Store

_PEOPLE = ["Hosni Mubarak", "Mubarak", "Gamal Mubarak", "Barack Obama", "Obama", "Mrs. Clinton", "Hillary Clinton",
           "Alexander Lukashenko", "Aleksandr Lukashenka", "Jens Stoltenberg", "Jens Stoltenburg"]
_OTHERS = [("EU", "ORG"), ("European Union", "ORG"), ("European Union", "ORG"), ("UN", "ORG"), ("United Nations", "ORG"), ("Egypt", "GPE"), ("Egypt", "ORG"), ("Cairo", "GPE"),
           ("Tahrir Square", "FAC"), ("Tahrir Square", "LOC"), ("NATO", "ORG"), ("Muslim Brotherhood", "ORG"),
           ("Egyptians", "NORP")]


def _articles(rng: random.Random, first: int, n: int) -> list[Article]:
    out = []
    for i in range(first, first + n):
        text, mentions = "", []
        for _ in range(rng.randint(1, 7)):
            if rng.random() < 0.5:
                name, label = rng.choice(_PEOPLE), "PERSON"
            else:
                name, label = rng.choice(_OTHERS)
            short = "".join(w[0] for w in name.split()) if label == "ORG" and " " in name else name.split()[-1]
            surface = rng.choice([name, short, f"{name}'s"])  # "European Union" written "EU" merges an "EU" entity
            start = len(text)
            text += surface + " said something. "
            mentions.append({"start": start, "end": start + len(surface), "text": surface, "label": label,
                             "name": name})
        aid = f"a{i:04d}"
        art = Article(id=aid, external_id=aid, title=aid, text=text, text_hash=aid, source=f"s{i % 3}")
        art.annotations["mentions"] = mentions
        out.append(art)
    return out


def _entities(store: Store) -> dict[str, tuple]:
    return {r[0]: tuple(r[1:]) for r in store.execute("SELECT id, name, type, mentions, articles FROM entities")}


def _aliases(store: Store) -> set[tuple]:
    return {tuple(r) for r in store.execute("SELECT entity_id, alias, count FROM aliases")} | {
        tuple(r) for r in store.execute("SELECT entity_id, alias, article_id, count FROM alias_articles")}


def _counts(store: Store) -> dict[str, set[tuple]]:
    return {t: {tuple(r) for r in store.execute(f"SELECT * FROM {t}")}
            for t in ("entity_names", "entity_name_sources", "entity_labels", "entity_votes")}


def test_running_counts_equal_a_recount(fresh_store, monkeypatch):
    """Batches of articles (merges and a cut mention among them): every entity's name, type and counts, its
    running counts (merges folded in among them) and every alias count kept by adding each batch's links equal
    those counted anew from all mentions."""
    folds: list[bool] = []
    fold = entity_counts.fold
    monkeypatch.setattr(entity_counts, "fold", lambda *a: folds.append(fold(*a)) or folds[-1])
    rng, stage = random.Random(4), Resolve()
    for batch in range(12):
        ids = fresh_store.add_batch(_articles(rng, batch * 15, 15), [], queue=["resolve"])
        stage.run(fresh_store, ids)
        if batch == 5:  # a paragraph cut from a resolved article (as the boilerplate stage does) marks its entity
            with fresh_store.transaction() as conn:
                eid = conn.execute("SELECT entity_id FROM mentions WHERE article_id = 'a0003' AND entity_id IS NOT"
                                   " NULL").fetchone()[0]
                conn.execute("DELETE FROM mentions WHERE article_id = 'a0003' AND entity_id = ?", (eid,))
                assert entity_counts.is_dirty(conn, eid)
    assert fresh_store.execute("SELECT count(*) FROM entity_merges").fetchone()[0] > 0  # merges were exercised
    assert any(folds)  # at least one merge was folded in
    kept, kept_aliases, kept_counts = _entities(fresh_store), _aliases(fresh_store), _counts(fresh_store)
    everyone = set(kept)
    with fresh_store.transaction() as conn:
        conn.executemany("INSERT OR IGNORE INTO entity_dirty (entity_id) VALUES (?)", [(e,) for e in everyone])
        stage._refresh(conn, everyone, [])
    recounted = _entities(fresh_store)
    assert recounted == kept
    assert _aliases(fresh_store) == kept_aliases
    assert _counts(fresh_store) == kept_counts
    assert fresh_store.execute("SELECT count(*) FROM entity_dirty").fetchone()[0] == 0


_MENTION = st.tuples(st.integers(0, 5), st.sampled_from(["keep", "drop"]),
                     st.sampled_from(["Ann Lee", "Lee", "A. Lee"]), st.sampled_from(["PERSON", "ORG", "GPE", "LOC"]))


@settings(max_examples=30, deadline=None)
@given(mentions=st.lists(_MENTION, min_size=2, max_size=30),
       batch=st.sets(st.sampled_from([f"f{i}" for i in range(6)])))
def test_a_folded_merge_equals_a_recount(mentions, batch, tmp_path_factory):
    """Two entities' mentions over six articles (several of them in both, one name or label in both or not):
    the kept entity's counts after folding the other's in and merging equal a recount; a batch's articles are
    left to the links added after the batch."""
    store = Store(tmp_path_factory.mktemp("fold") / "f.db")
    try:
        arts = []
        for i in range(6):
            rows = [m for m in mentions if m[0] == i]
            text = "".join(f"{name}. " for _, _, name, _ in rows)
            spans, at = [], 0
            for _, _, name, label in rows:
                spans.append({"start": at, "end": at + len(name), "text": name, "label": label, "name": name})
                at += len(name) + 2
            art = Article(id=f"f{i}", external_id=f"f{i}", title="t", text=text or "x", text_hash=f"f{i}",
                          source=f"s{i % 2}")
            art.annotations["mentions"] = spans
            arts.append(art)
        store.add_batch(arts, [], queue=[])
        with store.transaction() as conn:
            ids = {who: Resolve()._create(conn, "person", f"{who} Lee", "PERSON") for who in ("keep", "drop")}
            for (i, who, name, label), start in zip(sorted(mentions, key=lambda m: m[0]), _starts(mentions)):
                conn.execute("UPDATE mentions SET entity_id = ? WHERE article_id = ? AND start = ?",
                             (ids[who], f"f{i}", start))
            # the counts as the batches before this one left them: the mentions outside the batch
            outside = [(ids[who], f"f{i}") for i, who, _, _ in mentions if f"f{i}" in batch]
            conn.executemany("UPDATE mentions SET entity_id = NULL WHERE entity_id = ? AND article_id = ?", outside)
            for eid in ids.values():
                entity_counts.recount(conn, eid)
            conn.executemany("UPDATE mentions SET entity_id = ? WHERE entity_id IS NULL AND article_id = ?", outside)
            conn.execute("DELETE FROM entity_dirty")
            assert entity_counts.fold(conn, ids["keep"], ids["drop"], batch)
            merge_entities(conn, ids["keep"], ids["drop"])
            links = entity_counts.batch_links(conn, sorted(batch))
            entity_counts.add(conn, ids["keep"], links.get(ids["keep"], []))
        folded = _counts(store)
        with store.transaction() as conn:
            entity_counts.recount(conn, ids["keep"])
        assert _counts(store) == folded
    finally:
        store.close()


def _starts(mentions: list[tuple]) -> list[int]:
    """The start offset of each mention (in article order) in the text the test makes."""
    out, at, last = [], 0, None
    for i, _, name, _ in sorted(mentions, key=lambda m: m[0]):
        if i != last:
            at, last = 0, i
        out.append(at)
        at += len(name) + 2
    return out


def test_merging_marks_both_entities(fresh_store):
    with fresh_store.transaction() as conn:
        ids = fresh_store.add_batch(_articles(random.Random(1), 0, 5), [], queue=["resolve"])
    Resolve().run(fresh_store, ids)
    with fresh_store.transaction() as conn:
        a, b = [r[0] for r in conn.execute("SELECT id FROM entities ORDER BY id LIMIT 2")]
        assert not entity_counts.is_dirty(conn, a) and not entity_counts.is_dirty(conn, b)
        conn.execute("UPDATE mentions SET entity_id = ? WHERE entity_id = ?", (a, b))
        assert entity_counts.is_dirty(conn, a) and entity_counts.is_dirty(conn, b)


def _scan(conn: sqlite3.Connection, grp: str, key: str, skel: str) -> list[str]:
    """The candidate search as it was: one scan of the group's entities for the same key or skeleton (in the
    order of the skeleton index it scanned), then every key sharing the first two letters one edit away."""
    same = [r[0] for r in conn.execute("SELECT id FROM entities INDEXED BY entities_skel WHERE grp = ? AND (key = ?"
                                       " OR skel = ?)", (grp, key, skel))]
    if len(key) < 6:
        return same
    return same + [r[0] for r in conn.execute(
        "SELECT id, key FROM entities INDEXED BY entities_key WHERE grp = ? AND key >= ? AND key < ? AND length(key)"
        " BETWEEN ? AND ? AND key != ? AND skel != ?",
        (grp, key[:2], key[:2] + "\uffff", len(key) - 1, len(key) + 1, key, skel)) if edit_distance(r[1], key, 1) <= 1]


_KEY = st.text(alphabet="abkmnorstu", min_size=3, max_size=9)


@settings(max_examples=40, deadline=None)
@given(keys=st.lists(_KEY, min_size=1, max_size=60), queries=st.lists(_KEY, min_size=1, max_size=10))
def test_indexed_fuzzy_search_equals_the_scan(keys, queries, tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("fuzzy") / "f.db")
    stage = Resolve()
    try:
        with store.transaction() as conn:
            for k in keys:
                stage._create(conn, "person", f"Ann {k.capitalize()}", "PERSON")
            for q in queries + [k[:-1] + "x" for k in keys[:5]]:
                skel = skeleton(q)  # shared by other keys too ("abs", "obs"), so the two lookups overlap
                found = [c.id for c in stage._candidates(conn, "person", q, skel)]
                assert found == _scan(conn, "person", q, skel)
    finally:
        store.close()

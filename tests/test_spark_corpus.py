"""The corpus stages on Spark (band-joined copies, neighbours found on the cluster) against the local engine, on ECB+."""
from __future__ import annotations

import json
import logging
import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from newsloom import Settings
from newsloom.stages.resolve import misspelling
from newsloom.stages.spark_resolve import first_forms, form_rows, lookup_keys, misspelt_keys
from newsloom.stages.spark_stories import _merge, block_rows, top_in_block
from newsloom.storage import Store
from newsloom.eval.copies import build_set, load_ecb
from newsloom.eval.entities import bcubed
from newsloom.loom import run

from .snapshot import snapshot
from .test_resolve import _article

pyspark = pytest.importorskip("pyspark", reason="the distributed extra: pip install -e '.[distributed]'")

#: no spaCy: the corpus stages that run on the cluster (copies, stories) and what they read
LIGHT = ["clean", "language", "quality", "boilerplate", "copies", "embed", "stories", "threads"]
#: what stories and threads write (compared by BCubed F1, not row for row: see stages/spark_stories.py)
STORY_TABLES = ("stories", "story_articles", "story_merges", "threads", "thread_merges")


@pytest.fixture(scope="module")
def spark():
    from newsloom.engine.spark import spark_session

    session = spark_session("local[2]", app="newsloom-tests-corpus")
    yield session
    session.stop()


def _ecb_jsonl(path: Path, topics: set[str] | None, per_transform: int) -> Path:
    """ECB+ documents (of ``topics``, or all) and copies made of them (eval/copies.py), shuffled into one JSONL."""
    docs = [d for d in load_ecb() if topics is None or d["topic"] in topics]
    records, _gold = build_set(docs, per_transform=per_transform)
    rows = [{"id": r.external_id, "text": r.text, "source": r.source} for r in records]
    random.Random(5).shuffle(rows)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _stories(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT article_id, story_id FROM story_articles"))
    finally:
        conn.close()


def compare_runs(local: Path, spark: Path) -> float:
    """Assert every table but the stories' is the same; returns the BCubed F1 of Spark's stories against local's."""
    one, two = snapshot(local / "work.db"), snapshot(spark / "work.db")
    for table in ("articles", "copy_links", "copy_index", "copy_bands"):
        assert one[table], f"no {table}: the comparison would prove nothing"
    for table in one:
        if table not in STORY_TABLES and table != "story_signals":
            assert one[table] == two[table], table
    base, other = _stories(local / "work.db"), _stories(spark / "work.db")
    assert base.keys() == other.keys() and base
    return bcubed(other, base)[2]


def _answered(caplog) -> None:
    """The driver's copies and stories stages answered from the cluster (the distributed path ran)."""
    answered = [r.getMessage() for r in caplog.records if "from the cluster" in r.getMessage()]
    assert any(m.startswith("copies:") and not m.startswith("copies: 0 ") for m in answered), answered
    assert any(m.startswith("stories:") and not m.startswith("stories: 0 ") for m in answered), answered


def test_ecb_with_copies_in_two_runs_gives_the_local_copies_and_stories(spark, tmp_path, caplog):
    """An ECB+ topic (two events, 20 documents) and copies of every kind made of it, in two runs into one OUTPUT (the second
    incremental, its copies and neighbours found among the first run's articles too), in several partitions."""
    from newsloom.engine.spark import run_spark

    whole = _ecb_jsonl(tmp_path / "ecb.jsonl", {"3"}, per_transform=1).read_text(encoding="utf-8").splitlines(True)
    halves = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    halves[0].write_text("".join(whole[: len(whole) // 2]), encoding="utf-8")
    halves[1].write_text("".join(whole[len(whole) // 2:]), encoding="utf-8")
    settings = Settings.load(env={}, overrides={"pipeline.stages": LIGHT, "spark.knn_block": 16,
                                                "spark.split_bytes": halves[1].stat().st_size // 3})
    for half in halves:
        run([str(half)], tmp_path / "local", settings=settings, workers=1)
        with caplog.at_level(logging.INFO, logger="newsloom.engine.spark"):
            run_spark([str(half)], tmp_path / "spark", settings=settings, spark=spark)
    _answered(caplog)
    assert compare_runs(tmp_path / "local", tmp_path / "spark") >= 0.99


@pytest.mark.slow
@pytest.mark.parametrize("stages", [LIGHT, None], ids=["light", "every stage"])
def test_all_of_ecb(spark, tmp_path, caplog, stages):
    """All 982 ECB+ documents and 110 copies made of them (light: about 20 minutes on a busy 2-core machine;
    every stage, spaCy included: longer)."""
    from newsloom.engine.spark import run_spark

    jsonl = _ecb_jsonl(tmp_path / "ecb.jsonl", None, per_transform=10)
    overrides = {"spark.split_bytes": jsonl.stat().st_size // 6} | ({"pipeline.stages": stages} if stages else {})
    settings = Settings.load(env={}, overrides=overrides)
    local = run([str(jsonl)], tmp_path / "local", settings=settings, workers=1)
    with caplog.at_level(logging.INFO, logger="newsloom.engine.spark"):
        spark_report = run_spark([str(jsonl)], tmp_path / "spark", settings=settings, spark=spark)
    _answered(caplog)
    f1 = compare_runs(tmp_path / "local", tmp_path / "spark")
    print(f"\nECB+ stories, Spark against local: BCubed F1 {f1:.4f}\nlocal seconds {local.as_dict()['seconds']}"
          f"\nspark seconds {spark_report.as_dict()['seconds']}")
    assert f1 >= 0.99


@pytest.mark.slow
def test_ecb_topics_through_every_stage_resolve_entities_as_locally(spark, tmp_path, caplog):
    """Five ECB+ topics (104 documents) and copies of them through every stage, spaCy included: every table but the
    stories' row for row (entities, mentions, aliases, merges among them), entity resolution answered from the
    cluster."""
    from newsloom.engine.spark import run_spark

    jsonl = _ecb_jsonl(tmp_path / "ecb.jsonl", {"2", "3", "4", "5", "6"}, per_transform=1)
    settings = Settings.load(env={}, overrides={"spark.split_bytes": jsonl.stat().st_size // 4})
    local = run([str(jsonl)], tmp_path / "local", settings=settings, workers=1)
    with caplog.at_level(logging.INFO, logger="newsloom.engine.spark"):
        spark_report = run_spark([str(jsonl)], tmp_path / "spark", settings=settings, spark=spark)
    answered = [r.getMessage() for r in caplog.records if r.getMessage().startswith("resolve: ")]
    assert answered and not answered[0].startswith("resolve: 0 "), answered
    assert snapshot(tmp_path / "local" / "work.db")["entities"], "no entities: the comparison would prove nothing"
    f1 = compare_runs(tmp_path / "local", tmp_path / "spark")
    print(f"\n{answered[0]}; stories BCubed F1 {f1:.4f}\nlocal seconds {local.as_dict()['seconds']}"
          f"\nspark seconds {spark_report.as_dict()['seconds']}")
    assert f1 >= 0.99


vectors = st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.integers(0, 2**31 - 1), st.integers(1, 12), st.integers(1, 8), st.integers(0, 5)))


@hsettings(max_examples=40, deadline=None)
@given(vectors)
def test_blocked_search_finds_the_nearest_earlier_articles(case):
    """Top-k per block, merged, equals a brute-force search over all earlier articles (ties: the earlier)."""
    n, seed, k, block, stored = case
    rng = np.random.default_rng(seed)
    vecs = rng.integers(-2, 3, size=(n, 4)).astype(np.float32) / 4  # exact dot products, and many ties
    ranks = list(range(-min(stored, n), n - min(stored, n)))
    rows = [(r, f"a{i}", vecs[i]) for i, r in enumerate(ranks)]
    blocks: dict[int, list] = {}
    for row in rows:
        blocks.setdefault(row[0] // block, []).append(row)
    found: dict[str, list] = {}
    for qb, qrows in blocks.items():
        for rb, rrows in blocks.items():
            if qb >= 0 and rb <= qb:
                for aid, best in top_in_block(block_rows(qrows), block_rows(rrows), k):
                    found[aid] = _merge(found.get(aid, []), best, k)
    for rank, aid, vec in rows:
        earlier = [(float(vec @ v), r, a) for r, a, v in rows if r < rank]
        want = [a for _, _, a in sorted(earlier, key=lambda x: (-x[0], x[1]))[:k]]
        got = [x[2] for x in found.get(aid, [])]
        assert got == (want if rank >= 0 else []), (rank, aid)


def test_resolve_part_on_the_cluster_equals_a_scan_of_every_key_and_form(spark, tmp_path):
    """The Spark jobs of the resolve stage's part against brute force, on random names of a small alphabet (many
    misspellings, forms shared): the misspellings of every new key among all keys, new and stored (one-deletion
    blocks, scored by the stage's test), and the first two articles where each new name's form is a mention's
    text (-1: an alias stored before)."""
    rng = random.Random(7)

    def word() -> str:
        return "".join(rng.choice("abc") for _ in range(rng.randint(4, 7))).capitalize()

    places = [word() for _ in range(12)]  # forms shared by many articles, as texts and as names
    arts = [_article(f"r{i}", [(f"{word()} {word()}", "PERSON", f"{word()} {word()}"), (word(), "PERSON", word()),
                               (rng.choice(places), "GPE", rng.choice(places)), (f"{word()} Corp", "ORG", word())])
            for i in range(80)]
    with Store(tmp_path / "s.db") as store:
        stored = [("person", word().lower()) for _ in range(40)] + [("place_org", word().lower()) for _ in range(40)]
        aliases = [(f"e{i}", rng.choice([word(), *places])) for i in range(40, 80)]
        with store.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO entities (id, name, type, grp, key, skel, created_at) VALUES"
                             " (?, ?, 'X', ?, ?, '', '')", [(f"e{i}", k, g, k) for i, (g, k) in enumerate(stored)])
            conn.executemany("INSERT OR IGNORE INTO aliases (entity_id, alias, count) VALUES (?, ?, 1)", aliases)
        ranked = spark.sparkContext.parallelize(list(enumerate(arts)), 3)
        got, forms = misspelt_keys(spark, ranked, store), first_forms(spark, ranked, store)
    new = {gk for art in arts for gk in lookup_keys(art)}
    universe = new | set(stored)
    want = {(g, k): tuple(sorted(o for h, o in universe if h == g and misspelling(k, o)))
            for g, k in new if len(k) >= 6}
    assert got == want
    assert sum(map(len, want.values())) > 20, "too few misspellings: the comparison would prove little"
    texts = [(gf, r) for rank, art in enumerate(arts) for gf, r in form_rows(rank, art) if r is not None]
    texts += [(("place_org", a), -1) for _, a in aliases]
    want_forms = {gf: tuple(sorted({r for f, r in texts if f == gf}))[:2]
                  for rank, art in enumerate(arts) for gf, r in form_rows(rank, art) if r is None}
    assert forms == want_forms
    assert sum(len(v) == 2 for v in want_forms.values()) > 5 and -1 in {r for v in want_forms.values() for r in v}

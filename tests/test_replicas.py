"""Annotated replicas (bench/replicas.py): every replicated annotation points at its own text in the replica."""
from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsloom.bench.replicas import annotated_replicas, balanced_order, load_originals
from newsloom.bench.scale import bench_scale
from newsloom.errors import ConfigError


def test_replicas_keep_every_annotation_true_to_their_text(web_db):
    originals = load_originals(web_db, 20, order="shuffled")  # the text-hash count below is of this draw
    assert len(originals) >= 5
    arts = list(annotated_replicas(300, originals))
    assert len({a.id for a in arts}) == 300 and len({a.text_hash for a in arts}) > 250
    renamed = 0
    for art in arts:
        ann = art.annotations
        for m in ann["mentions"]:
            assert art.text[m["start"]:m["end"]] == m["text"]
        for q in ann["quotes"]:
            assert q["text"] == " ".join(art.text[s:e] for s, e in q["parts"])
            if q["speaker_start"] is not None:
                assert art.text[q["speaker_start"]:q["speaker_end"]] == q["speaker_text"]
            if q["cue_start"] is not None:  # the cue is kept as the quotes stage named it ("according to")
                assert art.text[q["cue_start"]:q["cue_end"]].casefold().startswith(q["cue"].casefold()[:2])
        for d in ann["dates"]:
            assert art.text[d["start"]:d["end"]] == d["text"]
        for ev in ann["events"]:
            assert 0 <= ev["start"] < ev["end"] <= len(art.text)
        if "replica" in art.external_id:
            g = int(art.external_id.split(":")[1])
            names = {m["name"] for m in originals[g].rows["mentions"]}
            renamed += bool({m["name"] for m in ann["mentions"]} - names)
    assert renamed > 50  # names are renamed in a share of the replicas


def test_bench_scale_times_every_corpus_stage_on_annotated_replicas(web_db, tmp_path):
    growth, memory = bench_scale(sizes="40,80", engines="annotated", annotations=str(web_db), group=8,
                                 keep=str(tmp_path))
    assert [r["stage"] for r in growth.rows] == ["store", "boilerplate", "copies", "resolve", "quote_links",
                                                 "stories", "threads", "gc"]  # gc: the pass after each batch
    assert all(r["ms/article at 40"] > 0 and r["ms/article 40-80"] > 0 for r in growth.rows[:-1])
    assert growth.rows[-1]["ms/article 40-80"] >= 0  # the pass can round to 0.000 ms on a small heap
    assert [r["articles"] for r in memory.rows] == [40, 80] and all(r["disk MB"] > 0 for r in memory.rows)
    assert all(r["chars/article"] > 100 and r["mentions/article"] > 1 for r in memory.rows)
    assert (tmp_path / "annotated80" / "progress.jsonl").read_text().count("\n") == 2


def test_growth_from_a_middle_size():
    """The goal's growth is from 10,000 articles, not from the bench's smallest size: a second column gives it."""
    from newsloom.bench.scale import _growth

    per = {2000: {"resolve": 0.002}, 10000: {"resolve": 0.004}, 100000: {"resolve": 0.006}}
    assert _growth(per, 10000) == [{"stage": "resolve", "ms/article at 2000": 2.0, "ms/article at 10000": 4.0,
                                    "ms/article at 100000": 6.0, "growth": 3.0, "growth from 10000": 1.5}]
    assert [set(r) for r in (_growth(per, 2000)[0], _growth(per, 100000)[0], _growth(per, 5000)[0])] == \
        [{"stage", "ms/article at 2000", "ms/article at 10000", "ms/article at 100000", "growth"}] * 3


def test_the_annotated_engine_needs_an_annotated_store(tmp_path):
    with pytest.raises(ConfigError, match="annotations"):
        bench_scale(sizes="40", engines="annotated")
    with pytest.raises(ConfigError, match="no such file"):
        load_originals(tmp_path / "none.db", 5)


@given(st.lists(st.integers(0, 20_000), min_size=1, max_size=300), st.integers(0, 99))
def test_balanced_order_puts_every_length_decile_in_each_round(lengths, seed):
    ids = [f"a{k}" for k in range(len(lengths))]
    length = dict(zip(ids, lengths))
    order = balanced_order(ids, length, random.Random(seed))
    assert sorted(order) == sorted(ids)
    ranked = sorted(ids, key=lambda i: (length[i], i))
    k = min(10, len(ids))
    decile = {a: j for j in range(k) for a in ranked[j * len(ids) // k:(j + 1) * len(ids) // k]}
    full_rounds = min(sum(decile[a] == j for a in ids) for j in range(k))
    for r in range(full_rounds):  # while every decile has articles left, each round holds one of each
        assert sorted(decile[a] for a in order[r * k:(r + 1) * k]) == list(range(k))


def test_balanced_originals_keep_the_stream_as_long_at_the_start_as_later(web_db):
    shuffled, balanced = load_originals(web_db, 40, order="shuffled"), load_originals(web_db, 40)
    assert sorted(o.text for o in shuffled) == sorted(o.text for o in balanced)  # the same originals, reordered
    mean = sum(len(o.text) for o in balanced) / len(balanced)
    first = balanced[:10]  # one round: an original from every length decile
    assert min(len(o.text) for o in first) <= mean <= max(len(o.text) for o in first)
    with pytest.raises(ConfigError, match="order"):
        load_originals(web_db, 5, order="by date")

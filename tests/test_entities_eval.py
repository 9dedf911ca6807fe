"""The ECB+ entity-resolution evaluation: its scores and its reading of the gold chains."""
from __future__ import annotations

import pytest

from newsloom.eval.entities import bcubed, eval_entities, load_ecb_docs, pairwise

from .conftest import SHARED

BENCH = SHARED / "bench-data"


def test_bcubed_and_pairwise():
    gold = {1: "a", 2: "a", 3: "b"}
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)
    merged = {1: "x", 2: "x", 3: "x"}
    p, r, _ = bcubed(merged, gold)
    assert r == 1.0 and p == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)
    assert pairwise(merged, gold)[:2] == (pytest.approx(1 / 3), 1.0)
    split = {1: "x", 2: "y", 3: "z"}
    assert bcubed(split, gold)[0] == 1.0 and pairwise(split, gold)[1] == 0.0


def test_gold_mentions_point_at_their_words():
    docs = load_ecb_docs(BENCH / "ecbplus" / "ECB+_xml.zip", {36})
    assert len(docs) > 10
    texts = [d["text"][s:e] for d in docs for s, e, t, _ in d["gold"] if t == "PERSON"]
    assert texts and all(t.strip() == t and t for t in texts)
    assert any(t[0].isupper() and " " in t for t in texts)  # named people are among them


def test_eval_runs_on_a_few_documents():
    tables = eval_entities(str(BENCH), split="dev", limit=6)
    rows = tables[0].rows
    assert rows and {r["system"] for r in rows} == {"resolve", "name", "surname"}
    assert all(0.0 <= r["B3 F1"] <= 1.0 for r in rows)

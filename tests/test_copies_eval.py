"""``newsloom eval copies`` and ``newsloom bench copies``: the generated set, the scoring, the CLI."""
from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from newsloom.cli import cli
from newsloom.bench.copies import bench_copies, synthetic_corpus
from newsloom.eval.copies import build_set, derived_pairs
from newsloom.eval.copy_transforms import KIND_OF, TRANSFORMS
from newsloom.model import normalise_for_hash

from .conftest import SHARED

BENCH = SHARED / "bench-data"

TEXT = ("The council voted on Tuesday to close the bridge, officials said.\nThe bridge carries 18,000 vehicles a "
        "day. Repairs will take eight months.\n\"We cannot take any risk,\" the mayor said after the vote.\n"
        "Shop owners fear losing customers during the closure.")


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transformation_is_deterministic_and_changes_or_keeps_as_labelled(name: str) -> None:
    fn = TRANSFORMS[name][1]
    a, b = fn(TEXT, random.Random(3)), fn(TEXT, random.Random(3))
    assert a == b
    if KIND_OF[name] == "exact":
        assert normalise_for_hash(a.replace("\n\n", "\n")) == normalise_for_hash(TEXT)
    elif name != "syndicated":
        assert a != TEXT


def test_build_set_labels_copies_of_real_documents() -> None:
    docs = [{"id": f"d{i}", "text": TEXT.replace("bridge", f"bridge {i}") * 4, "source": None, "label": "x"}
            for i in range(12)]
    records, gold = build_set(docs, per_transform=1, seed=1)
    assert [r.external_id for r in records[:12]] == [d["id"] for d in docs]  # originals first
    assert len(gold) == len(TRANSFORMS) + 1  # syndicated twice
    for ext, g in gold.items():
        assert ext.startswith(f"copy:{g['how']}:") and g["kind"] == KIND_OF[g["how"]]
    assert build_set(docs, per_transform=1, seed=1)[1] == gold


def test_derived_pairs_ignores_shared_quotes() -> None:
    quote = '"' + " ".join(f"word{i}" for i in range(30)) + '"'
    narration = " ".join(f"told{i}" for i in range(25))
    docs = [{"id": "a", "text": f"Alpha reports. {quote} end"}, {"id": "b", "text": f"Beta writes. {quote} fin"},
            {"id": "c", "text": f"One. {narration}"}, {"id": "d", "text": f"Two. {narration}"}]
    assert derived_pairs(docs) == {("c", "d")}


def test_synthetic_corpus_has_every_original_once() -> None:
    texts = [TEXT.replace("bridge", f"bridge{i}") for i in range(5)]
    arts = list(synthetic_corpus(40, texts))
    assert len(arts) == 40
    originals = [a for a in arts if ":original:" in a.external_id]
    assert sorted(a.text for a in originals) == sorted(texts)
    assert ":original:" in arts[0].external_id


def test_bench_copies_small() -> None:
    table = bench_copies(n=300, data=str(BENCH), group=25, batch=100)[0]
    row = table.rows[0]
    assert row["articles"] == 300 and row["originals"] == 12
    assert row["ms/article (stage CPU)"] > 0 and row["peak RSS MB"] > 0
    assert float(row["in the right group"].rstrip("%")) >= 95


def test_eval_copies_cli_prints_per_kind_scores() -> None:
    out = CliRunner().invoke(cli, ["eval", "copies", "--data", str(BENCH), "--json", "-o", "per_transform", "4",
                                   "-o", "translations", "0"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    tables = json.loads(out.output)
    kinds = {r["kind"]: r for r in tables[0]["rows"]}
    assert set(kinds) == {"exact", "near", "syndicated", "rewrite"}
    assert kinds["exact"]["gold"] == 4 and kinds["near"]["gold"] == 24
    assert kinds["near"]["F1"] >= 0.9 and kinds["exact"]["F1"] >= 0.9
    assert any("false links between distinct real ECB+ articles" in n for n in tables[0]["notes"])

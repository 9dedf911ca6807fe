"""The bare spaCy NER pass that ``bench ingest --annotate`` measures the ingest against."""
from __future__ import annotations

import json

import pytest

from newsloom.bench.annotate import _NON_NER
from newsloom.bench.ingest import _bare_child
from newsloom.nlp import load_nlp

TEXTS = ["Angela Merkel met Emmanuel Macron in Berlin on Monday.",
         "The European Commission fined Google in Brussels.",
         "Jens Stoltenberg spoke to reporters at NATO headquarters."]


@pytest.mark.issue(14)
@pytest.mark.parametrize("blas", ["blis", "numpy"])
def test_the_bare_pass_runs_in_a_child_and_finds_what_spacy_finds_here(tmp_path, blas):
    """A process of its own (one thread, as a user's NER script runs; here the bench's memory sampler is a thread):
    the same entities as the same model in this process, its seconds and CPU timed, its memory sampled."""
    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps(TEXTS), encoding="utf-8")
    got, peak = _bare_child(texts, blas)
    here = sum(len(doc.ents) for doc in load_nlp(disable=_NON_NER, blas=blas).pipe(TEXTS))
    assert got["entities"] == here >= 6
    assert 0 < got["seconds"] < 60 and 0 < got["cpu"] < 60 and peak.mb > 100

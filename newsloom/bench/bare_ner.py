"""The bare spaCy NER pass of ``newsloom bench ingest --annotate``, run in a process of its own.

``python -m newsloom.bench.bare_ner TEXTS.json BLAS`` loads en_core_web_sm with only its ``ner`` component
(``BLAS``: ``blis``, spaCy's default, or ``numpy``, as the nlp stage runs it), runs it once over the first ten
texts (lazily built tables), then times ``nlp.pipe`` over all of them and prints ``{"seconds", "cpu",
"entities"}`` as JSON. A process of its own, with one thread, as a user's NER script runs: in a process that
has ever started a second thread (the bench's memory sampler) spaCy's parser takes glibc's locking paths on
every GIL hand-over and costs about a fifth more (docs/scaling.md, "One thread per worker").
"""
from __future__ import annotations

import json
import sys
import time

from ..nlp import load_nlp
from ..nlp.blas import one_blas_thread
from .annotate import _NON_NER

__all__ = ["run_bare_ner"]


def run_bare_ner(texts: list[str], blas: str) -> dict[str, float]:
    """Time a bare NER pass over ``texts`` in this process (the model loaded and warmed before timing)."""
    nlp = load_nlp(disable=_NON_NER, blas=blas)
    with one_blas_thread():
        list(nlp.pipe(texts[:10]))
        t0, c0 = time.perf_counter(), time.process_time()
        entities = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=16))
        return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "entities": entities}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        print(json.dumps(run_bare_ner(json.load(fh), sys.argv[2])))

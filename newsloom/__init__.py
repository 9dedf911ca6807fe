"""newsloom: turn a flood of news articles into stories, quotes, events and copy links.

The public API is what ``__all__`` lists; everything else may change between releases.
"""
from __future__ import annotations

import os

# newsloom uses several cores through processes (a worker per core), each doing its numpy work on one thread.
# OpenBLAS otherwise starts a thread per core in every process, and those threads keep spinning between
# numpy's products: on the first 100 Timeline17 texts a bare NER pass took about 25 % more CPU with them.
# Read when numpy loads, so it holds when newsloom is imported first (the CLI); set it to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .engine.local import IngestReport
from .errors import NewsloomError, Rejected
from .loom import Loom, process
from .model import Article, Record
from .pipeline import Pipeline, corpus_stage, stage
from .settings import Settings
from .version import __version__

__all__ = [
    "Loom", "process", "Article", "Record", "Pipeline", "stage", "corpus_stage", "Settings", "IngestReport",
    "NewsloomError", "Rejected", "__version__",
]

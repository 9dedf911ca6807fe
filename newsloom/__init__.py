"""newsloom: turn a flood of news articles into stories, quotes, events and copy links.

The public API is what ``__all__`` lists; everything else may change between releases.
"""
from __future__ import annotations

from . import blas_threads  # noqa: F401 - first: it must run before anything loads numpy
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

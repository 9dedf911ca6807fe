"""Imports the modules that register evaluations and benchmarks (one line each)."""
from ..bench import annotate, copies as copies_bench, ingest  # noqa: F401
from . import copies, entities, quotes  # noqa: F401
from . import timelines  # noqa: E402,F401
from ..bench import timelines as timelines_bench  # noqa: E402,F401

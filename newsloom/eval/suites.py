"""Imports the modules that register evaluations and benchmarks (one line each)."""
from ..bench import annotate, copies as copies_bench, ingest, scale  # noqa: F401
from . import copies, entities, quotes  # noqa: F401

"""Imports the modules that register evaluations and benchmarks (one line each)."""
from . import ingest_bench  # noqa: F401

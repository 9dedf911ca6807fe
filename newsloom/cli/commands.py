"""Imports every command module so that each registers its commands."""
from . import articles, copies, demo, entities, eval, export, ingest, quotes, settings, watch  # noqa: F401
from . import compare, timelines  # noqa: E402,F401  (timeline, summary, compare, sources)

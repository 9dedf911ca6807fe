"""Imports every command module so that each registers its commands."""
from . import articles, copies, demo, entities, eval, export, ingest, quotes, settings, watch  # noqa: F401

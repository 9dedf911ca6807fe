"""Imports every command module so that each registers its commands."""
from . import demo, evaluate, export, ingest, read, settings_cmd, watch  # noqa: F401

"""Imports every command module so that each registers its commands."""
from . import demo, export, ingest, read  # noqa: F401

"""Imports every built-in reader module so that each registers itself."""
from . import feeds, html, tabular, text, warc  # noqa: F401

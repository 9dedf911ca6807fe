"""Storage: the :class:`Store` protocol, its SQLite implementation, migrations, and one tables module per
capability (``storage/tables``)."""
from .base import ARTICLE_ROWS, InputRow, Rows, Store, article_rows
from .migrations import apply_migrations, migration
from .sqlite import SQLiteStore, article_writer

__all__ = ["Store", "SQLiteStore", "InputRow", "Rows", "article_rows", "ARTICLE_ROWS", "article_writer", "migration",
           "apply_migrations"]

"""Storage: the SQLite store (the embedded default) and its migrations."""
from .migrations import apply_migrations, migration
from .sqlite import InputRow, Store, article_writer

__all__ = ["Store", "InputRow", "article_writer", "migration", "apply_migrations"]

"""Storage: the SQLite store (the embedded default) and its migrations."""
from .migrations import apply_migrations, migration
from .sqlite import InputRow, Store

__all__ = ["Store", "InputRow", "migration", "apply_migrations"]

"""What a store holds, in a form two stores can be compared by (timestamps left out)."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

#: tables that are indexes over others (FTS5 shadow tables, the quote_links stage's 4-gram index by quote rowid, which
#: a load gives anew), or bookkeeping of the run itself
_SKIP_PREFIXES = ("articles_fts", "_migrations", "sqlite_", "quote_grams")


#: float vectors a model computes (and the sums of them a story or thread keeps): two processes running the same
#: model can differ in the last bits, so :func:`snapshot` leaves them out and :func:`vectors` gives them apart
FLOAT_BLOBS = {"embeddings": ("vector",), "stories": ("profile", "title_score"), "threads": ("profile",)}


def vectors(db: str | Path) -> dict[str, Any]:
    """Each article's stored embedding as a float32 array, by article id."""
    import numpy as np

    conn = sqlite3.connect(db)
    try:
        return {a: np.frombuffer(v, dtype="<f2").astype(np.float32)
                for a, v in conn.execute("SELECT article_id, vector FROM embeddings")}
    finally:
        conn.close()


def snapshot(db: str | Path, tables: list[str] | None = None) -> dict[str, Any]:
    """Every row of every table (or of ``tables``), sorted, without the ``*_at`` columns and the float vectors of
    :data:`FLOAT_BLOBS`; plus the article ids in the order they were stored."""
    conn = sqlite3.connect(db)
    try:
        names = tables or [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                           if not r[0].startswith(_SKIP_PREFIXES)]
        out: dict[str, Any] = {"article order": [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY rowid")]}
        for name in names:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")
                    if not r[1].endswith("_at") and r[1] not in FLOAT_BLOBS.get(name, ())]
            quoted = ", ".join(f'"{c}"' for c in cols)
            out[name] = sorted(conn.execute(f"SELECT {quoted} FROM {name}").fetchall(), key=repr)
        return out
    finally:
        conn.close()

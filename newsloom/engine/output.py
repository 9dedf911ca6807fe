"""The output folder of ``newsloom run``: Parquet tables written from a store, and loaded into one.

OUTPUT/ holds ``tables/<table>.parquet`` (every table of the store, every column, articles in the order
they were stored: what :func:`load_output` imports), ``export/<kind>.parquet`` (the tables of ``newsloom
export``, for analysis tools) and ``work.db`` (the store the run wrote, which a later run into the same
OUTPUT adds to).
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..errors import ConfigError, MissingDependency
from ..storage import Store

__all__ = ["write_tables", "load_output", "store_tables", "WORK_DB", "TABLES", "EXPORTS"]

WORK_DB = "work.db"
TABLES = "tables"
EXPORTS = "export"


def _arrow_type(pa: Any, declared: str) -> Any:
    declared = declared.upper()
    if "INT" in declared:
        return pa.int64()
    if any(t in declared for t in ("REAL", "FLOA", "DOUB")):
        return pa.float64()
    if "BLOB" in declared:
        return pa.binary()
    return pa.string()


def store_tables(store: Store) -> list[str]:
    """The tables of a store that ``write_tables`` writes and ``load_output`` imports (FTS and bookkeeping left out;
    ``quote_grams`` refers to quote rowids, which a load gives anew: the quote_links stage rebuilds it)."""
    return [t for t in store.tables() if not t.startswith(("articles_fts", "sqlite_", "_migrations", "quote_grams"))]


def write_tables(store: Store, out: Path, *, chunk: int = 5000) -> None:
    """Write every table of ``store`` to ``out/tables`` as Parquet (articles in stored order)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.rmtree(out / TABLES, ignore_errors=True)
    (out / TABLES).mkdir(parents=True)
    for table in store_tables(store):
        cols = [(r[1], r[2]) for r in store.execute(f'PRAGMA table_info("{table}")')]
        schema = pa.schema([pa.field(name, _arrow_type(pa, decl)) for name, decl in cols])
        names = ", ".join(f'"{c}"' for c, _ in cols)
        with pq.ParquetWriter(out / TABLES / f"{table}.parquet", schema) as writer:
            cur = store.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid' if _has_rowid(store, table)
                                else f'SELECT {names} FROM "{table}"')
            while rows := cur.fetchmany(chunk):
                writer.write_table(pa.Table.from_pylist([dict(zip([c for c, _ in cols], r)) for r in rows],
                                                        schema=schema))


def _has_rowid(store: Store, table: str) -> bool:
    sql = store.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0] or ""
    return "WITHOUT ROWID" not in sql.upper()


def load_output(output: str | Path, db: str | Path, *, replace: bool = False, chunk: int = 5000) -> dict[str, int]:
    """Import the Parquet tables of ``output`` into the SQLite store ``db``; returns rows per table.

    Refuses a ``db`` that holds articles already unless ``replace`` (then the file is made anew).
    """
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a core dependency
        raise MissingDependency("pyarrow", "pip install pyarrow") from exc
    folder = Path(output) / TABLES
    files = sorted(folder.glob("*.parquet"))
    if not any(f.stem == "articles" for f in files):
        raise ConfigError(f"{output}: no {TABLES}/articles.parquet; give the OUTPUT folder of `newsloom run`",
                          code="E132")
    db = Path(db)
    if replace:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with Store(db) as store:
        if store.execute("SELECT count(*) FROM articles").fetchone()[0]:
            raise ConfigError(f"{db} holds articles already; load into a new file, or give --replace to make it "
                              "anew", code="E133")
        have = set(store_tables(store))
        missing = [f.stem for f in files if f.stem not in have]
        if missing:
            raise ConfigError(f"{output} has tables this newsloom does not know: {missing}; upgrade newsloom",
                              code="E134")
        order = sorted(files, key=lambda f: f.stem != "articles")  # articles first, in stored order
        with store.transaction() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            for f in order:
                pf = pq.ParquetFile(f)
                names = pf.schema_arrow.names
                sql = (f'INSERT INTO "{f.stem}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
                       f'VALUES ({", ".join("?" for _ in names)})')
                n = 0
                for batch in pf.iter_batches(batch_size=chunk):
                    cols = [batch.column(i).to_pylist() for i in range(len(names))]
                    rows = list(zip(*cols))
                    conn.executemany(sql, rows)
                    n += len(rows)
                counts[f.stem] = n
    return counts

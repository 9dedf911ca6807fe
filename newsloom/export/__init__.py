"""Export any table of records as JSONL, CSV or Parquet, with ids that join across tables.

Kinds register with :func:`exporter`; each yields plain dicts from the store.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from .. import plugins
from ..errors import ConfigError, MissingDependency
from ..storage import Store

__all__ = ["exporter", "exporters", "export", "FORMATS"]

FORMATS = ("jsonl", "csv", "parquet")
_EXPORTERS: dict[str, Callable[[Store], Iterator[dict[str, Any]]]] = plugins.registry({})


def exporter(kind: str):
    """Register ``fn(store) -> Iterator[dict]`` as ``newsloom export KIND``."""

    def deco(fn):
        _EXPORTERS[kind] = fn
        return fn

    return deco


def exporters() -> dict[str, Callable[[Store], Iterator[dict[str, Any]]]]:
    """Every registered export kind (built-in and plugin) by name."""
    plugins.load()
    return dict(_EXPORTERS)


def _flat(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def export(store: Store, kind: str, fmt: str = "jsonl", out: str | None = None) -> int:
    """Write every record of ``kind`` to ``out`` (a path, or stdout); returns the count."""
    kinds = exporters()
    if kind not in kinds:
        raise ConfigError(f"unknown export kind {kind!r}; known kinds: {sorted(kinds)}", code="E209")
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; use one of {FORMATS}", code="E210")
    rows = kinds[kind](store)
    if fmt == "parquet" and (not out or out == "-"):
        raise ConfigError("parquet needs a file: give -o FILE", code="E211")
    if out and out != "-":
        _check_output(out)
    try:
        if fmt == "parquet":
            return _write_parquet(rows, out)  # type: ignore[arg-type]
        fh: IO[str] = sys.stdout if not out or out == "-" else open(out, "w", encoding="utf-8", newline="")
        try:
            return (_write_jsonl if fmt == "jsonl" else _write_csv)(rows, fh)
        finally:
            if fh is not sys.stdout:
                fh.close()
    except OSError as exc:
        if out and out != "-":
            raise ConfigError(f"cannot write {out}: {exc.strerror or exc}", code="E230") from exc
        raise


def _check_output(out: str) -> None:
    """Refuse an output path that cannot be written before any row is read (E230, saying why)."""
    folder = os.path.dirname(os.path.abspath(out))
    if os.path.isdir(out):
        raise ConfigError(f"cannot write {out}: it is a folder; give -o a file name", code="E230")
    if not os.path.isdir(folder):
        raise ConfigError(f"cannot write {out}: the folder {folder} does not exist; create it or give another -o",
                          code="E230")
    if not os.access(folder, os.W_OK) or (os.path.exists(out) and not os.access(out, os.W_OK)):
        raise ConfigError(f"cannot write {out}: permission denied; give -o a path you can write", code="E230")


def _write_jsonl(rows: Iterable[dict[str, Any]], fh: IO[str]) -> int:
    n = 0
    for n, row in enumerate(rows, 1):
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return n


def _write_csv(rows: Iterable[dict[str, Any]], fh: IO[str]) -> int:
    writer = None
    n = 0
    for n, row in enumerate(rows, 1):
        if writer is None:
            writer = csv.DictWriter(fh, fieldnames=list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: _flat(v) for k, v in row.items()})
    return n


def _arrow_type(pa: Any, sample: Any) -> Any:
    if isinstance(sample, bool):
        return pa.bool_()
    if isinstance(sample, int):
        return pa.int64()
    if isinstance(sample, float):
        return pa.float64()
    return pa.string()


def _write_parquet(rows: Iterable[dict[str, Any]], path: str, batch: int = 5000) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - pyarrow is a core dependency
        raise MissingDependency("pyarrow", "pip install pyarrow") from exc
    writer = None
    schema = None
    n = 0
    buf: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer, schema
        if not buf:
            return
        cols = {k: [_flat(r.get(k)) for r in buf] for k in buf[0]}
        if schema is None:
            schema = pa.schema([pa.field(k, _arrow_type(pa, next((v for v in vals if v is not None), "")))
                                for k, vals in cols.items()])
            writer = pq.ParquetWriter(path, schema)
        table = pa.Table.from_pydict({f.name: [None if v is None else (str(v) if f.type == pa.string() else v)
                                                for v in cols.get(f.name, [None] * len(buf))] for f in schema},
                                     schema=schema)
        writer.write_table(table)
        buf.clear()

    for row in rows:
        buf.append(row)
        n += 1
        if len(buf) >= batch:
            flush()
    flush()
    if writer is None:
        pq.write_table(pa.table({}), path)
    else:
        writer.close()
    return n

"""Every read a user makes (CLI, Python API, later the web), one module per capability, returning plain dicts.

Read SQL lives here; write SQL lives in ``storage/``. Each function takes a
:class:`newsloom.storage.Store` first. Helpers shared by the modules: :func:`resolve_id`, :func:`has_table`.
"""
from __future__ import annotations

from typing import Any

from ..errors import QueryError
from ..storage import Store

__all__ = ["resolve_id", "has_table", "page"]

_NOUNS = {"articles": "article", "entities": "entity", "stories": "story", "quotes": "quote", "events": "event"}


def has_table(store: Store, table: str) -> bool:
    """Whether the database has ``table`` (a plugin's table, or one a newer version adds)."""
    return table in store.tables()


def resolve_id(store: Store, prefix: str, table: str = "articles") -> str:
    """The full id for an id or a unique prefix of at least 4 characters.

    Raises:
        QueryError: E402 when nothing matches, E403 when the prefix is ambiguous.
    """
    if table not in _NOUNS:
        raise QueryError(f"unknown table {table!r}", code="E401")
    noun = _NOUNS[table]
    rows = store.execute(f"SELECT id FROM {table} WHERE id = ? OR (length(?) >= 4 AND id LIKE ? || '%') "
                         "LIMIT 2", (prefix, prefix, prefix)).fetchall()
    if not rows:
        raise QueryError(f"no {noun} with id {prefix!r}", code="E402")
    if len(rows) > 1 and rows[0][0] != prefix:
        raise QueryError(f"id prefix {prefix!r} matches more than one {noun}; give more characters", code="E403")
    return rows[0][0]


def page(store: Store, *, select: str, from_where: str, params: list[Any], order: str, limit: int,
         offset: int) -> dict[str, Any]:
    """One page of a read: ``{items, total, limit, offset}`` (``total`` counts every matching row).

    Args:
        select: the column list (``SELECT`` left out).
        from_where: ``FROM ... [WHERE ...]``, with ``?`` placeholders for ``params``.
        order: the ``ORDER BY`` clause's terms.
    """
    total = store.execute(f"SELECT count(*) {from_where}", params).fetchone()[0]
    items = list(store.rows(f"SELECT {select} {from_where} ORDER BY {order} LIMIT ? OFFSET ?",
                            [*params, limit, offset]))
    return {"items": items, "total": total, "limit": limit, "offset": offset}

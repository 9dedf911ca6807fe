"""The entities tables (migrations 0100-0101): ``entities``, ``aliases``, ``alias_articles``, ``entity_merges`` and
``mentions``; the mention rows stored with each article.

The entities stage puts mentions on the article; they are stored with it (entity_id empty), and the ``resolve``
corpus stage then links them to store-wide entities.
"""
from __future__ import annotations

import sqlite3

from ...model import Article
from ..base import Rows, article_rows
from ..migrations import migration
from ..spans import span_table

__all__ = ["rows"]

span_table("mentions")


@migration("0100_entities")
def entities(conn: sqlite3.Connection) -> None:
    # one row per real-world person, organisation or place after alias merging; the id is a hash
    # of group + canonical name at creation and never changes (a merged-away id is kept in entity_merges)
    conn.execute("""CREATE TABLE entities (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        grp TEXT NOT NULL,
        key TEXT NOT NULL,
        skel TEXT NOT NULL,
        first TEXT,
        mentions INTEGER NOT NULL DEFAULT 0,
        articles INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL)""")
    conn.execute("CREATE INDEX entities_key ON entities(grp, key)")
    conn.execute("CREATE INDEX entities_skel ON entities(grp, skel)")
    conn.execute("CREATE INDEX entities_name ON entities(name)")
    # surface forms with counts, and the articles each form comes from
    conn.execute("""CREATE TABLE aliases (
        entity_id TEXT NOT NULL REFERENCES entities(id),
        alias TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (entity_id, alias)) WITHOUT ROWID""")
    conn.execute("""CREATE TABLE alias_articles (
        entity_id TEXT NOT NULL REFERENCES entities(id),
        alias TEXT NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles(id),
        count INTEGER NOT NULL,
        PRIMARY KEY (entity_id, alias, article_id)) WITHOUT ROWID""")
    conn.execute("CREATE INDEX alias_articles_article ON alias_articles(article_id)")
    conn.execute("CREATE TABLE entity_merges (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL, merged_at TEXT NOT NULL)")
    # one row per entity mention; entity_id is filled by the resolve stage
    conn.execute("""CREATE TABLE mentions (
        article_id TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL,
        name TEXT NOT NULL,
        entity_id TEXT REFERENCES entities(id),
        PRIMARY KEY (article_id, start))""")
    conn.execute("CREATE INDEX mentions_entity ON mentions(entity_id)")
    conn.execute("CREATE INDEX mentions_name ON mentions(article_id, name)")


@article_rows
def rows(article: Article) -> Rows:
    """``article.annotations["mentions"]`` as ``mentions`` rows."""
    return {"mentions": [{"article_id": article.id, "start": m["start"], "end": m["end"], "text": m["text"],
                          "label": m["label"], "name": m["name"]} for m in article.annotations.get("mentions") or ()]}


@migration("0101_entity_merges_new_id")
def entity_merges_new_id(conn: sqlite3.Connection) -> None:
    # a merge re-points earlier merges into the dropped id, and entity pages list the ids merged into one:
    # both look entity_merges up by new_id
    conn.execute("CREATE INDEX entity_merges_new ON entity_merges(new_id)")

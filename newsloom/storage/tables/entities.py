"""The entities tables (migrations 0100-0106): ``entities``, ``aliases``, ``alias_articles``, ``entity_merges`` and
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

__all__ = ["rows", "key_variants", "VARIANT_MIN_CHARS"]

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


@migration("0105_entity_stats")
def entity_stats(conn: sqlite3.Connection) -> None:
    # running counts the resolve stage keeps per entity, so re-picking an entity's canonical name and type after a
    # batch reads the batch's mentions and these few rows, not every mention of the entity (a country's grow with
    # the corpus): per name (articles, mentions, first mention's rowid, and its sources), per label (mentions)
    # and per kind (the articles voting for it, see resolve.majority_type)
    conn.execute("""CREATE TABLE entity_names (
        entity_id TEXT NOT NULL, name TEXT NOT NULL, articles INTEGER NOT NULL, mentions INTEGER NOT NULL,
        seen INTEGER NOT NULL, PRIMARY KEY (entity_id, name)) WITHOUT ROWID""")
    conn.execute("""CREATE TABLE entity_name_sources (
        entity_id TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
        PRIMARY KEY (entity_id, name, source)) WITHOUT ROWID""")
    conn.execute("""CREATE TABLE entity_labels (
        entity_id TEXT NOT NULL, label TEXT NOT NULL, mentions INTEGER NOT NULL,
        PRIMARY KEY (entity_id, label)) WITHOUT ROWID""")
    conn.execute("""CREATE TABLE entity_votes (
        entity_id TEXT NOT NULL, kind TEXT NOT NULL, votes INTEGER NOT NULL,
        PRIMARY KEY (entity_id, kind)) WITHOUT ROWID""")
    # an entity whose linked mentions changed other than by new links (a merge, a paragraph cut by the
    # boilerplate stage, any edit): its counts are recomputed from its mentions when the resolve stage next sees it
    conn.execute("CREATE TABLE entity_dirty (entity_id TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.execute("""CREATE TRIGGER mentions_linked_deleted AFTER DELETE ON mentions WHEN old.entity_id IS NOT NULL
        BEGIN INSERT OR IGNORE INTO entity_dirty (entity_id) VALUES (old.entity_id); END""")
    conn.execute("""CREATE TRIGGER mentions_linked_changed AFTER UPDATE OF entity_id, article_id, name, label, text
        ON mentions WHEN old.entity_id IS NOT NULL BEGIN
        INSERT OR IGNORE INTO entity_dirty (entity_id) VALUES (old.entity_id);
        INSERT OR IGNORE INTO entity_dirty (entity_id) SELECT new.entity_id WHERE new.entity_id IS NOT NULL; END""")
    conn.execute("""CREATE TRIGGER entities_deleted_counts AFTER DELETE ON entities BEGIN
        DELETE FROM entity_dirty WHERE entity_id = old.id; DELETE FROM entity_names WHERE entity_id = old.id;
        DELETE FROM entity_name_sources WHERE entity_id = old.id; DELETE FROM entity_labels WHERE entity_id = old.id;
        DELETE FROM entity_votes WHERE entity_id = old.id; END""")  # merged away: its counts go with it
    conn.execute("INSERT INTO entity_dirty (entity_id) SELECT id FROM entities")  # a store from before: count anew
    # resolve looks a name up among the known surface forms ("EU" written for "European Union"), and a two-word
    # name among first names: by index, not by a scan of every entity of the group (which grows with the corpus)
    conn.execute("CREATE INDEX aliases_alias ON aliases(alias)")
    conn.execute("CREATE INDEX entities_first ON entities(first, grp)")  # (grp, first) would be picked for "key = ?"
    # the fuzzy search for a misspelt key ("Stoltenburg"): every key of five letters or more under itself and each
    # of its one-letter deletions, so the keys one edit away are found by equality, not by a scan of every key
    # sharing the first two letters (which grows with the corpus)
    conn.execute("""CREATE TABLE entity_key_variants (
        grp TEXT NOT NULL, variant TEXT NOT NULL, entity_id TEXT NOT NULL,
        PRIMARY KEY (grp, variant, entity_id)) WITHOUT ROWID""")
    conn.executemany("INSERT OR IGNORE INTO entity_key_variants (grp, variant, entity_id) VALUES (?, ?, ?)",
                     [(grp, v, eid) for eid, grp, key in conn.execute("SELECT id, grp, key FROM entities").fetchall()
                      for v in key_variants(key)])


@migration("0106_mentions_name_entity")
def mentions_name_entity(conn: sqlite3.Connection) -> None:
    # an article's names with the entities they link to, read from the index alone (no table row per mention):
    # resolve reads them for the context of every candidate entity (stages/entity_context.py), and the articles
    # of a large store are no longer all in its cache; the events and speakers look-ups (article, name, linked)
    # are covered too. It replaces the (article_id, name) index it extends.
    conn.execute("DROP INDEX IF EXISTS mentions_name")
    conn.execute("CREATE INDEX mentions_name_entity ON mentions(article_id, name, entity_id)")


#: keys shorter than this get no variants (the fuzzy search looks for keys of at least five letters)
VARIANT_MIN_CHARS = 5


def key_variants(key: str) -> set[str]:
    """A key and its one-letter deletions (none for keys under ``VARIANT_MIN_CHARS``): two keys one edit apart
    (Levenshtein) share one of these."""
    if len(key) < VARIANT_MIN_CHARS:
        return set()
    return {key} | {key[:i] + key[i + 1:] for i in range(len(key))}

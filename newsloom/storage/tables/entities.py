"""Migrations of the annotation area (0100-0149): entities, aliases, mentions, dates, events.

The per-article stages' annotations are written with the article (see the writer in
``newsloom.stages.resolve``); the "resolve" corpus stage then links mentions to entities.
"""
from __future__ import annotations

import sqlite3

from ..migrations import migration


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


@migration("0110_dates")
def dates(conn: sqlite3.Connection) -> None:
    # temporal expressions; value is ISO (YYYY, YYYY-MM or YYYY-MM-DD by precision) or NULL when
    # it cannot be resolved without inventing a date; anchor says what it was resolved against
    conn.execute("""CREATE TABLE dates (
        article_id TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        value TEXT,
        precision TEXT,
        anchor TEXT,
        PRIMARY KEY (article_id, start))""")
    conn.execute("CREATE INDEX dates_value ON dates(value)")


@migration("0120_events")
def events(conn: sqlite3.Connection) -> None:
    # actor/action/target/place/date from one sentence; start/end is the sentence span in the text;
    # *_id columns point at entities once the resolve stage has linked the article's mentions
    conn.execute("""CREATE TABLE events (
        id TEXT PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        sentence TEXT NOT NULL,
        action TEXT NOT NULL,
        verb TEXT NOT NULL,
        actor TEXT, target TEXT, place TEXT,
        date TEXT, precision TEXT,
        actor_id TEXT, target_id TEXT, place_id TEXT)""")
    conn.execute("CREATE INDEX events_article ON events(article_id)")
    conn.execute("CREATE INDEX events_action ON events(action, date)")
    conn.execute("CREATE INDEX events_actor ON events(actor_id)")

"""The ``events`` table (migrations 0120-0121): who did what to whom, where and when, stored with each article; the
``resolve`` corpus stage fills the ``*_id`` columns."""
from __future__ import annotations

import hashlib
import sqlite3

from ...model import Article
from ..base import Rows, article_rows
from ..migrations import migration
from ..spans import span_table

__all__ = ["rows", "event_id"]

span_table("events")


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


def event_id(article_id: str, start: int, verb_offset: int, action: str) -> str:
    """Stable id of one event: a hash of its article, sentence, verb position and action."""
    return hashlib.sha1(f"{article_id}\x1f{start}\x1f{verb_offset}\x1f{action}".encode()).hexdigest()[:16]


@article_rows
def rows(article: Article) -> Rows:
    """``article.annotations["events"]`` as ``events`` rows (the sentence text cut from the article)."""
    return {"events": [{"id": event_id(article.id, e["start"], e.get("verb_start", 0), e["action"]),
                        "article_id": article.id, "start": e["start"], "end": e["end"],
                        "sentence": article.text[e["start"]:e["end"]], "action": e["action"], "verb": e["verb"],
                        "actor": e["actor"], "target": e["target"], "place": e["place"], "date": e["date"],
                        "precision": e["precision"]} for e in article.annotations.get("events") or ()]}


@migration("0121_events_entity_indexes")
def events_entity_indexes(conn: sqlite3.Connection) -> None:
    # an entity merge re-points the events of the merged-away id (resolve.py): by index, not a scan of every event
    conn.execute("CREATE INDEX events_target ON events(target_id)")
    conn.execute("CREATE INDEX events_place ON events(place_id)")

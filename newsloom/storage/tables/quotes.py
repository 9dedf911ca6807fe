"""The ``quotes`` table (migrations 0150-0199) and the quote rows stored with each article.

One row per quote the quotes stage found. ``id`` is a hash of the article id and the span, so a
re-ingest writes nothing twice. ``quote_key`` is a hash of the quote's normalised words (None for
quotes under ``MIN_KEY_WORDS`` words, which are too common to link); the quote_links corpus stage
fills ``speaker_entity`` and ``first_article_id`` (the earliest independent carrier of the same key),
and gives a quote that is a near copy of an earlier one by the same speaker (an excerpt, a trimmed
or lightly edited version) that quote's key.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata

from ...model import Article
from ..base import Rows, article_rows
from ..migrations import migration
from ..spans import span_table

__all__ = ["quote_id", "quote_key", "quote_words", "rows", "MIN_KEY_WORDS"]

span_table("quotes", others=(("cue_start", "cue_end"), ("speaker_start", "speaker_end")), json_pairs=("parts",))

#: quotes shorter than this many words get no quote_key (never linked across articles)
MIN_KEY_WORDS = 4


@migration("0150_quotes")
def quotes_table(conn: sqlite3.Connection) -> None:
    conn.execute("""
        CREATE TABLE quotes (
            id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id),
            "start" INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            parts TEXT NOT NULL DEFAULT '[]',
            text TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('direct', 'indirect')),
            cue TEXT, cue_start INTEGER, cue_end INTEGER,
            speaker_text TEXT, speaker_start INTEGER, speaker_end INTEGER,
            speaker_name TEXT,
            speaker_entity TEXT,
            quote_key TEXT,
            first_article_id TEXT REFERENCES articles(id)
        )""")
    conn.execute("CREATE INDEX quotes_article ON quotes(article_id)")
    conn.execute("CREATE INDEX quotes_key ON quotes(quote_key)")
    conn.execute("CREATE INDEX quotes_speaker_entity ON quotes(speaker_entity)")
    conn.execute("CREATE INDEX quotes_speaker_name ON quotes(speaker_name)")


@migration("0151_quotes_on_behalf_of")
def quotes_on_behalf_of(conn: sqlite3.Connection) -> None:
    # whom a representative speaker (a spokesman, an aide, a lawyer) speaks for; the speaker stays the role
    conn.execute("ALTER TABLE quotes ADD COLUMN on_behalf_of TEXT")


@migration("0152_quote_grams")
def quote_grams(conn: sqlite3.Connection) -> None:
    # the quote_links stage compares a new quote only with its speaker's stored quotes that share two word 4-grams
    # with it (not with each of the speaker's latest quotes): every linkable quote's 4-gram hashes under (a hash of)
    # its speaker's entity and its speaker's name, by quote rowid (so a scan stays within the latest ones).
    # The stage adds the rows of the quotes past ``mark`` (the highest rowid indexed) and of each batch's quotes
    # (whose speaker entity it sets); the mark falls back when the last quote is deleted (its rowid may be given
    # again) or a quote's words or speaker name change.
    conn.execute("""CREATE TABLE quote_grams (
        speaker INTEGER NOT NULL, gram INTEGER NOT NULL, quote_rowid INTEGER NOT NULL,
        PRIMARY KEY (speaker, gram, quote_rowid)) WITHOUT ROWID""")
    # the mark and the id of the quote at it: another id there means the rowids were given anew (a VACUUM), and
    # the stage indexes every quote again
    conn.execute("CREATE TABLE quote_grams_mark (id INTEGER PRIMARY KEY CHECK (id = 0), mark INTEGER NOT NULL,"
                 " last_id TEXT)")
    conn.execute("INSERT INTO quote_grams_mark (id, mark) VALUES (0, 0)")
    conn.execute("""CREATE TRIGGER quotes_last_deleted AFTER DELETE ON quotes
        WHEN old.rowid > coalesce((SELECT max(rowid) FROM quotes), 0) BEGIN
        UPDATE quote_grams_mark SET mark = min(mark, coalesce((SELECT max(rowid) FROM quotes), 0)),
            last_id = (SELECT id FROM quotes WHERE rowid = min(quote_grams_mark.mark, (SELECT max(rowid) FROM quotes)));
        END""")
    conn.execute("""CREATE TRIGGER quotes_words_changed AFTER UPDATE OF text, speaker_name ON quotes BEGIN
        UPDATE quote_grams_mark SET mark = min(mark, old.rowid - 1),
            last_id = (SELECT id FROM quotes WHERE rowid = min(quote_grams_mark.mark, old.rowid - 1)); END""")


@migration("0153_quotes_key_carriers")
def quotes_key_carriers(conn: sqlite3.Connection) -> None:
    # the quote_links stage reads every carrier of a quote key (its article) and sets their first_article_id where
    # it changed: from this index alone, not a table lookup per carrier (it replaces the index on quote_key)
    conn.execute("DROP INDEX IF EXISTS quotes_key")
    conn.execute("CREATE INDEX quotes_key_carriers ON quotes(quote_key, article_id, first_article_id)")


def quote_id(article_id: str, start: int, end: int) -> str:
    """Stable id of a quote: a hash of its article and span."""
    return hashlib.sha256(f"{article_id}\x1f{start}\x1f{end}".encode()).hexdigest()[:16]


def quote_words(text: str) -> list[str]:
    """The quote's words, with case, marks, punctuation and spacing folded."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def quote_key(text: str) -> str | None:
    """Hash of the quote's words (see :func:`quote_words`); None when too short to link."""
    words = quote_words(text)
    if len(words) < MIN_KEY_WORDS:
        return None
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


@article_rows
def rows(article: Article) -> Rows:
    """``article.annotations["quotes"]`` as ``quotes`` rows.

    ``first_article_id`` starts as the article itself; the quote_links stage corrects it.
    """
    return {"quotes": [{"id": quote_id(article.id, q["start"], q["end"]), "article_id": article.id,
                        "start": q["start"], "end": q["end"],
                        "parts": json.dumps(q.get("parts") or [[q["start"], q["end"]]]), "text": q["text"],
                        "kind": q["kind"], "cue": q.get("cue"), "cue_start": q.get("cue_start"),
                        "cue_end": q.get("cue_end"), "speaker_text": q.get("speaker_text"),
                        "speaker_start": q.get("speaker_start"), "speaker_end": q.get("speaker_end"),
                        "speaker_name": q.get("speaker_name"), "on_behalf_of": q.get("on_behalf_of"),
                        "quote_key": quote_key(q["text"]),
                        "first_article_id": article.id} for q in article.annotations.get("quotes") or ()]}

"""The nouns of newsloom: small slotted records with ``as_dict``/``from_dict``.

``Record`` is what a reader yields (one input item, before cleaning); ``Article`` is what
the per-article stages produce and the store keeps. Annotation records (mentions, quotes,
dates, events) ride on ``Article.annotations`` until the store writes them to their tables.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, fields
from typing import Any, TypedDict
from urllib.parse import urlsplit

__all__ = ["Record", "Article", "Mention", "DateExpression", "Event", "Quote", "content_id", "text_hash",
           "normalise_for_hash", "source_from_url"]


@dataclass(slots=True)
class Record:
    """One input item as a reader hands it over.

    Args:
        external_id: the input's own id, or ``path`` / ``path:line`` / URL when it has none.
        text: plain text (already decoded), or None when only ``html`` is given.
        html: raw HTML to extract the main text from.
    """

    external_id: str
    text: str | None = None
    html: str | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None
    language: str | None = None
    author: str | None = None
    fetched: str | None = None
    format: str = "text"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return _shallow(self)


@dataclass(slots=True)
class Article:
    """One input record after cleaning; the unit every stage works on."""

    id: str
    external_id: str
    title: str
    text: str
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    author: str | None = None
    fetched: str | None = None
    format: str = "text"
    raw_text: str = ""
    text_hash: str = ""
    removed: list[dict[str, Any]] = field(default_factory=list)
    quality: dict[str, Any] = field(default_factory=dict)
    copy_of: str | None = None
    copy_kind: str | None = None
    fingerprint: str | None = None
    annotations: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict (shallow: nested values are shared, and a parsed Doc is not copied)."""
        return _shallow(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Article":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


# -- annotation records: what per-article stages put on ``Article.annotations`` (offsets index ``Article.text``);
# typed dicts, so they stay plain JSON-able dicts for ``process()`` users and the Spark engine


class Mention(TypedDict):
    """``annotations["mentions"]``: a named entity with its in-article canonical name (entities stage)."""

    start: int
    end: int
    text: str
    label: str  # PERSON, ORG, GPE, LOC, NORP, FAC
    name: str


class DateExpression(TypedDict):
    """``annotations["dates"]``: a temporal expression resolved against the article's date (dates stage)."""

    start: int
    end: int
    text: str
    kind: str  # date, duration, set, vague, age, stamp (only a date or a page's stamp has a value)
    value: str | None  # YYYY, YYYY-MM, YYYY-MM-DD or YYYY-Www by precision
    precision: str | None  # day, week, month, year
    anchor: str | None  # published, absolute, text:YYYY-MM-DD, comment:YYYY-MM-DD


class Event(TypedDict):
    """``annotations["events"]``: who did what to whom, where and when, in one sentence (events stage)."""

    start: int  # the sentence span
    end: int
    action: str
    verb: str
    verb_start: int
    actor: str | None  # in-article canonical names
    target: str | None
    place: str | None
    date: str | None
    precision: str | None


class Quote(TypedDict):
    """``annotations["quotes"]``: a direct or indirect quote with its cue and speaker (quotes stage)."""

    start: int
    end: int
    parts: list[list[int]]  # [start, end] of each part of a split quote
    text: str
    kind: str  # direct, indirect
    cue: str | None
    cue_start: int | None
    cue_end: int | None
    speaker_text: str | None
    speaker_start: int | None
    speaker_end: int | None
    speaker_name: str | None


def _shallow(obj: Any) -> dict[str, Any]:
    # dataclasses.asdict deep-copies every value, and a spaCy Doc riding on the annotations
    # costs a pickle of the whole vocabulary per article (a third of ingest time, gigabytes of memory)
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def normalise_for_hash(text: str) -> str:
    """Fold case, Unicode forms, quotes and white space so trivial variants hash alike."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(_QUOTES)
    return " ".join(text.split())


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def _digest(*parts: str | None) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def content_id(record: Record) -> str:
    """The article id: a hash of the record's content (text or html, title, url, source).

    The same input ingested twice (from any path) gets the same id, so it is stored once.
    """
    return _digest(record.text, record.html, record.title, record.url, record.source)[:16]


def text_hash(text: str) -> str:
    """Hash of the normalised clean text, for exact-copy detection across inputs."""
    return _digest(normalise_for_hash(text))[:16]


def source_from_url(url: str | None) -> str | None:
    """The source an ``http(s)`` URL names: its host, lower-cased, without a leading ``www.``
    (``https://www.cnn.com/x`` -> ``cnn.com``; ``edition.cnn.com`` stays itself), as trafilatura names it."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:  # a malformed URL (an unclosed IPv6 bracket, ...) names no host
        return None
    return host.removeprefix("www.") or None

"""The pure core of the stories and threads stages: an article's signals, a story's profile, their similarity.

No storage here: the stages read and write the blobs these functions make, so the same scoring runs
in the local engine, in the evaluations and in tests.

* :class:`Signals` are what one article brings: its unit embedding, the log term frequencies of its
  words, the resolved entities it mentions, the quotes it carries (``quote_key``) and its date.
* A :class:`Profile` sums the signals of a story's articles (or of a thread's stories), so the
  average similarity of an article to every member of a story is one dot product
  (``a . sum(b) / n``) and a story never has to be re-read to be matched or merged.
* :func:`features` compares an article (or a profile) with a profile; :class:`Weights` turns the
  features into one score whose sign decides. The weights were fitted on the ECB+ training topics,
  the threshold on its dev topics (docs/stories.md); time is a general rule, since ECB+ has no dates.
"""
from __future__ import annotations

import math
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

__all__ = ["Signals", "Profile", "Weights", "features", "term_counts", "term_words", "term_hash", "day_gap",
           "FEATURES"]

_TOKEN = re.compile(r"[^\W_]{2,}")
FEATURES = ("embedding", "words", "entities", "quotes")
Idf = Callable[[Iterable[int]], Mapping[int, float]]
EntityIdf = Callable[[Iterable[str]], Mapping[str, float]]


def term_hash(token: str) -> int:
    """A stable 31-bit id of a word (the same in every process, unlike ``hash``)."""
    return zlib.crc32(token.encode("utf-8", "surrogatepass")) & 0x7FFFFFFF


def term_counts(title: str | None, text: str) -> dict[int, float]:
    """Log term frequencies (``1 + ln count``) of the words of an article, keyed by :func:`term_hash`.

    Words are runs of two or more letters or digits, case-folded, so names and figures count as
    much as any word and no language needs its own tokenizer or stop list (idf weighs those down).
    """
    counts: dict[int, int] = {}
    for token in _TOKEN.findall(f"{title or ''}\n{text}".casefold()):
        h = term_hash(token)
        counts[h] = counts.get(h, 0) + 1
    return {h: 1.0 + math.log(c) for h, c in counts.items()}


def term_words(title: str | None, text: str) -> dict[int, str]:
    """The words behind the term ids of :func:`term_counts`."""
    return {term_hash(t): t for t in _TOKEN.findall(f"{title or ''}\n{text}".casefold())}


def _unit(weights: Mapping[Any, float]) -> dict[Any, float]:
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {k: v / norm for k, v in weights.items()} if norm else {}


def _cosine(a: Mapping[Any, float], b: Mapping[Any, float], idf: Mapping[Any, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] * idf.get(k, 0.0) ** 2 for k, v in a.items() if k in b)
    if dot <= 0:
        return 0.0
    na = math.sqrt(sum((v * idf.get(k, 0.0)) ** 2 for k, v in a.items()))
    nb = math.sqrt(sum((v * idf.get(k, 0.0)) ** 2 for k, v in b.items()))
    return dot / (na * nb) if na and nb else 0.0


def day_gap(day: str | None, first: str | None, last: str | None) -> float | None:
    """Days from ``day`` to the span ``first``..``last`` (0 inside it); None when a date is unknown."""
    d = _day(day)
    lo, hi = _day(first), _day(last)
    if d is None or lo is None or hi is None:
        return None
    return float(max(0, (lo - d).days, (d - hi).days))


def _day(value: str | None) -> date | None:
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _span_gap(a_first: str | None, a_last: str | None, b_first: str | None, b_last: str | None) -> float | None:
    """Days between two date spans (0 when they overlap); None when either is unknown."""
    g1, g2 = day_gap(a_first, b_first, b_last), day_gap(a_last, b_first, b_last)
    if g1 is None or g2 is None:
        return None
    a_lo, a_hi, b_lo, b_hi = _day(a_first), _day(a_last), _day(b_first), _day(b_last)
    if a_lo <= b_hi and b_lo <= a_hi:  # type: ignore[operator]
        return 0.0
    return min(g1, g2)


@dataclass
class Signals:
    """What one article brings to story matching.

    Args:
        vector: unit embedding (float32), or None when the article has none.
        terms: log term frequencies by :func:`term_hash`.
        entities: log mention counts by resolved entity id.
        quotes: the ``quote_key`` of each quote it carries.
        published: ``YYYY-MM-DD...`` or None.
        not_before: for an undated article, the latest date its text mentions (a lower bound of its date).
    """

    vector: np.ndarray | None
    terms: dict[int, float]
    entities: dict[str, float] = field(default_factory=dict)
    quotes: frozenset[str] = frozenset()
    published: str | None = None
    #: for an undated article, the latest date it mentions: it was written no earlier (None: no such date)
    not_before: str | None = None

    def to_blob(self) -> bytes:
        """The lexical part (terms, entities, quotes) as bytes; the vector is stored in ``embeddings``."""
        keys = np.fromiter(self.terms.keys(), dtype="<u4", count=len(self.terms))
        vals = np.fromiter(self.terms.values(), dtype="<f4", count=len(self.terms))
        ents = "\x1f".join(f"{k}\x1e{v:.4f}" for k, v in sorted(self.entities.items()))
        quotes = "\x1f".join(sorted(self.quotes))
        tail = f"{ents}\x1d{quotes}".encode()
        return struct.pack("<I", len(keys)) + keys.tobytes() + vals.tobytes() + tail

    @classmethod
    def from_blob(cls, blob: bytes, vector: np.ndarray | None = None, published: str | None = None) -> "Signals":
        (n,) = struct.unpack_from("<I", blob)
        keys = np.frombuffer(blob, dtype="<u4", count=n, offset=4)
        vals = np.frombuffer(blob, dtype="<f4", count=n, offset=4 + 4 * n)
        ents_s, quotes_s = blob[4 + 8 * n:].decode().split("\x1d")
        ents = dict((k, float(v)) for k, v in (e.split("\x1e") for e in ents_s.split("\x1f") if e))
        quotes = frozenset(q for q in quotes_s.split("\x1f") if q)
        return cls(vector, dict(zip(keys.tolist(), vals.tolist())), ents, quotes, published)


@dataclass
class Profile:
    """The summed signals of a story's articles (or of a thread's stories).

    ``vector`` is the sum of the members' unit vectors; ``terms`` and ``entities`` the sums of their
    L2-normalised weights, kept to the ``max_terms`` / ``max_entities`` heaviest (by idf at the time);
    ``quotes`` counts the carriers of each quote; ``first``/``last`` is the span of known dates.
    """

    n: int = 0
    vector: np.ndarray | None = None
    terms: dict[int, float] = field(default_factory=dict)
    entities: dict[str, float] = field(default_factory=dict)
    quotes: dict[str, int] = field(default_factory=dict)
    first: str | None = None
    last: str | None = None
    #: the latest lower bound of its undated articles (see Signals.not_before)
    not_before: str | None = None

    def add(self, s: Signals, idf: Mapping[int, float], eidf: Mapping[str, float], *,
            max_terms: int = 300, max_entities: int = 60) -> None:
        """Add one article's signals (``idf``/``eidf`` rank which terms are kept)."""
        self.n += 1
        if s.vector is not None:
            self.vector = s.vector.astype(np.float32).copy() if self.vector is None else self.vector + s.vector
        for k, v in _unit(s.terms).items():
            self.terms[k] = self.terms.get(k, 0.0) + v
        for k, v in _unit(s.entities).items():
            self.entities[k] = self.entities.get(k, 0.0) + v
        for q in s.quotes:
            self.quotes[q] = self.quotes.get(q, 0) + 1
        self._dates(s.published, s.published)
        if s.published is None and s.not_before:
            self.not_before = max(self.not_before or s.not_before, s.not_before)
        self._trim(idf, eidf, max_terms, max_entities)

    def merge(self, other: "Profile", idf: Mapping[int, float], eidf: Mapping[str, float], *,
              max_terms: int = 300, max_entities: int = 60) -> None:
        """Fold ``other`` into this profile (two stories become one)."""
        self.n += other.n
        if other.vector is not None:
            self.vector = other.vector.copy() if self.vector is None else self.vector + other.vector
        for k, v in other.terms.items():
            self.terms[k] = self.terms.get(k, 0.0) + v
        for k, v in other.entities.items():
            self.entities[k] = self.entities.get(k, 0.0) + v
        for k, c in other.quotes.items():
            self.quotes[k] = self.quotes.get(k, 0) + c
        self._dates(other.first, other.last)
        if other.not_before:
            self.not_before = max(self.not_before or other.not_before, other.not_before)
        self._trim(idf, eidf, max_terms, max_entities)

    def _dates(self, first: str | None, last: str | None) -> None:
        if first:
            self.first = min(self.first or first, first)
        if last:
            self.last = max(self.last or last, last)

    def _trim(self, idf: Mapping[int, float], eidf: Mapping[str, float], max_terms: int, max_entities: int) -> None:
        if len(self.terms) > max_terms:
            keep = sorted(self.terms, key=lambda k: (-self.terms[k] * idf.get(k, 0.0), k))[:max_terms]
            self.terms = {k: self.terms[k] for k in keep}
        if len(self.entities) > max_entities:
            keep_e = sorted(self.entities, key=lambda k: (-self.entities[k] * eidf.get(k, 0.0), k))[:max_entities]
            self.entities = {k: self.entities[k] for k in keep_e}
        if len(self.quotes) > 4 * max_entities:
            top = sorted(self.quotes, key=lambda k: (-self.quotes[k], k))[: 4 * max_entities]
            self.quotes = {k: self.quotes[k] for k in top}

    def as_signals(self) -> Signals:
        """The profile seen as one article: its mean vector and summed weights (to compare two profiles)."""
        vec = self.vector / self.n if self.vector is not None and self.n else None
        return Signals(vec, self.terms, self.entities, frozenset(self.quotes), self.first, self.not_before)

    def to_blob(self) -> bytes:
        vec = self.vector if self.vector is not None else np.zeros(0, dtype=np.float32)
        head = Signals(None, self.terms, self.entities, frozenset(), None).to_blob()
        quotes = "\x1f".join(f"{k}\x1e{v}" for k, v in sorted(self.quotes.items())).encode()
        dates = f"{self.first or ''}\x1f{self.last or ''}\x1f{self.not_before or ''}".encode()
        return struct.pack("<IIIII", self.n, len(vec), len(head), len(quotes), len(dates)) + \
            vec.astype("<f4").tobytes() + head + quotes + dates

    @classmethod
    def from_blob(cls, blob: bytes) -> "Profile":
        n, dim, lh, lq, ld = struct.unpack_from("<IIIII", blob)
        pos = 20
        vec = np.frombuffer(blob, dtype="<f4", count=dim, offset=pos).copy() if dim else None
        pos += 4 * dim
        head = Signals.from_blob(blob[pos:pos + lh])
        pos += lh
        quotes = {k: int(v) for k, v in (e.split("\x1e") for e in blob[pos:pos + lq].decode().split("\x1f") if e)}
        pos += lq
        first, last, not_before = blob[pos:pos + ld].decode().split("\x1f")
        return cls(n, vec, head.terms, head.entities, quotes, first or None, last or None, not_before or None)


def features(a: Signals | Profile, p: Profile, idf: Mapping[int, float], eidf: Mapping[str, float]
             ) -> dict[str, float | None]:
    """How close an article (or another profile) is to a profile.

    Returns:
        ``embedding``: mean cosine to the members (average link); ``words`` and ``entities``: idf-weighted
        cosine with the summed weights; ``quotes``: 1.0 when a quote is carried by both; ``gap``: days
        between the dates (None when unknown).
    """
    if isinstance(a, Profile):
        first, last, floor = a.first, a.last, a.not_before
        a = a.as_signals()
    else:
        first = last = a.published
        floor = a.not_before if a.published is None else None
    gap = _span_gap(first, last, p.first, p.last)
    if gap is None:  # an undated side written after the other's last date is that far from it
        if first is None and floor and p.last and floor[:10] > p.last[:10]:
            gap = day_gap(floor, p.first, p.last)
        elif p.first is None and p.not_before and last and p.not_before[:10] > last[:10]:
            gap = day_gap(p.not_before, first, last)
    emb = 0.0
    if a.vector is not None and p.vector is not None and p.n:
        emb = float(np.dot(a.vector, p.vector)) / p.n
    return {
        "embedding": emb,
        "words": _cosine(a.terms, p.terms, idf),
        "entities": _cosine(a.entities, p.entities, eidf),
        "quotes": 1.0 if a.quotes and any(q in p.quotes for q in a.quotes) else 0.0,
        "gap": gap,
    }


@dataclass(frozen=True)
class Weights:
    """A linear score over :func:`features`: positive means "the same story" (or thread).

    Time: within ``window`` days nothing changes; beyond, ``time * log2(gap / window)`` is taken off,
    so articles weeks apart need much stronger evidence and years apart are separate unless nearly
    identical. An unknown date costs nothing.
    """

    embedding: float
    words: float
    entities: float
    quotes: float
    bias: float
    time: float = 0.15
    window: float = 3.0
    #: the pair score of the re-check only (story_regroup.pair_scores): idf-weighted cosines of the people
    #: (PERSON) and of the places (GPE) two articles name, and +1 / -1 when the years their dates
    #: resolve to meet / do not (0 when either has none)
    people: float = 0.0
    places: float = 0.0
    years: float = 0.0
    #: the word cosine again with each word's idf times its idf within the articles' topic in the re-clustered
    #: group (``ln((1 + m) / df)`` over the topic's m articles; topics: average link of the word cosines down
    #: to ``local_topic``): the words every article of a topic shares (the champion's name, "title") weigh
    #: little, those that tell its events apart (an opponent, a venue, a score) weigh more
    local_words: float = 0.0
    #: the topics of ``local_words``: average link of the group's word cosines down to this cosine
    local_topic: float = 0.08
    #: the cosines of the people and of the organisations named in the two leads (``stories.lead_chars``), and
    #: +1 / -1 when the person each names most (at least twice) is the same / another (0 when either has none)
    lead_people: float = 0.0
    lead_orgs: float = 0.0
    protagonist: float = 0.0
    #: the cosine of the peoples (NORP: "Egyptian", "Libyan") two articles name: who a narrative is about
    #: (the threads' re-check)
    nations: float = 0.0

    def score(self, f: Mapping[str, float | None]) -> float:
        s = self.bias + self.embedding * f["embedding"] + self.words * f["words"] + \
            self.entities * f["entities"] + self.quotes * f["quotes"]  # type: ignore[operator]
        gap = f.get("gap")
        if gap is not None and gap > self.window:
            s -= self.time * math.log2(gap / self.window)
        return s

    @classmethod
    def from_cfg(cls, cfg: Mapping[str, Any], prefix: str = "") -> "Weights":
        """The weights named ``<prefix><field>`` in a settings section (time and window may be shared)."""
        return cls(**{k: float(cfg.get(f"{prefix}{k}", cfg.get(k, 0.0))) for k in cls.__dataclass_fields__})

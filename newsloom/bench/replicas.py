"""Annotated replicas: a large annotated corpus made from a few hundred annotated real articles, no spaCy run.

``bench scale -o engines annotated`` times the corpus stages that need annotations (resolve,
quote_links, stories, threads) at 10,000-100,000 articles; annotating that many texts with spaCy takes
about a day on two cores. So the annotation rows of real articles, annotated once by the shipped
pipeline into a store (``newsloom ingest`` of Timeline17), are replicated:

* each original is stored once, as it was annotated (text, mentions, quotes, dates, events, vector);
* every other article is a replica of a random original seen before it: a share of its sentences
  (10-50 %, drawn per replica; never the first) is dropped with every annotation inside them, and each
  distinct entity name is, with probability ``RENAME``, renamed to one of ``VARIANTS`` variants of it
  (its last word replaced by a made-up word fixed by the word and the variant, the variant drawn with
  weight 1/k, so a renamed person recurs across replicas as the same new person, the popular variants
  often); the text, the mention texts and names, the quote speakers and the events' actors, targets
  and places are renamed together, and every offset is moved to the new text;
* the replica's vector is the original's with a little Gaussian noise (cosine about 0.9), its
  publication date the original's plus 0-20 days.

So names, quotes and stories recur across replicas as they do across real reports of the same events
(and popular entities such as a country gather mentions in proportion to the corpus), while each
replica has its own text, its own share of new entities, and is not an exact copy. The mix (originals
per article, renaming, dropping) is the same at every size, and the originals come in an order that keeps
every stretch of the stream as long on average as the whole (:func:`balanced_order`; a replica copies an
original seen before it, so a plain random order left a short run to a few, by chance shorter, articles),
so the per-article cost at two sizes compares the stages, not the data. What it is not: real articles. The
replicas' vectors are not re-embedded, and no new quote wording appears.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import random
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..model import Article, text_hash
from ..storage.tables.embed import EMBEDDING_KEY, decode_vector, encode_vector

__all__ = ["Original", "load_originals", "balanced_order", "annotated_replicas", "RENAME", "VARIANTS"]

#: probability that a replica renames one distinct entity name of its original
RENAME = 0.25
#: variants a renamed name is drawn from (weight 1/k for the k-th)
VARIANTS = 20
_NOISE = 0.02
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"\u201c])")
_SYLLABLES = ("ka", "lo", "ven", "dri", "mar", "tes", "bo", "ru", "nik", "sa", "pel", "dor", "vi", "gan", "tu",
              "rel", "mo", "zan", "fi", "quel", "ber", "to", "lin", "ash", "go", "mer", "thi", "ul", "pra", "sen",
              "cor", "wy")
_TABLES = {
    "mentions": ("start", "end", "text", "label", "name"),
    "quotes": ("start", "end", "parts", "text", "kind", "cue", "cue_start", "cue_end", "speaker_text",
               "speaker_start", "speaker_end", "speaker_name", "on_behalf_of"),
    "dates": ("start", "end", "text", "kind", "value", "precision", "anchor"),
    "events": ("start", "end", "action", "verb", "actor", "target", "place", "date", "precision"),
}


_FIX = "give a store the shipped pipeline annotated (newsloom ingest: nlp, entities, quotes, dates, events, embed)"


@dataclass
class Original:
    """One annotated real article: its fields, its annotation rows per table, its vector."""

    title: str
    text: str
    published: str | None
    source: str | None
    model: str
    vector: np.ndarray
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _quoted(column: str) -> str:
    return f'"{column}"'


def load_originals(path: str | Path, want: int, *, seed: int = 3, order: str = "balanced") -> list[Original]:
    """Up to ``want`` annotated originals (not copies, with a vector and mentions) of the store at ``path``, the
    store opened read-only: drawn in a random order fixed by ``seed``, then, with ``order`` "balanced", reordered
    by :func:`balanced_order` (every prefix of the stream as long on average as the whole); "shuffled" keeps
    the draw's order (the stream of the benches before 2026-12-01's session 13)."""
    if not Path(path).is_file():
        raise ConfigError(f"annotated store {path}: no such file; {_FIX}", code="E218")
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        ids = [r[0] for r in conn.execute(
            "SELECT a.id FROM articles a JOIN embeddings e ON e.article_id = a.id WHERE a.copy_of IS NULL AND "
            "EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id) ORDER BY a.rowid")]
    except sqlite3.OperationalError as exc:
        raise ConfigError(f"annotated store {path}: {exc}; {_FIX}", code="E218") from exc
    random.Random(seed).shuffle(ids)
    ids = ids[:want]
    if order == "balanced":
        ids = balanced_order(ids, dict(conn.execute("SELECT id, length(text) FROM articles")), random.Random(seed))
    elif order != "shuffled":
        raise ConfigError(f"replica order {order!r}: give balanced or shuffled", code="E218")
    out = []
    for aid in ids:
        art = conn.execute("SELECT a.title, a.text, a.published, a.source, e.model, e.vector FROM articles a JOIN "
                           "embeddings e ON e.article_id = a.id WHERE a.id = ?", (aid,)).fetchone()
        rows = {table: [dict(r) for r in conn.execute(
            f"SELECT {', '.join(map(_quoted, cols))} FROM {table} WHERE article_id = ? ORDER BY start", (aid,))]
            for table, cols in _TABLES.items()}
        for q in rows["quotes"]:
            q["parts"] = json.loads(q["parts"] or "[]") or [[q["start"], q["end"]]]
        out.append(Original(art["title"], art["text"], art["published"], art["source"], art["model"],
                            decode_vector(art["vector"]), rows))
    conn.close()
    if not out:
        raise ConfigError(f"annotated store {path}: no annotated article (mentions and a vector) in it; {_FIX}",
                          code="E218")
    return out


def _made_up(word: str, variant: int) -> str:
    """A made-up word standing for ``word`` in variant ``variant`` (the same for both, always): three or four of
    the 32 syllables, about a million words (with two or three, half the made-up surnames came from 1,024 words,
    so different people shared a surname, or its skeleton, far more often than real people do)."""
    digest = hashlib.sha1(f"{word}\x1f{variant}".encode()).digest()
    new = "".join(_SYLLABLES[b % len(_SYLLABLES)] for b in digest[:3 + digest[3] % 2])
    return new.upper() if word.isupper() and len(word) > 1 else new.capitalize()


class _Edits:
    """Non-overlapping replacements of spans of a text, and the map of old offsets to the new text."""

    def __init__(self, text: str, edits: list[tuple[int, int, str]]) -> None:
        self.edits = sorted(edits)
        self.starts = [s for s, _, _ in self.edits]
        self.shift = [0]
        pieces, at = [], 0
        for s, e, rep in self.edits:
            pieces += [text[at:s], rep]
            at = e
            self.shift.append(self.shift[-1] + len(rep) - (e - s))
        self.text = "".join(pieces) + text[at:]
        self.gone = [(s, e) for s, e, rep in self.edits if rep == ""]

    def dropped(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.gone)

    def at(self, pos: int, end: bool = False) -> int:
        """The new offset of ``pos`` (a position inside a replaced span goes to the replacement's edge)."""
        i = bisect.bisect_right(self.starts, pos) - 1  # the last edit starting at or before pos
        if i < 0:
            return pos
        s, e, rep = self.edits[i]
        if pos >= e:
            return pos + self.shift[i + 1]
        return s + self.shift[i] + (len(rep) if end and pos > s else 0)

    def span(self, start: int | None, end: int | None) -> tuple[int, int] | None:
        if start is None or end is None or self.dropped(start, end):
            return None
        return self.at(start), self.at(end, end=True)


def _renames(orig: Original, rng: random.Random) -> dict[str, tuple[str, str, str]]:
    """name -> (old last word, new last word, new name) for the names this replica renames."""
    weights = [1 / k for k in range(1, VARIANTS + 1)]
    out = {}
    for name in sorted({m["name"] for m in orig.rows["mentions"]}):
        words = name.split()
        if rng.random() >= RENAME or not words or not words[-1][:1].isalpha():
            continue
        new = _made_up(words[-1], rng.choices(range(1, VARIANTS + 1), weights)[0])
        out[name] = (words[-1], new, " ".join(words[:-1] + [new]))
    return out


def _replica(i: int, g: int, orig: Original, rng: random.Random, nrng: np.random.Generator) -> Article:
    text = orig.text
    cuts = [m.end() for m in _SENTENCE.finditer(text)]
    bounds = list(zip([0] + cuts, cuts + [len(text)]))
    share = rng.uniform(0.1, 0.5)
    edits = [(s, e, "") for s, e in bounds[1:] if rng.random() < share]
    renames = _renames(orig, rng)
    gone = _Edits(text, edits)
    last = 0
    for m in orig.rows["mentions"]:  # ordered by start; a mention overlapping the one renamed before is left
        if m["name"] in renames and m["start"] >= last and not gone.dropped(m["start"], m["end"]):
            old, new, _ = renames[m["name"]]
            if old in m["text"]:
                edits.append((m["start"], m["end"], m["text"].replace(old, new)))
                last = m["end"]
    ed = _Edits(text, edits)
    new_text = ed.text

    def name(value: str | None) -> str | None:
        return renames[value][2] if value in renames else value

    mentions, quotes, dates, events = [], [], [], []
    for m in orig.rows["mentions"]:
        if (sp := ed.span(m["start"], m["end"])) is not None:
            mentions.append({**m, "start": sp[0], "end": sp[1], "text": new_text[sp[0]:sp[1]], "name": name(m["name"])})
    for q in orig.rows["quotes"]:
        parts = [ed.span(s, e) for s, e in q["parts"]]
        if not parts or None in parts:
            continue
        cue = ed.span(q["cue_start"], q["cue_end"])
        who = ed.span(q["speaker_start"], q["speaker_end"])
        quotes.append({**q, "start": parts[0][0], "end": parts[-1][1], "parts": [list(p) for p in parts],
                       "text": " ".join(new_text[s:e] for s, e in parts),
                       "cue": q["cue"] if cue else None, "cue_start": cue and cue[0],
                       "cue_end": cue and cue[1], "speaker_text": new_text[who[0]:who[1]] if who else None,
                       "speaker_start": who and who[0], "speaker_end": who and who[1],
                       "speaker_name": name(q["speaker_name"]), "on_behalf_of": name(q["on_behalf_of"])})
    for d in orig.rows["dates"]:
        if (sp := ed.span(d["start"], d["end"])) is not None:
            dates.append({**d, "start": sp[0], "end": sp[1], "text": new_text[sp[0]:sp[1]]})
    for k, ev in enumerate(orig.rows["events"]):
        if (sp := ed.span(ev["start"], ev["end"])) is not None:
            events.append({**ev, "start": sp[0], "end": sp[1], "verb_start": k, "actor": name(ev["actor"]),
                           "target": name(ev["target"]), "place": name(ev["place"])})
    vec = orig.vector + nrng.normal(0.0, _NOISE, orig.vector.shape).astype(np.float32)
    published = orig.published
    if published and len(published) >= 10:
        try:
            published = (date.fromisoformat(published[:10]) + timedelta(days=rng.randrange(21))).isoformat()
        except ValueError:
            pass
    return _article(i, g, "replica", orig, new_text, published, vec / np.linalg.norm(vec),
                    {"mentions": mentions, "quotes": quotes, "dates": dates, "events": events})


def _article(i: int, g: int, how: str, orig: Original, text: str, published: str | None, vec: np.ndarray,
             annotations: dict[str, Any]) -> Article:
    return Article(id=f"{i:016x}", external_id=f"bench:{g}:{how}:{i}", title=orig.title, text=text, raw_text="",
                   source=orig.source, published=published, language="en", text_hash=text_hash(text),
                   annotations={**annotations, EMBEDDING_KEY: {"model": orig.model, "vector": encode_vector(vec)}})


def balanced_order(ids: list[str], lengths: dict[str, int], rng: random.Random, strata: int = 10) -> list[str]:
    """``ids`` in rounds of one article from each of ``strata`` length strata (deciles), in random order within a
    stratum and within a round: the first k originals of the stream are as long on average as all of them for
    any k of a few rounds. A replica copies an original seen before it, so the first originals make most of a
    short run: drawn at random, the first 250 of 2,500 Timeline17 originals were 13 % shorter than all 2,500,
    and the first 10,000 articles 14 % shorter than the first 100,000 (part of the stages' cost per article
    grew with the text, not with the corpus)."""
    ranked = sorted(ids, key=lambda i: (lengths.get(i, 0), i))
    k = max(1, min(strata, len(ranked)))
    groups = [ranked[j * len(ranked) // k:(j + 1) * len(ranked) // k] for j in range(k)]
    for g in groups:
        rng.shuffle(g)
    out: list[str] = []
    for r in range(max(len(g) for g in groups)):
        row = [g[r] for g in groups if r < len(g)]
        rng.shuffle(row)
        out += row
    return out


def annotated_replicas(n: int, originals: list[Original], *, seed: int = 7) -> Iterator[Article]:
    """``n`` annotated articles: each original once (at random places), the rest replicas of an original
    seen before them (see the module docstring)."""
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    places = set(rng.sample(range(1, n), min(len(originals), n) - 1)) | {0} if n > 1 else {0}
    seen: list[int] = []
    for i in range(n):
        if i in places and len(seen) < len(originals):
            g = len(seen)
            seen.append(g)
            orig = originals[g]
            events = [{**ev, "verb_start": k} for k, ev in enumerate(orig.rows["events"])]
            yield _article(i, g, "original", orig, orig.text, orig.published, orig.vector,
                           {**{t: list(r) for t, r in orig.rows.items()}, "events": events})
        else:
            g = rng.choice(seen)
            yield _replica(i, g, originals[g], rng, nrng)

"""Source comparison of a story (or any set of articles): who covered it, when, and what only they carried.

An *outlet* is an article's ``source`` (or, when the source is unknown, the article itself). Copies
count for their original's outlet: an original and its copies are one report, first carried by the
original, so the first reporter is the outlet of the earliest original. What an outlet carried that
the others did not is read from its originals: quotes (a ``quote_key`` no other outlet's original
carries, with the speaker), people and organisations (entities no other outlet names) and figures
(a counted thing and value no other outlet gives). Figures that disagree are pairs of outlets that
count the same thing in similar sentences with values more than 10% apart, both spans cited.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .coverage import distinct_sources
from ..stages.figures import disagreements, find_figures
from ..stages.sentences import report_sentences
from ..stages.timelines import terms
from .timelines import scope_articles

__all__ = ["compare", "outlet_of", "article_figures"]


def outlet_of(row: dict[str, Any]) -> str:
    """The outlet name of an article row: its source, else ``article <id prefix>``."""
    return row.get("source") or f"article {row['id'][:12]}"


def _rows(store: Any, sql: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ids = list(ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out += store.rows(sql.format(marks=", ".join("?" * len(chunk))), chunk)
    return out


def article_figures(article_id: str, text: str) -> list[dict[str, Any]]:
    """The figures of one article, each with its sentence span and that sentence's content words (fresh dicts
    each call; the figures of the last texts read are kept, so a story page read again does not find them again)."""
    return [{**f, "context": set(f["context"])} for f in _figures(article_id, text)]


@lru_cache(maxsize=1024)
def _figures(article_id: str, text: str) -> tuple[dict[str, Any], ...]:
    spans = report_sentences(text)
    end = spans[-1][1] if spans else 0
    out = []
    for f in find_figures(text[:end]):  # not the reader comments' figures
        sent = next(((s, e) for s, e in spans if s <= f.start < e), (f.start, f.end))
        out.append({**f.as_dict(), "article_id": article_id, "sentence_start": sent[0], "sentence_end": sent[1],
                    "context": frozenset(terms(text[sent[0]:sent[1]])) - {f.counts or ""}})
    return tuple(out)


def compare(store: Any, kind: str, value: str | Sequence[str], *, by: str | None = None,
            limit: int = 20) -> dict[str, Any]:
    """The comparison of a scope (``story``, ``thread``, ``entity``, ``query`` or ``articles``).

    Args:
        store: the :class:`~newsloom.storage.Store`.
        kind, value: the scope, as :func:`newsloom.queries.timelines.scope_articles` takes it.
        by: a column of the user's ``sources`` table to split coverage by (country, lean, ...).
        limit: at most this many items per outlet in each "only here" list.

    Returns:
        ``{"scope", "outlets": [...], "first_reporter", "coverage_by_day", "only_here": {outlet: {quotes,
        entities, figures}}, "disagreements": [...], "split": {...} | None}``.
    """
    scope, ids = scope_articles(store, kind, value)
    arts = {r["id"]: r for r in _rows(store, "SELECT id, source, published, title, copy_of, copy_kind, text "
                                             "FROM articles WHERE id IN ({marks})", ids)}
    groups = distinct_sources(store, list(arts))
    outlets: dict[str, dict[str, Any]] = {}
    for g in groups:
        orig = arts.get(g.original_id) or {"id": g.original_id, "source": g.source, "published": g.published}
        name = outlet_of(orig)
        o = outlets.setdefault(name, {"outlet": name, "first_published": None, "originals": 0, "copies": 0,
                                      "articles": []})
        if g.in_set:
            o["originals"] += 1
            o["articles"].append(g.original_id)
        if g.published and (o["first_published"] is None or g.published < o["first_published"]):
            o["first_published"] = g.published
        for c in g.copies:
            cname = outlet_of({"id": c["id"], "source": c["source"]})
            co = outlets.setdefault(cname, {"outlet": cname, "first_published": None, "originals": 0, "copies": 0,
                                            "articles": []})
            co["copies"] += 1
            co.setdefault("copied_from", []).append({"article_id": c["id"], "original_id": g.original_id,
                                                     "original_outlet": name, "copy_kind": c["copy_kind"]})
            if c["published"] and (co["first_published"] is None or c["published"] < co["first_published"]):
                co["first_published"] = c["published"]
    first = groups[0] if groups and groups[0].published else None
    first_name = outlet_of(arts.get(first.original_id) or {"id": first.original_id, "source": first.source}) \
        if first else None
    for o in outlets.values():
        o["first_reporter"] = o["outlet"] == first_name
    by_day: dict[str, Counter[str]] = defaultdict(Counter)
    for a in arts.values():
        by_day[(a["published"] or "unknown")[:10]][outlet_of(a)] += 1
    originals = {i: a for i, a in arts.items() if a["copy_of"] is None or a["copy_of"] not in arts}
    figs = [f | {"outlet": outlet_of(originals[f["article_id"]])} for i, a in originals.items()
            for f in article_figures(i, a["text"] or "")]
    # with one outlet, "what only it carried" is everything it carried: nothing to set apart
    only = _only_here(store, originals, figs, limit) if len({f["outlet"] for f in figs} | {
        outlet_of(a) for a in originals.values()}) > 1 else {}
    disagree = [{"counts": a["counts"], "unit": a["unit"],
                 "a": _cite(a), "b": _cite(b)} for a, b in disagreements(figs)]
    return {"scope": scope, "articles": len(arts), "distinct_reports": len(groups),
            "outlets": sorted(outlets.values(), key=lambda o: (o["first_published"] or "9999", o["outlet"])),
            "first_reporter": first_name,
            "coverage_by_day": [{"day": d, "outlets": dict(c)} for d, c in sorted(by_day.items())],
            "only_here": only, "disagreements": disagree,
            "split": coverage_split(store, arts, by) if by else None}


def _cite(f: dict[str, Any]) -> dict[str, Any]:
    return {"outlet": f["outlet"], "article_id": f["article_id"], "start": f["start"], "end": f["end"],
            "text": f["text"], "value": f["value"], "sentence_start": f["sentence_start"],
            "sentence_end": f["sentence_end"]}


def _only_here(store: Any, originals: dict[str, dict[str, Any]], figs: list[dict[str, Any]],
               limit: int) -> dict[str, dict[str, list]]:
    """Per outlet: the quotes, people/organisations and figures (``figs``: the originals' figures with their
    outlet) no other outlet's originals carry."""
    ids = list(originals)
    outlet = {i: outlet_of(a) for i, a in originals.items()}
    result: dict[str, dict[str, list]] = {o: {"quotes": [], "entities": [], "figures": []} for o in set(outlet.values())}
    quotes = _rows(store, "SELECT id, article_id, start, \"end\", text, kind, speaker_name, quote_key FROM quotes "
                          "WHERE article_id IN ({marks}) ORDER BY article_id, start", ids)
    carriers: dict[str, set[str]] = defaultdict(set)
    for q in quotes:
        carriers[q["quote_key"] or q["id"]].add(outlet[q["article_id"]])
    for q in quotes:
        key = q["quote_key"] or q["id"]
        o = outlet[q["article_id"]]
        if carriers[key] == {o} and q["speaker_name"] and len(result[o]["quotes"]) < limit:
            result[o]["quotes"].append({"id": q["id"], "article_id": q["article_id"], "start": q["start"],
                                        "end": q["end"], "text": q["text"], "kind": q["kind"],
                                        "speaker": q["speaker_name"]})
    ments = _rows(store, "SELECT m.article_id, m.start, m.\"end\", m.label, coalesce(e.name, m.name) AS name, "
                         "m.entity_id FROM mentions m LEFT JOIN entities e ON e.id = m.entity_id "
                         "WHERE m.label IN ('PERSON', 'ORG') AND m.article_id IN ({marks}) ORDER BY m.article_id, m.start",
                  ids)
    named: dict[str, set[str]] = defaultdict(set)
    for m in ments:
        named[m["entity_id"] or m["name"]].add(outlet[m["article_id"]])
    done: set[tuple[str, str]] = set()
    for m in ments:
        key, o = m["entity_id"] or m["name"], outlet[m["article_id"]]
        if named[key] == {o} and (o, key) not in done and len(result[o]["entities"]) < limit:
            done.add((o, key))
            result[o]["entities"].append({"name": m["name"], "label": m["label"], "entity_id": m["entity_id"],
                                          "article_id": m["article_id"], "start": m["start"], "end": m["end"]})
    given: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for f in figs:
        given[(f["counts"], f["unit"], f["value"])].add(f["outlet"])
    for f in figs:
        if given[(f["counts"], f["unit"], f["value"])] == {f["outlet"]} and not f["approx"] \
                and len(result[f["outlet"]]["figures"]) < limit:
            result[f["outlet"]]["figures"].append({k: f[k] for k in ("article_id", "start", "end", "text", "value",
                                                                     "unit", "counts")})
    return result


def coverage_split(store: Any, arts: dict[str, dict[str, Any]], by: str) -> dict[str, Any]:
    """Coverage of the articles split by a column of the ``sources`` table (``unknown`` when an outlet
    has no row or no value)."""
    attrs = {r["source"]: json.loads(r["attrs"]) for r in store.rows("SELECT source, attrs FROM sources")}
    groups: dict[str, dict[str, Any]] = {}
    for a in arts.values():
        value = str((attrs.get(a["source"] or "") or {}).get(by) or "unknown")
        g = groups.setdefault(value, {"group": value, "articles": 0, "outlets": set(), "first_published": None})
        g["articles"] += 1
        g["outlets"].add(outlet_of(a))
        if a["published"] and (g["first_published"] is None or a["published"] < g["first_published"]):
            g["first_published"] = a["published"]
    return {"by": by, "groups": [{**g, "outlets": sorted(g["outlets"])} for g in
                                 sorted(groups.values(), key=lambda g: -g["articles"])]}

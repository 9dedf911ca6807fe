"""``newsloom eval entities``: cross-document entity resolution scored on ECB+'s gold entity chains.

ECB+ (``bench-data/ecbplus/ECB+_xml.zip``) marks people (HUMAN_PART_PER), organisations
(HUMAN_PART_ORG) and places (LOC_*) and links their mentions across documents
(CROSS_DOC_COREF, one instance id per real-world entity). The documents of a split go through
the entities and resolve stages into a fresh store; every gold mention that one of our mentions
overlaps is scored, comparing our entity ids with the gold instance ids (BCubed and pairwise
precision/recall/F1, across all documents of the split). Two baselines on the same aligned
mentions put the figure in context: one entity per exact in-article name, and one per surname.
"""
from __future__ import annotations

import re
import tempfile
import zipfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..loom import Loom
from ..model import Record
from ..settings import Settings
from . import Table, bench_data_root, evaluation
from .progress import progress

__all__ = ["eval_entities", "bcubed", "pairwise", "load_ecb_docs"]

SPLITS = {"dev": {2, 5, 12, 18, 21, 23, 34, 35}, "test": set(range(36, 46))}
SPLITS["train"] = set(range(1, 36)) - SPLITS["dev"] - {15, 17}
GOLD_TYPES = {"HUMAN_PART_PER": "PERSON", "HUMAN_PART_ORG": "ORG", "LOC_GEO": "PLACE", "LOC_FAC": "PLACE",
              "LOC_OTHER": "PLACE"}
_NO_SPACE_BEFORE = re.compile(r"^([.,;:!?%)\]}]|'s|n't|'re|'ve|'ll|'d|'m)$")


def load_ecb_docs(zip_path: Path, topics: set[int]) -> list[dict[str, Any]]:
    """Text (tokens re-joined, one sentence a line) and gold entity mentions of the ECB+ documents of ``topics``.

    Returns:
        Dicts with ``id``, ``text`` and ``gold``: a list of (start, end, type, chain id).
    """
    docs = []
    with zipfile.ZipFile(zip_path) as zf:
        for name in sorted(zf.namelist()):
            m = re.search(r"/(\d+)_\d+ecb(plus)?\.xml$", name)
            if not m or int(m.group(1)) not in topics:
                continue
            root = ET.fromstring(zf.read(name))
            docs.append(_doc(root, Path(name).stem, bool(m.group(2))))
    return docs


def _doc(root: ET.Element, doc_id: str, plus: bool) -> dict[str, Any]:
    offsets: dict[str, tuple[int, int]] = {}
    parts: list[str] = []
    pos, last_sentence = 0, None
    for tok in root.iter("token"):
        sentence = tok.get("sentence")
        if plus and sentence == "0":  # the source URL
            continue
        word = (tok.text or "").replace("``", '"').replace("''", '"')
        if last_sentence is not None and sentence != last_sentence:
            parts.append("\n")
            pos += 1
        elif parts and not _NO_SPACE_BEFORE.match(word):
            parts.append(" ")
            pos += 1
        offsets[tok.get("t_id")] = (pos, pos + len(word))
        parts.append(word)
        pos += len(word)
        last_sentence = sentence
    spans: dict[str, tuple[int, int, str]] = {}
    markables = root.find("Markables")
    for mk in markables if markables is not None else []:
        gold_type = GOLD_TYPES.get(mk.tag)
        anchors = [offsets[a.get("t_id")] for a in mk.findall("token_anchor") if a.get("t_id") in offsets]
        if gold_type and anchors:
            spans[mk.get("m_id")] = (min(a[0] for a in anchors), max(a[1] for a in anchors), gold_type)
    gold = []
    relations = root.find("Relations")
    for rel in relations.findall("CROSS_DOC_COREF") if relations is not None else []:
        chain = rel.get("note") or ""
        for src in rel.findall("source"):
            if src.get("m_id") in spans:
                start, end, gold_type = spans[src.get("m_id")]
                gold.append((start, end, gold_type, chain))
    return {"id": doc_id, "text": "".join(parts), "gold": gold}


def bcubed(pred: dict[Any, Any], gold: dict[Any, Any]) -> tuple[float, float, float]:
    """BCubed precision, recall, F1 of two clusterings of the same items (item -> cluster)."""
    if not gold:
        return 0.0, 0.0, 0.0
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for item, c in pred.items():
        by_pred[c].add(item)
    for item, c in gold.items():
        by_gold[c].add(item)
    p = r = 0.0
    for item in gold:
        both = len(by_pred[pred[item]] & by_gold[gold[item]])
        p += both / len(by_pred[pred[item]])
        r += both / len(by_gold[gold[item]])
    p, r = p / len(gold), r / len(gold)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pairwise(pred: dict[Any, Any], gold: dict[Any, Any]) -> tuple[float, float, float]:
    """Pairwise link precision, recall, F1 (a link: two items in one cluster)."""

    def links(assign: dict[Any, Any]) -> set[tuple[Any, Any]]:
        groups = defaultdict(list)
        for item, c in assign.items():
            groups[c].append(item)
        return {tuple(sorted(pair, key=str)) for items in groups.values() for pair in combinations(items, 2)}

    lp, lg = links(pred), links(gold)
    p = len(lp & lg) / len(lp) if lp else 1.0
    r = len(lp & lg) / len(lg) if lg else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _align(gold: list[tuple[int, int, str, str]], mentions: list[dict[str, Any]]) -> Iterable[tuple[int, dict]]:
    """(gold index, our mention) for each gold mention that is mostly one of our mentions.

    Our mention must cover at least half of the gold span, so a long description that merely
    contains a name ("the man accused of killing Laci Peterson") is not scored as that name.
    """
    for i, (start, end, _, _) in enumerate(gold):
        best, best_overlap = None, 0
        for m in mentions:
            overlap = min(end, m["end"]) - max(start, m["start"])
            if overlap > best_overlap:
                best, best_overlap = m, overlap
        if best is not None and best_overlap * 2 >= end - start:
            yield i, best


def _row(name: str, n: int, pred: dict, gold: dict) -> dict[str, Any]:
    bp, br, bf = bcubed(pred, gold)
    pp, pr, pf = pairwise(pred, gold)
    return {"system": name, "mentions": n, "B3 P": round(bp, 3), "B3 R": round(br, 3), "B3 F1": round(bf, 3),
            "pair P": round(pp, 3), "pair R": round(pr, 3), "pair F1": round(pf, 3)}


@evaluation("entities")
def eval_entities(data: str | None = None, split: str = "test", limit: str | int | None = None,
                  **_: Any) -> list[Table]:
    """Cross-document entity resolution against ECB+ gold entity chains (BCubed, pairwise)."""
    if split not in SPLITS:
        raise ConfigError(f"unknown ECB+ split {split!r}; use one of {sorted(SPLITS)}", code="E213")
    zip_path = bench_data_root(data) / "ecbplus" / "ECB+_xml.zip"
    if not zip_path.is_file():
        raise ConfigError(f"ECB+ data not found at {zip_path}", code="E212")
    docs = load_ecb_docs(zip_path, SPLITS[split])
    if limit:
        docs = docs[: int(limit)]
    stages = ["nlp", "entities", "resolve"]
    settings = Settings.load(env={}, overrides={"pipeline.stages": stages})
    with tempfile.TemporaryDirectory() as tmp, Loom(Path(tmp) / "ecb.db", settings=settings) as loom:
        records = [Record(external_id=d["id"], text=d["text"], title="", language="en") for d in docs]
        loom.ingest(items=progress(records, desc="eval entities", total=len(records)))
        by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in loom.store.rows('SELECT a.external_id AS doc, m.start, m."end", m.name, m.label, m.entity_id '
                                 "FROM mentions m JOIN articles a ON a.id = m.article_id"):
            by_doc[r["doc"]].append(r)
        n_entities = loom.store.execute("SELECT count(*) FROM entities").fetchone()[0]
    rows, notes = [], []
    for gold_type in ("PERSON", "ORG", "PLACE", "all"):
        gold_assign, ours, exact, surname = {}, {}, {}, {}
        total = 0
        for d in docs:
            gold = [g for g in d["gold"] if gold_type == "all" or g[2] == gold_type]
            total += len(gold)
            for i, m in _align(gold, by_doc.get(d["id"], [])):
                key = (d["id"], i)
                gold_assign[key] = gold[i][3]
                ours[key] = m["entity_id"]
                exact[key] = m["name"]
                surname[key] = m["name"].split()[-1].lower() if m["label"] == "PERSON" else m["name"]
        n = len(gold_assign)
        notes.append(f"{gold_type}: {total} gold mentions in cross-document chains, {n} mostly covered by a mention "
                     f"of ours ({n / total:.1%})" if total else f"{gold_type}: no gold mentions")
        if not n:
            continue
        for name, pred in (("resolve", ours), ("name", exact), ("surname", surname)):
            rows.append({"type": gold_type, **_row(name, n, pred, gold_assign)})
    notes.append("systems: resolve = the entity ids of the resolve stage; name = one entity per exact in-article "
                 "name (baseline); surname = one per surname for people, per name otherwise (baseline)")
    notes.append(f"ECB+ {split} split: {len(docs)} documents, {n_entities} entities made by the resolve stage")
    notes.append("scored on the gold mentions our mentions cover (at least half of the gold span); gold chains "
                 "that only descriptions or pronouns make up are out of reach of a named-entity resolver and count "
                 "only through the coverage above")
    return [Table(f"entity resolution on ECB+ ({split})", ["type", "system", "mentions", "B3 P", "B3 R", "B3 F1",
                                                           "pair P", "pair R", "pair F1"], rows, notes=notes)]

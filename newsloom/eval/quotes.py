"""``newsloom eval quotes``: quote spans and speakers against PolNeAR (or any folder in its format).

For each split folder (``docs.jsonl`` + ``attributions.jsonl``) the texts are run through the nlp,
entities (when installed) and quotes stages, without a store. One annotator per article is the gold
layer (the lowest id). Gold quotes are attribution content spans, scored two ways: all attributions,
and those whose cue is a verb of saying (``SPEECH_CUE``). A baseline is measured in the same run:
every passage between quotation marks, speaker = the nearest PERSON entity before it.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Article
from ..pipeline import Pipeline, registered_stages
from ..settings import Settings
from ..stages.entities import extract_mentions
from ..stages.quotes import Quotes, find_quote_spans
from ..stages.speakers import REPRESENTATIVES
from .facts import names_match
from . import Table, bench_data_root, evaluation
from .progress import progress

__all__ = ["eval_quotes", "load_split", "score", "source_name", "Scores", "SPEECH_CUE", "polnear_folder"]

_NAMED = ("PERSON", "ORG", "GPE", "LOC", "FAC")
#: words before a name in a source span that make the name someone else than the source
_NOT_NAMED = re.compile(r"\b(?:for|of|at|from|with|in)\b|\b(?:" + "|".join(sorted(REPRESENTATIVES)) + r")\b")

#: a cue counts as "speech" when one of its words starts with one of these stems (say, told, according to, ...)
SPEECH_CUE = re.compile(r"\b(say|said|tell|told|accord|add|writ|wrote|ask|explain|note|argu|claim|repl|respond|"
                        r"stat|declar|announc|insist|warn|tweet|report|continu|recall|insist|testif|quip|joke)",
                        re.IGNORECASE)

Spans = list[tuple[int, int]]


@dataclass
class GoldQuote:
    content: Spans
    source: Spans | None
    cue: str

    @property
    def speech(self) -> bool:
        return bool(SPEECH_CUE.search(self.cue)) or self.cue.strip() in (":", "\u2015", "\u2014")


@dataclass
class PredQuote:
    content: Spans
    speaker: tuple[int, int] | None
    name: str | None = None  # the resolved speaker name users see


@dataclass
class Scores:
    """Counts for one system on one split and gold subset; P/R/F1 and speaker accuracy derive from them."""

    gold: int = 0
    pred: int = 0
    exact: int = 0
    overlap: int = 0
    overlap_pred: int = 0
    exact_pred: int = 0
    speaker_total: int = 0
    speaker_right: int = 0
    resolved_total: int = 0
    resolved_right: int = 0

    @staticmethod
    def prf(tp_pred: int, tp_gold: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
        p = tp_pred / n_pred if n_pred else 0.0
        r = tp_gold / n_gold if n_gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def row(self) -> dict[str, Any]:
        ep, er, ef = self.prf(self.exact_pred, self.exact, self.pred, self.gold)
        op, orr, of = self.prf(self.overlap_pred, self.overlap, self.pred, self.gold)
        return {"gold": self.gold, "pred": self.pred, "exact P": round(ep, 3), "exact R": round(er, 3),
                "exact F1": round(ef, 3), "overlap P": round(op, 3), "overlap R": round(orr, 3),
                "overlap F1": round(of, 3),
                "speaker acc": round(self.speaker_right / self.speaker_total, 3) if self.speaker_total else None,
                "resolved acc": round(self.resolved_right / self.resolved_total, 3) if self.resolved_total else None}


def polnear_folder(data: str | None) -> Path:
    """The PolNeAR-format folder: ``--data`` itself (holding split folders, or one split), else bench-data/polnear."""
    if data:
        root = Path(data)
        if (root / "docs.jsonl").is_file():
            return root
        if (root / "polnear").is_dir():  # the bench-data folder itself
            return root / "polnear"
        if any((p / "docs.jsonl").is_file() for p in _subdirs(root)):
            return root
        raise ConfigError(f"{root}: not a PolNeAR-format folder (expected docs.jsonl and attributions.jsonl, "
                          "or split folders holding them, or a polnear/ folder)", code="E213")
    return bench_data_root(None) / "polnear"


def _subdirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def split_folders(root: Path, splits: Iterable[str] | None = None) -> list[Path]:
    """The split folders to evaluate (``root`` itself when it is one split)."""
    if (root / "docs.jsonl").is_file():
        return [root]
    found = [p for p in _subdirs(root) if (p / "docs.jsonl").is_file()]
    if splits:
        wanted = list(splits)
        missing = [s for s in wanted if s not in {p.name for p in found}]
        if missing:
            raise ConfigError(f"{root}: no split folder {missing}; have {[p.name for p in found]}", code="E214")
        found = [p for p in found if p.name in wanted]
    return found


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"{path}: missing (a PolNeAR-format split needs docs.jsonl and attributions.jsonl)",
                          code="E215")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ConfigError(f"{path}:{n}: not JSON ({exc.msg})", code="E216") from exc


def load_split(folder: Path, limit: int | None = None) -> list[tuple[dict[str, Any], list[GoldQuote]]]:
    """(doc, gold quotes) per article; gold is the attributions of the article's lowest annotator id."""
    docs = list(_read_jsonl(folder / "docs.jsonl"))
    if limit is not None:
        docs = docs[:limit]
    chosen = {d["id"]: min(d.get("annotators") or [""]) for d in docs}
    gold: dict[str, list[GoldQuote]] = {d["id"]: [] for d in docs}
    for row in _read_jsonl(folder / "attributions.jsonl"):
        doc_id = row.get("doc_id")
        if doc_id not in chosen or (chosen[doc_id] and row.get("annotator") != chosen[doc_id]):
            continue
        if not row.get("content"):
            continue
        content = [tuple(s) for s in row["content"]["spans"]]
        source = [tuple(s) for s in row["source"]["spans"]] if row.get("source") else None
        gold[doc_id].append(GoldQuote(content, source, (row.get("cue") or {}).get("text", "")))
    return [(d, gold[d["id"]]) for d in docs]


def _overlap(a: Spans, b: Spans) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def _strip(text: str, spans: Spans) -> tuple[tuple[int, int], ...]:
    """Spans trimmed of white space, fragments that only white space separates joined into one.

    Annotators cut long quotes into one fragment per sentence; "exact" compares the words covered.
    """
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if out and not text[out[-1][1]:s].strip():
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return tuple(out)


def _match(preds: list[PredQuote], gold: list[GoldQuote]) -> list[tuple[int, int]]:
    """One-to-one pairs (pred index, gold index), greedily by the largest character overlap."""
    pairs = sorted(((_overlap(p.content, g.content), i, j) for i, p in enumerate(preds) for j, g in enumerate(gold)
                    if _overlap(p.content, g.content) > 0), reverse=True)
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def source_name(text: str, source: Spans | None, mentions: list[dict[str, Any]]) -> str | None:
    """The in-article name of the named mention that heads a gold source span (a person first, then the
    longest; only an apposition may follow it), unless words before it make it another's ("a spokesman
    for X", "officials in X"). None when the source is not named ("the Indiana governor", "he")."""
    if not source:
        return None
    hits = [m for m in mentions if m.get("label") in _NAMED and _overlap([(m["start"], m["end"])], source) > 0]
    if not hits:
        return None
    best = max(hits, key=lambda m: (m["label"] == "PERSON", m["end"] - m["start"]))
    before = text[min(s for s, _ in source):best["start"]].lower()
    after = text[best["end"]:max(e for _, e in source)].strip()
    if _NOT_NAMED.search(before) or (after and after[0] not in ",(\u2014-"):
        return None  # "a spokesman for Mr Assad", "the Indiana governor": the source is the role, not the name
    return best["name"]


def score(text: str, preds: list[PredQuote], gold: list[GoldQuote], into: dict[str, Scores],
          mentions: list[dict[str, Any]] | None = None) -> None:
    """Add one article's counts to ``into["all"]`` and ``into["speech"]``.

    For the speech subset, a prediction matched to a non-speech gold attribution counts neither way.
    Resolved-speaker accuracy (what users see) is scored on the gold attributions whose source span holds
    a name (``mentions``: the article's named mentions): the prediction's resolved name must be that person
    or body (surname or acronym match).
    """
    pairs = _match(preds, gold)
    matched_g = {j: i for i, j in pairs}
    exact_pairs = {(i, j) for i, j in pairs if _strip(text, preds[i].content) == _strip(text, gold[j].content)}
    for subset in ("all", "speech"):
        s = into[subset]
        keep = [j for j, g in enumerate(gold) if subset == "all" or g.speech]
        ignored_preds = {matched_g[j] for j in matched_g if j not in keep}
        s.gold += len(keep)
        s.pred += len(preds) - len(ignored_preds)
        for j in keep:
            if j not in matched_g:
                continue
            i = matched_g[j]
            s.overlap += 1
            s.overlap_pred += 1
            if (i, j) in exact_pairs:
                s.exact += 1
                s.exact_pred += 1
            if gold[j].source:
                s.speaker_total += 1
                sp = preds[i].speaker
                if sp is not None and _overlap([sp], gold[j].source) > 0:
                    s.speaker_right += 1
                named = source_name(text, gold[j].source, mentions or [])
                if named:
                    s.resolved_total += 1
                    s.resolved_right += names_match(named, preds[i].name)


def baseline(doc: Any) -> list[PredQuote]:
    """Every passage between quotation marks; speaker = the nearest PERSON entity that ends before it."""

    persons = [(e.start_char, e.end_char, e.text) for e in doc.ents if e.label_ == "PERSON"]
    out = []
    for s, e in find_quote_spans(doc.text):
        before = [p for p in persons if p[1] <= s]
        out.append(PredQuote([(s, e)], (before[-1][0], before[-1][1]) if before else None,
                             before[-1][2] if before else None))
    return out


def _pipeline(settings: Settings) -> Pipeline:
    """nlp, then entities when that stage is registered (the quotes stage is run by the caller)."""
    names = [n for n in ("nlp", "entities") if n in registered_stages()]
    return Pipeline.default(settings, names=names)


def published_figures(root: Path) -> list[str]:
    """The bullet lines of the folder README's "Published" section (context: agreement figures)."""
    readme = root / "README.md"
    if not readme.is_file():
        return [f"(no README.md in {root})"]
    lines, inside = [], False
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = "published" in line.lower()
            continue
        if inside and line.strip():
            lines.append(line.strip())
    return lines or ["(the README lists no published figures)"]


@evaluation("quotes", help="Quote spans (exact/overlap P/R/F1) and speaker accuracy on PolNeAR train and dev.")
def eval_quotes(data: str | None = None, split: str | None = None, limit: str | int | None = None,
                parse: str | None = None, **_: Any) -> list[Table]:
    """Score the quotes stage and a quote-mark baseline on each split of a PolNeAR-format folder.

    Args:
        data: the folder (``--data``); default ``bench-data/polnear``.
        split: comma-separated split names (default: every split folder, e.g. train and dev).
        limit: score only the first N articles of each split.
        parse: ``stages.nlp.parse`` for the run (default: the shipped "scoped"); with "all" the
            ``broad`` system (every verb as a possible cue) is scored too.

    Returns:
        One results table; its notes carry the data, the definitions and the README's published figures.
    """
    root = polnear_folder(data)
    folders = split_folders(root, split.split(",") if split else None)
    n_limit = int(limit) if limit not in (None, "") else None
    overrides = {"stages.nlp.parse": parse} if parse else {}
    settings = Settings.load(overrides=overrides)
    pipe = _pipeline(settings)
    systems_cfg = {"newsloom": Quotes(settings)}
    if settings.stage("nlp").get("parse") == "all":  # broad reads every verb: only over a whole parse
        systems_cfg["broad"] = Quotes(Settings.load(overrides={**overrides, "stages.quotes.broad": True}))
    rows = []
    for folder in folders:
        items = load_split(folder, n_limit)
        systems = {name: {"all": Scores(), "speech": Scores()} for name in (*systems_cfg, "baseline")}
        articles = (Article(id=d["id"], external_id=d["id"], title=d.get("title") or "", text=d["text"],
                            language="en") for d, _ in items)
        gold_of = {d["id"]: g for d, g in items}
        for art in progress(pipe.pipe(articles, batch_size=16, keep_transient=True),  # the baseline reads the Doc
                            desc=f"eval quotes {folder.name}", total=len(items)):
            mentions = art.annotations.get("mentions")
            if mentions is None and art.annotations.get("doc") is not None:
                mentions = extract_mentions(art.annotations["doc"], art.text)
            for name, component in systems_cfg.items():
                quotes = component(art).annotations.pop("quotes", [])
                score(art.text, [_pred(q) for q in quotes], gold_of[art.id], systems[name], mentions)
            doc = art.annotations.pop("doc", None)
            if doc is not None:
                score(art.text, baseline(doc), gold_of[art.id], systems["baseline"], mentions)
        for system, by_subset in systems.items():
            for subset, s in by_subset.items():
                rows.append({"split": folder.name, "gold set": subset, "system": system, **s.row()})
    columns = ["split", "gold set", "system", "gold", "pred", "exact P", "exact R", "exact F1", "overlap P",
               "overlap R", "overlap F1", "speaker acc", "resolved acc"]
    notes = [f"data: {root} ({', '.join(f.name for f in folders)}{f', first {n_limit} articles' if n_limit else ''})",
             "gold: one annotator per article (lowest id); 'all' = every attribution with a content span, "
             "'speech' = those whose cue is a verb of saying (say, tell, according to, add, write, ...)",
             f"parse: stages.nlp.parse = {settings.stage('nlp').get('parse')} (-o parse all: every sentence parsed)",
             "systems: newsloom = the quotes stage as shipped; broad (with -o parse all) = the same with "
             "stages.quotes.broad = true (also beliefs and stances); baseline = text between quotation marks, "
             "speaker = nearest PERSON before",
             "speaker acc: share of overlap-matched gold attributions with a source span whose predicted speaker "
             "span overlaps it",
             "resolved acc: of those whose gold source span holds a name, the share whose predicted speaker "
             "name (what users see; a pronoun resolved to a person) is that name (surname or acronym match)",
             f"stages before quotes: {', '.join(pipe.names)}",
             "published figures (folder README; annotator agreement, no extraction baseline was published):",
             *[f"  {line}" for line in published_figures(root)]]
    return [Table("quote attribution", columns, rows, notes)]


def _pred(q: dict[str, Any]) -> PredQuote:
    speaker = (q["speaker_start"], q["speaker_end"]) if q.get("speaker_start") is not None else None
    return PredQuote([tuple(p) for p in q["parts"]], speaker, q.get("speaker_name"))

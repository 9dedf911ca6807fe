"""The clean stage: cut crawler leftovers, repeated paragraphs and a repeated title; choose the title.

Everything cut is kept on ``Article.removed`` as ``{"text", "reason", "rule"}`` so a user can see
what went and why.
"""
from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from typing import Any

from ..model import Article, normalise_for_hash, text_hash
from ..pipeline import stage
from ..settings import stage_settings
from .rules import is_caption, match_rule, words

__all__ = ["Clean", "split_paragraphs"]

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]?[A-Z])")
_BULLET = re.compile(r"^\s*[\u2022\u2023\u25aa\u25cf\u2013*\-]\s+")
#: comparisons per paragraph (on average over an article) the repeated-paragraph search may make
REPEAT_BUDGET = 200


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain text: each non-empty line, white space folded."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _looks_like_title(par: str, max_chars: int) -> bool:
    if len(par) > max_chars or len(words(par)) < 2:
        return False
    return not _SENTENCE_END.search(par) and not (par.endswith(".") and len(par) > 120)


def _first_sentence(par: str, limit: int = 200) -> str:
    m = _SENTENCE_END.search(par)
    sentence = par[: m.start() + 1] if m else par
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


@stage("clean", requires=("raw_text",), assigns=("title", "text", "removed", "text_hash"))
class Clean:
    """Remove boilerplate by general rules, repeated paragraphs and a repeated title.

    Steps: 1. split into paragraphs; 2. drop lines a rule calls boilerplate; 3. pick the
    title (given, or the first line if it reads as one, else the first sentence); 4. drop
    a paragraph repeating the title (alone or with a photo caption); 5. drop a paragraph
    that repeats an earlier one (word-set Jaccard >= ``repeat_similarity``; candidates come from an
    index of each paragraph's rarest words, so the cost grows with the text, not its square).
    """

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "clean")

    def __call__(self, article: Article) -> Article:
        removed: list[dict[str, Any]] = []
        kept: list[str] = []
        for par in split_paragraphs(article.raw_text or article.text):
            rule = match_rule(par)
            if rule is not None:
                removed.append({"text": par, "reason": rule.reason, "rule": rule.name})
            else:
                kept.append(par)

        title = " ".join((article.title or "").split())
        if not title and kept:
            # a lone paragraph stays the text even when it is short: the title then repeats it
            if len(kept) > 1 and _looks_like_title(kept[0], self.cfg["max_title_chars"]):
                title = kept.pop(0)
            else:
                title = _first_sentence(kept[0])
        if len(kept) > 1:
            kept = self._drop_title_repeats(title, kept, removed)
        kept = self._drop_repeats(kept, removed)

        article.title = title or "(untitled)"
        article.text = "\n\n".join(kept)
        article.removed = removed
        article.text_hash = text_hash(article.text)
        return article

    def _drop_title_repeats(self, title: str, kept: list[str], removed: list[dict[str, Any]]) -> list[str]:
        if not title:
            return kept
        norm_title = normalise_for_hash(title)
        out = []
        for i, par in enumerate(kept):
            norm = normalise_for_hash(par)
            if i < 3 and norm.startswith(norm_title) and is_caption(par[len(title):]):
                reason = "title repeated" if norm == norm_title else "title repeated with a photo caption"
                removed.append({"text": par, "reason": reason, "rule": "title_repeat"})
                continue
            out.append(par)
        return out

    def _drop_repeats(self, kept: list[str], removed: list[dict[str, Any]]) -> list[str]:
        """Drop each paragraph whose word set is ``repeat_similarity``-similar to an earlier kept one.

        Prefix filtering (Chaudhuri et al. 2006; Bayardo et al. 2007): with the words of every set in
        one order (rarest first), two sets with Jaccard >= t share a word among the first
        ``|x| - ceil(t|x|) + 1`` of each. Only earlier paragraphs sharing such a word are compared, and
        the first match wins as before. An adversarial text whose prefixes all share common words
        could still make that quadratic, so after ``REPEAT_BUDGET`` comparisons per paragraph (on
        average) only identical word sets count as repeats for the rest of the article.
        """
        threshold, min_words = self.cfg["repeat_similarity"], self.cfg["min_repeat_words"]
        bags = [set(words(_BULLET.sub("", par))) for par in kept]
        freq = Counter(w for bag in bags if len(bag) >= min_words for w in bag)
        rank = {w: i for i, w in enumerate(sorted(freq, key=lambda w: (freq[w], w)))}  # rarest first
        index: dict[str, list[int]] = {}  # a prefix word -> positions in ``seen``
        exact: dict[frozenset[str], int] = {}
        seen: list[tuple[int, set[str]]] = []
        budget = REPEAT_BUDGET * len(kept) + 10_000
        out = []
        for par, bag in zip(kept, bags):
            if len(bag) >= min_words:
                if budget > 0:
                    ordered = sorted(bag, key=rank.__getitem__)
                    size = len(ordered) - math.ceil(threshold * len(ordered) - 1e-9) + 1
                    prefix = ordered[: max(1, min(len(ordered), size))]
                    candidates = sorted({j for w in prefix for j in index.get(w, ())}) if threshold > 0 \
                        else range(len(seen))
                    budget -= len(candidates)
                    hit = next(((seen[j][0], sim) for j in candidates
                                if (sim := _jaccard(bag, seen[j][1])) >= threshold), None)
                    if budget <= 0:
                        log.info("clean: repeated-paragraph search over budget; identical paragraphs only from here")
                else:
                    prefix, j = [], exact.get(frozenset(bag))
                    hit = (seen[j][0], 1.0) if j is not None else None
                if hit is not None:
                    removed.append({"text": par, "reason": f"repeats paragraph {hit[0] + 1} "
                                    f"(word overlap {hit[1]:.2f})", "rule": "repeated_paragraph"})
                    continue
                for w in prefix:
                    index.setdefault(w, []).append(len(seen))
                exact.setdefault(frozenset(bag), len(seen))
                seen.append((len(out), bag))
            out.append(par)
        return out

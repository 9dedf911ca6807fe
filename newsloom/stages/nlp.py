"""The nlp stage: one spaCy parse per article, shared by the annotation stages that follow.

The parsed ``Doc`` rides on ``article.annotations["doc"]`` (never stored); texts are parsed in
batches with ``nlp.pipe``. Non-English articles are not parsed (the model is English).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Article
from ..nlp import load_nlp
from ..pipeline import stage

__all__ = ["Nlp", "TRANSIENT"]

#: annotation keys that live only in memory, between stages
TRANSIENT = ("doc",)


@stage("nlp", requires=("text", "language"), assigns=("annotations.doc",), extra="nlp")
class Nlp:
    """Parse the clean text with en_core_web_sm (verified against pinned hashes)."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = {"languages": ["en"], "max_chars": 200_000, "spacy_batch_size": 16, "n_process": 1,
                    **(settings.stage("nlp") if settings else {})}
        self.nlp = load_nlp()

    def _wanted(self, art: Article) -> bool:
        return (art.language or "en") in self.cfg["languages"]

    def __call__(self, article: Article) -> Article:
        if self._wanted(article):
            article.annotations["doc"] = self.nlp(article.text[: self.cfg["max_chars"]])
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        batch = list(articles)
        todo = [a for a in batch if self._wanted(a)]
        for art, doc in zip(todo, self.nlp.pipe((a.text[: self.cfg["max_chars"]] for a in todo),
                                                batch_size=min(batch_size, self.cfg["spacy_batch_size"]),
                                                n_process=int(self.cfg["n_process"]))):
            art.annotations["doc"] = doc
        yield from batch

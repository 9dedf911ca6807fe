"""The nlp stage: one spaCy parse per article, shared by the annotation stages that follow.

The parsed ``Doc`` rides on ``article.annotations["doc"]``, declared transient: the pipeline drops it once
the last stage is done, so it is never stored. Texts are parsed in batches with ``nlp.pipe``. Non-English
articles are not parsed (the model is English). By default (``parse = "scoped"``) NER covers the whole text
and the dependency parse only the sentences the quotes and events stages read
(:mod:`newsloom.nlp.scoped_parse`); ``parse = "all"`` parses everything.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Article
from ..nlp import load_nlp
from ..pipeline import stage
from ..settings import stage_settings

__all__ = ["Nlp"]


@stage("nlp", requires=("text", "language"), assigns=("annotations.doc",), extra="nlp", transient=("annotations.doc",))
class Nlp:
    """Parse the clean text with en_core_web_sm (verified against pinned hashes)."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "nlp")
        broad = stage_settings(settings, "quotes")["broad"]
        self.scoped = self.cfg["parse"] == "scoped" and not broad  # broad quotes read every verb
        self.nlp = load_nlp(scoped=self.scoped)

    def _wanted(self, art: Article) -> bool:
        return (art.language or "en") in self.cfg["languages"]

    def __call__(self, article: Article) -> Article:
        if self._wanted(article):
            text = article.text[: self.cfg["max_chars"]]
            article.annotations["doc"] = doc = self.nlp(text)
            doc.user_data["text"] = text
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        batch = list(articles)
        todo = [a for a in batch if self._wanted(a)]
        texts = [a.text[: self.cfg["max_chars"]] for a in todo]
        for art, text, doc in zip(todo, texts, self.nlp.pipe(texts, n_process=int(self.cfg["n_process"]),
                                                             batch_size=min(batch_size, self.cfg["spacy_batch_size"]))):
            doc.user_data["text"] = text  # the nlp.doc_text of later stages: Doc.text re-joins every token
            art.annotations["doc"] = doc
        yield from batch

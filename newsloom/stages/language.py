"""The language stage: ISO 639-1 code per article from the bundled py3langid model (offline)."""
from __future__ import annotations

from typing import Any

from ..model import Article
from ..pipeline import stage
from ..settings import stage_settings

__all__ = ["Language", "detect_language"]

_identifier = None


def detect_language(text: str) -> tuple[str | None, float]:
    """(code, probability) for ``text``; (None, 0.0) when there is too little text to tell."""
    global _identifier
    sample = " ".join(text.split())[:4000]
    if len(sample) < 3:
        return None, 0.0
    if _identifier is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    code, prob = _identifier.classify(sample)
    return code, float(prob)


@stage("language", requires=("text", "title"), assigns=("language",))
class Language:
    """Set ``language`` from the text (the input's own value is kept when it names one)."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "language")

    def __call__(self, article: Article) -> Article:
        given = (article.language or "").strip().lower().replace("_", "-").split("-")[0]
        if len(given) == 2 and given.isalpha():
            article.language = given
            return article
        code, prob = detect_language(f"{article.title}\n{article.text}")
        article.language = code if code and prob >= self.cfg["min_probability"] else None
        article.quality.setdefault("language_probability", round(prob, 3))
        return article

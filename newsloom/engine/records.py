"""What an input item becomes before the stages: the Article it starts as (HTML extracted), or why not.

Both engines call :func:`triage` on every item, in the process that reads, and :func:`record_to_article`
where the stages run for a record whose text is still HTML.
"""
from __future__ import annotations

from ..errors import Rejected
from ..model import Article, Record, content_id, source_from_url
from ..readers import Item, ReadOptions, unexpected
from ..readers.html import MAX_ELEMENTS, extract_html
from ..readers.limits import check_record, safe_record

__all__ = ["record_to_article", "triage", "where_of"]


def where_of(record: Record) -> str:
    return str(record.extra.get("input") or record.external_id)


def record_to_article(record: Record, *, source: str | None = None, max_html_elements: int = MAX_ELEMENTS) -> Article:
    """Make the Article a record starts as (HTML is extracted here when the record has no text).

    A record that carries no source gets ``source``, else the host of its URL (``www.`` dropped); the
    id is the record's own content hash, so this naming never changes an id. Text the reader could only
    decode with replacement characters is flagged ``quality["encoding"]``.
    """
    if not (record.text or "").strip() and record.html:
        extracted = extract_html(record.html, where_of(record), url=record.url, max_elements=max_html_elements)
        for name in ("title", "url", "source", "published", "author", "language"):
            if getattr(record, name) is None:
                setattr(record, name, getattr(extracted, name))
        text = extracted.text or ""
    else:
        text = record.text or ""
    article = Article(
        id=content_id(record), external_id=record.external_id, title=record.title or "", text=text, raw_text=text,
        source=record.source or source or source_from_url(record.url), url=record.url, published=record.published,
        language=record.language, author=record.author, fetched=record.fetched, format=record.format,
    )
    replaced = text.count("\ufffd")
    if replaced:
        article.quality["encoding"] = {"score": round(min(1.0, 100 * replaced / max(1, len(text))), 3), "evidence": [
            f"{replaced} character(s) could not be decoded and were replaced with U+FFFD"]}
    return article


def triage(item: Item, *, source: str | None, options: ReadOptions) -> tuple[str, str | None, Article | Record | Rejected]:
    """(where, external id, what to do) for one input item: a Rejected (a reader's, or the record's own), the
    Article it starts as, or the Record itself when its text must first be extracted from HTML (its id
    depends on what extraction finds, so extraction runs where the stages run)."""
    if isinstance(item, Rejected):
        return item.where, None, item
    safe_record(item)
    where = where_of(item)
    try:
        check_record(item, where, options.max_article_bytes)
        if not (item.text or "").strip() and item.html:
            return where, item.external_id, item
        return where, item.external_id, record_to_article(item, source=source,
                                                          max_html_elements=options.max_html_elements)
    except Rejected as exc:
        return where, item.external_id, exc
    except Exception as exc:  # noqa: BLE001 - one record's surprise must not stop the batch
        return where, item.external_id, unexpected(where, "making an article", exc)

"""RSS 2.0/0.9x, RSS 1.0 (RDF), Atom and sitemaps (index and news sitemaps), parsed safely.

Parsing steps (:func:`parse_xml`):

1. defusedxml with ``forbid_dtd``, ``forbid_entities`` and ``forbid_external``: an entity bomb
   ("billion laughs") or an external entity (XXE) is refused at its declaration, before any
   expansion, with a Rejected naming the input (E150);
2. a bare ``<!DOCTYPE ...>`` line without an internal subset (old RSS 0.91 feeds carry one) is
   allowed on a second parse that still forbids entities and external references;
3. HTML named entities (``&nbsp;``) that XML does not define are rewritten as character references;
4. still malformed (an unescaped ``&``, a stray byte): lxml in recover mode, with entity
   resolution, DTD loading and network access off; only then is the input refused as malformed (E151).

A feed item becomes a Record: with full content (``content:encoded``, Atom ``content``) its text;
with only a summary, the summary and the link, unless ``--fetch`` asks for the linked page,
which is then fetched politely (:mod:`newsloom.readers.fetch`) and extracted. A sitemap lists links
only: without ``--fetch`` it is one Rejected saying so; with it, its pages are fetched (news
sitemap metadata fills title, date and language) and a sitemap index is followed two levels deep,
with at most ``fetch.max_sitemap_urls`` fetches (child sitemaps and pages) in total.

A document declaring an encoding the XML parser cannot read (a multi-byte one such as Shift_JIS, or
an unknown name) is re-encoded as UTF-8 first. An item that cannot be read (a link that is no URL,
markup nested too deep) is one Rejected (E159); the other items go on.
"""
from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit

from ..errors import MissingDependency, Rejected
from ..model import Record, source_from_url
from .decode import decode_bytes, gunzip_bytes
from .fetch import Fetcher, FetchError, short_url
from .html import extract_html
from .published import parse_published
from .registry import Item, ReadOptions, reader

__all__ = ["Feed", "FeedEntry", "SitemapBudget", "parse_xml", "parse_feed", "feed_items", "entry_items",
           "fragment_text", "looks_like_feed", "newest_first"]

log = logging.getLogger(__name__)

NS_CONTENT = "http://purl.org/rss/1.0/modules/content/"
FEED_ROOTS = ("rss", "rdf", "feed", "urlset", "sitemapindex")
MAX_SITEMAP_DEPTH = 2
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit
#: encodings expat reads itself; any other declared encoding is re-encoded as UTF-8 before parsing
_EXPAT_ENCODINGS = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"})

_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:(?:<!--.*?-->|<\?[^>]*\?>|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)\s*)*"
    rb"<(?:[A-Za-z_][\w.-]*:)?(rss|rdf|feed|urlset|sitemapindex)[\s>/]", re.S | re.I)
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.I)
_ENCODING = re.compile(rb"""(<\?xml[^>]*?\bencoding\s*=\s*["'])([A-Za-z0-9._-]+)(["'])""")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_BR = "\ue000"  # a line break kept through white-space folding
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "table", "pre",
           "section", "article", "figure", "figcaption", "header", "footer", "dd", "dt"}


def looks_like_feed(head: bytes) -> bool:
    """True when ``head`` starts an RSS, RDF, Atom or sitemap document, or an XML DTD declaring entities."""
    if _ROOT.match(head[:16384]):
        return True
    h = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return h.startswith((b"<?xml", b"<!DOCTYPE")) and b"<!ENTITY" in head and b"<!DOCTYPE html" not in head[:512]


# -- safe XML ---------------------------------------------------------------------------------
def parse_xml(data: bytes, where: str) -> Any:
    """Parse untrusted XML safely (steps in the module docstring); returns the root element.

    Raises:
        Rejected: a DTD with declarations, entities or external references (E150), or XML that
            even recovery cannot read (E151).
    """
    from xml.etree.ElementTree import ParseError

    try:
        from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
        from defusedxml import ElementTree as SafeET
    except ImportError as exc:  # pragma: no cover - the feeds extra is missing

        raise MissingDependency("defusedxml (safe XML for feeds)", "pip install 'newsloom[feeds]'") from exc

    data = _as_utf8(data, where)

    def refuse(what: str) -> Rejected:
        return Rejected(where, f"refused: the XML {what}; newsloom never expands entities or loads external "
                        "definitions (entity bomb / XXE protection)", code="E150")

    try:
        try:
            return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except DTDForbidden:
            if _DOCTYPE_SUBSET.search(data[:65536]) or b"<!ENTITY" in data:
                raise refuse("declares a DTD with an internal subset (entity declarations)") from None
            return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        raise refuse(f"declares entities ({exc})") from None
    except ExternalReferenceForbidden as exc:
        raise refuse(f"references an external resource ({exc})") from None
    except DTDForbidden as exc:  # pragma: no cover - handled above
        raise refuse(f"declares a DTD ({exc})") from None
    except ParseError as exc:
        first_error = str(exc)
    if b"<!ENTITY" in data or _DOCTYPE_SUBSET.search(data[:65536]):
        raise Rejected(where, f"malformed XML with a DTD subset, refused: {first_error}", code="E150")
    if "undefined entity" in first_error:
        declared = _ENCODING.search(data[:200])
        try:
            text = data.decode(declared.group(2).decode("ascii") if declared else "utf-8")
            fixed = _ENCODING.sub(rb"\1utf-8\3", _NAMED_ENTITY.sub(_entity_ref, text).encode("utf-8"), 1)
            return SafeET.fromstring(fixed, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        except Exception:  # noqa: BLE001 - fall through to recovery
            pass
    return _recover(data, where, first_error)


def _as_utf8(data: bytes, where: str) -> bytes:
    """``data`` re-encoded as UTF-8 when its XML declaration names an encoding expat cannot read itself."""
    declared = _ENCODING.search(data[:200])
    if declared is None:
        return data
    name = declared.group(2).decode("ascii").lower()
    if name in _EXPAT_ENCODINGS:
        return data
    try:
        text = data.decode(codecs.lookup(name).name, errors="replace")
    except LookupError:
        log.info("%s: unknown XML encoding %r; detecting it", where, name)
        text = decode_bytes(data, where)
    return _ENCODING.sub(rb"\1utf-8\3", text.encode("utf-8"), 1)


def _entity_ref(m: re.Match) -> str:
    name = m.group(1)
    if name in _XML_ENTITIES:
        return m.group(0)
    cp = html_lib.entities.name2codepoint.get(name)
    return f"&#{cp};" if cp is not None else f"&amp;{name};"


def _recover(data: bytes, where: str, first_error: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(recover=True, resolve_entities=False, load_dtd=False, no_network=True,
                             dtd_validation=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise Rejected(where, f"malformed XML: {first_error}", code="E151")
    log.info("%s: malformed XML (%s), read in recovery mode", where, first_error)
    return root


# -- element helpers --------------------------------------------------------------------------
def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].split(":")[-1].lower()


def _ns(tag: Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c.tag) == name]


def _kid(el: Any, name: str, ns: str | None = None) -> Any:
    for c in el:
        if _local(c.tag) == name and (ns is None or _ns(c.tag) == ns):
            return c
    return None


def _text(el: Any) -> str | None:
    """The text of an element, markup of embedded XHTML included."""
    if el is None:
        return None
    if len(el):  # Atom type="xhtml" (a div of XHTML elements): serialise the children without namespaces
        import copy

        parts = [el.text or ""]
        for child in el:
            plain = copy.deepcopy(child)
            for node in plain.iter():
                if isinstance(node.tag, str):
                    node.tag = _local(node.tag)
            parts.append(_serialise(plain))
        value = "".join(parts)
    else:
        value = el.text or ""
    value = value.strip()
    return value or None


def _serialise(el: Any) -> str:
    try:
        from xml.etree import ElementTree as ET

        return ET.tostring(el, encoding="unicode")
    except TypeError:  # an lxml element from recovery
        from lxml import etree

        return etree.tostring(el, encoding="unicode")


def _kid_text(el: Any, *names: str, ns: str | None = None) -> str | None:
    """The first non-empty text among children named ``names`` (in that order of preference)."""
    for name in names:
        for child in el:
            if _local(child.tag) == name and (ns is None or _ns(child.tag) == ns):
                value = _text(child)
                if value:
                    return value
    return None


def fragment_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment (a feed summary or content): paragraphs kept, markup dropped."""
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", fragment) if p.strip())
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).strip()
    for bad in root.xpath(".//script|.//style|.//noscript"):
        bad.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "br":
            el.tail = _BR + (el.tail or "")
        elif el.tag in _BLOCKS:
            el.tail = "\n\n" + (el.tail or "")
            el.text = "\n\n" + (el.text or "")
    text = root.text_content()
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    paras = ["\n".join(line.strip() for line in p.split(_BR) if line.strip()) for p in paras]
    return "\n\n".join(p for p in paras if p)


# -- the feed model ---------------------------------------------------------------------------
@dataclass(slots=True)
class FeedEntry:
    """One item of a feed, one page of a sitemap (``kind="page"``) or one child of a sitemap index."""

    key: str
    kind: str = "item"  # item | page | sitemap
    link: str | None = None
    title: str | None = None
    summary: str | None = None
    content: str | None = None
    published: str | None = None
    author: str | None = None
    language: str | None = None
    source: str | None = None
    error: str | None = None  # why the entry cannot be read (it becomes a Rejected)


@dataclass(slots=True)
class Feed:
    """A parsed feed or sitemap: its kind (rss, rdf, atom, sitemap, sitemapindex), title and entries."""

    kind: str
    title: str | None = None
    language: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)


def _key(*parts: str | None) -> str:
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()[:24]


def _abs(link: str | None, base: str | None) -> str | None:
    """``link`` resolved against ``base``.

    Raises:
        ValueError: the link is no valid URL (``http://[::1``, a port out of range).
    """
    if not link:
        return None
    link = link.strip()
    try:
        out = urljoin(base, link) if base and base.startswith(("http://", "https://")) else link
        urlsplit(out).port  # noqa: B018 - raises for a bad host or port
    except ValueError as exc:
        raise ValueError(f"the link {link[:200]!r} is not a valid URL ({exc})") from None
    return out


def _entries(els: list[Any], build: Any, kind: str) -> list[Any]:
    """``build(el)`` for each element; an element that cannot be read gives an entry carrying the error."""
    out = []
    for i, el in enumerate(els):
        try:
            out.append(build(el))
        except (ValueError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, ValueError) else "markup nested too deeply to read"
            out.append(FeedEntry(key=_key(kind, str(i), reason), kind=kind, error=reason))
    return out


def parse_feed(data: bytes, where: str, *, base_url: str | None = None) -> Feed:
    """Parse an RSS, RDF, Atom or sitemap document.

    Args:
        data: the raw bytes.
        where: names the input in errors.
        base_url: resolves relative links (the feed's own URL).

    Raises:
        Rejected: unsafe or malformed XML (E150, E151), or XML that is no feed or sitemap (E152).
    """
    root = parse_xml(data, where)
    try:
        return _parse_root(root, where, base_url)
    except RecursionError:
        raise Rejected(where, "XML nested too deeply to read", code="E151") from None


def _parse_root(root: Any, where: str, base_url: str | None) -> Feed:
    name = _local(root.tag)
    if name == "rss":
        channel = _kid(root, "channel")
        if channel is None:
            raise Rejected(where, "RSS document without a <channel>", code="E152")
        return _rss(channel, channel, "rss", base_url)
    if name == "rdf":
        channel = _kid(root, "channel")
        return _rss(channel if channel is not None else root, root, "rdf", base_url)
    if name == "feed":
        return _atom(root, base_url)
    if name in ("urlset", "sitemapindex"):
        return _sitemap(root, name, base_url)
    raise Rejected(where, f"XML root <{name}> is not RSS, RDF, Atom or a sitemap", code="E152")


def _rss(channel: Any, holder: Any, kind: str, base: str | None) -> Feed:
    feed = Feed(kind, title=fragment_text(_kid_text(channel, "title")) or None,
                language=_kid_text(channel, "language"))
    feed.entries = _entries(_kids(holder, "item"), lambda item: _rss_item(item, feed, base), "item")
    return feed


def _rss_item(item: Any, feed: Feed, base: str | None) -> FeedEntry:
    link = _abs(_kid_text(item, "link"), base)
    guid_el = _kid(item, "guid")
    guid = _text(guid_el)
    if guid and guid_el is not None and guid_el.get("isPermaLink", "").lower() != "false" and not link:
        link = _abs(guid, base)
    about = next((v for k, v in item.attrib.items() if _local(k) == "about"), None)
    title = _kid_text(item, "title")
    summary = _kid_text(item, "description", "summary", "abstract")
    return FeedEntry(
        key=guid or about or link or _key(title, summary), link=link,
        title=fragment_text(title) or None, summary=summary, content=_kid_text(item, "encoded", ns=NS_CONTENT),
        published=_kid_text(item, "pubdate", "date", "published", "issued", "modified", "updated"),
        author=_kid_text(item, "creator", "author"), language=feed.language, source=feed.title)


def _atom_link(el: Any, base: str | None) -> str | None:
    for link in _kids(el, "link"):
        if (link.get("rel") or "alternate") == "alternate" and link.get("href"):
            return _abs(link.get("href"), base)
    return None


def _atom_author(el: Any) -> str | None:
    author = _kid(el, "author")
    return _kid_text(author, "name") if author is not None else None


def _atom(root: Any, base: str | None) -> Feed:
    lang = next((v for k, v in root.attrib.items() if _local(k) == "lang"), None)
    feed = Feed("atom", title=fragment_text(_kid_text(root, "title")) or None, language=lang)
    feed_author = _atom_author(root)
    feed.entries = _entries(_kids(root, "entry"), lambda entry: _atom_entry(entry, feed, feed_author, base), "item")
    return feed


def _atom_entry(entry: Any, feed: Feed, feed_author: str | None, base: str | None) -> FeedEntry:
    link = _atom_link(entry, base)
    title = _kid_text(entry, "title")
    summary = _kid_text(entry, "summary")
    content_el = _kid(entry, "content")
    content = _text(content_el) if content_el is not None and not content_el.get("src") else None
    if content and content_el is not None and (content_el.get("type") or "text") == "text":
        content = html_lib.escape(content)  # plain text: keep it from being read as markup
    return FeedEntry(
        key=_kid_text(entry, "id") or link or _key(title, summary), link=link, title=fragment_text(title) or None,
        summary=summary, content=content, published=_kid_text(entry, "published", "updated", "issued", "date"),
        author=_atom_author(entry) or feed_author, language=feed.language, source=feed.title)


def _sitemap(root: Any, name: str, base: str | None) -> Feed:
    feed = Feed("sitemap" if name == "urlset" else "sitemapindex")
    kind = "page" if name == "urlset" else "sitemap"
    entries = _entries(_kids(root, "url" if name == "urlset" else "sitemap"),
                       lambda el: _sitemap_entry(el, kind, base), kind)
    feed.entries = [e for e in entries if e is not None]
    return feed


def _sitemap_entry(el: Any, kind: str, base: str | None) -> FeedEntry | None:
    loc = _abs(_kid_text(el, "loc"), base)
    if not loc:
        return None
    entry = FeedEntry(key=loc, kind=kind, link=loc, published=_kid_text(el, "lastmod"))
    news = _kid(el, "news")
    if news is not None:
        pub = _kid(news, "publication")
        if pub is not None:
            entry.source = _kid_text(pub, "name")
            entry.language = _kid_text(pub, "language")
        entry.title = _kid_text(news, "title")
        entry.published = _kid_text(news, "publication_date") or entry.published
    return entry


# -- entries to records -----------------------------------------------------------------------
def fetcher_for(options: ReadOptions) -> tuple[Any, bool]:
    """The fetcher ingest put on ``options.extra["fetcher"]``, else a new one (and True: close it after)."""
    fetcher = options.extra.get("fetcher")
    if fetcher is not None:
        return fetcher, False

    return Fetcher(), True


@dataclass(slots=True)
class SitemapBudget:
    """The fetches one sitemap input may still make (``fetch.max_sitemap_urls``, child sitemaps included)."""

    left: int
    over: int = 0  # URLs not fetched for want of budget

    def take(self) -> bool:
        if self.left > 0:
            self.left -= 1
            return True
        self.over += 1
        return False


def entry_items(entry: FeedEntry, where: str, options: ReadOptions, *, fmt: str, fetcher: Any = None,
                fetched: str | None = None, depth: int = 0, budget: SitemapBudget | None = None) -> Iterator[Item]:
    """The Records (or Rejected) of one feed entry; fetching its page when asked and needed.

    Args:
        entry: the entry.
        where: names the entry in errors and the inputs table (``feed#3``).
        options: ``options.fetch`` fetches the pages of summary-only items and sitemap pages.
        fmt: the Record format (rss, rdf, atom, sitemap).
        fetcher: the polite client (required for fetching).
        fetched: when the feed itself was fetched (for items not fetched on their own).
        depth: sitemap index nesting so far.
        budget: the fetches left to the sitemap this entry comes from.
    """
    if entry.error:
        yield Rejected(where, f"unreadable feed item: {entry.error}", code="E159")
        return
    if entry.kind == "sitemap":
        yield from _child_sitemap(entry, where, options, fetcher, depth, budget)
        return
    full = fragment_text(entry.content)
    summary = fragment_text(entry.summary)
    wants_page = entry.kind == "page" or (not full and options.fetch)
    if wants_page and options.fetch and entry.link and fetcher is not None:
        page = _fetch_page(entry, where, fetcher, options)
        if isinstance(page, Record):
            yield page
            return
        if entry.kind == "page" or not summary:
            yield page
            return
        log.warning("%s: keeping the summary; %s", where, page.reason)
    text = full or summary
    if not text:
        hint = "; run with --fetch to fetch the linked page" if entry.link and not options.fetch else ""
        yield Rejected(where, f"feed item has neither content nor a summary{hint}", code="E153")
        return
    yield Record(
        external_id=entry.key, text=text, title=entry.title, url=entry.link,
        source=source_from_url(entry.link) or entry.source, published=parse_published(entry.published),
        language=entry.language, author=entry.author, fetched=fetched, format=fmt,
        extra={"input": where, "summary_only": not full, "feed": entry.source},
    )


def _fetch_page(entry: FeedEntry, where: str, fetcher: Any, options: ReadOptions) -> Record | Rejected:
    """Fetch and extract the page an entry links to; entry metadata wins over the page's guesses."""

    assert entry.link is not None
    link = short_url(entry.link)
    try:
        # an article page is fetched once: no conditional-GET copy of it is kept in the store; a link
        # found in a feed is not a URL the user named (a private address is refused: fetch.allow_private)
        resp = fetcher.get(entry.link, conditional=False, named=False)
        record = extract_html(resp.text(), entry.link, url=resp.url, max_elements=options.max_html_elements)
    except FetchError as exc:
        return Rejected(where, f"cannot fetch {link}: {exc.reason}", code=exc.code)
    except Rejected as exc:
        return Rejected(where, f"{link}: {exc.reason}", code=exc.code)
    record.external_id = entry.key
    record.title = entry.title or record.title
    record.published = parse_published(entry.published) or record.published
    record.author = record.author or entry.author
    record.language = record.language or entry.language
    record.source = record.source or source_from_url(resp.url) or entry.source
    record.fetched = resp.fetched
    record.extra = {"input": where, "fetched_page": True, "feed": entry.source}
    return record


def _child_sitemap(entry: FeedEntry, where: str, options: ReadOptions, fetcher: Any, depth: int,
                   budget: SitemapBudget | None) -> Iterator[Item]:
    if depth >= MAX_SITEMAP_DEPTH:
        yield Rejected(where, f"sitemap index nested deeper than {MAX_SITEMAP_DEPTH} levels: {entry.link}",
                       code="E154")
        return
    assert entry.link is not None
    try:
        resp = fetcher.get(entry.link, named=False)
        body = resp.content
        if body[:2] == b"\x1f\x8b":
            body = gunzip_bytes(body, entry.link, min(options.max_decompressed_bytes, MAX_SITEMAP_BYTES))
    except FetchError as exc:
        yield Rejected(where, f"cannot fetch sitemap {short_url(entry.link)}: {exc.reason}", code=exc.code)
        return
    except Rejected as exc:
        yield exc
        return
    yield from feed_items(body, entry.link, options, fetcher=fetcher, fetched=resp.fetched, base_url=resp.url,
                          depth=depth + 1, budget=budget)


def newest_first(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Sitemap entries newest first when they are dated (the order their budget is spent in)."""
    entries = list(entries)
    if any(e.published for e in entries):
        entries.sort(key=lambda e: parse_published(e.published) or "", reverse=True)
    return entries


def feed_items(data: bytes, where: str, options: ReadOptions, *, fetcher: Any = None, fetched: str | None = None,
               base_url: str | None = None, depth: int = 0, budget: SitemapBudget | None = None) -> Iterator[Item]:
    """Every Record (or Rejected) of one feed or sitemap document.

    A sitemap (or index) spends one ``budget`` on all its fetches, its children's included; the top
    level makes it from ``fetch.max_sitemap_urls`` and reports what was left unfetched (E156).
    """
    try:
        feed = parse_feed(data, where, base_url=base_url)
    except Rejected as exc:
        yield exc
        return
    if not feed.entries:
        yield Rejected(where, f"the {feed.kind} holds no items", code="E155")
        return
    close = False
    own_budget = False
    entries = feed.entries
    if feed.kind in ("sitemap", "sitemapindex"):
        if not options.fetch:
            what = "pages" if feed.kind == "sitemap" else "sitemaps"
            yield Rejected(where, f"a {feed.kind} lists links only ({len(feed.entries)} {what}); "
                           "run with --fetch to fetch and extract them", code="E154")
            return
        entries = newest_first(feed.entries)
        if budget is None:
            budget, own_budget = SitemapBudget(_sitemap_limit(options, fetcher)), True
    if options.fetch and fetcher is None:
        fetcher, close = fetcher_for(options)
    try:
        for i, entry in enumerate(entries, 1):
            if budget is not None and entry.error is None and not budget.take():
                continue
            yield from entry_items(entry, f"{where}#{i}", options, fmt=feed.kind, fetcher=fetcher, fetched=fetched,
                                   depth=depth, budget=budget)
    finally:
        if close:
            fetcher.close()
    if own_budget and budget is not None and budget.over:
        yield Rejected(where, f"{budget.over} more sitemap URLs not fetched: over fetch.max_sitemap_urls "
                       f"({_sitemap_limit(options, fetcher)} fetches for one sitemap, child sitemaps included); "
                       "raise it to fetch them", code="E156")


def _sitemap_limit(options: ReadOptions, fetcher: Any) -> int:
    fetcher = fetcher or options.extra.get("fetcher")
    settings = getattr(fetcher, "settings", None)
    return int(getattr(settings, "max_sitemap_urls", 1000))


@reader("feed", extensions=(".rss", ".atom", ".rdf", ".xml"), sniff=looks_like_feed, priority=35)
def read_feed(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    """RSS, RDF, Atom and sitemap files (``.gz`` unwrapped before)."""
    data = stream.read(options.max_article_bytes * 10 + 1)
    if len(data) > options.max_article_bytes * 10:
        yield Rejected(where, f"feed larger than {options.max_article_bytes * 10:,} bytes", code="E106")
        return
    if not data.strip():
        yield Rejected(where, "empty file", code="E101")
        return
    yield from feed_items(data, where, options)

"""Pure rendering helpers for the pages: highlighted article text and SVG charts, escaped throughout.

Every piece of stored text passes through :func:`markupsafe.escape` before it is wrapped in markup, so
a title, quote or source carrying ``<script>`` shows as text.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

__all__ = ["Span", "highlight", "bar_chart_svg", "timeline_svg", "safe_url", "install"]

#: (start, end, css class, link or None, title)
Span = tuple[int, int, str, str | None, str]


def highlight(text: str, spans: Iterable[Span]) -> Markup:
    """``text`` with each span wrapped in a ``<mark>`` (linked when it has a link); overlaps keep the first.

    Args:
        text: the article's clean text.
        spans: (start, end, css class, href or None, title) in character offsets of ``text``.

    Returns:
        Escaped HTML with paragraphs as ``<p>``.
    """
    chosen: list[Span] = []
    last_end = 0
    for span in sorted((s for s in spans if 0 <= s[0] < s[1] <= len(text)), key=lambda s: (s[0], -s[1])):
        if span[0] >= last_end:
            chosen.append(span)
            last_end = span[1]
    out: list[str] = []
    pos = 0
    for start, end, css, href, title in chosen:
        out.append(str(escape(text[pos:start])))
        inner = str(escape(text[start:end]))
        attrs = f' class="{escape(css)}" title="{escape(title)}"'
        if href:
            inner = f'<a href="{escape(href)}">{inner}</a>'
        out.append(f"<mark{attrs}>{inner}</mark>")
        pos = end
    out.append(str(escape(text[pos:])))
    html = "".join(out)
    paragraphs = [p for p in html.split("\n") if p.strip()]
    return Markup("".join(f"<p>{p}</p>" for p in paragraphs))


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None: a stored ``javascript:`` URL never becomes a link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def bar_chart_svg(bars: Sequence[tuple[str, float]], *, title: str, width: int = 640, bar_height: int = 18) -> Markup:
    """A horizontal bar chart as inline SVG (labels escaped), with an accessible title."""
    if not bars:
        return Markup("")
    top = max(v for _, v in bars) or 1
    label_w = 180
    height = bar_height * len(bars) + 8
    rows = []
    for i, (label, value) in enumerate(bars):
        y = 4 + i * bar_height
        w = max(1.0, (width - label_w - 60) * value / top)
        rows.append(f'<text x="{label_w - 6}" y="{y + bar_height - 5}" text-anchor="end">{escape(_short(label, 28))}</text>'
                    f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{bar_height - 4}" class="bar"/>'
                    f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height - 5}">{escape(_num(value))}</text>')
    return Markup(f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
                  f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(rows)}</svg>')


def timeline_svg(points: Sequence[tuple[str, int]], *, title: str, width: int = 640, height: int = 120) -> Markup:
    """Counts per date (``YYYY-MM-DD`` or coarser) as an SVG column chart, dates in order."""
    pts = sorted((d, n) for d, n in points if d)
    if not pts:
        return Markup("")
    top = max(n for _, n in pts) or 1
    step = min(40.0, (width - 20) / len(pts))
    cols = []
    for i, (day, n) in enumerate(pts):
        h = (height - 30) * n / top
        x = 10 + i * step
        cols.append(f'<rect x="{x:.1f}" y="{height - 20 - h:.1f}" width="{max(1.0, step - 2):.1f}" height="{h:.1f}" '
                    f'class="bar"><title>{escape(day)}: {n}</title></rect>')
    span = pts[0][0] if len(pts) == 1 else f"{pts[0][0]} \u2013 {pts[-1][0]}"
    labels = f'<text x="10" y="{height - 4}">{escape(span)}</text>'
    return Markup(f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
                  f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
                  f'{"".join(cols)}{labels}</svg>')


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _short_id(value: Any) -> str:
    return str(value or "")[:12]


def install(env: Any) -> None:
    """Register the filters and globals the templates use."""
    env.filters["short_id"] = _short_id
    env.filters["safe_url"] = safe_url
    env.filters["urlquote"] = lambda v: quote(str(v or ""), safe="")
    env.globals["bar_chart_svg"] = bar_chart_svg
    env.globals["timeline_svg"] = timeline_svg
    env.globals["highlight"] = highlight

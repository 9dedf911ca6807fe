"""One module per capability's tables: its migrations, the offsets it keeps into the text, and a pure
``rows(article)`` that the store writes with each article."""
from . import articles, boilerplate, copies, dates, embed, entities, events, fetch, quotes, sources, stories  # noqa: F401
from . import timelines, watch  # noqa: F401

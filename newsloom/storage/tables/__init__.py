"""One module per capability's tables: its migrations, the offsets it keeps into the text, and a pure
``rows(article)`` that the store writes with each article."""
from . import articles, boilerplate, copies, dates, entities, events, fetch, quotes, watch  # noqa: F401
from . import embed, stories  # noqa: F401

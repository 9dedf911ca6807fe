"""Built-in stages. Importing this package registers them (see pipeline.registered_stages)."""
from . import boilerplate, clean, language, nlp  # noqa: F401
from . import quotes as _quotes, quote_links as _quote_links  # noqa: F401

__all__ = ["boilerplate", "clean", "language", "nlp"]
from . import copies as _copies, quality as _quality  # noqa: F401,E402
from . import entities as _entities, dates as _dates, events as _events, resolve as _resolve  # noqa: F401,E402
from . import embed as _embed, stories as _stories, threads as _threads  # noqa: F401,E402

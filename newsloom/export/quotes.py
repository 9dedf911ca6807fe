"""``newsloom export quotes``: every stored quote with its article, speaker and first-seen carrier."""
from __future__ import annotations

from ..queries.quotes import iter_quotes
from . import exporter

exporter("quotes")(iter_quotes)

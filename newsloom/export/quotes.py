"""``newsloom export quotes``: every stored quote with its article, speaker and first-seen carrier."""
from __future__ import annotations

from . import exporter
from ..queries.quotes import iter_quotes

exporter("quotes")(iter_quotes)

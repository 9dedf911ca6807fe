"""``newsloom export dates``: every temporal expression with its resolved value, joining articles by
``article_id``."""
from __future__ import annotations

from ..queries.dates import iter_dates
from . import exporter

exporter("dates")(iter_dates)

"""``newsloom export copies``: one row per copy, with its original and the evidence for the link."""
from __future__ import annotations

from . import exporter
from ..queries.copies import iter_copies

exporter("copies")(iter_copies)

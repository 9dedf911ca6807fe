"""``newsloom export copies``: one row per copy, with its original and the evidence for the link."""
from __future__ import annotations

from ..queries.copies import iter_copies
from . import exporter

exporter("copies")(iter_copies)

"""``newsloom export events``: every event with its actor, target and place names and entity ids."""
from __future__ import annotations

from ..queries.events import iter_events
from . import exporter

exporter("events")(iter_events)

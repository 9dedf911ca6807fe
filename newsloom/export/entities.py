"""``newsloom export entities|mentions``: entities with their aliases, and every mention.

``entities`` rows carry their aliases (with counts and article ids) and the ids merged into them;
``mentions`` rows carry ``article_id`` and ``entity_id``, joining articles and entities.
"""
from __future__ import annotations

from ..queries.entities import iter_entities, iter_mentions
from . import exporter

exporter("entities")(iter_entities)
exporter("mentions")(iter_mentions)

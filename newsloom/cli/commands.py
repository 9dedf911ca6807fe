"""Imports every command module so that each registers its commands."""
from . import demo, evaluate, export, ingest, read, settings_cmd, watch  # noqa: F401
from . import entities  # noqa: E402,F401  (entities, show entity)
from . import quotes  # noqa: E402,F401  (quotes, show quote)
from . import copies  # noqa: E402,F401  (show copies, demo section)
from . import stories  # noqa: E402,F401  (stories, show story, show thread)

"""Built-in stages. Importing this package registers them (see pipeline.registered_stages)."""
from . import boilerplate, clean, language, nlp  # noqa: F401

__all__ = ["boilerplate", "clean", "language", "nlp"]

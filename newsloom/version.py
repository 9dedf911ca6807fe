"""The package version (one place; ``newsloom.__version__`` and ``--version`` read it)."""

__version__ = "0.1.0"

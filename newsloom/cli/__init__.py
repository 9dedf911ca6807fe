"""The ``newsloom`` command: a thin click layer over the Python API (the group in ``cli/main.py``, one module
per capability's commands)."""
from . import commands  # noqa: F401  (registers the commands)
from .main import cli

__all__ = ["cli"]

"""Exceptions raised by newsloom.

Every error carries a stable code (``[E012]``) and says how to fix the problem::

    NewsloomError
     ├── Rejected            an input record that cannot become an article (bad bytes, empty, ...)
     ├── ConfigError         a bad setting or an unknown stage / format name
     ├── StoreError          the database cannot be opened or migrated
     ├── QueryError          a malformed search query or an unknown id
     ├── MissingDependency   an optional extra is not installed (says the pip line to run)
     └── EngineError         a worker process or a Spark job failed
"""
from __future__ import annotations

__all__ = ["NewsloomError", "Rejected", "ConfigError", "StoreError", "QueryError", "MissingDependency",
           "EngineError"]


class NewsloomError(Exception):
    """Base class of every error newsloom raises on purpose."""

    code = "E000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code:
            self.code = code
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class Rejected(NewsloomError):
    """An input record was refused; ``where`` names the input (file, file:line, URL)."""

    code = "E100"

    def __init__(self, where: str, reason: str, *, code: str | None = None) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}", code=code)

    def __reduce__(self) -> tuple:  # pickled in a worker process, rebuilt in the parent with its code
        return _rebuild_rejected, (type(self), self.where, self.reason, self.code, dict(self.__dict__))


def _rebuild_rejected(cls: type, where: str, reason: str, code: str, state: dict) -> "Rejected":
    exc = cls(where, reason, code=code)
    exc.__dict__.update(state)
    return exc


class ConfigError(NewsloomError):
    code = "E200"


class StoreError(NewsloomError):
    code = "E300"


class QueryError(NewsloomError):
    code = "E400"


class MissingDependency(NewsloomError):
    code = "E500"

    def __init__(self, what: str, pip: str) -> None:
        super().__init__(f"{what} is not installed. Run: {pip}")


class EngineError(NewsloomError):
    """A worker process or a Spark job failed."""

    code = "E130"

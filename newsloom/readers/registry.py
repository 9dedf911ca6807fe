"""The reader registry (formats by name, chosen by extension and content sniffing) and the input handlers."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from .. import plugins
from ..errors import ConfigError, Rejected
from ..model import Record
from ..settings import default_field

__all__ = ["ReadOptions", "ReaderInfo", "reader", "readers", "detect_format", "Item", "input_handler", "input_handlers"]

Item = Record | Rejected


@dataclass(slots=True)
class ReadOptions:
    """Limits and switches every reader honours."""

    max_article_bytes: int = default_field("reader.max_article_bytes")
    max_decompressed_bytes: int = default_field("reader.max_decompressed_bytes")
    max_rejects_per_input: int = default_field("reader.max_rejects_per_input")  # listed one by one; then counted
    max_html_elements: int = default_field("reader.max_html_elements")  # start tags in one HTML page
    fetch: bool = False  # follow links of summary-only feed items
    extra: dict = field(default_factory=dict)


@dataclass(slots=True)
class ReaderInfo:
    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[bytes], bool]
    read: Callable[[BinaryIO, str, ReadOptions], Iterator[Item]]
    priority: int = 50  # lower sniffs first


_READERS: dict[str, ReaderInfo] = plugins.registry({})
#: (matches(input), handle(input, format, options)) for inputs that are not paths (``http://`` URLs)
_HANDLERS: list[tuple[Callable[[str], bool], Callable[[str, str | None, ReadOptions], Iterator[Item]]]] = \
    plugins.registry([])


def reader(name: str, *, extensions: tuple[str, ...] = (), sniff: Callable[[bytes], bool] | None = None,
           priority: int = 50):
    """Register ``read(stream, where, options) -> Iterator[Record | Rejected]`` as format ``name``."""

    def deco(fn):
        _READERS[name] = ReaderInfo(name, extensions, sniff or (lambda head: False), fn, priority)
        return fn

    return deco


def readers() -> dict[str, ReaderInfo]:
    """Every registered reader (built-in and plugin) by format name."""
    plugins.load()
    return dict(_READERS)


def input_handler(matches: Callable[[str], bool]):
    """Register ``handle(input, format, options) -> Iterator[Item]`` for the inputs ``matches(input)`` accepts."""

    def deco(fn):
        _HANDLERS.append((matches, fn))
        return fn

    return deco


def input_handlers() -> list[tuple[Callable[[str], bool], Callable[[str, str | None, ReadOptions], Iterator[Item]]]]:
    """Every registered input handler, in registration order."""
    plugins.load()
    return list(_HANDLERS)


def detect_format(name: str, head: bytes, forced: str | None = None) -> ReaderInfo:
    """Pick a reader: ``forced`` if given, else by extension, else by sniffing ``head``, else text."""
    regs = readers()
    if forced:
        if forced not in regs:
            raise ConfigError(f"unknown format {forced!r}; known formats: {sorted(regs)}", code="E208")
        return regs[forced]
    lower = name.lower()
    for info in sorted(regs.values(), key=lambda r: -max((len(e) for e in r.extensions), default=0)):
        if any(lower.endswith(ext) for ext in info.extensions):
            return info
    for info in sorted(regs.values(), key=lambda r: r.priority):
        try:
            if info.sniff(head):
                return info
        except Exception:  # noqa: BLE001 - a sniffer must never stop detection
            continue
    return regs["text"]

"""Settings: shipped defaults < user file < NEWSLOOM_* environment < explicit overrides."""
from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["Settings"]


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


class Settings:
    """A nested mapping of settings with dotted access: ``settings.get("stages.clean.repeat_similarity")``."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        text = resources.files("newsloom").joinpath("default_settings.toml").read_text("utf-8")
        return tomllib.loads(text)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, *, env: Mapping[str, str] | None = None,
             overrides: Mapping[str, Any] | None = None) -> "Settings":
        data = cls.defaults()
        env = os.environ if env is None else env
        path = path or env.get("NEWSLOOM_CONFIG")
        if path:
            try:
                data = _merge(data, tomllib.loads(Path(path).read_text("utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"cannot read settings file {path}: {exc}", code="E207") from exc
        for key, value in env.items():
            if key.startswith("NEWSLOOM_") and "__" in key:
                dotted = key[len("NEWSLOOM_"):].lower().replace("__", ".")
                _set_dotted(data, dotted, _parse_value(value))
        for dotted, value in (overrides or {}).items():
            _set_dotted(data, dotted, _parse_value(value) if isinstance(value, str) else value)
        return cls(data)

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def stage(self, name: str) -> dict[str, Any]:
        """The ``[stages.NAME]`` section (empty when absent)."""
        return dict(self.get(f"stages.{name}", {}) or {})

    @property
    def stages(self) -> list[str]:
        return list(self.get("pipeline.stages", []))

    @classmethod
    def documented(cls) -> list[tuple[str, Any, str]]:
        """Every shipped setting as (dotted name, default, help), help from the comments above it."""
        text = resources.files("newsloom").joinpath("default_settings.toml").read_text("utf-8")
        section, comments, out = "", [], []
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("[") and stripped.endswith("]"):
                section, comments = stripped[1:-1], []
            elif stripped.startswith("#"):
                comments.append(stripped.lstrip("# "))
            elif "=" in stripped:
                key = stripped.split("=", 1)[0].strip()
                dotted = f"{section}.{key}" if section else key
                out.append((dotted, cls(cls.defaults()).get(dotted), " ".join(comments)))
                comments = []
            elif not stripped:
                comments = []
        return out

    def flat(self) -> dict[str, Any]:
        """Every setting as ``dotted.name -> value`` (for --help-settings and the docs test)."""
        out: dict[str, Any] = {}

        def walk(prefix: str, node: Any) -> None:
            if isinstance(node, Mapping):
                for k, v in node.items():
                    walk(f"{prefix}.{k}" if prefix else k, v)
            else:
                out[prefix] = node

        walk("", self.data)
        return out

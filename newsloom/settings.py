"""Settings: shipped defaults < user file < NEWSLOOM_* environment < explicit overrides.

Every setting is declared once, with its default and help, in ``default_settings.toml`` (a plugin's
stage declares its own with ``@stage(..., defaults=...)``). The default's type is the setting's type:
a user file, a ``NEWSLOOM_<SECTION>__<KEY>`` variable or ``-s key value`` naming a key that is not
declared, or giving a value of another type or outside the declared ``allowed:`` range, is refused
with an error that names the key, the expected type and the fix.
"""
from __future__ import annotations

import copy
import difflib
import functools
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import plugins
from .errors import ConfigError

__all__ = ["Settings", "Spec", "stage_settings", "shipped_default", "default_field", "declare_stage"]


@dataclass(frozen=True, slots=True)
class Spec:
    """One setting: dotted name, shipped default (its type is the setting's type), help, allowed values.

    ``allowed`` is ``"LOW .. HIGH"`` (either side may be empty) for numbers, or ``"a, b, c"`` for
    text and for the items of a list.
    """

    name: str
    default: Any
    help: str = ""
    allowed: str = ""

    @property
    def accepts(self) -> str:
        """The type and the allowed values in words: ``an integer, at least 1``."""
        return self.kind + (f", {_allowed_words(self.allowed)}" if self.allowed else "")

    @property
    def kind(self) -> str:
        """The expected type in words, for error messages and ``newsloom settings``."""
        if isinstance(self.default, list):
            item = self.default[0] if self.default else ""
            return f"a list of {_kind(item, plural=True)} (comma-separated, or a TOML/JSON list)"
        return _kind(self.default)

    def check(self, value: Any, origin: "Origin") -> Any:
        """``value`` converted to this setting's type (text is parsed); raises ConfigError if it does not fit."""
        try:
            if origin.kind == "file" and isinstance(value, str) and not isinstance(self.default, str):
                raise ValueError(value)  # TOML has types: "false" or "0.5" in quotes is text, not what is meant
            out = _convert(value, self.default)
        except ValueError:
            raise ConfigError(f"setting {self.name} expects {self.kind}, not {value!r} ({origin}). "
                              f"Fix: {origin.fix(self.name, self.default)}", code="E241") from None
        if self.allowed:
            bad = _outside(out, self.allowed)
            if bad is not None:
                close = difflib.get_close_matches(str(bad), [c.strip() for c in self.allowed.split(",")], n=1)
                hint = f"did you mean {close[0]!r}? " if close and ".." not in self.allowed else ""
                raise ConfigError(f"setting {self.name} must be {_allowed_words(self.allowed)}, not {bad!r} ({origin}). "
                                  f"{hint}Fix: {origin.fix(self.name, self.default)}", code="E242")
        return out


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value came from: ``-s``, an environment variable, or a settings file; says how to fix it there."""

    kind: str  # "-s", "env" or "file"
    where: str = ""

    def __str__(self) -> str:
        return {"-s": "from -s", "env": f"from {self.where}"}.get(self.kind, f"in settings file {self.where}")

    def spell(self, dotted: str) -> str:
        """A setting's name as this origin writes it."""
        return "NEWSLOOM_" + dotted.upper().replace(".", "__") if self.kind == "env" else dotted

    def fix(self, dotted: str, example: Any) -> str:
        text = ",".join(map(str, example)) if isinstance(example, list) else _toml(example).strip('"')
        if self.kind == "-s":
            return f"-s {dotted} {text!r}" if " " in text or not text else f"-s {dotted} {text}"
        if self.kind == "env":
            return f"{self.spell(dotted)}={text}"
        section, _, key = dotted.rpartition(".")
        return f"[{section}] {key} = {_toml(example)}" if section else f"{key} = {_toml(example)}"


def _kind(value: Any, *, plural: bool = False) -> str:
    if isinstance(value, bool):
        return "true/false" if plural else "true or false"
    if isinstance(value, int):
        return "integers" if plural else "an integer"
    if isinstance(value, float):
        return "numbers" if plural else "a number"
    return "texts" if plural else "text"


def _toml(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}
_INT = re.compile(r"[+-]?\d[\d_]*")


def _convert(value: Any, default: Any) -> Any:
    """``value`` as the type of ``default``; text (from -s or the environment) is parsed. ValueError if not."""
    if isinstance(default, list):
        if isinstance(value, str):
            value = _list_from_text(value)
        if not isinstance(value, (list, tuple)):
            raise ValueError(value)
        return [_convert(v, default[0]) if default else _scalar(v) for v in value]
    if isinstance(value, (list, tuple, dict)):
        raise ValueError(value)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(value)
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INT.fullmatch(value.strip()):
            return int(value.strip())
        raise ValueError(value)
    if isinstance(default, float):
        if isinstance(value, bool):
            raise ValueError(value)
        out = float(value.strip()) if isinstance(value, str) else value
        if not isinstance(out, (int, float)) or not math.isfinite(out):
            raise ValueError(value)
        return float(out)
    if isinstance(value, str):
        return _unquote(value)
    raise ValueError(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        raise ValueError(value)
    return value


def _unquote(text: str) -> str:
    """``'"x"'`` (a TOML string, as ``-s key '"x"'`` gives it) is ``x``; other text is kept as it is."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "\"'":
        try:
            out = tomllib.loads(f"v = {stripped}")["v"]
            return out if isinstance(out, str) else text
        except tomllib.TOMLDecodeError:
            return text
    return text


def _list_from_text(text: str) -> list[Any]:
    """``clean,language`` or ``["clean", "language"]`` (TOML or JSON) as a list."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            return tomllib.loads(f"v = {stripped}")["v"]
        except tomllib.TOMLDecodeError:
            try:
                out = json.loads(stripped)
            except json.JSONDecodeError:
                raise ValueError(text) from None
            if not isinstance(out, list):
                raise ValueError(text)
            return out
    return [_unquote(part.strip()) for part in stripped.split(",") if part.strip()]


def _outside(value: Any, allowed: str) -> Any:
    """The first part of ``value`` that ``allowed`` does not allow, or None."""
    if ".." in allowed:
        low, high = (p.strip() for p in allowed.split("..", 1))
        for v in value if isinstance(value, list) else [value]:
            if (low and v < float(low)) or (high and v > float(high)):
                return v
        return None
    choices = [c.strip() for c in allowed.split(",")]
    return next((v for v in (value if isinstance(value, list) else [value]) if v not in choices), None)


def _allowed_words(allowed: str) -> str:
    if ".." in allowed:
        low, high = (p.strip() for p in allowed.split("..", 1))
        if low and high:
            return f"between {low} and {high}"
        return f"at least {low}" if low else f"at most {high}"
    return "one of: " + allowed


def _parse_specs(text: str, prefix: str = "") -> list[Spec]:
    """Specs from TOML text: the comment lines above a key are its help; ``# allowed: ...`` its allowed values."""
    values = tomllib.loads(text)
    section, comments, allowed, out = "", [], "", []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, comments, allowed = stripped[1:-1].strip(), [], ""
        elif stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if comment.startswith("allowed:"):
                allowed = comment[len("allowed:"):].strip()
            else:
                comments.append(comment)
        elif "=" in stripped:
            key = stripped.split("=", 1)[0].strip()
            local = f"{section}.{key}" if section else key
            node: Any = values
            for part in local.split("."):
                node = node[part]
            out.append(Spec(f"{prefix}{local}", node, " ".join(comments), allowed))
            comments, allowed = [], ""
        elif not stripped:
            comments, allowed = [], ""
    return out


@functools.lru_cache(maxsize=1)
def _shipped_text() -> str:
    return resources.files("newsloom").joinpath("default_settings.toml").read_text("utf-8")


@functools.lru_cache(maxsize=1)
def _shipped_specs() -> tuple[Spec, ...]:
    return tuple(_parse_specs(_shipped_text()))


#: every registered stage's name and the settings it declares (``defaults=`` of ``@stage``), filled by the
#: stage registry (newsloom.pipeline) as stages register
_STAGE_DEFAULTS: dict[str, str | Mapping[str, Any] | None] = plugins.registry({})


def declare_stage(name: str, defaults: str | Mapping[str, Any] | None) -> None:
    """Record a registered stage and its settings (``[stages.NAME]``: TOML text with help comments, or a mapping)."""
    _STAGE_DEFAULTS[name] = defaults


def _stage_specs() -> tuple[list[Spec], list[str]]:
    """Specs a registered stage (a plugin's) declares with ``defaults=``, and every registered stage name."""
    plugins.load()  # the stages register (and declare their settings) when their modules are imported
    specs: list[Spec] = []
    for name, defaults in sorted(_STAGE_DEFAULTS.items()):
        if isinstance(defaults, str):
            specs += _parse_specs(defaults, prefix=f"stages.{name}.")
        elif defaults:
            specs += [Spec(f"stages.{name}.{k}", v) for k, v in defaults.items()]
    return specs, sorted(_STAGE_DEFAULTS)


def _schema() -> tuple[dict[str, Spec], list[str]]:
    """Every declared setting by dotted name, and the registered stage names."""
    shipped = {s.name: s for s in _shipped_specs()}
    extra, stage_names = _stage_specs()
    for spec in extra:
        shipped.setdefault(spec.name, spec)
    stages = shipped["pipeline.stages"]
    shipped["pipeline.stages"] = Spec(stages.name, stages.default, stages.help, ", ".join(stage_names))
    return shipped, stage_names


def _tree(specs: Iterable[Spec]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in specs:
        _set_dotted(out, spec.name, copy.deepcopy(spec.default))
    return out


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _flatten(node: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, dotted + ".")
        else:
            yield dotted, value


class _Checker:
    """Checks one layer's ``dotted -> value`` pairs against the schema."""

    def __init__(self, schema: dict[str, Spec], stage_names: Iterable[str]) -> None:
        self.schema = schema
        self.stage_names = set(stage_names)
        self.sections = {s.name.rsplit(".", 1)[0] for s in schema.values()}
        for name in list(self.sections):
            while "." in name:
                name = name.rsplit(".", 1)[0]
                self.sections.add(name)

    def __call__(self, dotted: str, value: Any, origin: Origin) -> Any:
        spec = self.schema.get(dotted)
        if spec is not None:
            return spec.check(value, origin)
        if dotted in self.sections:
            keys = sorted(n for n in self.schema if n.startswith(dotted + "."))
            raise ConfigError(f"{dotted} is a section, not a setting ({origin}); set one of its keys: "
                              f"{', '.join(keys)}", code="E243")
        close = difflib.get_close_matches(dotted, list(self.schema), n=1, cutoff=0.75)
        section = dotted.rsplit(".", 1)[0] if "." in dotted else ""
        if close:
            hint = f"did you mean {origin.spell(close[0])}?"
        elif section in self.sections:
            hint = f"{section} has: {', '.join(n.rsplit('.', 1)[1] for n in sorted(self.schema) if n.startswith(section + '.'))}"
        elif section.startswith("stages.") and section[len("stages."):] in self.stage_names:
            hint = f"stage {section[len('stages.'):]!r} has no settings"
        elif section.startswith("stages."):
            hint = (f"no stage {section[len('stages.'):]!r} is registered (a plugin's stage declares its settings "
                    "with @stage(..., defaults=...))")
        else:
            hint = "`newsloom settings` lists every setting"
        raise ConfigError(f"unknown setting {dotted} ({origin}); {hint}", code="E240")


class Settings:
    """A nested mapping of settings with dotted access: ``settings.get("stages.clean.repeat_similarity")``."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The shipped defaults (and those registered stages declare) as a nested dict."""
        return _tree(_schema()[0].values())

    @classmethod
    def shipped(cls) -> "Settings":
        """Only the defaults: no file, no environment, no overrides."""
        return cls(cls.defaults())

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, *, env: Mapping[str, str] | None = None,
             overrides: Mapping[str, Any] | None = None) -> "Settings":
        """Defaults, then the file at ``path`` (or ``NEWSLOOM_CONFIG``), then ``NEWSLOOM_*`` variables, then
        ``overrides``; every layer is checked against the declared settings (ConfigError names the key)."""
        schema, stage_names = _schema()
        check = _Checker(schema, stage_names)
        data = _tree(schema.values())
        env = os.environ if env is None else env
        path = path or env.get("NEWSLOOM_CONFIG")
        if path:
            try:
                user = tomllib.loads(Path(path).read_text("utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"cannot read settings file {path}: {exc}", code="E207") from exc
            for dotted, value in _flatten(user):
                _set_dotted(data, dotted, check(dotted, value, Origin("file", str(path))))
        for key, value in sorted(env.items()):
            if key.startswith("NEWSLOOM_") and "__" in key:
                dotted = key[len("NEWSLOOM_"):].lower().replace("__", ".")
                _set_dotted(data, dotted, check(dotted, value, Origin("env", key)))
        for dotted, value in (overrides or {}).items():
            _set_dotted(data, dotted, check(dotted, value, Origin("-s")))
        return cls(data)

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def stage(self, name: str) -> dict[str, Any]:
        """The ``[stages.NAME]`` section (empty when the stage declares no settings)."""
        return dict(self.get(f"stages.{name}", {}) or {})

    @property
    def stages(self) -> list[str]:
        return list(self.get("pipeline.stages"))

    @classmethod
    def specs(cls) -> list[Spec]:
        """Every declared setting: shipped ones in file order, then those registered stages declare."""
        return list(_schema()[0].values())

    @classmethod
    def documented(cls) -> list[tuple[str, Any, str]]:
        """Every declared setting as (dotted name, default, help), help from the comments above it."""
        return [(s.name, s.default, s.help) for s in cls.specs()]

    def flat(self) -> dict[str, Any]:
        """Every setting as ``dotted.name -> value``."""
        return dict(_flatten(self.data))


def shipped_default(dotted: str) -> Any:
    """The shipped default of one setting in default_settings.toml (a fresh copy)."""
    node: Any = _shipped_tree()
    for part in dotted.split("."):
        node = node[part]
    return copy.deepcopy(node)


@functools.lru_cache(maxsize=1)
def _shipped_tree() -> dict[str, Any]:
    return _tree(_shipped_specs())


def default_field(dotted: str) -> Any:
    """A dataclass field whose default is the shipped default of setting ``dotted``."""
    return field(default_factory=functools.partial(shipped_default, dotted))


def stage_settings(settings: Settings | None, name: str) -> dict[str, Any]:
    """The ``[stages.NAME]`` section of ``settings``, or of the shipped defaults when it is None."""
    return (settings if settings is not None else Settings.shipped()).stage(name)

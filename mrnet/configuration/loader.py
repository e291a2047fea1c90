"""Layered YAML loading into typed, validated config objects.

Layers, later ones win: ``conf/base/*.yaml`` → ``conf/<env>/*.yaml`` → a catalog file
(``conf/catalogs/<name>.yaml``, whose ``catalog`` section replaces the default one whole, and whose
``tasks`` replace the base task table when they say ``replace: true``) → presets
(``conf/presets/<name>.yaml``, e.g. ``paper``: the paper's settings where the defaults depart
from them) → ``--set key=value`` overrides. Strings may use ``${ENV_VAR:default}``. Every key is checked
against the dataclass schema in :mod:`mrnet.configuration.schema`: an unknown key, a wrong type
or a missing required value raises :class:`ConfigError` naming the dotted key.
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import os
import re
import types
import typing
from pathlib import Path
from typing import Any

import yaml

_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")
# What a catalog file replaces whole instead of merging into (its catalog, its downstream tasks).
REPLACED_BY_CATALOG_FILE = ("catalog", "evaluate.tasks")
DOTTED_KEY_SECTIONS = ("spark.conf",)


class ConfigError(ValueError):
    """A configuration value is unknown, mistyped or missing; the message names the key."""


def default_conf_dir() -> Path:
    """``conf/`` of the source tree, or ``$MRNET_CONF_DIR`` (set by spark-submit users)."""
    if os.environ.get("MRNET_CONF_DIR"):
        return Path(os.environ["MRNET_CONF_DIR"])
    return Path(__file__).resolve().parents[2] / "conf"


def load_config(
    schema: type,
    env: str = "local",
    overrides: list[str] | None = None,
    catalog: str | None = None,
    conf_dir: Path | None = None,
    presets: list[str] | None = None,
):
    """Merge the layers and validate them into an instance of ``schema`` (a dataclass)."""
    conf_dir = Path(conf_dir) if conf_dir else default_conf_dir()
    merged = _read_layer(conf_dir / "base")
    if env:
        env_dir = conf_dir / env
        if not env_dir.is_dir():
            raise ConfigError(f"--conf-env {env!r}: no folder {env_dir}")
        merged = deep_merge(merged, _read_layer(env_dir))
    if catalog:
        merged = _merge_catalog_file(merged, _catalog_file(conf_dir, catalog))
    for preset in presets or []:
        merged = deep_merge(merged, _read_yaml(_preset_file(conf_dir, preset)))
    for item in overrides or []:
        merged = deep_merge(merged, parse_override(item))
    return build(schema, _interpolate(merged), "")


def _read_layer(folder: Path) -> dict:
    merged: dict = {}
    for path in sorted(folder.glob("*.yaml")):
        merged = deep_merge(merged, _read_yaml(path))
    return merged


def _read_yaml(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping")
    return data


def _catalog_file(conf_dir: Path, catalog: str) -> Path:
    path = Path(catalog)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    path = conf_dir / "catalogs" / f"{catalog}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in (conf_dir / "catalogs").glob("*.yaml"))
        raise ConfigError(f"--catalog {catalog!r}: no {path}; known catalogs: {known}")
    return path


def _preset_file(conf_dir: Path, preset: str) -> Path:
    path = conf_dir / "presets" / f"{preset}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in (conf_dir / "presets").glob("*.yaml"))
        raise ConfigError(f"--preset {preset!r}: no {path}; known presets: {known}")
    return path


def _merge_catalog_file(merged: dict, path: Path) -> dict:
    layer = _read_yaml(path)
    merged = copy.deepcopy(merged)
    tasks = layer.get("tasks")
    if isinstance(tasks, dict) and tasks.pop("replace", False) is True:
        merged["tasks"] = layer.pop("tasks")    # exactly the catalog's tasks, none of the base table
    for dotted in REPLACED_BY_CATALOG_FILE:
        *parents, key = dotted.split(".")
        source, target = layer, merged
        for part in parents:
            source, target = source.get(part, {}), target.setdefault(part, {})
        if isinstance(source, dict) and key in source:
            target[key] = source.pop(key)
    return deep_merge(merged, layer)


def deep_merge(base: dict, layer: dict) -> dict:
    """A copy of ``base`` with ``layer`` merged in; nested mappings merge, other values replace."""
    out = copy.deepcopy(base)
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def parse_override(item: str) -> dict:
    """``"a.b.c=3"`` → ``{"a": {"b": {"c": 3}}}``; the value is parsed as YAML."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected key=value")
    key, raw = item.split("=", 1)
    value = yaml.safe_load(raw) if raw.strip() else ""
    for part in reversed(_split_key(key.strip())):
        value = {part: value}
    return value


def _split_key(key: str) -> list[str]:
    """Dotted path; Spark's own keys (``spark.conf.spark.sql.x``) keep their dots."""
    for prefix in DOTTED_KEY_SECTIONS:
        if key.startswith(prefix + "."):
            return [*prefix.split("."), key[len(prefix) + 1:]]
    return key.split(".")


def _interpolate(value: Any, key: str = "") -> Any:
    """``${VAR}`` / ``${VAR:default}`` from the environment; an unset ``${VAR}`` without a
    default is a ConfigError naming the key and the variable (``${VAR:}`` allows empty)."""
    if isinstance(value, dict):
        return {k: _interpolate(v, _join(key, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, f"{key}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        return _ENV_PATTERN.sub(lambda m: _env_value(m, key), value)
    return value


def _env_value(match: re.Match, key: str) -> str:
    name, default = match.group(1), match.group(2)
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise ConfigError(f"{key}: environment variable {name} is not set (use ${{{name}:default}} "
                          f"for a default)")
    return default


def build(schema: Any, data: Any, key: str) -> Any:
    """Validate ``data`` against the type ``schema``; ``key`` is the dotted path for errors."""
    origin = typing.get_origin(schema)
    if dataclasses.is_dataclass(schema):
        return _build_dataclass(schema, data, key)
    if origin in (typing.Union, types.UnionType):
        return _build_union(schema, data, key)
    if origin is list:
        (item_type,) = typing.get_args(schema)
        _expect(isinstance(data, list), key, "a list", data)
        return [build(item_type, v, f"{key}[{i}]") for i, v in enumerate(data)]
    if origin is dict:
        key_type, value_type = typing.get_args(schema)
        _expect(isinstance(data, dict), key, "a mapping", data)
        return {str(k): build(value_type, v, f"{key}.{k}") for k, v in data.items()}
    if origin is typing.Literal:
        allowed = typing.get_args(schema)
        _expect(data in allowed, key, f"one of {list(allowed)}", data)
        return data
    return _build_scalar(schema, data, key)


def _build_dataclass(schema: type, data: Any, key: str):
    _expect(isinstance(data, dict), key or "<root>", "a mapping", data)
    hints = typing.get_type_hints(schema)
    fields = {f.name: f for f in dataclasses.fields(schema)}
    for name in data:
        if name not in fields:
            hint = difflib.get_close_matches(str(name), fields, n=1)
            suggestion = f" (did you mean {_join(key, hint[0])!r}?)" if hint else ""
            raise ConfigError(f"unknown key {_join(key, name)!r}{suggestion}")
    values = {}
    for name, field in fields.items():
        if name in data:
            values[name] = build(hints[name], data[name], _join(key, name))
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ConfigError(f"missing required key {_join(key, name)!r}")
    try:
        return schema(**values)
    except ValueError as error:  # __post_init__ checks
        raise ConfigError(f"{key or '<root>'}: {error}") from None


def _build_union(schema: Any, data: Any, key: str):
    args = typing.get_args(schema)
    if data is None and type(None) in args:
        return None
    errors = []
    for arg in (a for a in args if a is not type(None)):
        try:
            return build(arg, data, key)
        except ConfigError as error:
            errors.append(str(error))
    raise ConfigError(errors[0] if len(errors) == 1 else f"{key}: {data!r} fits none of {args}")


def _build_scalar(schema: Any, data: Any, key: str):
    if schema is Any:
        return data
    if schema is float:
        ok = isinstance(data, (int, float)) and not isinstance(data, bool)
        _expect(ok, key, "a number", data)
        return float(data)
    if schema is int:
        _expect(isinstance(data, int) and not isinstance(data, bool), key, "an integer", data)
        return data
    if schema is str:
        ok = isinstance(data, (str, int, float)) and not isinstance(data, bool)
        _expect(ok, key, "a string", data)
        return str(data)
    if schema is bool:
        _expect(isinstance(data, bool), key, "true or false", data)
        return data
    raise TypeError(f"unsupported config type {schema!r} at {key}")


def _expect(ok: bool, key: str, what: str, data: Any) -> None:
    if not ok:
        raise ConfigError(f"{key}: expected {what}, got {data!r}")


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else str(name)


def to_dict(config: Any) -> dict:
    """The resolved config as plain data (for writing next to artifacts)."""
    return dataclasses.asdict(config)


def dump_yaml(config: Any) -> str:
    return yaml.safe_dump(to_dict(config), sort_keys=False, allow_unicode=True)

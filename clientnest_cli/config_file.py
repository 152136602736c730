"""Reading config.toml and the environment without pydantic, for the commands
that only need where the store is and who acts.

``config.py`` (pydantic-settings) is the one definition of every key and its
validation. Its JSON schema is kept next to this file (``config_schema.json``;
tests/cli/test_config_light.py fails when it differs from the model's), and
``store_keys`` checks a config against it: when the file and the environment
are plainly valid it answers from them; whenever it is not sure (a value of
another type, a section with a cross-field rule, a nested environment
variable) the pydantic loader decides, so every error is the same one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clientnest_cli.errors import ConfigError

MAX_CONFIG_BYTES = 1024 * 1024  # a config file is a few KB; /dev/zero is endless


def _read_capped(path: Path) -> str:
    """The file's text, refusing more than MAX_CONFIG_BYTES (so `--config /dev/zero`
    or a runaway FIFO cannot fill the memory)."""
    with path.open("rb") as handle:
        data = handle.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KB",
            hint="point --config at a config.toml",
        )
    return data.decode("utf-8")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = _read_capped(path)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file {path}: {exc.strerror}", hint="check its permissions"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not UTF-8 text", hint="save it as UTF-8 TOML"
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}", hint="fix the TOML syntax on that line") from exc


def _line_of(path: Path, key: str) -> int | None:
    try:
        for number, line in enumerate(_read_capped(path).splitlines(), 1):
            if line.strip().split("=")[0].strip().strip('"') == key or line.strip() == f"[{key}]":
                return number
    except (OSError, UnicodeDecodeError, ConfigError):
        return None
    return None


# Team policy is not per-machine configuration: it lives in the store.
_POLICY_POINTERS = {
    "tiers": "tiers.TIER.LIMIT (e.g. `clientnest policy set tiers.free.accounts 10`)",
    "publishing.require_approval_for_editors": "approval.editors "
    "(`clientnest policy set approval.editors true`)",
}


def _refuse_policy(data: dict[str, Any], path: Path) -> None:
    """A policy key in config.toml or CLIENTNEST_* is refused, pointing to `policy set`."""
    import os

    found: list[tuple[str, str]] = []
    if "tiers" in data:
        line = _line_starting(path, ("[tiers", "tiers")) or _line_of(path, "tiers")
        found.append((f"{path}:{line}" if line else str(path), "tiers"))
    if (
        isinstance(data.get("publishing"), dict)
        and "require_approval_for_editors" in (data["publishing"])
    ):
        line = _line_of(path, "require_approval_for_editors")
        where = f"{path}:{line}" if line else str(path)
        found.append((where, "publishing.require_approval_for_editors"))
    for name, value in os.environ.items():
        upper = name.upper()
        if upper == "CLIENTNEST_TIERS" or upper.startswith("CLIENTNEST_TIERS__"):
            found.append((f"environment variable {name}", "tiers"))
        elif upper == "CLIENTNEST_PUBLISHING__REQUIRE_APPROVAL_FOR_EDITORS" or (
            upper == "CLIENTNEST_PUBLISHING" and "require_approval" in value.lower()
        ):
            found.append(
                (f"environment variable {name}", "publishing.require_approval_for_editors")
            )
    if found:
        where, key = found[0]
        raise ConfigError(
            f"{where}: '{key}' is team policy, kept in the store, not in config",
            hint=f"remove it; an owner or admin sets policy key {_POLICY_POINTERS[key]}",
        )


def _line_starting(path: Path, prefixes: tuple[str, ...]) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines, 1):
        if line.strip().startswith(prefixes):
            return number
    return None


# --- the store's keys without pydantic ------------------------------------------------

# Sections whose model checks one key against another (a model_validator), which the
# JSON schema cannot say: present in the file or the environment, pydantic decides.
CROSS_CHECKED = ("publishing",)
_SCHEMA_FILE = Path(__file__).with_name("config_schema.json")
_KNOWN = {
    "$defs", "$ref", "additionalProperties", "anyOf", "default", "description", "exclusiveMaximum",
    "exclusiveMinimum", "items", "maxItems", "maximum", "minItems", "minimum", "pattern",
    "prefixItems", "properties", "title", "type",
}  # fmt: skip


@dataclass(frozen=True)
class StoreKeys:
    """What the store-only commands need of the settings."""

    user: str | None
    database_url: str | None


class _Unsure(Exception):
    """The light check cannot vouch for this config: let pydantic decide."""


def store_keys(config_path: Path | None, config_file: Path) -> StoreKeys:
    """``user`` and ``database_url`` from the file and environment; raises
    ``_Unsure`` when only the pydantic loader can say (see the module's doc)."""
    data, _ = _plain_config(config_path, config_file)
    return StoreKeys(user=data.get("user"), database_url=data.get("database_url"))


def _plain_config(config_path: Path | None, config_file: Path) -> tuple[dict[str, Any], Any]:
    """The file's keys overlaid with the environment's, checked against the schema;
    ``_Unsure`` when only pydantic can say. Returns them and the schema."""
    import json
    import os

    path = config_path or config_file
    if config_path is not None and not config_path.exists():
        raise ConfigError(f"config file {config_path} does not exist", hint="check --config")
    data = _read_toml(path)
    _refuse_policy(data, path)
    schema = json.loads(_SCHEMA_FILE.read_text(encoding="utf-8"))
    fields = schema["properties"]
    for name, value in os.environ.items():
        upper = name.upper()
        for field in fields:
            key = f"CLIENTNEST_{field.upper()}"
            if upper.startswith(key + "__"):
                data = _nested_env(data, schema, field, upper[len(key) + 2 :], value, name)
            elif upper == key:
                if schema["properties"][field].get("type") == "object":
                    raise _Unsure(name)  # a JSON value in the environment
                data = {**data, field: value}
    if any(section in data for section in CROSS_CHECKED):
        raise _Unsure("cross-checked section")
    _check(data, schema, schema)
    return data, schema


def _nested_env(
    data: dict[str, Any], schema: Any, field: str, rest: str, value: str, name: str
) -> dict[str, Any]:
    """``CLIENTNEST_SECTION__KEY=text`` merged into the file's section, as
    pydantic-settings does, when KEY is a plain text key of a section; any other
    nested variable (a number to parse, a dict's entry) is left to pydantic."""
    ref = schema["properties"][field].get("$ref", "")
    section = schema["$defs"].get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    key = rest.lower()
    node = section.get("properties", {}).get(key)
    options = (node or {}).get("anyOf", [node or {}])
    if not node or {o.get("type") for o in options} - {"string", "null"}:
        raise _Unsure(name)
    current = data.get(field, {})
    if not isinstance(current, dict) or any(k.lower() == key and k != key for k in current):
        raise _Unsure(name)
    return {**data, field: {**current, key: value}}


# --- every setting without pydantic, for `publish now` ---------------------------------


class _Section:
    """A settings section as attributes: the schema's defaults under the given values;
    a key the schema gives no default for comes from the pydantic settings."""

    def __init__(self, values: dict[str, Any], full: Any) -> None:
        self.__dict__.update(values)
        self._full = full

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._full(), name)


class LightSettings(_Section):
    """The settings ``config.Settings`` would load, read without pydantic (``light_settings``)."""

    def platform(self, name: str) -> Any:
        return self._platforms.get(name) or self._platforms[""]


def light_settings(config_path: Path | None, config_file: Path, full: Any) -> LightSettings:
    """Every key from the file and environment over the schema's defaults; raises
    ``_Unsure`` when only the pydantic loader can say. ``full()`` gives the pydantic
    settings, asked only for a key the schema has no default for."""
    data, schema = _plain_config(config_path, config_file)

    def section(node: dict[str, Any], given: dict[str, Any], path: str) -> _Section:
        values = {k: v["default"] for k, v in node["properties"].items() if "default" in v}
        for key, value in [*values.items(), *given.items()]:
            kind = node["properties"][key].get("type")
            if kind in ("object", "array"):  # pydantic makes tuples of lists and more
                values.pop(key, None)
            else:
                values[key] = float(value) if kind == "number" else value
        return _Section(values, lambda: _dig(full(), path))

    def def_of(node: dict[str, Any]) -> dict[str, Any]:
        return schema["$defs"][node["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]

    top: dict[str, Any] = {}
    for key, node in schema["properties"].items():
        if "$ref" in node:
            top[key] = section(def_of(node), data.get(key, {}), key)
        elif "default" in node:
            top[key] = data.get(key, node["default"])
        elif key in data and key != "platforms":
            raise _Unsure(key)
    platform = def_of(schema["properties"]["platforms"]["additionalProperties"])
    top["_platforms"] = {
        name: section(platform, given, f"platforms.{name}")
        for name, given in {"": {}, **data.get("platforms", {})}.items()
    }
    return LightSettings(top, full)


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def _check(value: Any, node: dict[str, Any], root: dict[str, Any]) -> None:
    """Raise _Unsure unless ``value`` certainly passes ``node`` (JSON schema subset)."""
    import math
    import re

    if set(node) - _KNOWN:
        raise _Unsure(f"schema keyword {set(node) - _KNOWN}")
    if "$ref" in node:
        _check(value, root["$defs"][node["$ref"].rsplit("/", 1)[1]], root)
        return
    if "anyOf" in node:
        for option in node["anyOf"]:
            try:
                _check(value, option, root)
                return
            except _Unsure:
                continue
        raise _Unsure("no option fits")
    kind = node.get("type")
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
    }.get(kind or "", False)
    if not ok:
        raise _Unsure(f"{kind}: {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _Unsure("not finite")
    bounds = (
        ("minimum", lambda v, b: v >= b),
        ("maximum", lambda v, b: v <= b),
        ("exclusiveMinimum", lambda v, b: v > b),
        ("exclusiveMaximum", lambda v, b: v < b),
    )
    for keyword, holds in bounds:
        if keyword in node and not holds(value, node[keyword]):
            raise _Unsure(keyword)
    if "pattern" in node and not re.search(node["pattern"], value):
        raise _Unsure("pattern")
    if kind == "object":
        _check_object(value, node, root)
    if kind == "array":
        _check_array(value, node, root)


def _check_object(value: dict[str, Any], node: dict[str, Any], root: dict[str, Any]) -> None:
    properties = node.get("properties", {})
    extra = node.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            _check(item, properties[key], root)
        elif extra is False:
            raise _Unsure(f"unknown key {key}")
        elif isinstance(extra, dict):
            _check(item, extra, root)


def _check_array(value: list[Any], node: dict[str, Any], root: dict[str, Any]) -> None:
    if len(value) < node.get("minItems", 0) or len(value) > node.get("maxItems", len(value)):
        raise _Unsure("length")
    prefix = node.get("prefixItems", [])
    for index, item in enumerate(value):
        if index < len(prefix):
            _check(item, prefix[index], root)
        elif "items" in node:
            _check(item, node["items"], root)
        elif prefix:
            raise _Unsure("beyond prefixItems")

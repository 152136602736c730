"""Settings as TOML text, for `config show` (what config.toml itself would say)."""

from __future__ import annotations

import json
from typing import Any


def _key(name: str) -> str:
    bare = name and all(c.isalnum() or c in "-_" for c in name)
    return name if bare else json.dumps(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """Keys first, then one [table] per nested dict; unset (None) keys are
    written as comments, since TOML has no null."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for name, value in data.items():
        if isinstance(value, dict):
            tables.append((f"{prefix}{_key(name)}", value))
        elif value is None:
            lines.append(f"# {_key(name)} is not set")
        else:
            lines.append(f"{_key(name)} = {_value(value)}")
    for name, table in tables:
        body = to_toml(table, f"{name}.")
        lines += ["", f"[{name}]", *([body] if body else [])]
    return "\n".join(lines).strip("\n")

"""Comparing an emulator's answer with a documented example: same keys, same
JSON types, recursively (tests/contract/test_doc_examples*.py)."""

from __future__ import annotations

from typing import Any


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def differences(example: Any, actual: Any, path: str = "$") -> list[str]:
    """Keys the example has that the answer lacks, and JSON types that differ.

    A list in the example shows one item; every item of the answer's list must
    have that item's shape."""
    if example is None:
        return []
    if _kind(example) != _kind(actual):
        return [f"{path}: documented {_kind(example)}, emulator {_kind(actual)}"]
    if isinstance(example, dict):
        found = []
        for key, value in example.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing")
            else:
                found += differences(value, actual[key], f"{path}.{key}")
        return found
    if isinstance(example, list) and example:
        return [
            d
            for i, item in enumerate(actual)
            for d in differences(example[0], item, f"{path}[{i}]")
        ]
    return []


def value_at(body: Any, path: str) -> Any:
    for part in path.removeprefix("$.").split("."):
        body = body[part]
    return body

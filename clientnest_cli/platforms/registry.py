"""Find adapters through the `clientnest.platforms` entry-point group.

Built-ins are registered in pyproject.toml exactly as a third-party plugin
would register its own, so this path is the only one and is always exercised.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from clientnest_cli.errors import BadInput

if TYPE_CHECKING:
    from clientnest_cli.platforms.base import Adapter

GROUP = "clientnest.platforms"


@cache
def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def platform_names() -> list[str]:
    return sorted(_entry_points())


def get_adapter_class(name: str) -> type[Adapter]:
    eps = _entry_points()
    if name not in eps:
        raise BadInput(
            f"unknown platform '{name}'",
            hint=f"choose one of: {', '.join(sorted(eps))}",
        )
    return eps[name].load()  # type: ignore[attr-defined,no-any-return]

"""Help text in the usual command-line style: `--to TEXT`, `PLATFORM`.

Typer (0.29) prints raw Python types in help — `--to <list[str]>`, usage
`{platform}` — which read like a stack trace. This replaces the two methods
that make those strings, for every command at once (options and arguments
that set their own ``metavar`` keep it).
"""

from __future__ import annotations

from typing import Any

from typer import core

_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "Path": "PATH", "bool": "BOOLEAN"}


def _metavar(param: Any, ctx: Any) -> str:
    desc = param.type_descriptor
    if getattr(desc, "is_choice", False):
        return "|".join(str(c) for c in desc.choices or ())
    if getattr(desc, "is_path", False):
        return "PATH"
    raw = _ORIGINAL_DISPLAY_TYPE(param, ctx).strip("<>")
    element = raw[5:-1] if raw.startswith("list[") and raw.endswith("]") else raw
    return _NAMES.get(element, element.upper())


def _argument_name(arg: Any) -> str:
    return (arg.metavar or arg.name or "").upper()


def _usage_display_name(self: Any) -> str:
    name = _argument_name(self)
    if not self.required:
        name = f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def _argument_display_type(self: Any, ctx: Any) -> str | None:
    return None  # the name (PLATFORM) says it; the type adds nothing


def _rich_display_name(self: Any) -> str:
    return _argument_name(self) + ("..." if self.metavar is None and self.nargs != 1 else "")


_ORIGINAL_DISPLAY_TYPE = core._TyperParameter.display_type


def install() -> None:
    """Patch once; a Typer without these hooks keeps its own help."""
    if getattr(core, "_clientnest_help", False) or not hasattr(core, "TyperArgument"):
        return
    core._TyperParameter.display_type = _metavar  # type: ignore[method-assign]
    core.TyperArgument._usage_display_name = _usage_display_name  # type: ignore[attr-defined]
    core.TyperArgument.display_type_rich = _argument_display_type  # type: ignore[method-assign]
    core.TyperArgument._rich_display_name = _rich_display_name  # type: ignore[attr-defined]
    core._clientnest_help = True  # type: ignore[attr-defined]

"""Subcommands registered by name and imported on first use.

Each entry is (command name, module under clientnest_cli.cli[:attribute],
short help). A module entry exposes a Typer ``app`` (a group of commands);
``module:function`` is a single command. The root group lists them from the
table, so help and completion of the root never import the modules.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import typer

LAZY: dict[str, tuple[str, str]] = {}


def groups(app: typer.Typer, entries: list[tuple[str, str, str]]) -> None:
    for name, target, help_text in entries:
        LAZY[name] = (target, help_text)


def load(name: str) -> Any:
    """The click command for a lazily registered name."""
    target, help_text = LAZY[name]
    module_name, _, attr = target.partition(":")
    module = import_module(f"clientnest_cli.cli.{module_name}")
    if attr:
        single = typer.Typer(add_completion=False)
        single.command(name, help=getattr(module, attr).__doc__)(getattr(module, attr))
        command = typer.main.get_command(single)
    else:
        command = typer.main.get_group(module.app)
        command.help = command.help or help_text
    command.name = name
    command.short_help = help_text
    _plain_help(command)
    return command


def _plain_help(command: Any) -> None:
    """Plain click help everywhere, like the root: no Rich import for `--help`."""
    command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)

"""The scope options the analytics commands share, declared once.

``@scoped()`` adds ``--client --account --platform --since --until --period``
(or the ones named) to a command, before its ``--json``, and hands the command
one :class:`ScopeOptions` as its ``scope`` parameter (declared
``scope: ScopeOptions = SCOPE``) instead of six loose values. A command may word an option's help its own way
(``@scoped("since", "until", "period", period="History to learn from …")``).
Typer reads the command's signature, so the options show in ``--help`` and
parse exactly as if each command had spelt them out.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import typer

from clientnest_cli.cli.app import state

if TYPE_CHECKING:
    from clientnest_cli.services.analytics_scope import Scope

NAMES = ("client", "account", "platform", "since", "until", "period")
FLAGS: dict[str, tuple[str, ...]] = {
    "client": ("--client",),
    "account": ("--account", "-a"),
    "platform": ("--platform",),
    "since": ("--since",),
    "until": ("--until",),
    "period": ("--period",),
}
HELP = {
    "client": "Only this client's accounts.",
    "account": "Only this account (PLATFORM:HANDLE, handle or id); repeat.",
    "platform": "Only accounts on this platform.",
    "since": "From (ISO date/time or e.g. '90 days ago').",
    "until": "Up to (default: now).",
    "period": "The last N days/weeks/months/years: 30d, 4w, 3m, 1y.",
}

LEARN_PERIOD = "History to learn from (default: the last year)."  # best times' --period


@dataclass(frozen=True)
class ScopeOptions:
    """What the scope options said (None: not given)."""

    client: str | None = None
    account: list[str] | None = None
    platform: str | None = None
    since: str | None = None
    until: str | None = None
    period: str | None = None

    def resolve(self, ctx: typer.Context, default_period: str = "30d") -> Scope:
        """The accounts and time range (every bad option is a BadInput, exit 2)."""
        from clientnest_cli.services.analytics import scope

        return scope(
            state(ctx),
            client=self.client,
            accounts=self.account or None,
            platform=self.platform,
            since=self.since,
            until=self.until,
            period=self.period,
            default_period=default_period,
        )

    def times(self) -> dict[str, str | None]:
        """Only the time options, for services that take them as keywords."""
        values = asdict(self)
        return {k: values[k] for k in ("since", "until", "period")}


SCOPE = ScopeOptions()  # a scoped command's ``scope`` default; the decorator fills it in


def _parameter(name: str, help_text: str | None) -> inspect.Parameter:
    annotation = list[str] | None if name == "account" else str | None
    option = typer.Option(None, *FLAGS[name], help=help_text or HELP[name])
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=option, annotation=annotation
    )


def scoped(*names: str, **helps: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the scope options ``names`` (default: all six) to a Typer command whose
    ``scope`` parameter receives them as one ScopeOptions."""
    chosen = names or NAMES

    def wrap(command: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "scope"]
        at = next((i for i, p in enumerate(own) if p.name == "as_json"), len(own))
        added = [_parameter(n, helps.get(n)) for n in chosen]

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            values = {n: kwargs.pop(n) for n in chosen}
            return command(*args, scope=ScopeOptions(**values), **kwargs)

        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=own[:at] + added + own[at:]
        )
        return run

    return wrap

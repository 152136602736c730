"""Which accounts and which time span an analytics command looks at.

Read with plain SQL (no ORM models; on SQLite not even SQLAlchemy, see
store/lite.py): analytics commands are read-only, and `analytics
overview` over a million snapshots must cost little more than the query itself
(BENCH.md B6), so importing SQLModel and building the models is left to the
commands that write.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput, NotFound

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

PERIOD = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


@dataclass
class Scope:
    account_ids: list[int]
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    timezone: str = "UTC"  # the acting user's zone
    labels: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → ref/platform/client

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def parse_period(text: str) -> timedelta:
    match = PERIOD.match(text or "")
    if not match:
        raise BadInput(f"cannot understand the period '{text}'", hint="use e.g. 7d, 4w, 3m or 1y")
    days = int(match.group(1)) * DAYS[match.group(2).lower()]
    if days <= 0:
        raise BadInput(f"the period '{text}' is empty", hint="use at least 1d")
    return timedelta(days=days)


def _rows(ctx: AppContext, sql: str, **params: Any) -> list[Any]:
    """The rows of one query: on SQLite through the plain reader, else the engine."""
    return _records(ctx, sql, params, named=False)


def _records(ctx: AppContext, sql: str, params: dict[str, Any], *, named: bool = True) -> list[Any]:
    """The rows of one query as dicts by column (``named``) or tuples; a list
    parameter is expanded for ``IN :name``."""
    reader = ctx.sqlite_reader()
    if reader is not None:
        from clientnest_cli.store.sqlite_reader import bind

        cursor = reader.execute(*bind(sql, params))
        rows = cursor.fetchall()
        if not named:
            return rows
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in rows]
    from clientnest_cli.services.analytics import _statement

    with ctx.store.read_engine.connect() as conn:
        result = conn.execute(_statement(sql, params))
        return [dict(r) for r in result.mappings()] if named else list(result.all())


def acting_timezone(ctx: AppContext) -> str:
    """The acting user's zone (the same user ``ctx.actor`` finds), by plain SQL."""
    email = ctx.acting_email or ctx.store_keys.user
    if email:
        found = _rows(ctx, 'SELECT timezone FROM "user" WHERE email = :e', e=email)
        if not found:
            raise NotFound(
                f"no user with email {email}",
                hint="see `clientnest users list`, or fix --as / config's `user`",
            )
    else:
        found = _rows(ctx, "SELECT timezone FROM \"user\" WHERE role = 'owner' ORDER BY id")
        if not found:
            raise BadInput("the store has no owner", hint="run `clientnest init`")
    return found[0][0] or "UTC"


ACCOUNTS_SQL = (
    "SELECT a.id, a.platform, a.handle, a.client_id, a.settings, c.name FROM socialaccount a "
    "LEFT JOIN client c ON c.id = a.client_id ORDER BY a.platform, a.handle"
)


def _resolve(rows: list[Any], ref: str) -> Any:
    """An account row from `PLATFORM:HANDLE`, `HANDLE` or its id (as accounts.resolve)."""
    if ref.isdigit():
        found = [r for r in rows if r[0] == int(ref)]
        if not found:
            raise NotFound(f"no account with id {ref}", hint="see `clientnest accounts list`")
        return found[0]
    platform, _, handle = ref.partition(":") if ":" in ref else ("", "", ref)
    handle = handle.lstrip("@").lower()
    matches = [
        r for r in rows if r[2].lower() == handle and (not platform or r[1] == platform.lower())
    ]
    if not matches:
        raise NotFound(f"no account '{ref}'", hint="see `clientnest accounts list`")
    if len(matches) > 1:
        ids = ", ".join(str(r[0]) for r in matches)
        raise BadInput(
            f"'{ref}' matches {len(matches)} accounts: {ids}",
            hint="name one by its id, or as PLATFORM:HANDLE",
        )
    return matches[0]


def _settings(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def scope(
    ctx: AppContext,
    *,
    client: str | None = None,
    accounts: list[str] | None = None,
    platform: str | None = None,
    since: str | None = None,
    until: str | None = None,
    period: str | None = None,
    default_period: str = "30d",
    now: datetime | None = None,
) -> Scope:
    """Resolve the common options; every bad one is a BadInput (exit 2)."""
    from clientnest_cli.services.timeparse import parse_when

    if period and since:
        raise BadInput("give --since or --period, not both")
    tz = acting_timezone(ctx)
    now = now or datetime.now(UTC)
    end = parse_when(until, tz, allow_past=True) if until else now
    start = (
        parse_when(since, tz, allow_past=True)
        if since
        else end - parse_period(period or default_period)
    )
    if start > end:
        raise BadInput(
            f"the date range runs backwards ({start:%Y-%m-%d %H:%M} is after "
            f"{end:%Y-%m-%d %H:%M} UTC)",
            hint="--since must come before --until",
        )
    if start == end:
        raise BadInput("the period is empty (--since equals --until)")
    rows = _rows(ctx, ACCOUNTS_SQL)
    chosen = [_resolve(rows, ref) for ref in accounts] if accounts else rows
    if client:
        if not _rows(ctx, "SELECT id FROM client WHERE name = :n", n=client):
            raise NotFound(
                f"no client named '{client}'", hint="add it with `clientnest clients add`"
            )
        chosen = [r for r in chosen if r[5] == client]
    if platform:
        from clientnest_cli.platforms.registry import platform_names

        if platform not in platform_names():
            raise BadInput(f"unknown platform '{platform}'", hint="see `clientnest platforms list`")
        chosen = [r for r in chosen if r[1] == platform]
    if accounts and not chosen:
        raise NotFound("no account matches these options")
    labels = {
        int(r[0]): {
            "account": f"{r[1]}:{r[2]}",
            "platform": r[1],
            "client": r[5],
            "timezone": _settings(r[4]).get("timezone") or tz,
        }
        for r in chosen
    }
    return Scope([int(r[0]) for r in chosen], start, end, tz, labels)


def since_value(ctx: AppContext, text: str, now: datetime | None = None) -> datetime:
    """A --since that is a period back from now (90d) or a date/time in the user's zone."""
    if PERIOD.match(text or ""):
        return (now or datetime.now(UTC)) - parse_period(text)
    from clientnest_cli.services.timeparse import parse_when

    return parse_when(text, acting_timezone(ctx), allow_past=True)

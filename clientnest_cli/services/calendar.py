"""The calendar's data: scheduled and published posts on a week or month grid.

Read through the thin store (store/lite.py, no ORM import), like every
command that only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from clientnest_cli.domain.clock import to_local
from clientnest_cli.errors import BadInput

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext


def until_date(text: str, tz_name: str, now: datetime) -> date:
    from clientnest_cli.services.timeparse import MAX_YEARS_AHEAD, parse_when

    try:
        found = date.fromisoformat(text.strip())
    except ValueError:
        return to_local(parse_when(text, tz_name, now=now, allow_past=True), tz_name).date()
    if found.year > now.year + MAX_YEARS_AHEAD:
        raise BadInput(f"--until {text} is more than {MAX_YEARS_AHEAD} years ahead")
    return found


# --- the calendar -------------------------------------------------------------------


@dataclass
class CalendarEntry:
    post_id: int
    account: str
    at_utc: datetime
    at_local: datetime
    status: str
    text: str
    thread: bool


@dataclass
class Calendar:
    view: str
    first: date
    last: date  # inclusive
    tz_name: str
    entries: list[CalendarEntry]


def _range(view: str, day: date) -> tuple[date, date]:
    if view == "month":
        first = day.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
        return first, after - timedelta(days=1)
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _midnight_utc(day: date, tz_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def calendar_data(
    ctx: AppContext, view: str = "week", day: str | None = None, account_ref: str | None = None
) -> Calendar:
    from clientnest_cli.services.account_refs import resolve_in
    from clientnest_cli.store.lite_repos import LiteAccounts, LitePosts, LiteUsers
    from clientnest_cli.store.values import utcnow

    if view not in ("week", "month"):
        raise BadInput(f"unknown calendar view '{view}'", hint="use --week or --month")
    with ctx.lite() as db:
        tz = ctx.actor_in(LiteUsers(db)).timezone
        now = utcnow()
        anchor = until_date(day, tz, now) if day else to_local(now, tz).date()
        first, last = _range(view, anchor)
        account_id = resolve_in(LiteAccounts(db), account_ref).id if account_ref else None
        rows = LitePosts(db).calendar(
            _midnight_utc(first, tz), _midnight_utc(last + timedelta(days=1), tz), account_id
        )
        parts = LitePosts(db).thread_lead_ids([p.id or 0 for p, _, _ in rows])
        entries = [
            CalendarEntry(
                post_id=post.id or 0,
                account=f"{platform}:{handle}",
                at_utc=post.scheduled_at,  # type: ignore[arg-type]
                at_local=to_local(post.scheduled_at, tz),  # type: ignore[arg-type]
                status=post.status,
                text=post.content,
                thread=(post.id or 0) in parts,
            )
            for post, platform, handle in rows
        ]
        return Calendar(view, first, last, tz, entries)

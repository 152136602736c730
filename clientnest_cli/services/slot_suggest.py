"""`slots suggest`: an account's best times (analytics best-times) as posting slots.

Best times are hours of the week in the *account's* zone; posting slots are
read in the *acting user's* zone (as `post queue` and `ai plan` read them), so
each suggested hour is moved to the user's zone at its next occurrence. The
top hours are best-times' top slots (best first, spaced apart on one day).
Nothing is suggested without enough data: a prior is fine for a heatmap, not
for a schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext

MAX_SUGGEST = 10
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def suggest(ctx: AppContext, ref: str, count: int = 3, **options: Any) -> dict[str, Any]:
    """The top ``count`` best-time slots with their intervals, in the user's zone.

    Answers ``enough_data`` False and no slots when the history is too thin."""
    from clientnest_cli.services.analytics import best_times
    from clientnest_cli.services.analytics_scope import acting_timezone

    if not 1 <= count <= MAX_SUGGEST:
        raise BadInput(f"--count must be between 1 and {MAX_SUGGEST}, not {count}")
    data = best_times(ctx, ref, count, **options)
    user_tz = acting_timezone(ctx)
    chosen = data["slots"] if data["enough_data"] else []
    return {
        "account": ref,
        "timezone": data["timezone"],
        "slot_timezone": user_tz,
        "enough_data": data["enough_data"],
        "posts": data["posts"],
        "slots": [as_slot(s, data["timezone"], user_tz) for s in chosen],
    }


def daily_best(ctx: AppContext, ref: str) -> list[dict[str, Any]]:
    """Each weekday's best hour (among hours with posts behind them), as slots in the
    user's zone, for `ai plan` on an account without slots; [] without enough data."""
    from clientnest_cli.services.analytics import best_times
    from clientnest_cli.services.analytics_scope import acting_timezone

    data = best_times(ctx, ref, 1)
    if not data["enough_data"]:
        return []
    best: dict[int, dict[str, Any]] = {}
    for cell in data["cells"]:
        if cell["posts"] and cell["lift"] > best.get(cell["weekday"], {}).get("lift", 0.0):
            best[cell["weekday"]] = cell
    user_tz = acting_timezone(ctx)
    return [as_slot(best[d], data["timezone"], user_tz) for d in sorted(best)]


def as_slot(cell: dict[str, Any], account_tz: str, user_tz: str) -> dict[str, Any]:
    """A best-time cell (account zone) as a posting slot in the user's zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(account_tz)
    today = datetime.now(UTC).astimezone(zone).date()
    day = today + timedelta(days=(cell["weekday"] - today.weekday()) % 7)
    at = datetime(day.year, day.month, day.day, cell["hour"], tzinfo=zone)
    local = at.astimezone(ZoneInfo(user_tz))
    return {
        **cell,
        "day": DAY_NAMES[local.weekday()],
        "time": local.strftime("%H:%M"),
        "slot_weekday": local.weekday(),
    }


def apply(ctx: AppContext, ref: str, suggestion: dict[str, Any]) -> int:
    """Write the suggested slots as the account's slots (as `slots add` does);
    returns how many were new. Without enough data nothing is written."""
    from clientnest_cli.services.schedule import add_slot_pairs

    if not suggestion["enough_data"]:
        raise BadInput(
            f"not enough data to suggest slots for {ref} ({suggestion['posts']} posts with "
            "figures); nothing applied",
            hint="backfill or import the account's history first, or add slots by hand",
        )
    pairs = [(s["slot_weekday"], s["time"]) for s in suggestion["slots"]]
    return len(add_slot_pairs(ctx, ref, pairs))

"""A week of AI drafts, each placed in one of the account's free posting slots."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from clientnest_cli.ai import prompts
from clientnest_cli.domain.enums import Role
from clientnest_cli.errors import BadInput
from clientnest_cli.services import ai_shaping as shaping
from clientnest_cli.services.ai_content import (
    Draft,
    check_can_save,
    meter_for,
    need_count,
    need_text,
    render_prompt,
    resolve_targets,
    save_drafts,
)
from clientnest_cli.services.ai_usage import Actor
from clientnest_cli.store.ai_repos import AIPlanning
from clientnest_cli.store.post_repos import Slots

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext

MAX_PLAN_DAYS = 31


@dataclass
class PlanResult:
    account: str
    platform: str
    drafts: list[Draft]
    group_id: str
    asked_days: int
    slot_source: str = "slots"  # slots | best-times (the account had no slots)


# --- a week's plan ---------------------------------------------------------------------


def plan(
    ctx: AppContext,
    topic: str,
    target: str,
    days: int = 7,
    tone: str | None = None,
    goal: str | None = None,
    actor: Actor | None = None,
) -> PlanResult:
    """Drafts for the next ``days`` days, one in each day's first free posting slot."""
    topic = need_text(topic, "topic")
    days = need_count(days, "--days", MAX_PLAN_DAYS)
    tone = prompts.check_tone(tone) if tone else None
    with ctx.store.session() as session:
        user = ctx.require(session, Role.EDITOR, "planning posts")
        [account] = resolve_targets(session, [target])
        slots: list[Any] = list(Slots(session).for_account(account.id or 0))
        check_can_save([account])
    source = "slots"
    if not slots:
        slots, source = best_time_slots(ctx, f"{account.platform}:{account.handle}"), "best-times"
    with ctx.store.session() as session:
        # slot times are read in the acting user's timezone, as `post queue` does
        times = free_slot_times(session, account.id or 0, slots, user.timezone, days)
    if not times:
        raise BadInput(
            f"every posting slot of {account.platform}:{account.handle} in the next {days} days "
            "is taken",
            hint="add slots with `clientnest slots add`, or plan further ahead with --days",
        )
    platform = account.platform
    with meter_for(ctx, actor or Actor(user.id or 0, user.email), "planning posts") as meter:
        messages = render_prompt(
            "plan", platform, topic=topic, days=len(times), tone=tone, goal=goal
        )
        shaped = shaping.ask(
            meter,
            "plan",
            messages,
            platforms=[platform],
            max_tokens=shaping.json_tokens(ctx.settings.ai.max_tokens, platform, len(times)),
            extract=shaping.plan_posts,
            json_mode=True,
        )
    drafts = [
        Draft(text, cut, [w for w in shaped.warnings if w.startswith(f"item {i + 1}:")], [], when)
        for i, (text, cut, when) in enumerate(zip(shaped.items, shaped.cut, times, strict=False))
    ]
    group_id = uuid.uuid4().hex
    save_drafts(ctx, meter.actor, drafts, [account], group_id, variant_labels=False)
    return PlanResult(f"{platform}:{account.handle}", platform, drafts, group_id, days, source)


def best_time_slots(ctx: AppContext, ref: str) -> list[SimpleNamespace]:
    """An account without slots is planned at its best times (each weekday's best
    hour, slot_suggest.daily_best); without enough history that is an error."""
    from clientnest_cli.services.slot_suggest import daily_best

    found = daily_best(ctx, ref)
    if not found:
        raise BadInput(
            f"{ref} has no posting slots, and too little history for best times",
            hint=f"add some with `clientnest slots add {ref} …`, or backfill its history",
        )
    return [SimpleNamespace(weekday=s["slot_weekday"], local_time=s["time"]) for s in found]


def free_slot_times(
    session: Session, account_id: int, slots: list[Any], tz_name: str, days: int
) -> list[datetime]:
    """For each of the next ``days`` days (today first), its first free slot, in UTC."""
    from zoneinfo import ZoneInfo

    from clientnest_cli.domain.clock import local_to_utc

    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(tz_name)).date()
    window_end = now + timedelta(days=days + 2)
    taken = {
        t.replace(second=0, microsecond=0)
        for t in AIPlanning(session).taken_times(account_id, now - timedelta(days=1), window_end)
    }
    chosen: list[datetime] = []
    for offset in range(days):
        day: date = today + timedelta(days=offset)
        for slot in sorted(
            (s for s in slots if s.weekday == day.weekday()), key=lambda s: s.local_time
        ):
            hour, minute = (int(part) for part in slot.local_time.split(":"))
            try:
                when = local_to_utc(datetime.combine(day, time(hour, minute)), tz_name)
            except BadInput:
                continue  # a DST change swallows or doubles this slot today
            if when > now and when not in taken:
                chosen.append(when)
                break
    return chosen

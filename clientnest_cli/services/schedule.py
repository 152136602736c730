"""When posts go out: schedule, unschedule, cancel, the slot queue, recurrence,
and the calendar's data. Times are read in the acting user's zone, stored UTC.

Scope of an action: the post and its thread parts. With ``group=True`` also the
other posts of its group (the siblings of a cross-post). A thread part cannot be
acted on alone: the thread's first post stands for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from clientnest_cli.domain.clock import local_to_utc, to_local
from clientnest_cli.domain.enums import PostStatus, Role
from clientnest_cli.domain.post_states import check_transition
from clientnest_cli.domain.recurrence import parse_days, parse_every, parse_times, weekly
from clientnest_cli.errors import BadInput
from clientnest_cli.services.calendar import until_date as _until_date
from clientnest_cli.services.posts import (
    MAX_OCCURRENCES,
    back_to_approval,
    bump_version,
    check_scheduled_limit,
    get_post,
    label,
)
from clientnest_cli.services.posts_manage import family
from clientnest_cli.store.models import Post, PostingSlot
from clientnest_cli.store.post_repos import Posts, Slots

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext

QUEUE_HORIZON_DAYS = 56


@dataclass
class Scheduled:
    posts: list[Post]  # every post whose schedule changed (leads and parts)
    at_utc: datetime | None
    tz_name: str
    drafts_left: int = 0  # group siblings still drafts (no --group)

    @property
    def at_local(self) -> datetime | None:
        return to_local(self.at_utc, self.tz_name) if self.at_utc else None

    @property
    def leads(self) -> list[Post]:
        return [p for p in self.posts if p.thread_parent_id is None]


def _now() -> datetime:
    return datetime.now(UTC)


# --- recurrence ------------------------------------------------------------------


def occurrences(
    every: str, until: str, tz_name: str, now: datetime | None = None
) -> tuple[list[datetime], datetime]:
    """UTC times of a weekly rule from now until the end of ``until`` (local), and
    that end. DST-skipped or doubled local times are refused, naming the date."""
    now = now or _now()
    days, at = parse_every(every)
    today = to_local(now, tz_name).date()
    last = _until_date(until, tz_name, now)
    if last < today:
        raise BadInput(f"--until {until} is in the past", hint="pick a later end date")
    times: list[datetime] = []
    for naive in weekly(days, at, today, last):
        utc = local_to_utc(naive, tz_name)
        if utc <= now:
            continue
        times.append(utc)
        if len(times) > MAX_OCCURRENCES:
            raise BadInput(
                f"'{every}' until {last} makes more than {MAX_OCCURRENCES} posts",
                hint="pick an earlier --until",
            )
    if not times:
        raise BadInput(f"'{every}' has no occurrence between now and {last}")
    end = local_to_utc(datetime.combine(last, time(23, 59)), tz_name)
    return times, end


# --- schedule / unschedule / cancel -------------------------------------------------


def _reset_attempts(post: Post) -> None:
    post.attempts, post.next_attempt_at, post.last_error = 0, None, ""
    post.lease_owner, post.lease_expires_at = "", None


def schedule_post(ctx: AppContext, post_id: int, when: str, *, group: bool = False) -> Scheduled:
    from clientnest_cli.services.timeparse import parse_when
    from clientnest_cli.store.types import utcnow

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "scheduling posts")
        post = get_post(session, post_id)
        members = family(session, post, group)
        if group and post.recurrence:
            raise BadInput(
                f"post {post.id} is one occurrence of a recurring series",
                hint="schedule occurrences one by one (without --group)",
            )
        at = parse_when(when, actor.timezone)
        for member in members:
            if member.status != PostStatus.SCHEDULED:
                check_transition(member.status, PostStatus.SCHEDULED, f"post {member.id}")
        adding = sum(1 for m in members if m.status != PostStatus.SCHEDULED)
        check_scheduled_limit(ctx, session, actor, adding)
        for member in members:
            if member.status == PostStatus.FAILED:
                _reset_attempts(member)
            member.status, member.scheduled_at, member.updated_at = "scheduled", at, utcnow()
            bump_version(session, member)
            session.add(member)
        back_to_approval(ctx, session, actor, members)
        for lead in (m for m in members if m.thread_parent_id is None):
            ctx.audit(session, actor.email, "post.schedule", "post", lead.id, at=at.isoformat())
        left = 0
        if not group:
            left = sum(
                1
                for p in Posts(session).group_leads(post.group_id, limit=50)
                if p.id != post.id and p.status == PostStatus.DRAFT
            )
        return Scheduled(members, at, actor.timezone, left)


def _move(ctx: AppContext, post_id: int, target: str, action: str, group: bool) -> Scheduled:
    from clientnest_cli.store.types import utcnow

    verb = {"draft": "unscheduling posts", "canceled": "canceling posts"}[target]
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, verb)
        post = get_post(session, post_id)
        members = family(session, post, group)
        if group:  # siblings already gone or done stay as they are
            members = [m for m in members if m.id == post.id or m.status not in _SETTLED]
        for member in members:
            check_transition(member.status, target, f"post {member.id}")
        for member in members:
            member.status, member.updated_at = target, utcnow()
            if target == PostStatus.DRAFT:
                member.scheduled_at = None
            _reset_attempts(member)
            session.add(member)
        for lead in (m for m in members if m.thread_parent_id is None):
            ctx.audit(session, actor.email, action, "post", lead.id)
        return Scheduled(members, None, actor.timezone)


_SETTLED = {
    PostStatus.PUBLISHED,
    PostStatus.CANCELED,
    PostStatus.PUBLISHING,
    PostStatus.DELETED,
    PostStatus.CHECKING,
    PostStatus.UNCONFIRMED,
}


def unschedule_post(ctx: AppContext, post_id: int, *, group: bool = False) -> Scheduled:
    return _move(ctx, post_id, PostStatus.DRAFT, "post.unschedule", group)


def cancel_post(ctx: AppContext, post_id: int, *, group: bool = False) -> Scheduled:
    return _move(ctx, post_id, PostStatus.CANCELED, "post.cancel", group)


# --- slots and the queue ------------------------------------------------------------


def add_slots(ctx: AppContext, account_ref: str, days: str, times: str) -> list[PostingSlot]:
    day_set, time_set = parse_days(days), parse_times(times)
    pairs = [(day, at.strftime("%H:%M")) for day in day_set for at in time_set]
    return add_slot_pairs(ctx, account_ref, pairs)


def add_slot_pairs(
    ctx: AppContext, account_ref: str, pairs: list[tuple[int, str]]
) -> list[PostingSlot]:
    """Add (weekday, "HH:MM") slots in the user's zone; ones the account has are kept."""
    from clientnest_cli.services.accounts import resolve

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "changing posting slots")
        account = resolve(session, account_ref)
        slots = Slots(session)
        existing = {(s.weekday, s.local_time) for s in slots.for_account(account.id or 0)}
        added = []
        for key in pairs:
            if key in existing:
                continue
            existing.add(key)
            added.append(
                slots.add(
                    PostingSlot(account_id=account.id or 0, weekday=key[0], local_time=key[1])
                )
            )
        ctx.audit(
            session,
            actor.email,
            "slots.add",
            "account",
            account.id,
            slots=[f"{d}@{t}" for d, t in ((s.weekday, s.local_time) for s in added)],
        )
        return added


def list_slots(ctx: AppContext, account_ref: str | None = None) -> list[tuple[PostingSlot, str]]:
    from clientnest_cli.services.accounts import resolve

    with ctx.store.session() as session:
        ctx.actor(session)
        account_id = resolve(session, account_ref).id if account_ref else None
        return [(slot, f"{p}:{h}") for slot, p, h in Slots(session).all(account_id)]


def remove_slots(
    ctx: AppContext, account_ref: str, days: str | None = None, times: str | None = None
) -> int:
    from clientnest_cli.services.accounts import resolve

    day_set = set(parse_days(days)) if days else None
    time_set = {t.strftime("%H:%M") for t in parse_times(times)} if times else None
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "changing posting slots")
        account = resolve(session, account_ref)
        slots = Slots(session)
        removed = 0
        for slot in slots.for_account(account.id or 0):
            if day_set is not None and slot.weekday not in day_set:
                continue
            if time_set is not None and slot.local_time not in time_set:
                continue
            slots.remove(slot)
            removed += 1
        ctx.audit(session, actor.email, "slots.remove", "account", account.id, removed=removed)
        return removed


def next_free_slot(
    session: Session, account_id: int, tz_name: str, now: datetime, skip: int | None = None
) -> datetime | None:
    """The first slot time after ``now`` with no scheduled post of the account.

    A slot time the clocks skip (spring forward) or repeat (fall back) that day is
    passed over rather than moved.
    """
    slots = Slots(session).for_account(account_id)
    if not slots:
        return None
    end = now + timedelta(days=QUEUE_HORIZON_DAYS + 1)
    taken = Posts(session).scheduled_times(account_id, now, end)
    today = to_local(now, tz_name).date()
    for offset in range(QUEUE_HORIZON_DAYS + 1):
        day = today + timedelta(days=offset)
        for slot in (s for s in slots if s.weekday == day.weekday()):
            hour, minute = (int(x) for x in slot.local_time.split(":"))
            try:
                utc = local_to_utc(datetime.combine(day, time(hour, minute)), tz_name)
            except BadInput:
                continue
            if utc > now and utc not in taken:
                return utc
    return None


def queue_post(ctx: AppContext, post_id: int) -> Scheduled:
    from clientnest_cli.store.types import utcnow

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "queueing posts")
        post = get_post(session, post_id)
        members = family(session, post, False)
        for member in members:
            if member.status != PostStatus.SCHEDULED:
                check_transition(member.status, PostStatus.SCHEDULED, f"post {member.id}")
        account = post.account_id
        if not Slots(session).for_account(account):
            from clientnest_cli.store.repos import Accounts

            row = Accounts(session).by_id(account)
            name = label(row) if row else str(account)
            raise BadInput(
                f"{name} has no posting slots",
                hint=f"add some: `clientnest slots add {name} --days mon-fri --times 09:00`",
            )
        at = next_free_slot(session, account, actor.timezone, _now())
        if at is None:
            raise BadInput(
                f"no free slot in the next {QUEUE_HORIZON_DAYS} days",
                hint="add slots, or schedule it with `clientnest post schedule ID --at WHEN`",
            )
        check_scheduled_limit(
            ctx, session, actor, sum(1 for m in members if m.status != PostStatus.SCHEDULED)
        )
        for member in members:
            if member.status == PostStatus.FAILED:
                _reset_attempts(member)
            member.status, member.scheduled_at, member.updated_at = "scheduled", at, utcnow()
            bump_version(session, member)
            session.add(member)
        back_to_approval(ctx, session, actor, members)
        ctx.audit(session, actor.email, "post.queue", "post", post.id, at=at.isoformat())
        return Scheduled(members, at, actor.timezone)

"""Composing posts: text hygiene, targets, media, threads, validation, writing.

``create_posts`` is the one way posts are made (CLI, TUI, AI, imports). Every
target is validated before anything is written, and every broken rule is
reported at once. ``outgoing_for`` builds what a platform adapter sends.
Managing existing posts lives in ``posts_manage``; schedules in ``schedule``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.enums import ApprovalStatus, PostStatus, Role
from clientnest_cli.domain.outgoing import MediaItem, OutgoingPost
from clientnest_cli.domain.post_states import APPROVAL_REQUIRED
from clientnest_cli.domain.text import normalise
from clientnest_cli.errors import BadInput, LimitReached, NotFound, ValidationFailed

# pure checks shared with the reading commands (which do not import the ORM)
from clientnest_cli.services.post_rules import check_parts, label, max_chars, media_items
from clientnest_cli.store.units import unit_of

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, PostMedia, SocialAccount, User

MAX_OCCURRENCES = 366
_TAG = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*|/[A-Za-z][A-Za-z0-9-]*|!--)[^<>]*>")
_HASHTAG_WORD = re.compile(r"^\w+$")


@dataclass
class ComposeRequest:
    """What a person (or the AI) asks for; see `clientnest post create --help`."""

    text: str
    targets: list[str]
    variants: dict[str, str] = field(default_factory=dict)
    media: list[tuple[Path, str]] = field(default_factory=list)
    thread: bool = False
    numbering: bool = False
    category: str = ""
    hashtags: list[str] = field(default_factory=list)
    at: str | None = None
    ai_generated: bool = False
    every: str | None = None
    until: str | None = None


@dataclass
class TargetPlan:
    account: SocialAccount
    parts: list[str]  # the first is the post itself, the rest its thread replies


@dataclass
class ComposePlan:
    targets: list[TargetPlan]
    media: list[MediaItem]
    hashtags: list[str]
    category: str
    times: list[datetime]  # empty: a draft; one: scheduled; several: recurring
    recurrence: str = ""
    recurrence_until: datetime | None = None
    ai_generated: bool = False

    @property
    def post_count(self) -> int:
        return max(len(self.times), 1) * sum(len(t.parts) for t in self.targets)


# --- text ----------------------------------------------------------------------


def clean_text(text: str) -> str:
    """NFC, no control characters, and no HTML (targets are plain text)."""
    text = normalise(text or "")
    if _TAG.search(text):
        import html

        import nh3

        text = re.sub(r"(?i)<br\s*/?>", "\n", text)
        text = re.sub(r"(?i)</p\s*>", "\n\n", text)
        text = html.unescape(nh3.clean(text, tags=set()))
        text = normalise(text)
    return text.strip()


def clean_hashtags(tags: Sequence[str]) -> list[str]:
    found: list[str] = []
    for raw in tags:
        for piece in re.split(r"[,\s]+", normalise(raw or "")):
            tag = piece.lstrip("#＃").strip()
            if not piece:
                continue
            if not tag or not _HASHTAG_WORD.match(tag):
                raise BadInput(f"'{piece}' is not a hashtag", hint="use letters, digits and _ only")
            if tag.lower() not in {t.lower() for t in found}:
                found.append(tag)
    return found


def with_hashtags(text: str, tags: Sequence[str]) -> str:
    """``text`` with each tag appended as #tag unless it is already there."""
    missing = [
        t for t in tags if not re.search(rf"(?<![\w#])[#＃]{re.escape(t)}(?!\w)", text, re.I)
    ]
    if not missing:
        return text
    joined = " ".join(f"#{t}" for t in missing)
    if not text:
        return joined
    return f"{text}{chr(10) * 2 if chr(10) in text else ' '}{joined}"


def clean_category(category: str) -> str:
    category = normalise(category or "").strip()
    if len(category) > 100:
        raise BadInput("the category is longer than 100 characters")
    return category


# --- accounts, limits, approval ---------------------------------------------------


def resolve_targets(session: Any, refs: Sequence[str]) -> list[SocialAccount]:
    """The target accounts, in ``session`` (an ORM session or a unit, store/units.py)."""
    from clientnest_cli.services.account_refs import resolve_in

    accounts_repo = unit_of(session).accounts
    if not refs:
        raise BadInput("no target account", hint="name one with --to PLATFORM:HANDLE")
    accounts: list[SocialAccount] = []
    for ref in refs:
        account = resolve_in(accounts_repo, ref.strip())
        if any(a.id == account.id for a in accounts):
            raise BadInput(f"'{ref}' is named twice as a target")
        if account.status == "disabled":
            raise BadInput(
                f"{label(account)} is disconnected",
                hint="reconnect it with `clientnest accounts connect`",
            )
        accounts.append(account)
    return accounts


def check_scheduled_limit(ctx: AppContext, session: Any, actor: User, adding: int) -> None:
    if adding <= 0:
        return
    limit = ctx.policy(session).tier_limits(actor.tier).scheduled_posts
    current = unit_of(session).count_status(PostStatus.SCHEDULED)
    if current + adding > limit:
        raise LimitReached(
            f"the {actor.tier} tier allows {limit} scheduled posts; {current} are scheduled "
            f"and this would add {adding}",
            hint="publish or unschedule some, or move to a bigger tier (`clientnest users set-tier`)",
        )


def initial_approval(ctx: AppContext, session: Any, actor: User) -> str:
    """What a post (or a change) by ``actor`` starts as: the store's policy decides."""
    if ctx.policy(session).requires_approval(actor.role):
        return APPROVAL_REQUIRED
    return ApprovalStatus.NOT_REQUIRED


def back_to_approval(
    ctx: AppContext, session: Session, actor: User, members: Sequence[Post]
) -> bool:
    """A change to text, media, targets or time by a role that needs approval sets
    the posts back to "needs approval", whoever created them; True if it did."""
    if not ctx.policy(session).requires_approval(actor.role):
        return False
    for member in members:
        if member.status in (PostStatus.PUBLISHED, PostStatus.PUBLISHING):
            continue
        member.approval_status, member.approved_by, member.approved_at = (
            APPROVAL_REQUIRED,
            None,
            None,
        )
        session.add(member)
    return True


def bump_version(session: Session, post: Post, expected: int | None = None) -> None:
    """Count a change to ``post``; with ``expected``, refuse if someone else changed
    it since that version was read (optimistic concurrency: nothing is merged)."""
    from sqlalchemy import update

    from clientnest_cli.store.models import Post

    current = post.version or 1
    if expected is None:
        post.version = current + 1
        return
    result = session.execute(
        update(Post)
        .where(Post.id == post.id, Post.version == expected)  # type: ignore[arg-type]
        .values(version=expected + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise BadInput(
            f"post {post.id} changed since you opened it",
            hint="reload: `clientnest post show` it and make your change again",
        )
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(post, "version", expected + 1)


# --- planning: everything checked, nothing written ---------------------------


def _variants(draft: ComposeRequest, accounts: Sequence[SocialAccount]) -> dict[str, str]:
    platforms = {a.platform for a in accounts}
    variants = {}
    for platform, text in draft.variants.items():
        key = platform.strip().lower()
        if key not in platforms:
            raise BadInput(
                f"--variant for '{platform}', which is not among the targets",
                hint=f"targets are on: {', '.join(sorted(platforms))}",
            )
        variants[key] = text
    return variants


def _parts(text: str, account: SocialAccount, draft: ComposeRequest) -> list[str]:
    from clientnest_cli.domain.rules import split_thread

    if not draft.thread:
        return [text]
    parts = split_thread(
        text, account.platform, numbering=draft.numbering, max_chars=max_chars(account)
    )
    return parts or [text]


def inspect_media(pairs: Sequence[tuple[Path, str]]) -> list[MediaItem]:
    from clientnest_cli.services.media import inspect

    return [inspect(Path(path), clean_text(alt) if alt else "") for path, alt in pairs]


def resolve_times(
    draft: ComposeRequest, tz_name: str
) -> tuple[list[datetime], str, datetime | None]:
    """(UTC times, recurrence rule, recurrence end) for --at or --every/--until."""
    from clientnest_cli.services.timeparse import parse_when

    if draft.every and draft.at:
        raise BadInput("give either --at or --every, not both")
    if draft.until and not draft.every:
        raise BadInput("--until needs --every", hint="e.g. --every 'mon 09:00' --until 2027-06-30")
    if draft.at:
        return [parse_when(draft.at, tz_name)], "", None
    if not draft.every:
        return [], "", None
    if not draft.until:
        raise BadInput("--every needs --until DATE", hint="e.g. --until 2027-06-30")
    from clientnest_cli.services.schedule import occurrences

    times, until = occurrences(draft.every, draft.until, tz_name)
    return times, " ".join(draft.every.split()).lower(), until


def plan_compose(ctx: AppContext, session: Any, actor: User, draft: ComposeRequest) -> ComposePlan:
    """Check everything about ``draft``; raise BadInput/ValidationFailed, write nothing."""
    accounts = resolve_targets(session, draft.targets)
    variants = _variants(draft, accounts)
    if len(draft.media) > 100:
        raise BadInput("too many media files")
    media = inspect_media(draft.media)
    hashtags = clean_hashtags(draft.hashtags)
    category = clean_category(draft.category)
    times, recurrence, until = resolve_times(draft, actor.timezone)
    targets, violations, failing = [], [], 0
    for account in accounts:
        text = with_hashtags(clean_text(variants.get(account.platform, draft.text)), hashtags)
        parts = _parts(text, account, draft)
        found = check_parts(account, parts, media)
        violations += found
        failing += bool(found)
        targets.append(TargetPlan(account, parts))
    if violations:
        too_long = any(" length — " in v or " bytes — " in v for v in violations)
        raise ValidationFailed(
            f"the post breaks {len(violations)} rule(s) on {failing} of {len(accounts)} target(s)",
            violations=violations,
            hint="shorten it, add --variant PLATFORM:TEXT, or split it with --thread"
            if too_long and not draft.thread
            else None,
        )
    return ComposePlan(
        targets=targets,
        media=media,
        hashtags=hashtags,
        category=category,
        times=times,
        recurrence=recurrence,
        recurrence_until=until,
        ai_generated=draft.ai_generated,
    )


# --- writing ---------------------------------------------------------------------


def store_media(ctx: AppContext, media: Sequence[MediaItem]) -> list[str]:
    from clientnest_cli.services.media import copy_into_store

    return [copy_into_store(item, ctx.paths.media_dir) for item in media]


def add_media_rows(
    session: Any, post_id: int, media: Sequence[MediaItem], names: Sequence[str]
) -> None:
    unit = unit_of(session)
    for position, (item, name) in enumerate(zip(media, names, strict=True)):
        unit.add_media(
            post_id=post_id,
            position=position,
            file=name,
            original_name=item.path.name[:500],
            alt_text=item.alt_text,
            media_type=item.mime_type,
            size=item.size,
            sha256=item.sha256,
        )


def write_plan(
    ctx: AppContext,
    session: Any,
    actor: User,
    plan: ComposePlan,
    *,
    source_file: str = "",
    group_id: str | None = None,
) -> list[Post]:
    """Write the posts of a checked plan: leads first, then their thread parts.

    ``session``: an ORM session or a unit (store/units.py); the posts come back
    as that store's rows."""
    unit = unit_of(session)
    names = store_media(ctx, plan.media)
    group = group_id or uuid.uuid4().hex
    approval = initial_approval(ctx, unit, actor)
    written: list[Post] = []
    for when in plan.times or [None]:
        for target in plan.targets:
            common = {
                "account_id": target.account.id,
                "hashtags": list(plan.hashtags),
                "category": plan.category,
                "ai_generated": plan.ai_generated,
                "group_id": group,
                "status": PostStatus.SCHEDULED if when else PostStatus.DRAFT,
                "scheduled_at": when,
                "approval_status": approval,
                "recurrence": plan.recurrence,
                "recurrence_until": plan.recurrence_until,
                "created_by": actor.id,
            }
            lead = unit.add_post(content=target.parts[0], source_file=source_file, **common)
            add_media_rows(unit, lead.id or 0, plan.media, names)
            written.append(lead)
            for position, part in enumerate(target.parts[1:], 1):
                written.append(
                    unit.add_post(
                        content=part,
                        thread_parent_id=lead.id,
                        thread_position=position,
                        **common,
                    )
                )
    return written


def create_posts(ctx: AppContext, draft: ComposeRequest) -> list[Post]:
    """Validate ``draft`` for every target, then write one Post per account (and per
    thread part and occurrence), all sharing one ``group_id``. Leads come first in
    each target's run; thread parts follow their lead.

    Written through the thin store (store/lite.py): `post create` imports no ORM."""
    from clientnest_cli.store.lite_repos import LiteUnit

    with ctx.lite(write=True) as db:
        session = LiteUnit(db)
        actor = ctx.require(session, Role.EDITOR, "creating posts")
        plan = plan_compose(ctx, session, actor, draft)
        check_scheduled_limit(ctx, session, actor, plan.post_count if plan.times else 0)
        written = write_plan(ctx, session, actor, plan)
        for post in written:
            if post.thread_parent_id is None:
                parts = sum(1 for p in written if p.thread_parent_id == post.id)
                ctx.audit(
                    session,
                    actor.email,
                    "post.create",
                    "post",
                    post.id,
                    account_id=post.account_id,
                    group_id=post.group_id,
                    status=post.status,
                    thread_parts=parts,
                    media=len(plan.media),
                    ai_generated=post.ai_generated,
                )
        return written


# --- shared by the other post services ---------------------------------------------


def describe_accounts(ctx: AppContext, account_ids: set[int]) -> tuple[str, dict[int, str]]:
    """The acting user's timezone and PLATFORM:HANDLE of each account id."""
    from clientnest_cli.store.lite_repos import LiteAccounts, LiteUsers

    with ctx.lite() as db:
        tz = ctx.actor_in(LiteUsers(db)).timezone
        accounts = LiteAccounts(db)
        labels = {}
        for account_id in account_ids:
            account = accounts.by_id(account_id)
            labels[account_id] = label(account) if account else str(account_id)
        return tz, labels


def get_post(session: Session, post_id: int) -> Post:
    from clientnest_cli.store.post_repos import Posts

    post = Posts(session).by_id(post_id)
    if post is None:
        raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
    return post


def outgoing_for(
    post: Post, media: Sequence[PostMedia], media_dir: Path | None = None
) -> OutgoingPost:
    """What the adapter sends for ``post``: its text as stored (LinkedIn escaping is
    the adapter's job), its idempotency key, and its media in the store's folder."""
    return OutgoingPost(
        text=post.content,
        idempotency_key=post.idempotency_key,
        media=media_items(media, media_dir),
        created_at=post.created_at,
        resume_token=post.resume_token or None,
    )

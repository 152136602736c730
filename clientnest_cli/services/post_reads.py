"""Reading posts: `post list` and `post show` (and the TUI's posts screen).

They read through the thin store (store/lite.py, no ORM import): a person
runs them dozens of times a day, and start-up is most of their time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from clientnest_cli.domain.post_states import check_status, publishable_reason
from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services.post_rules import check_parts, label, media_items

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.lite import LiteDB
    from clientnest_cli.store.rows import AccountRow, AttemptRow, MediaRow, PostRow

SORTS = ("created", "scheduled", "status")


# --- list ---------------------------------------------------------------------------


@dataclass
class ListedPost:
    post: PostRow
    account: str
    thread: bool  # starts a thread
    thread_size: int = 0  # posts in its thread, lead included (0: not in a thread)


@dataclass
class PostList:
    rows: list[ListedPost]
    tz_name: str


def _day_bound(text: str, tz_name: str, end: bool) -> datetime:
    """Start of a local day (``end``: start of the day after), or an exact time."""
    from datetime import date, time, timedelta

    from clientnest_cli.domain.clock import local_to_utc
    from clientnest_cli.services.timeparse import parse_when

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return parse_when(text, tz_name, allow_past=True)
    if end:
        day += timedelta(days=1)
    return local_to_utc(datetime.combine(day, time(0)), tz_name)


def list_posts(
    ctx: AppContext,
    *,
    status: str | None = None,
    account: str | None = None,
    client: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    search: str | None = None,
    sort: str = "created",
    limit: int = 50,
    offset: int = 0,
) -> PostList:
    """Posts, newest first (or by schedule/status); dates filter the scheduled time."""
    from clientnest_cli.services.account_refs import resolve_in
    from clientnest_cli.store.lite_repos import LiteAccounts, LiteClients, LitePosts, LiteUsers
    from clientnest_cli.store.post_filter import PostFilter

    statuses = [check_status(s) for s in (status or "").split(",") if s.strip()]
    if sort not in SORTS:
        raise BadInput(f"unknown sort '{sort}'", hint=f"use one of: {', '.join(SORTS)}")
    if not 1 <= limit <= 100_000:
        raise BadInput("--limit must be between 1 and 100000")
    with ctx.lite() as db:
        tz = ctx.actor_in(LiteUsers(db)).timezone
        account_id = resolve_in(LiteAccounts(db), account).id if account else None
        client_id = None
        if client:
            found = LiteClients(db).by_name(client)
            if found is None:
                raise NotFound(f"no client named '{client}'", hint="see `clientnest clients list`")
            client_id = found.id
        filters = PostFilter(
            statuses=statuses,
            account_id=account_id,
            client_id=client_id,
            scheduled_from=_day_bound(date_from, tz, False) if date_from else None,
            scheduled_to=_day_bound(date_to, tz, True) if date_to else None,
            search=(search or "").strip(),
            sort=sort,
            limit=limit,
            offset=max(0, offset),
        )
        posts = LitePosts(db)
        rows = posts.list(filters)
        sizes = posts.thread_sizes([p.thread_parent_id or p.id or 0 for p, _, _ in rows])
        return PostList(
            [
                ListedPost(
                    p,
                    f"{pl}:{h}",
                    (p.id or 0) in sizes,
                    sizes.get(p.thread_parent_id or p.id or 0, 0),
                )
                for p, pl, h in rows
            ],
            tz,
        )


# --- show ---------------------------------------------------------------------------


@dataclass
class PostDetail:
    post: PostRow
    account: AccountRow
    tz_name: str
    parts: list[PostRow]
    siblings: list[tuple[PostRow, str]]
    media: list[MediaRow]
    violations: list[str]
    reason: str | None  # why it would not publish; None = it would
    attempts: list[AttemptRow]
    created_by: str = ""
    approved_by: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def get_post_in(db: LiteDB, post_id: int) -> PostRow:
    from clientnest_cli.store.lite_repos import LitePosts

    post = LitePosts(db).by_id(post_id)
    if post is None:
        raise NotFound(f"no post with id {post_id}", hint="see `clientnest post list`")
    return post


def post_detail(ctx: AppContext, post_id: int) -> PostDetail:
    from clientnest_cli.store.lite_repos import LiteAccounts, LitePosts, LiteUsers

    with ctx.lite() as db:
        users = LiteUsers(db)
        actor = ctx.actor_in(users)
        posts, accounts = LitePosts(db), LiteAccounts(db)
        post = get_post_in(db, post_id)
        account = accounts.by_id(post.account_id)
        assert account is not None
        parts = posts.thread_parts(post.id)
        media = posts.media(post.id)
        texts = [post.content, *[p.content for p in parts]]
        violations = check_parts(account, texts, media_items(media, ctx.paths.media_dir))
        siblings = []
        for sib in posts.group_leads(post.group_id, limit=200):
            if sib.id == post.id or (post.recurrence and sib.scheduled_at != post.scheduled_at):
                continue
            sib_account = accounts.by_id(sib.account_id)
            siblings.append((sib, label(sib_account) if sib_account else "?"))
        creator = users.by_id(post.created_by) if post.created_by else None
        approver = users.by_id(post.approved_by) if post.approved_by else None
        reason = publishable_reason(post)
        if reason is None and violations:
            reason = "its content breaks the platform's rules (see validation)"
        return PostDetail(
            post=post,
            account=account,
            tz_name=actor.timezone,
            parts=parts,
            siblings=siblings[:50],
            media=media,
            violations=violations,
            reason=reason,
            attempts=posts.attempts(post.id),
            created_by=creator.email if creator else "",
            approved_by=approver.email if approver else "",
        )

"""`post unpublish ID`: delete a published post on its platform(s).

Each target (one post on one account, with its thread parts) gets its own
outcome: deleted, already gone (the platform no longer had it — a repeat is
done, not an error), not possible (the platform's API cannot delete: say so
plainly), or failed (the reason; nothing is marked deleted that was not). A
thread is deleted last part first, so a failure half-way leaves its start
standing rather than a thread with its opening missing. Deleted posts keep
their row and their metrics history; their status becomes ``deleted``.

Who may: editors; where approvals are on, an approver (admin or owner), the
same people who may let a post go out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import PostStatus, Role
from clientnest_cli.domain.outgoing import PublishedRef
from clientnest_cli.domain.post_states import check_transition
from clientnest_cli.errors import ClientNestError
from clientnest_cli.services.posts import get_post, label
from clientnest_cli.services.posts_manage import family
from clientnest_cli.store.repos import Accounts

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post, SocialAccount

DELETED, ALREADY_GONE = "deleted", "already gone"
NOT_POSSIBLE, FAILED, NOT_PUBLISHED = "not possible", "failed", "not published"
DONE = frozenset({DELETED, ALREADY_GONE})


@dataclass
class Outcome:
    """What happened to one target: a post (and its thread parts) on one account."""

    post_id: int
    account: str
    outcome: str
    detail: str = ""
    parts_deleted: int = 0
    parts: int = 1

    @property
    def done(self) -> bool:
        return self.outcome in DONE


@dataclass
class Unpublished:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def still_up(self) -> list[Outcome]:
        """Targets that are still on their platform (refused or failed)."""
        return [o for o in self.outcomes if o.outcome in (NOT_POSSIBLE, FAILED)]


def _required_role(ctx: AppContext) -> Role:
    if ctx.settings.publishing.require_approval_for_editors:
        return Role.ADMIN
    return Role.EDITOR


def unpublish_post(ctx: AppContext, post_id: int, *, group: bool = False) -> Unpublished:
    """Delete the post (``group``: and its cross-posted siblings) where it went out."""
    role = _required_role(ctx)
    doing = "unpublishing posts" + (" while approvals are on" if role == Role.ADMIN else "")
    with ctx.store.session() as session:
        actor = ctx.require(session, role, doing)
        post = get_post(session, post_id)
        members = family(session, post, group)
        targets = _targets(session, members)
    result = Unpublished()
    for lead, parts, account in targets:
        result.outcomes.append(_unpublish_one(ctx, actor.email, lead, parts, account))
    return result


def _targets(session: Session, members: list[Post]) -> list[tuple[Post, list[Post], SocialAccount]]:
    """(lead, all parts in order, account) for each thread lead among ``members``."""
    accounts = Accounts(session)
    leads = [m for m in members if m.thread_parent_id is None]
    targets = []
    for lead in leads:
        own = [m for m in members if m.thread_parent_id == lead.id]
        parts = [lead, *sorted(own, key=lambda m: (m.thread_position or 0, m.id or 0))]
        account = accounts.by_id(lead.account_id)
        assert account is not None
        targets.append((lead, parts, account))
    return targets


def _unpublish_one(
    ctx: AppContext, actor: str, lead: Post, parts: list[Post], account: SocialAccount
) -> Outcome:
    from clientnest_cli.platforms.registry import get_adapter_class

    where = label(account)
    outcome = Outcome(lead.id or 0, where, NOT_PUBLISHED, parts=len(parts))
    live = [p for p in parts if p.status == PostStatus.PUBLISHED]
    if not live:
        if all(p.status == PostStatus.DELETED for p in parts):
            outcome.outcome, outcome.detail = ALREADY_GONE, "unpublished earlier"
        else:
            outcome.detail = f"it is {lead.status}: nothing went out"
        return outcome
    cls = get_adapter_class(account.platform)
    if not cls.capabilities.delete:
        outcome.outcome = NOT_POSSIBLE
        outcome.detail = f"{cls.display_name}: {cls.cannot_delete}; delete it in the app"
        _record(ctx, actor, lead, "post.unpublish_refused", account=where, reason=cls.cannot_delete)
        return outcome
    return _delete_parts(ctx, actor, outcome, list(reversed(live)), account)


def _delete_parts(
    ctx: AppContext, actor: str, outcome: Outcome, newest_first: list[Post], account: SocialAccount
) -> Outcome:
    """Delete each published part, last part first; stop at the first failure."""
    from clientnest_cli.services.accounts import adapter_for
    from clientnest_cli.services.tokens import ensure_usable, with_fresh_token

    gone_before, adapter = 0, None
    try:
        for part in newest_first:
            ref = PublishedRef(
                part.platform_post_id, part.platform_url, dict(part.platform_extra or {})
            )
            try:
                ensure_usable(account)
                adapter = adapter or adapter_for(ctx, account)
                deleted_now = with_fresh_token(
                    ctx, account, lambda a, r=ref: a.delete(r), actor, adapter
                )
            except ClientNestError as exc:
                outcome.outcome, outcome.detail = FAILED, exc.one_line()
                _record(
                    ctx,
                    actor,
                    part,
                    "post.unpublish_failed",
                    account=outcome.account,
                    error=exc.message,
                )
                return outcome
            gone_before += 0 if deleted_now else 1
            outcome.parts_deleted += 1
            _mark_deleted(ctx, actor, part, outcome.account, deleted_now)
    finally:
        if adapter is not None:
            adapter.close()
    outcome.outcome = ALREADY_GONE if gone_before == len(newest_first) else DELETED
    if gone_before and outcome.outcome == DELETED:
        outcome.detail = f"{gone_before} part(s) were already gone"
    return outcome


def _mark_deleted(ctx: AppContext, actor: str, part: Post, where: str, deleted_now: bool) -> None:
    from clientnest_cli.store.types import utcnow

    with ctx.store.session() as session:
        row = get_post(session, part.id or 0)
        if row.status == PostStatus.DELETED:
            return
        check_transition(row.status, PostStatus.DELETED, f"post {row.id}")
        row.status, row.updated_at = PostStatus.DELETED, utcnow()
        session.add(row)
        ctx.audit(
            session,
            actor,
            "post.unpublish",
            "post",
            row.id,
            account=where,
            platform_post_id=row.platform_post_id,
            result="deleted" if deleted_now else "already gone",
        )


def _record(ctx: AppContext, actor: str, post: Post, action: str, **details: str) -> None:
    with ctx.store.session() as session:
        ctx.audit(session, actor, action, "post", post.id, **details)

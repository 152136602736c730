"""Everything done to posts after they are composed: list, show, edit, delete,
duplicate, and the approval steps (submit, approve, reject)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import ApprovalStatus, PostStatus, Role
from clientnest_cli.domain.post_states import (
    APPROVAL_REQUIRED,
    CONFIRM_HINT,
    check_editable,
    check_transition,
)
from clientnest_cli.errors import BadInput, ValidationFailed
from clientnest_cli.services.posts import (
    back_to_approval,
    bump_version,
    check_parts,
    check_scheduled_limit,
    clean_category,
    clean_hashtags,
    clean_text,
    get_post,
    initial_approval,
    media_items,
    with_hashtags,
)
from clientnest_cli.store.models import Post, PostMedia
from clientnest_cli.store.post_repos import Posts
from clientnest_cli.store.repos import Accounts

if TYPE_CHECKING:
    from sqlmodel import Session

    from clientnest_cli.services.context import AppContext


def family(session: Session, post: Post, group: bool) -> list[Post]:
    """The post, its thread parts and (``group``) its group siblings with theirs."""
    posts = Posts(session)
    if post.thread_parent_id is not None:
        raise BadInput(
            f"post {post.id} is part {post.thread_position} of the thread that starts "
            f"with post {post.thread_parent_id}",
            hint=f"act on the whole thread: use post {post.thread_parent_id}",
        )
    leads = [post]
    if group:
        leads += [p for p in posts.group_leads(post.group_id) if p.id != post.id]
    members: list[Post] = []
    for lead in leads:
        members.append(lead)
        members += posts.thread_parts(lead.id or 0)
    return members


# --- edit ---------------------------------------------------------------------------


def post_for_edit(ctx: AppContext, post_id: int) -> Post:
    """The post, if the acting user may edit it and it can still be edited."""
    with ctx.store.session() as session:
        ctx.require(session, Role.EDITOR, "editing posts")
        post = get_post(session, post_id)
        check_editable(post.status, f"post {post.id}")
        return post


@dataclass
class Edited:
    post: Post
    changed: list[str]
    tz_name: str


def edit_post(
    ctx: AppContext,
    post_id: int,
    *,
    text: str | None = None,
    at: str | None = None,
    category: str | None = None,
    add_hashtags: Sequence[str] = (),
    expected_version: int | None = None,
) -> Edited:
    """Change a post. ``expected_version`` (the version the editor opened) makes a
    concurrent change since then a refusal instead of a silent merge."""
    from clientnest_cli.services.timeparse import parse_when
    from clientnest_cli.store.types import utcnow

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "editing posts")
        post = get_post(session, post_id)
        bump_version(session, post, expected_version if expected_version else post.version or 1)
        check_editable(post.status, f"post {post.id}")
        added = clean_hashtags(add_hashtags)
        changed: list[str] = []
        content = clean_text(text) if text is not None else post.content
        content = with_hashtags(content, added)
        if content != post.content:
            changed.append("text")
        tags = list(post.hashtags) + [t for t in added if t.lower() not in
                                      {h.lower() for h in post.hashtags}]  # fmt: skip
        if tags != list(post.hashtags):
            changed.append("hashtags")
        new_category = clean_category(category) if category is not None else post.category
        if new_category != post.category:
            changed.append("category")
        scheduled_at = parse_when(at, actor.timezone) if at else post.scheduled_at
        if at:
            changed.append("schedule")
            if post.thread_parent_id is not None:
                raise BadInput(
                    f"post {post.id} is part of a thread",
                    hint=f"schedule the thread: `clientnest post schedule {post.thread_parent_id}`",
                )
            if post.status != PostStatus.SCHEDULED:
                check_transition(post.status, PostStatus.SCHEDULED, f"post {post.id}")
        if not changed:
            raise BadInput(
                "nothing to change", hint="give --text, --at, --category or --add-hashtag"
            )
        account = Accounts(session).by_id(post.account_id)
        assert account is not None
        media = media_items(Posts(session).media(post.id or 0), ctx.paths.media_dir)
        violations = check_parts(account, [content], media)
        if violations:
            raise ValidationFailed(
                f"the edited post breaks {len(violations)} rule(s)", violations=violations
            )
        members = [post]
        if at:
            members += list(Posts(session).thread_parts(post.id or 0))
            adding = sum(1 for m in members if m.status != PostStatus.SCHEDULED)
            check_scheduled_limit(ctx, session, actor, adding)
        post.content, post.hashtags, post.category = content, tags, new_category
        for member in members if at else []:
            member.status, member.scheduled_at = PostStatus.SCHEDULED, scheduled_at
            member.attempts, member.last_error, member.next_attempt_at = 0, "", None
            session.add(member)
        if {"text", "hashtags", "schedule"} & set(changed):
            family_ = [post, *Posts(session).thread_parts(post.id or 0)]
            if back_to_approval(ctx, session, actor, family_):
                changed.append("approval")
        post.updated_at = utcnow()
        session.add(post)
        ctx.audit(session, actor.email, "post.edit", "post", post.id, changed=changed)
        return Edited(post, changed, actor.timezone)


# --- delete, duplicate ------------------------------------------------------------------


def delete_post(ctx: AppContext, post_id: int) -> int:
    """Delete a post that has not gone out (and its thread parts); how many rows went."""
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "deleting posts")
        post = get_post(session, post_id)
        members = family(session, post, False)
        for member in members:
            if member.status in (PostStatus.PUBLISHED, PostStatus.DELETED):
                raise BadInput(
                    f"post {member.id} is {member.status}; ClientNest keeps its record",
                    hint="delete it on the platform itself; its history and metrics stay here",
                )
            if member.status == PostStatus.PUBLISHING:
                raise BadInput(
                    f"post {member.id} is being sent right now",
                    hint="wait for the outcome, then try again",
                )
            if member.status == PostStatus.CHECKING:
                raise BadInput(
                    f"post {member.id} may already be live; ClientNest is checking the platform",
                    hint="wait for the outcome, then try again",
                )
            if member.status == PostStatus.UNCONFIRMED:
                raise BadInput(
                    f"post {member.id} may already be live; nobody has confirmed whether it went out",
                    hint=CONFIRM_HINT.replace("ID", str(member.id)),
                )
        Posts(session).delete(post)
        ctx.audit(
            session,
            actor.email,
            "post.delete",
            "post",
            post_id,
            account_id=post.account_id,
            status=post.status,
            thread_parts=len(members) - 1,
        )
        return len(members)


def duplicate_post(ctx: AppContext, post_id: int) -> Post:
    """A new draft with the same content, media and thread parts; new keys and group."""
    from clientnest_cli.store.types import utcnow

    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "duplicating posts")
        source = get_post(session, post_id)
        members = family(session, source, False)
        posts = Posts(session)
        group, now = uuid.uuid4().hex, utcnow()
        approval = initial_approval(ctx, session, actor)
        copy: Post | None = None
        for member in members:
            clone = Post(
                account_id=member.account_id,
                content=member.content,
                hashtags=list(member.hashtags),
                category=member.category,
                ai_generated=member.ai_generated,
                group_id=group,
                variant=member.variant,
                thread_parent_id=copy.id if copy is not None else None,
                thread_position=member.thread_position,
                approval_status=approval,
                created_by=actor.id,
                created_at=now,
                updated_at=now,
            )
            posts.add(clone)
            if copy is None:
                copy = clone
                for m in posts.media(source.id or 0):
                    data = m.model_dump(exclude={"id", "post_id"})
                    posts.add_media(PostMedia(post_id=clone.id or 0, **data))
        assert copy is not None
        ctx.audit(session, actor.email, "post.duplicate", "post", copy.id, source=post_id)
        return copy


# --- approvals -------------------------------------------------------------------------


def _approval_step(
    ctx: AppContext,
    post_id: int,
    *,
    role: Role,
    doing: str,
    action: str,
    allowed: set[str],
    new: str,
    reason: str = "",
    group: bool = False,
) -> list[Post]:
    from clientnest_cli.store.types import utcnow

    with ctx.store.session() as session:
        actor = ctx.require(session, role, doing)
        if role == Role.ADMIN and ctx.policy(session).requires_approval(actor.role):
            from clientnest_cli.errors import PermissionDenied

            raise PermissionDenied(
                f"{actor.email} is {actor.role}, whose changes need approval; {doing} needs owner",
                hint="policy approval.admins is on: ask an owner",
            )
        post = get_post(session, post_id)
        members = family(session, post, group)
        for member in members:
            state = member.approval_status
            if member.status in (
                PostStatus.PUBLISHED,
                PostStatus.PUBLISHING,
                PostStatus.CHECKING,
                PostStatus.UNCONFIRMED,
            ):
                raise BadInput(f"post {member.id} is {member.status}; approval no longer applies")
            if state == ApprovalStatus.NOT_REQUIRED:
                raise BadInput(
                    f"post {member.id} does not need approval",
                    hint="approval applies to posts changed by a role that needs it "
                    "(`clientnest policy set approval.editors true`)",
                )
            if state not in allowed:
                raise BadInput(f"post {member.id} is already {_approval_word(state)}")
        now = utcnow()
        for member in members:
            member.approval_status = new
            if new == ApprovalStatus.APPROVED:
                member.approved_by, member.approved_at, member.rejection_reason = actor.id, now, ""
            elif new == ApprovalStatus.REJECTED:
                member.approved_by, member.approved_at = actor.id, now
                member.rejection_reason = reason
            else:
                member.rejection_reason = ""
            member.updated_at = now
            bump_version(session, member)
            session.add(member)
        for lead in (m for m in members if m.thread_parent_id is None):
            details = {"reason": reason} if reason else {}
            ctx.audit(session, actor.email, action, "post", lead.id, **details)
        return members


def _approval_word(state: str) -> str:
    return {
        ApprovalStatus.PENDING: "waiting for approval",
        ApprovalStatus.APPROVED: "approved",
        ApprovalStatus.REJECTED: "rejected",
        APPROVAL_REQUIRED: "unsubmitted",
    }.get(state, state)


def submit_post(ctx: AppContext, post_id: int, *, group: bool = False) -> list[Post]:
    return _approval_step(
        ctx,
        post_id,
        role=Role.EDITOR,
        doing="submitting posts",
        action="post.submit",
        allowed={APPROVAL_REQUIRED, ApprovalStatus.REJECTED},
        new=ApprovalStatus.PENDING,
        group=group,
    )


def approve_post(ctx: AppContext, post_id: int, *, group: bool = False) -> list[Post]:
    return _approval_step(
        ctx,
        post_id,
        role=Role.ADMIN,
        doing="approving posts",
        action="post.approve",
        allowed={APPROVAL_REQUIRED, ApprovalStatus.PENDING, ApprovalStatus.REJECTED},
        new=ApprovalStatus.APPROVED,
        group=group,
    )


def reject_post(ctx: AppContext, post_id: int, reason: str, *, group: bool = False) -> list[Post]:
    reason = clean_text(reason)
    if not reason:
        raise BadInput("a rejection needs a reason", hint="add --reason 'what to change'")
    return _approval_step(
        ctx,
        post_id,
        role=Role.ADMIN,
        doing="rejecting posts",
        action="post.reject",
        allowed={APPROVAL_REQUIRED, ApprovalStatus.PENDING, ApprovalStatus.APPROVED},
        new=ApprovalStatus.REJECTED,
        reason=reason[:1000],
        group=group,
    )

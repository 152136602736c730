"""The use cases behind `clientnest publish …`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientnest_cli.domain.enums import Role
from clientnest_cli.domain.post_states import check_transition, publishable_reason
from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services.publish_report import Report
from clientnest_cli.services.publisher import Publisher
from clientnest_cli.store.values import utcnow

if TYPE_CHECKING:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post


def publish_due(ctx: AppContext) -> Report:
    with ctx.lite() as db:
        ctx.require(db, Role.EDITOR, "publishing")
    publisher = Publisher(ctx)
    try:
        return publisher.run_due()
    finally:
        publisher.close()


def publish_now(ctx: AppContext, post_id: int) -> Report:
    """Schedule the post for now (a draft too) and send it and its thread parts.

    On the thin store, as the publishing engine: one send imports no ORM."""
    from clientnest_cli.store.lite_repos import LitePosts

    with ctx.lite(write=True) as db:
        actor = ctx.require(db, Role.EDITOR, "publishing")
        posts = LitePosts(db)
        post = posts.by_id(post_id)
        if post is None:
            raise NotFound(f"no post {post_id}", hint="see `clientnest post list`")
        if post.status == "draft":
            check_transition(post.status, "scheduled", f"post {post_id}")
            post.status = "scheduled"
        reason = publishable_reason(post)
        if reason or post.status != "scheduled":
            raise BadInput(f"post {post_id} cannot be published now: {reason or post.status}")
        lead = post.thread_parent_id or post.id
        parts = [p.id for p in posts.thread_parts(lead) if p.status in ("draft", "scheduled")]
        due_now = [post_id, *(p for p in parts if p != post_id)]
        db.execute(
            "UPDATE post SET status = 'scheduled', scheduled_at = ?, next_attempt_at = NULL "
            f"WHERE id IN {db.in_list(due_now)}",
            [db.param(utcnow()), *due_now],
        )
        ctx.audit(db, actor.email, "post.publish_now", "post", post_id)
    publisher = Publisher(ctx, acting=actor.email)
    try:
        report = publisher.publish_now(post_id)
        if post.thread_parent_id is None and report.published:
            report.add(publisher.run_due())
        return report
    finally:
        publisher.close()


def retry_failed(ctx: AppContext, post_id: int) -> None:
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "retrying posts")
        post = _post(session, post_id)
        if post.status != "failed":
            raise BadInput(
                f"post {post_id} is {post.status}, not failed",
                hint="only failed posts are retried; see `clientnest post show`",
            )
        check_transition(post.status, "scheduled", f"post {post_id}")
        post.status, post.scheduled_at, post.next_attempt_at = "scheduled", utcnow(), None
        post.attempts = 0  # a fresh set of attempts; a saved container id (resume_token) is kept
        session.add(post)
        for part in _thread_parts(session, post):
            if part.status == "failed":
                part.status, part.attempts = "scheduled", 0
                session.add(part)
        ctx.audit(session, actor.email, "post.retry", "post", post_id)


def confirm_outcome(ctx: AppContext, post_id: int, *, sent: bool) -> None:
    """Settle an `unconfirmed` post after a person checked the channel: ``sent`` →
    published (no platform id is known); not sent → scheduled, due now, with a fresh
    set of attempts. Thread parts waiting on it follow on their own."""
    with ctx.store.session() as session:
        actor = ctx.require(session, Role.EDITOR, "confirming posts")
        post = _post(session, post_id)
        if post.status != "unconfirmed":
            raise BadInput(
                f"post {post_id} is {post.status}, not unconfirmed",
                hint="only a post that may have been sent is confirmed; see `clientnest post show`",
            )
        now = utcnow()
        if sent:
            check_transition(post.status, "published", f"post {post_id}")
            post.status, post.published_at = "published", _last_attempt_at(session, post_id) or now
        else:
            check_transition(post.status, "scheduled", f"post {post_id}")
            post.status, post.scheduled_at, post.next_attempt_at = "scheduled", now, None
            post.attempts, post.checks = 0, 0
        post.last_error = f"{'sent' if sent else 'not sent'}, as {actor.email} confirmed"
        session.add(post)
        ctx.audit(session, actor.email, "post.confirm", "post", post_id, sent=sent)


def _last_attempt_at(session, post_id: int):  # type: ignore[no-untyped-def]
    """When the send that may have landed started: the best publish time there is."""
    from sqlalchemy import func, select

    from clientnest_cli.store.models import PublishAttempt

    return session.execute(
        select(func.max(PublishAttempt.started_at)).where(PublishAttempt.post_id == post_id)
    ).scalar_one_or_none()


def _post(session, post_id: int) -> Post:  # type: ignore[no-untyped-def]
    from clientnest_cli.store.models import Post

    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"no post {post_id}", hint="see `clientnest post list`")
    return post


def _thread_parts(session, post: Post) -> list[Post]:  # type: ignore[no-untyped-def]
    from clientnest_cli.store.post_repos import Posts

    root = post.thread_parent_id or post.id or 0
    return [p for p in Posts(session).thread_parts(root) if p.id != post.id]

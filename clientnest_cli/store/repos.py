"""Typed queries for services. Services never build SQL themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from clientnest_cli.store.models import (
    AIJob,
    AuditEvent,
    Client,
    Comment,
    Post,
    PostingSlot,
    PostMedia,
    PostMetricsSnapshot,
    PublishAttempt,
    SocialAccount,
    User,
)

if TYPE_CHECKING:
    from sqlmodel import Session


class Users:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_email(self, email: str) -> User | None:
        return self.s.exec(select(User).where(func.lower(User.email) == email.lower())).first()

    def by_id(self, user_id: int) -> User | None:
        return self.s.get(User, user_id)

    def all(self) -> Sequence[User]:
        return self.s.exec(select(User).order_by(col(User.id))).all()

    def count(self) -> int:
        return self.s.exec(select(func.count()).select_from(User)).one()

    def count_role(self, role: str) -> int:
        return self.s.exec(select(func.count()).select_from(User).where(User.role == role)).one()

    def first_owner(self) -> User | None:
        return self.s.exec(select(User).where(User.role == "owner").order_by(col(User.id))).first()

    def add(self, user: User) -> User:
        self.s.add(user)
        self.s.flush()
        return user

    def remove(self, user: User) -> None:
        self.s.delete(user)
        self.s.flush()


class Clients:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_name(self, name: str) -> Client | None:
        return self.s.exec(select(Client).where(func.lower(Client.name) == name.lower())).first()

    def by_id(self, client_id: int) -> Client | None:
        return self.s.get(Client, client_id)

    def all(self) -> Sequence[Client]:
        return self.s.exec(select(Client).order_by(col(Client.name))).all()

    def account_count(self, client_id: int) -> int:
        return self.s.exec(
            select(func.count())
            .select_from(SocialAccount)
            .where(SocialAccount.client_id == client_id)
        ).one()

    def add(self, client: Client) -> Client:
        self.s.add(client)
        self.s.flush()
        return client

    def remove(self, client: Client) -> None:
        self.s.delete(client)
        self.s.flush()


class Audit:
    def __init__(self, session: Session) -> None:
        self.s = session

    def record(self, event: AuditEvent) -> None:
        self.s.add(event)

    def list(
        self, *, since: datetime | None = None, actor: str | None = None, limit: int = 100
    ) -> Sequence[AuditEvent]:
        query = select(AuditEvent)
        if since is not None:
            query = query.where(col(AuditEvent.created_at) >= since)
        if actor:
            query = query.where(func.lower(AuditEvent.actor) == actor.lower())
        query = query.order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
        return self.s.exec(query.limit(limit)).all()


class Accounts:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_id(self, account_id: int) -> SocialAccount | None:
        return self.s.get(SocialAccount, account_id)

    def find(self, platform: str, platform_user_id: str, base_url: str) -> SocialAccount | None:
        return self.s.exec(
            select(SocialAccount).where(
                SocialAccount.platform == platform,
                SocialAccount.platform_user_id == platform_user_id,
                SocialAccount.instance_url == base_url,
            )
        ).first()

    def by_handle(self, handle: str, platform: str | None = None) -> Sequence[SocialAccount]:
        query = select(SocialAccount).where(func.lower(SocialAccount.handle) == handle.lower())
        if platform:
            query = query.where(SocialAccount.platform == platform.lower())
        return self.s.exec(query.order_by(col(SocialAccount.id))).all()

    def all(self, client_id: int | None = None) -> Sequence[SocialAccount]:
        query = select(SocialAccount)
        if client_id is not None:
            query = query.where(SocialAccount.client_id == client_id)
        return self.s.exec(
            query.order_by(col(SocialAccount.platform), col(SocialAccount.handle))
        ).all()

    def active(self) -> Sequence[SocialAccount]:
        return self.s.exec(
            select(SocialAccount)
            .where(SocialAccount.status == "active")
            .order_by(col(SocialAccount.id))
        ).all()

    def count(self) -> int:
        return self.s.exec(
            select(func.count())
            .select_from(SocialAccount)
            .where(SocialAccount.status != "disabled")
        ).one()

    def add(self, account: SocialAccount) -> SocialAccount:
        self.s.add(account)
        self.s.flush()
        return account

    def lock(self, account_id: int) -> SocialAccount | None:
        """The row, locked for update until the transaction ends (PostgreSQL).

        SQLite sessions already hold the database's write lock (BEGIN IMMEDIATE).
        """
        return self.s.exec(
            select(SocialAccount).where(SocialAccount.id == account_id).with_for_update()
        ).first()


# --- posts and posting slots (issue 5) --------------------------------------


class PostFilter:
    """What `post list` narrows by; every field optional."""

    def __init__(
        self,
        *,
        statuses: Sequence[str] = (),
        account_id: int | None = None,
        client_id: int | None = None,
        scheduled_from: datetime | None = None,
        scheduled_to: datetime | None = None,
        search: str = "",
        sort: str = "created",
        limit: int = 50,
    ) -> None:
        self.statuses = list(statuses)
        self.account_id = account_id
        self.client_id = client_id
        self.scheduled_from = scheduled_from
        self.scheduled_to = scheduled_to
        self.search = search
        self.sort = sort
        self.limit = limit


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Posts:
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_id(self, post_id: int) -> Post | None:
        return self.s.get(Post, post_id)

    def add(self, post: Post) -> Post:
        self.s.add(post)
        self.s.flush()
        return post

    def add_media(self, media: PostMedia) -> PostMedia:
        self.s.add(media)
        return media

    def media(self, post_id: int) -> Sequence[PostMedia]:
        return self.s.exec(
            select(PostMedia).where(PostMedia.post_id == post_id).order_by(col(PostMedia.position))
        ).all()

    def media_counts(self, post_ids: Sequence[int]) -> dict[int, int]:
        if not post_ids:
            return {}
        rows = self.s.exec(
            select(PostMedia.post_id, func.count())
            .where(col(PostMedia.post_id).in_(list(post_ids)))
            .group_by(col(PostMedia.post_id))
        ).all()
        return {post_id: count for post_id, count in rows}

    def remove_media(self, post_id: int) -> None:
        for row in self.media(post_id):
            self.s.delete(row)
        self.s.flush()

    def thread_parts(self, lead_id: int) -> Sequence[Post]:
        return self.s.exec(
            select(Post)
            .where(Post.thread_parent_id == lead_id)
            .order_by(col(Post.thread_position), col(Post.id))
        ).all()

    def thread_lead_ids(self, post_ids: Sequence[int]) -> set[int]:
        """Which of ``post_ids`` start a thread (have parts)."""
        if not post_ids:
            return set()
        rows = self.s.exec(
            select(Post.thread_parent_id)
            .where(col(Post.thread_parent_id).in_(list(post_ids)))
            .distinct()
        ).all()
        return {r for r in rows if r is not None}

    def group_leads(self, group_id: str, limit: int = 1000) -> Sequence[Post]:
        """The posts of a group that are not thread parts (siblings, occurrences)."""
        return self.s.exec(
            select(Post)
            .where(Post.group_id == group_id, col(Post.thread_parent_id).is_(None))
            .order_by(col(Post.scheduled_at), col(Post.id))
            .limit(limit)
        ).all()

    def by_source(self, source_file: str) -> Sequence[Post]:
        return self.s.exec(
            select(Post)
            .where(Post.source_file == source_file, col(Post.thread_parent_id).is_(None))
            .order_by(col(Post.id))
        ).all()

    def count_status(self, status: str) -> int:
        return self.s.exec(
            select(func.count()).select_from(Post).where(Post.status == status)
        ).one()

    def scheduled_times(self, account_id: int, start: datetime, end: datetime) -> set[datetime]:
        rows = self.s.exec(
            select(Post.scheduled_at).where(
                Post.account_id == account_id,
                Post.status == "scheduled",
                col(Post.scheduled_at) >= start,
                col(Post.scheduled_at) <= end,
            )
        ).all()
        return {r for r in rows if r is not None}

    def attempts(self, post_id: int) -> Sequence[PublishAttempt]:
        return self.s.exec(
            select(PublishAttempt)
            .where(PublishAttempt.post_id == post_id)
            .order_by(col(PublishAttempt.started_at), col(PublishAttempt.id))
        ).all()

    def list(self, f: PostFilter) -> Sequence[tuple[Post, str, str]]:
        """Posts with their account's platform and handle, in one query, LIMIT in SQL."""
        query = select(Post, SocialAccount.platform, SocialAccount.handle).join(
            SocialAccount, col(SocialAccount.id) == col(Post.account_id)
        )
        if f.statuses:
            query = query.where(col(Post.status).in_(f.statuses))
        if f.account_id is not None:
            query = query.where(Post.account_id == f.account_id)
        if f.client_id is not None:
            query = query.where(SocialAccount.client_id == f.client_id)
        if f.scheduled_from is not None:
            query = query.where(col(Post.scheduled_at) >= f.scheduled_from)
        if f.scheduled_to is not None:
            query = query.where(col(Post.scheduled_at) < f.scheduled_to)
        if f.search:
            query = query.where(col(Post.content).ilike(f"%{_like_escape(f.search)}%", escape="\\"))
        if f.sort == "scheduled":
            query = query.order_by(
                col(Post.scheduled_at).is_(None), col(Post.scheduled_at), col(Post.id)
            )
        elif f.sort == "status":
            query = query.order_by(col(Post.status), col(Post.id).desc())
        else:  # created: ids grow with creation time, so the primary key orders it
            query = query.order_by(col(Post.id).desc())
        return self.s.exec(query.limit(f.limit)).all()  # type: ignore[return-value]

    def calendar(
        self, start: datetime, end: datetime, account_id: int | None = None, limit: int = 5000
    ) -> Sequence[tuple[Post, str, str]]:
        """Thread leads with a time in [start, end), not canceled, with account names."""
        query = (
            select(Post, SocialAccount.platform, SocialAccount.handle)
            .join(SocialAccount, col(SocialAccount.id) == col(Post.account_id))
            .where(
                col(Post.scheduled_at) >= start,
                col(Post.scheduled_at) < end,
                Post.status != "canceled",
                col(Post.thread_parent_id).is_(None),
            )
        )
        if account_id is not None:
            query = query.where(Post.account_id == account_id)
        query = query.order_by(col(Post.scheduled_at), col(Post.id)).limit(limit)
        return self.s.exec(query).all()  # type: ignore[return-value]

    def export_rows(self, statuses: Sequence[str] = (), limit: int = 100_000) -> Sequence[Post]:
        query = select(Post).where(col(Post.thread_parent_id).is_(None))
        if statuses:
            query = query.where(col(Post.status).in_(list(statuses)))
        return self.s.exec(query.order_by(col(Post.id)).limit(limit)).all()

    def delete(self, post: Post) -> None:
        """The post, its thread parts, and the rows that hang off them."""
        from sqlalchemy import delete, update

        ids = [post.id, *[p.id for p in self.thread_parts(post.id or 0)]]
        for model in (PostMedia, PublishAttempt, PostMetricsSnapshot, Comment):
            self.s.exec(delete(model).where(col(model.post_id).in_(ids)))  # type: ignore[attr-defined]
        self.s.exec(
            update(AIJob).where(col(AIJob.result_post_id).in_(ids)).values(result_post_id=None)
        )
        children = [i for i in ids[1:]]
        if children:
            self.s.exec(delete(Post).where(col(Post.id).in_(children)))
        self.s.exec(delete(Post).where(col(Post.id) == post.id))
        self.s.expunge(post)


class Slots:
    def __init__(self, session: Session) -> None:
        self.s = session

    def for_account(self, account_id: int) -> Sequence[PostingSlot]:
        return self.s.exec(
            select(PostingSlot)
            .where(PostingSlot.account_id == account_id)
            .order_by(col(PostingSlot.weekday), col(PostingSlot.local_time))
        ).all()

    def all(self, account_id: int | None = None) -> Sequence[tuple[PostingSlot, str, str]]:
        query = select(PostingSlot, SocialAccount.platform, SocialAccount.handle).join(
            SocialAccount, col(SocialAccount.id) == col(PostingSlot.account_id)
        )
        if account_id is not None:
            query = query.where(PostingSlot.account_id == account_id)
        query = query.order_by(
            col(SocialAccount.platform),
            col(SocialAccount.handle),
            col(PostingSlot.weekday),
            col(PostingSlot.local_time),
        )
        return self.s.exec(query).all()  # type: ignore[return-value]

    def add(self, slot: PostingSlot) -> PostingSlot:
        self.s.add(slot)
        self.s.flush()
        return slot

    def remove(self, slot: PostingSlot) -> None:
        self.s.delete(slot)
        self.s.flush()


# --- AI: usage metering, queued jobs, planning ---------------------------------
# (models are imported inside the methods so this section stays self-contained)

if TYPE_CHECKING:
    from clientnest_cli.store.models import AIJob as AIJobRow
    from clientnest_cli.store.models import AIRequestLog as AIRequestLogRow
    from clientnest_cli.store.models import Comment as CommentRow


class AIUsage:
    """The per-user monthly token counter and the AIRequestLog rows."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def log(self, row: AIRequestLogRow) -> None:
        self.s.add(row)
        self.s.flush()

    def start_month(self, user_id: int, month: str) -> None:
        """Reset the counter when it belongs to an earlier month."""
        from sqlalchemy import update

        self.s.exec(
            update(User)
            .where(col(User.id) == user_id, col(User.ai_usage_month) != month)
            .values(ai_tokens_used=0, ai_usage_month=month)
        )

    def reserve(self, user_id: int, month: str, tokens: int) -> bool:
        """Add ``tokens`` to the counter if it stays within the limit (one atomic UPDATE)."""
        from sqlalchemy import update

        result = self.s.exec(
            update(User)
            .where(
                col(User.id) == user_id,
                col(User.ai_usage_month) == month,
                col(User.ai_tokens_used) + tokens <= col(User.ai_tokens_limit),
            )
            .values(ai_tokens_used=col(User.ai_tokens_used) + tokens)
        )
        return result.rowcount == 1

    def settle(self, user_id: int, month: str, reserved: int, actual: int) -> None:
        """Replace a reservation by what was actually used (never below zero)."""
        from sqlalchemy import case, update

        new = col(User.ai_tokens_used) - reserved + actual
        self.s.exec(
            update(User)
            .where(col(User.id) == user_id, col(User.ai_usage_month) == month)
            .values(ai_tokens_used=case((new < 0, 0), else_=new))
        )

    def summary(
        self, start: datetime, end: datetime, user_id: int | None = None
    ) -> list[tuple[int | None, str, int, int, int, int, float]]:
        """(user_id, purpose, requests, failed, prompt, completion, cost) per user and purpose."""
        from sqlalchemy import case

        from clientnest_cli.store.models import AIRequestLog

        failed = func.sum(case((col(AIRequestLog.outcome) != "ok", 1), else_=0))
        query = (
            select(
                AIRequestLog.user_id,
                AIRequestLog.purpose,
                func.count(),
                failed,
                func.sum(AIRequestLog.prompt_tokens),
                func.sum(AIRequestLog.completion_tokens),
                func.sum(AIRequestLog.cost),
            )
            .where(col(AIRequestLog.created_at) >= start, col(AIRequestLog.created_at) < end)
            .group_by(col(AIRequestLog.user_id), col(AIRequestLog.purpose))
            .order_by(col(AIRequestLog.user_id), col(AIRequestLog.purpose))
        )
        if user_id is not None:
            query = query.where(AIRequestLog.user_id == user_id)
        return [
            (uid, purpose, int(n), int(bad or 0), int(p or 0), int(c or 0), float(cost or 0.0))
            for uid, purpose, n, bad, p, c, cost in self.s.exec(query).all()
        ]


class AIJobs:
    """Queued AI requests, claimed one at a time by a conditional UPDATE."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, job: AIJobRow) -> AIJobRow:
        self.s.add(job)
        self.s.flush()
        return job

    def by_id(self, job_id: int) -> AIJobRow | None:
        from clientnest_cli.store.models import AIJob

        return self.s.get(AIJob, job_id)

    def recent(self, limit: int = 50, status: str | None = None) -> Sequence[AIJobRow]:
        from clientnest_cli.store.models import AIJob

        query = select(AIJob)
        if status:
            query = query.where(AIJob.status == status)
        return self.s.exec(query.order_by(col(AIJob.id).desc()).limit(limit)).all()

    def claimable_ids(self, now: datetime, limit: int) -> list[int]:
        from clientnest_cli.store.models import AIJob

        query = select(AIJob.id).where(_claimable(now)).order_by(col(AIJob.id)).limit(limit)
        return [int(i) for i in self.s.exec(query).all() if i is not None]

    def claim(self, job_id: int, owner: str, now: datetime, until: datetime) -> bool:
        from sqlalchemy import update

        from clientnest_cli.store.models import AIJob

        result = self.s.exec(
            update(AIJob)
            .where(col(AIJob.id) == job_id, _claimable(now))
            .values(status="running", lease_owner=owner, lease_expires_at=until)
        )
        return result.rowcount == 1

    def finish(self, job_id: int, owner: str, **values: object) -> bool:
        """Set ``values`` on a job this owner still holds."""
        from sqlalchemy import update

        from clientnest_cli.store.models import AIJob

        result = self.s.exec(
            update(AIJob)
            .where(col(AIJob.id) == job_id, col(AIJob.lease_owner) == owner)
            .values(**values)
        )
        return result.rowcount == 1


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    """Queued and not held back, or running with an expired lease (its worker died)."""
    from sqlalchemy import and_, or_

    from clientnest_cli.store.models import AIJob

    lease = col(AIJob.lease_expires_at)
    free = or_(lease.is_(None), lease < now)
    return and_(or_(col(AIJob.status) == "queued", col(AIJob.status) == "running"), free)


class AIPlanning:
    """What the AI planner and reply helper read beyond Posts and Slots."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def taken_times(self, account_id: int, start: datetime, end: datetime) -> set[datetime]:
        """Times of the account's drafts and scheduled posts in [start, end)."""
        from clientnest_cli.store.models import Post

        query = select(Post.scheduled_at).where(
            Post.account_id == account_id,
            col(Post.status).in_(("draft", "scheduled", "publishing")),
            col(Post.scheduled_at) >= start,
            col(Post.scheduled_at) < end,
        )
        return {t for t in self.s.exec(query).all() if t is not None}

    def comment(self, comment_id: int) -> CommentRow | None:
        from clientnest_cli.store.models import Comment

        return self.s.get(Comment, comment_id)


# --- metrics and comments sync (issue 6) ---------------------------------------


class MetricsSync:
    """What `metrics sync` reads and writes: refs, latest figures, snapshots, comments.

    Built for big accounts (100,000 posts): reads select columns, not rows;
    the latest snapshot of every post is one query; writes are executemany.
    """

    def __init__(self, session: Session) -> None:
        self.s = session

    def _published(self, account_id: int, since: datetime | None):  # type: ignore[no-untyped-def]
        conditions = [
            col(Post.account_id) == account_id,
            col(Post.status) == "published",
            col(Post.platform_post_id) != "",
        ]
        if since is not None:
            conditions.append(col(Post.published_at) >= since)
        return conditions

    def published_refs(
        self, account_id: int, since: datetime | None = None
    ) -> list[tuple[int, str, str, dict]]:
        """(post id, platform post id, url, extra) of the account's published posts."""
        query = (
            select(Post.id, Post.platform_post_id, Post.platform_url, Post.platform_extra)
            .where(*self._published(account_id, since))
            .order_by(col(Post.id))
        )
        return [(int(i), p, u or "", dict(e or {})) for i, p, u, e in self.s.exec(query).all()]

    def latest_figures(
        self, account_id: int, since: datetime | None = None
    ) -> dict[int, tuple[int, int, int, int | None]]:
        """post id → (likes, comments, shares, views) of its newest snapshot, in one query."""
        from sqlalchemy import and_

        snap = PostMetricsSnapshot
        newest = (
            select(snap.post_id, func.max(snap.captured_at).label("at"))
            .join(Post, col(Post.id) == col(snap.post_id))
            .where(*self._published(account_id, since))
            .group_by(col(snap.post_id))
            .subquery()
        )
        query = select(snap.post_id, snap.likes, snap.comments, snap.shares, snap.views).join(
            newest,
            and_(
                col(snap.post_id) == newest.c.post_id,
                col(snap.captured_at) == newest.c.at,
            ),
        )
        return {int(p): (lk, c, sh, v) for p, lk, c, sh, v in self.s.exec(query).all()}

    def add_snapshots(self, rows: Sequence[dict]) -> None:
        """Insert many PostMetricsSnapshot rows (dicts of column values) at once."""
        from sqlalchemy import insert

        if rows:
            self.s.connection().execute(insert(PostMetricsSnapshot.__table__), list(rows))  # type: ignore[attr-defined]

    def history(self, post_id: int, limit: int = 1000) -> Sequence[PostMetricsSnapshot]:
        return self.s.exec(
            select(PostMetricsSnapshot)
            .where(PostMetricsSnapshot.post_id == post_id)
            .order_by(
                col(PostMetricsSnapshot.captured_at).desc(), col(PostMetricsSnapshot.id).desc()
            )
            .limit(limit)
        ).all()

    def comment_keys(self, account_id: int, since: datetime | None = None) -> set[tuple[int, str]]:
        """(post id, platform comment id) of the comments already stored for the account."""
        query = (
            select(Comment.post_id, Comment.platform_comment_id)
            .join(Post, col(Post.id) == col(Comment.post_id))
            .where(*self._published(account_id, since))
        )
        return {(int(p), str(c)) for p, c in self.s.exec(query).all()}

    def add_comments(self, rows: Sequence[dict]) -> None:
        """Insert many Comment rows; one already there (a concurrent sync) is left alone."""
        if not rows:
            return
        table = Comment.__table__  # type: ignore[attr-defined]
        dialect = self.s.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt = pg_insert(table).on_conflict_do_nothing(
                index_elements=["post_id", "platform_comment_id"]
            )
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(table).on_conflict_do_nothing(
                index_elements=["post_id", "platform_comment_id"]
            )
        else:
            from sqlalchemy import insert

            stmt = insert(table)
        self.s.connection().execute(stmt, list(rows))

    def comments(
        self, post_id: int | None = None, limit: int = 200
    ) -> Sequence[tuple[Comment, str, str]]:
        """Stored comments, newest first, with their account's platform and handle."""
        query = (
            select(Comment, SocialAccount.platform, SocialAccount.handle)
            .join(Post, col(Post.id) == col(Comment.post_id))
            .join(SocialAccount, col(SocialAccount.id) == col(Post.account_id))
        )
        if post_id is not None:
            query = query.where(Comment.post_id == post_id)
        query = query.order_by(
            col(Comment.created_at).desc().nulls_last(),
            col(Comment.fetched_at).desc(),
            col(Comment.id).desc(),
        )
        return self.s.exec(query.limit(limit)).all()  # type: ignore[return-value]

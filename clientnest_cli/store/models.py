"""The data model of DESIGN.md. Keep the names: other code and docs use them.

No table holds a plain-text token: ``SocialAccount.secret_key`` names the
keyring entry, or (``secrets.tokens = "store"``) the ``StoredSecret`` row that
holds it encrypted under a data key only the enrolled hosts' keyrings have.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, Text, UniqueConstraint, event
from sqlmodel import JSON, Field, SQLModel

from clientnest_cli.store.types import UTCDateTime, fold_key, utcnow


def _uuid() -> str:
    return uuid.uuid4().hex


def _ts(nullable: bool = True, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _created() -> datetime:
    return utcnow()


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=320)
    name: str = Field(default="", max_length=200)
    role: str = Field(default="editor", max_length=20)
    tier: str = Field(default="free", max_length=20)
    ai_tokens_used: int = 0
    ai_tokens_limit: int = 0
    ai_usage_month: str = Field(default="", max_length=7)  # YYYY-MM the counter belongs to
    timezone: str = Field(default="UTC", max_length=64)
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    # the PostgreSQL login (session_user) of this person in team mode; "" = none
    db_role: str = Field(
        default="", sa_column=Column(String(100), nullable=False, server_default="", index=True)
    )


class Client(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    name_key: str = Field(default="", max_length=600, index=True)  # fold_key(name), set on save


class SocialAccount(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("platform", "platform_user_id", "instance_url"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(index=True, max_length=20)
    handle: str = Field(index=True, max_length=200)
    platform_user_id: str = Field(default="", max_length=200)
    instance_url: str = Field(default="", max_length=500)  # API base (Mastodon/Bluesky PDS/sandbox)
    display_name: str = Field(default="", max_length=200)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    status: str = Field(default="active", max_length=20)
    status_reason: str = Field(default="", max_length=500)
    secret_key: str = Field(default_factory=lambda: f"account:{_uuid()}", max_length=100)
    token_expires_at: datetime | None = Field(default=None, sa_column=_ts())
    followers: int = 0
    following: int = 0
    post_count: int = 0
    engagement_rate: float = 0.0
    settings: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    connected_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    last_synced_at: datetime | None = Field(default=None, sa_column=_ts())
    handle_key: str = Field(default="", max_length=600, index=True)  # fold_key(handle), on save
    # a token refresh in flight (services/tokens.py): who, and until when at most
    refresh_claimed_by: str = Field(default="", max_length=100)
    refresh_claim_until: datetime | None = Field(default=None, sa_column=_ts())
    # what engagement_rate divides by: "impressions" | "followers" | "" (not known yet)
    engagement_basis: str = Field(default="", max_length=20)


class Post(SQLModel, table=True):
    __table_args__ = (
        Index("ix_post_due", "status", "scheduled_at"),
        Index("ix_post_account_created", "account_id", "created_at"),
        Index("ix_post_published", "status", "published_at"),
        Index("ix_post_updated", "status", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="socialaccount.id", index=True)
    content: str = Field(sa_column=Column(Text, nullable=False))
    hashtags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    category: str = Field(default="", max_length=100, index=True)
    ai_generated: bool = False
    group_id: str = Field(default_factory=_uuid, max_length=32, index=True)
    variant: str = Field(default="", max_length=20)  # A/B label within a group
    thread_parent_id: int | None = Field(default=None, foreign_key="post.id", index=True)
    thread_position: int = 0
    status: str = Field(default="draft", max_length=20)
    scheduled_at: datetime | None = Field(default=None, sa_column=_ts())
    published_at: datetime | None = Field(default=None, sa_column=_ts())
    platform_post_id: str = Field(default="", max_length=300)
    platform_url: str = Field(default="", max_length=1000)
    platform_extra: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    resume_token: str = Field(default="", max_length=300)  # container id / publish_id
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=_ts())
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    idempotency_key: str = Field(default_factory=_uuid, max_length=64, unique=True)
    lease_owner: str = Field(default="", max_length=100)
    lease_expires_at: datetime | None = Field(default=None, sa_column=_ts())
    approval_status: str = Field(default="not_required", max_length=20)
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Field(default=None, sa_column=_ts())
    rejection_reason: str = Field(default="", max_length=1000)
    recurrence: str = Field(default="", max_length=100)
    recurrence_until: datetime | None = Field(default=None, sa_column=_ts())
    source_file: str = Field(default="", max_length=1000)  # imported from; re-import updates
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    updated_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    media_type: str = Field(default="", max_length=20)  # text|photo|video|link|carousel|""
    imported: bool = False  # history from an export or a backfill: never published by us
    followers_at_post: int | None = None  # the account's followers when it went out
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    # how often a post in `checking` was asked about (its send may have landed)
    checks: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PostMedia(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    position: int = 0
    file: str = Field(max_length=1000)  # path inside the store's media folder
    original_name: str = Field(default="", max_length=500)
    alt_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    media_type: str = Field(max_length=100)  # MIME type
    size: int = 0
    sha256: str = Field(max_length=64)


class PostMetricsSnapshot(SQLModel, table=True):
    __table_args__ = (Index("ix_metrics_post_time", "post_id", "captured_at"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id")
    likes: int | None = 0  # None: unknown (an import's empty cell), never a made-up 0
    comments: int | None = 0
    shares: int | None = 0
    views: int | None = None
    engagement_rate: float | None = None  # None: unknown (no impressions, no followers)
    captured_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    impressions: int | None = None  # None: the platform does not report it
    reach: int | None = None
    clicks: int | None = None
    saves: int | None = None  # saves / bookmarks
    quotes: int | None = None
    rate_basis: str = Field(default="", max_length=20)  # "impressions" | "followers" | ""


class AccountStatsSnapshot(SQLModel, table=True):
    __table_args__ = (Index("ix_stats_captured", "captured_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="socialaccount.id", index=True)
    followers: int = 0
    following: int = 0
    post_count: int = 0
    captured_at: datetime = Field(default_factory=_created, sa_column=_ts(False))


class Comment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("post_id", "platform_comment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    platform_comment_id: str = Field(max_length=300)
    author: str = Field(default="", max_length=300)
    text: str = Field(sa_column=Column(Text, nullable=False))
    sentiment: float | None = None
    our_reply: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    replied_at: datetime | None = Field(default=None, sa_column=_ts())
    created_at: datetime | None = Field(default=None, sa_column=_ts())
    fetched_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    sentiment_label: str = Field(default="", max_length=20)  # positive|negative|neutral|""
    language: str = Field(default="", max_length=10)  # "" when not detected


class AIRequestLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    purpose: str = Field(max_length=50)
    model: str = Field(max_length=100)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    latency_ms: int = 0
    outcome: str = Field(default="ok", max_length=50)
    error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False, index=True))


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(default="", max_length=320, index=True)  # email, or "daemon:<id>"
    action: str = Field(max_length=100)
    object_type: str = Field(default="", max_length=50)
    object_id: str = Field(default="", max_length=100)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False, index=True))


class PublishAttempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    daemon_id: str = Field(default="", max_length=100)
    started_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    finished_at: datetime | None = Field(default=None, sa_column=_ts())
    outcome: str = Field(default="", max_length=20)
    http_status: int | None = None
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class PostingSlot(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("account_id", "weekday", "local_time"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="socialaccount.id", index=True)
    weekday: int = Field(ge=0, le=6)  # Monday = 0
    local_time: str = Field(max_length=5)  # HH:MM in the account owner's timezone


class DaemonHeartbeat(SQLModel, table=True):
    daemon_id: str = Field(primary_key=True, max_length=100)
    host: str = Field(default="", max_length=255)
    pid: int = 0
    version: str = Field(default="", max_length=50)
    started_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    last_tick_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    stopped_at: datetime | None = Field(default=None, sa_column=_ts())


class AIJob(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    kind: str = Field(max_length=50)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=20)  # queued|running|done|failed
    result_post_id: int | None = Field(default=None, foreign_key="post.id")
    error: str = Field(default="", max_length=1000)
    lease_owner: str = Field(default="", max_length=100)
    lease_expires_at: datetime | None = Field(default=None, sa_column=_ts())
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    finished_at: datetime | None = Field(default=None, sa_column=_ts())


class SecretDataKey(SQLModel, table=True):
    """The store's data key, by id; only ``verifier`` (a sealed constant) is here, never the key."""

    id: str = Field(primary_key=True, max_length=32)
    verifier: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False))


class StoredSecret(SQLModel, table=True):
    """A secret sealed with AES-256-GCM under the data key (``secrets.tokens = "store"``)."""

    key: str = Field(primary_key=True, max_length=100)
    data_key_id: str = Field(max_length=32)
    sealed: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=_created, sa_column=_ts(False))


class SecretEnrolment(SQLModel, table=True):
    """A one-time code's copy of the data key, wrapped under a key derived from the code."""

    code_hash: str = Field(primary_key=True, max_length=64)
    data_key_id: str = Field(max_length=32)
    wrapped: str = Field(max_length=200)
    created_by: str = Field(default="", max_length=320)
    expires_at: datetime = Field(sa_column=_ts(False))


class AccountAlert(SQLModel, table=True):
    """One `analytics health` alert; the daemon notifies once, when it is first seen."""

    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="socialaccount.id", index=True)
    key: str = Field(max_length=200)  # kind plus what it is about, e.g. "negative_replies:42"
    kind: str = Field(max_length=50)
    message: str = Field(default="", max_length=1000)
    first_seen_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    last_seen_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    notified_at: datetime | None = Field(default=None, sa_column=_ts())
    resolved_at: datetime | None = Field(default=None, sa_column=_ts())


class PolicySetting(SQLModel, table=True):
    """One team-wide rule (approvals, tier limits): set by owners/admins, never by config."""

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(default="", max_length=200)
    updated_by: str = Field(default="", max_length=320)
    updated_at: datetime = Field(default_factory=_created, sa_column=_ts(False))


class ReplyRequest(SQLModel, table=True):
    """A reply to a comment waiting for an admin's approval before it is sent."""

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(foreign_key="comment.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=20)  # pending|sent|rejected
    requested_by: int | None = Field(default=None, foreign_key="user.id")
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=_created, sa_column=_ts(False))
    decided_at: datetime | None = Field(default=None, sa_column=_ts())


# --- case-insensitive lookup keys ---------------------------------------------------
# SQLite's lower() folds ASCII only, so "Ölmühle" is found through a stored
# Unicode casefold of the name instead; every insert and update keeps it current.


@event.listens_for(Client, "before_insert")
@event.listens_for(Client, "before_update")
def _client_key(_mapper: object, _conn: object, target: Client) -> None:
    target.name_key = fold_key(target.name)


@event.listens_for(SocialAccount, "before_insert")
@event.listens_for(SocialAccount, "before_update")
def _account_key(_mapper: object, _conn: object, target: SocialAccount) -> None:
    target.handle_key = fold_key(target.handle)

"""Plain rows for the thin store (store/lite.py): one dataclass per table it reads.

Each field is a column of the table of the same name in ``store/models.py``
(a test ties them: tests/store/test_lite_rows.py), with the attribute names the
SQLModel classes use, so code that reads ``post.status`` or ``user.timezone``
works on either. Only the columns the store-only commands and the publishing engine
use are here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar


@dataclass
class UserRow:
    TABLE: ClassVar[str] = "user"
    id: int
    email: str
    name: str
    role: str
    tier: str
    ai_tokens_used: int
    ai_tokens_limit: int
    timezone: str
    created_at: datetime
    db_role: str
    ai_usage_month: str


@dataclass
class ClientRow:
    TABLE: ClassVar[str] = "client"
    id: int
    name: str


@dataclass
class AccountRow:
    TABLE: ClassVar[str] = "socialaccount"
    id: int
    platform: str
    handle: str
    platform_user_id: str
    instance_url: str
    display_name: str
    client_id: int | None
    status: str
    status_reason: str
    token_expires_at: datetime | None
    followers: int
    following: int
    post_count: int
    engagement_rate: float
    settings: dict[str, Any]
    created_at: datetime
    last_synced_at: datetime | None
    engagement_basis: str


@dataclass
class PostRow:
    TABLE: ClassVar[str] = "post"
    id: int
    account_id: int
    content: str
    hashtags: list[str]
    category: str
    ai_generated: bool
    group_id: str
    variant: str
    thread_parent_id: int | None
    thread_position: int
    status: str
    scheduled_at: datetime | None
    published_at: datetime | None
    platform_url: str
    attempts: int
    last_error: str
    approval_status: str
    approved_by: int | None
    rejection_reason: str
    recurrence: str
    recurrence_until: datetime | None
    source_file: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass
class SendingAccountRow(AccountRow):
    """An account as the publishing engine reads it: with its keyring entry's name."""

    secret_key: str


@dataclass
class SendingPostRow(PostRow):
    """A post as the publishing engine reads it: with its lease, retry and platform
    columns (store/claims.py)."""

    platform_post_id: str
    platform_extra: dict[str, Any]
    resume_token: str
    next_attempt_at: datetime | None
    idempotency_key: str
    lease_owner: str
    lease_expires_at: datetime | None
    checks: int


@dataclass
class MediaRow:
    TABLE: ClassVar[str] = "postmedia"
    id: int
    post_id: int
    position: int
    file: str
    original_name: str
    alt_text: str
    media_type: str
    size: int
    sha256: str


@dataclass
class AttemptRow:
    TABLE: ClassVar[str] = "publishattempt"
    id: int
    post_id: int
    daemon_id: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    http_status: int | None
    error: str


@dataclass
class AuditRow:
    TABLE: ClassVar[str] = "auditevent"
    id: int
    actor: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]
    created_at: datetime


ROW_TYPES: tuple[type, ...] = (
    UserRow,
    ClientRow,
    AccountRow,
    SendingAccountRow,
    PostRow,
    SendingPostRow,
    MediaRow,
    AttemptRow,
    AuditRow,
)


def columns(row_type: type, alias: str = "") -> str:
    """``a.id, a.platform, …`` for a SELECT of ``row_type``'s fields."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{f.name}" for f in fields(row_type))


def as_dict(row: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The row's fields as a dict (like a model's ``model_dump``)."""
    return {f.name: getattr(row, f.name) for f in fields(row) if f.name not in exclude}

"""Values that cross the boundary between services and platform adapters.

Adapters never see database rows: services build an ``OutgoingPost`` from a
``Post`` and get back a ``PublishedRef``. Keeping these plain dataclasses is
what lets a third-party adapter be written without knowing our store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class MediaItem:
    path: Path
    mime_type: str
    size: int
    sha256: str
    alt_text: str = ""
    public_url: str | None = None  # for platforms that fetch media from a URL


@dataclass(frozen=True)
class PublishedRef:
    """Where a post landed. ``extra`` carries platform details (Bluesky cid...)."""

    platform_post_id: str
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingPost:
    """One message for one account, as the adapter needs it.

    ``idempotency_key`` is made when the post is created and never changes;
    adapters use it where the platform honours a key (Mastodon), derive a
    stable record key from it (Bluesky), or embed nothing and match on content.
    ``reply_to`` is the previous part of a thread, already published.
    ``root`` is the first part of the thread (Bluesky needs both).
    ``resume_token`` carries state saved from an earlier, interrupted attempt
    (an Instagram container id, a TikTok publish_id).
    """

    text: str
    idempotency_key: str
    media: tuple[MediaItem, ...] = ()
    reply_to: PublishedRef | None = None
    root: PublishedRef | None = None
    created_at: datetime | None = None
    language: str | None = None
    resume_token: str | None = None


@dataclass(frozen=True)
class PostMetrics:
    platform_post_id: str
    likes: int = 0
    comments: int = 0
    shares: int = 0
    views: int | None = None
    extra: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CommentData:
    platform_comment_id: str
    platform_post_id: str
    author: str
    text: str
    created_at: datetime | None = None


@dataclass(frozen=True)
class AccountInfo:
    platform_user_id: str
    handle: str
    display_name: str = ""
    followers: int | None = None
    following: int | None = None
    posts: int | None = None


@dataclass
class Credentials:
    """What lives in the keyring for one account; never written to the DB."""

    access_token: str = ""
    refresh_token: str = ""
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Violation:
    """One broken rule: which platform, which rule, and by how much."""

    platform: str
    rule: str
    detail: str
    over_by: int = 0

    def __str__(self) -> str:
        return f"{self.platform}: {self.rule} — {self.detail}"


@dataclass(frozen=True)
class Existence:
    """Answer of ``find_existing``: found (with ref), absent, or unknown."""

    state: str  # "found" | "absent" | "unknown"
    ref: PublishedRef | None = None
    reason: str = ""

    @classmethod
    def found(cls, ref: PublishedRef) -> Existence:
        return cls("found", ref)

    @classmethod
    def absent(cls) -> Existence:
        return cls("absent")

    @classmethod
    def unknown(cls, reason: str) -> Existence:
        return cls("unknown", reason=reason)


@dataclass(frozen=True)
class PastPost:
    """One of the account's earlier posts, as a backfill finds it on the platform."""

    ref: PublishedRef
    text: str
    published_at: datetime
    metrics: PostMetrics
    media_type: str = ""  # text | photo | video | link | carousel | ""

"""A client with a seeded history (the shared generator), and hostile text in its store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from clientnest_cli.sandbox.history import spec_for
from tests.analytics.conftest import seed_store
from tests.helpers import init_store, ok

MONTH = "2026-10"  # the generator's history ends on 2026-11-01
# October 2026 in the owner's zone (Europe/Berlin): what `--month 2026-10` covers
SINCE, UNTIL = "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00"
CLIENT = "Acme & Co"
HOSTILE = (
    "<script>alert('post')</script> <img src=x onerror=alert(1)> "
    "</style><script>alert('css')</script> <a href=\"javascript:alert(2)\">click</a>"
)
# the smallest valid PNG (1×1)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class Client:
    name: str
    ids: dict[str, int]


def attach(name: str, ids: list[int]) -> None:
    from sqlalchemy import text

    from clientnest_cli.services.context import AppContext

    ok("clients", "add", name)
    ctx = AppContext()
    try:
        with ctx.store.engine.begin() as conn:
            client_id = conn.execute(text("SELECT id FROM client WHERE name = :n"), {"n": name})
            cid = client_id.scalar()
            for account_id in ids:
                conn.execute(
                    text("UPDATE socialaccount SET client_id = :c WHERE id = :a"),
                    {"c": cid, "a": account_id},
                )
    finally:
        ctx.close()


@pytest.fixture
def client(home: Path) -> Client:
    return _seeded_client()


@pytest.fixture
def client_db(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Client:
    """The same seeded client on SQLite and on PostgreSQL."""
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    return _seeded_client()


def _seeded_client() -> Client:
    init_store()
    specs = {
        "x:acme": spec_for(21, 200, "x", timezone="Europe/Berlin"),
        "bluesky:acme.bsky.social": spec_for(22, 150, "bluesky", timezone="Europe/Berlin"),
    }
    ids = seed_store(specs)
    attach(CLIENT, list(ids.values()))
    return Client(CLIENT, ids)


def add_hostile_posts(account_id: int, media_dir: Path) -> None:
    """A top post with hostile text, a javascript: link and an image; a hostile scheduled post."""
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Comment, Post, PostMedia, PostMetricsSnapshot

    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / "pixel.png").write_bytes(PNG)
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            post = Post(
                account_id=account_id,
                content=HOSTILE,
                status="published",
                published_at=datetime(2026, 10, 15, 12, tzinfo=UTC),
                platform_url="javascript:alert(3)",
                media_type="photo",
            )
            later = Post(
                account_id=account_id,
                content="Coming soon </style><style>body{background:url(http://evil.test/x)}",
                status="scheduled",
                scheduled_at=datetime.now(UTC) + timedelta(days=7),  # the coming weeks
                platform_url="",
            )
            session.add(post)
            session.add(later)
            session.flush()
            session.add(
                PostMedia(
                    post_id=post.id, file="pixel.png", media_type="image/png", sha256="0" * 64
                )
            )
            for n, words in enumerate(
                ("I love this, wonderful coffee!", "Terrible, awful service <script>x</script>")
            ):
                session.add(Comment(post_id=post.id, platform_comment_id=f"c{n}", text=words))
            session.add(
                PostMetricsSnapshot(
                    post_id=post.id,
                    likes=100_000,
                    comments=10,
                    shares=5,
                    captured_at=datetime(2026, 10, 16, tzinfo=UTC),
                )
            )
    finally:
        ctx.close()

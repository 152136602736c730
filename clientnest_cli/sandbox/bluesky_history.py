"""Bluesky emulator: a seeded posting history and ``app.bsky.feed.getAuthorFeed``.

``seed_history(handle, seed, posts, days)`` stores the posts of the shared
generator (sandbox/history.py) as the account's own records, dated in the
past, with fixed counts (the planted effects) instead of counts that grow
with age. ``getAuthorFeed`` lists an actor's posts newest first, ``limit``
1–100 (default 50), with an opaque ``cursor`` for the next page, as the
appview does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.bluesky_repo import POST_COLLECTION, StoredRecord, new_tid, record_cid
from clientnest_cli.sandbox.history import generate, spec_for

if TYPE_CHECKING:
    from clientnest_cli.sandbox.bluesky_repo import Account

FEED_DEFAULT, FEED_MAX = 50, 100
FILTERS = ("posts_with_replies", "posts_no_replies", "posts_with_media", "posts_and_author_threads")


class HistoryMixin:
    """Mixed into BlueskyEmulator; relies on its state and helpers."""

    accounts: dict[str, Account]
    records: dict[str, StoredRecord]
    history_counts: dict[str, dict[str, int]]
    lock: Any

    if TYPE_CHECKING:

        def authed(self, request: Request) -> tuple[str | None, Response | None]: ...
        def error(self, status: int, message: str, code: str = "") -> Response: ...
        def did_of(self, actor: str) -> str | None: ...
        def _ensure_account(self, handle: str, display_name: str = "") -> Account: ...

    def seed_history(
        self, handle: str, seed: int, posts: int, days: int = 120, timezone: str = "UTC"
    ) -> dict[str, Any]:
        """Store ``posts`` past posts for ``handle`` (up to now); returns the spec used."""
        account = self._ensure_account(handle)
        now = datetime.now(UTC).replace(microsecond=0)
        spec = spec_for(
            seed, posts, "bluesky", days=days, timezone=timezone, end=now - timedelta(hours=1)
        )
        with self.lock:
            account.followers = spec.followers_end
            for post in generate(spec):
                stamp = post.published_at.isoformat().replace("+00:00", "Z")
                value = {"$type": POST_COLLECTION, "text": post.text, "createdAt": stamp}
                if post.media_type == "link":
                    value["embed"] = {
                        "$type": "app.bsky.embed.external",
                        "external": {
                            "uri": "https://acme.example/",
                            "title": "",
                            "description": "",
                        },
                    }
                rkey = new_tid(int(post.published_at.timestamp() * 1_000_000) + post.index)
                record = StoredRecord(
                    account.did, rkey, record_cid(value), value,
                    post.published_at.timestamp(), stamp, [],
                )  # fmt: skip
                self.records[record.uri] = record
                self.history_counts[record.uri] = {
                    "likeCount": post.likes,
                    "replyCount": post.comments,
                    "repostCount": max(0, post.shares - post.quotes),
                    "quoteCount": min(post.quotes, post.shares),
                }
        return {"seed": seed, "posts": posts, "peaks": list(spec.peaks), "timezone": timezone}

    def post_view(self, record: StoredRecord) -> dict[str, Any]:
        view: dict[str, Any] = super().post_view(record)  # type: ignore[misc]
        fixed = self.history_counts.get(record.uri)
        if fixed:
            view.update(fixed)
        return view

    async def get_author_feed(self, request: Request) -> Response:
        _, err = self.authed(request)
        if err:
            return err
        q = request.query_params
        did = self.did_of(q.get("actor", ""))
        if did is None:
            return self.error(400, "Profile not found", "InvalidRequest")
        try:
            limit = int(q.get("limit", str(FEED_DEFAULT)))
        except ValueError:
            return self.error(400, "limit must be an integer")
        if not 1 <= limit <= FEED_MAX:
            return self.error(400, f"limit must be between 1 and {FEED_MAX}")
        feed_filter = q.get("filter", "posts_with_replies")
        if feed_filter not in FILTERS:
            return self.error(400, f"filter must be one of {', '.join(FILTERS)}")
        with self.lock:
            own = [r for r in self.records.values() if r.did == did]
        if feed_filter in ("posts_no_replies", "posts_and_author_threads"):
            own = [r for r in own if "reply" not in r.value]
        if feed_filter == "posts_with_media":
            own = [r for r in own if "embed" in r.value]
        own.sort(key=lambda r: (r.value.get("createdAt", ""), r.rkey), reverse=True)
        cursor = q.get("cursor")
        if cursor:
            own = [r for r in own if (r.value.get("createdAt", ""), r.rkey) < _split(cursor)]
        page = own[:limit]
        body: dict[str, Any] = {"feed": [{"post": self.post_view(r)} for r in page]}
        if len(own) > limit:
            last = page[-1]
            body["cursor"] = f"{last.value.get('createdAt', '')}::{last.rkey}"
        return JSONResponse(body)


def _split(cursor: str) -> tuple[str, str]:
    created, _, rkey = cursor.partition("::")
    return created, rkey

"""The appview half of the Bluesky emulator: posts, threads and profiles.

Counts grow with a post's age (``grown``); replyCount also includes the
replies actually stored, so a thread and its counts agree at least that far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.bluesky_repo import POST_COLLECTION, StoredRecord, parse_at_uri
from clientnest_cli.sandbox.framework import grown

if TYPE_CHECKING:
    from clientnest_cli.sandbox.bluesky_repo import Account

MAX_URIS = 25
MAX_DEPTH = 1000


class ViewsMixin:
    """Mixed into BlueskyEmulator; relies on its state and helpers."""

    accounts: dict[str, Account]
    records: dict[str, StoredRecord]

    if TYPE_CHECKING:

        def authed(self, request: Request) -> tuple[str | None, Response | None]: ...
        def error(self, status: int, message: str, code: str = "") -> Response: ...
        def did_of(self, actor: str) -> str | None: ...
        def subject_count(self, collection: str, uri: str) -> int: ...

    # --- views -----------------------------------------------------------------
    def _author_view(self, did: str) -> dict[str, Any]:
        account = self.accounts[did]
        return {"did": did, "handle": account.handle, "displayName": account.display_name}

    def _replies_to(self, uri: str) -> list[StoredRecord]:
        return [
            r
            for r in self.records.values()
            if r.value.get("reply", {}).get("parent", {}).get("uri") == uri
        ]

    def _embed_view(self, record: StoredRecord) -> dict[str, Any] | None:
        embed = record.value.get("embed")
        if not embed:
            return None
        images = []
        for image in embed.get("images", []):
            cid = image["image"]["ref"]["$link"]
            url = f"https://cdn.bsky.app/img/feed_fullsize/plain/{record.did}/{cid}@jpeg"
            view = {"thumb": url.replace("feed_fullsize", "feed_thumbnail"), "fullsize": url}
            view["alt"] = image.get("alt", "")
            if "aspectRatio" in image:
                view["aspectRatio"] = image["aspectRatio"]
            images.append(view)
        return {"$type": "app.bsky.embed.images#view", "images": images}

    def post_view(self, record: StoredRecord) -> dict[str, Any]:
        uri = record.uri
        view: dict[str, Any] = {
            "uri": uri,
            "cid": record.cid,
            "author": self._author_view(record.did),
            "record": record.value,
            "replyCount": len(self._replies_to(uri)) + grown(uri + "#reply", record.created, 0.2),
            "repostCount": grown(uri + "#repost", record.created, 0.5)
            + self.subject_count("app.bsky.feed.repost", uri),
            "likeCount": grown(uri + "#like", record.created, 2.0)
            + self.subject_count("app.bsky.feed.like", uri),
            "quoteCount": grown(uri + "#quote", record.created, 0.1),
            "indexedAt": record.indexed_at,
            "labels": [],
        }
        embed = self._embed_view(record)
        if embed:
            view["embed"] = embed
        return view

    def _thread_view(self, record: StoredRecord, depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": self.post_view(record),
        }
        if depth > 0:
            node["replies"] = [
                self._thread_view(r, depth - 1) for r in self._replies_to(record.uri)
            ]
        return node

    def _with_parents(self, node: dict[str, Any], record: StoredRecord, height: int) -> None:
        parent_uri = record.value.get("reply", {}).get("parent", {}).get("uri")
        parent = self.records.get(parent_uri or "")
        if parent is None or height <= 0:
            return
        node["parent"] = {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": self.post_view(parent),
        }
        self._with_parents(node["parent"], parent, height - 1)

    # --- handlers ------------------------------------------------------------
    async def get_posts(self, request: Request) -> Response:
        _, err = self.authed(request)
        if err:
            return err
        uris = request.query_params.getlist("uris")
        if not uris:
            return self.error(400, 'Params must have the property "uris"')
        if len(uris) > MAX_URIS:
            return self.error(400, f"uris must not have more than {MAX_URIS} elements")
        posts = [self.post_view(self.records[u]) for u in uris if u in self.records]
        return JSONResponse({"posts": posts})

    async def get_post_thread(self, request: Request) -> Response:
        _, err = self.authed(request)
        if err:
            return err
        q = request.query_params
        uri = q.get("uri", "")
        try:
            depth = int(q.get("depth", "6"))
            height = int(q.get("parentHeight", "80"))
        except ValueError:
            return self.error(400, "depth and parentHeight must be integers")
        if not 0 <= depth <= MAX_DEPTH or not 0 <= height <= MAX_DEPTH:
            return self.error(400, f"depth and parentHeight must be between 0 and {MAX_DEPTH}")
        parts = parse_at_uri(uri)
        if parts is None:
            return self.error(400, f"Invalid at-uri: {uri}")
        did = self.did_of(parts[0])
        record = self.records.get(f"at://{did}/{POST_COLLECTION}/{parts[2]}")
        if record is None or parts[1] != POST_COLLECTION:
            return self.error(400, f"Post not found: {uri}", "NotFound")
        thread = self._thread_view(record, depth)
        self._with_parents(thread, record, height)
        return JSONResponse({"thread": thread})

    async def get_profile(self, request: Request) -> Response:
        _, err = self.authed(request)
        if err:
            return err
        did = self.did_of(request.query_params.get("actor", ""))
        if did is None:
            return self.error(400, "Profile not found", "InvalidRequest")
        account = self.accounts[did]
        posts = sum(1 for r in self.records.values() if r.did == did)
        return JSONResponse(
            {
                **self._author_view(did),
                "description": "",
                "followersCount": account.followers
                + grown(did + "#followers", account.created, 1.0),
                "followsCount": account.follows,
                "postsCount": posts,
                "associated": {"lists": 0, "feedgens": 0, "labeler": False},
                "labels": [],
            }
        )

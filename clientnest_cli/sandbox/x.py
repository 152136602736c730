"""Emulator of the X API v2, written from PLATFORMS.md (never from the adapter).

Routes (under the emulator's prefix): GET /i/oauth2/authorize,
POST /2/oauth2/token, GET /2/users/me, GET /2/users/:id/tweets,
POST|GET /2/tweets, GET|DELETE /2/tweets/:id, GET /2/tweets/search/recent,
POST /2/media/upload (+ initialize/append/finalize, GET STATUS),
POST /2/media/metadata. Every answer carries x-rate-limit-* headers; errors
are problem+json. Reads and views live in ``x_reads``; media in ``x_media``;
OAuth in ``x_oauth``.
"""

from __future__ import annotations

import itertools
import time
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.framework import STORED, Emulator, TokenStore, answered, bearer
from clientnest_cli.sandbox.x_history import XHistoryMixin
from clientnest_cli.sandbox.x_media import XMediaMixin
from clientnest_cli.sandbox.x_oauth import SCOPES, XOAuthMixin
from clientnest_cli.sandbox.x_reads import XReadsMixin
from clientnest_cli.sandbox.x_support import (
    LIMITS,
    MAX_WEIGHTED_LENGTH,
    RateWindow,
    invalid_request,
    problem,
    reset_in,
    weighted_length,
)

Handler = Callable[[Request, Any], Awaitable[Response]]
BODY_KEYS = {
    "text",
    "reply",
    "media",
    "quote_tweet_id",
    "poll",
    "reply_settings",
    "for_super_followers_only",
    "direct_message_deep_link",
    "geo",
    "nullcast",
    "community_id",
    "made_with_ai",
    "paid_partnership",
    "share_with_followers",
    "card_uri",
}
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how X determines text length "
    "see https://github.com/twitter/twitter-text."
)


class XEmulator(XOAuthMixin, XMediaMixin, XHistoryMixin, XReadsMixin, Emulator):
    name = "x"
    title = "X (API v2)"
    connect_hint = "clientnest accounts connect x (OAuth 2.0 with PKCE; consent page approves)"

    def __init__(self, access_ttl_s: float = 7200.0) -> None:
        self.access_ttl_s = access_ttl_s  # default lifetime of access tokens (2 h)
        super().__init__()

    def reset(self) -> None:
        self.tokens = TokenStore(access_ttl_s=self.access_ttl_s, rotate_refresh=True)
        self.users: dict[str, dict[str, Any]] = {}
        self.tweets: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.windows: dict[tuple[str, str], RateWindow] = {}
        self.calls: Counter[str] = Counter()
        self.consent_handle = "sandbox_user"
        self.video_polls_needed = 1
        self.video_check_after_s = 1
        self._ids = itertools.count(1_790_000_000_000_000_000, 7919)

    # --- the platform's error shapes -------------------------------------
    def error(self, status: int, message: str, code: str = "") -> Response:
        return problem(status, HTTPStatus(status).phrase, message)

    def throttle(self) -> Response:
        response = problem(429, "Too Many Requests", "Too Many Requests")
        response.headers["x-rate-limit-remaining"] = "0"
        response.headers["x-rate-limit-reset"] = str(reset_in(self.faults.rate_limit_reset_s))
        return response

    # --- routing -----------------------------------------------------------
    def routes(self) -> list[Route]:
        e = self._endpoint
        return [
            Route("/i/oauth2/authorize", self.authorize, methods=["GET"]),
            e("POST", "/2/oauth2/token", "oauth", self.token, auth=False),
            e("GET", "/2/users/me", "users:me", self.users_me, "users.read"),
            e("GET", "/2/users/{id}/tweets", "users:tweets", self.user_tweets, "tweet.read"),
            e("POST", "/2/tweets", "tweets:create", self.create_tweet, "tweet.write"),
            e("GET", "/2/tweets", "tweets:lookup", self.lookup_tweets, "tweet.read"),
            e("GET", "/2/tweets/search/recent", "search", self.search_recent, "tweet.read"),
            e("GET", "/2/tweets/{id}", "tweets:lookup", self.get_tweet, "tweet.read"),
            e("DELETE", "/2/tweets/{id}", "tweets:delete", self.delete_tweet, "tweet.write"),
            e("POST", "/2/media/upload", "media", self.upload_simple, "media.write"),
            e("GET", "/2/media/upload", "media", self.upload_status, "media.write"),
            e("POST", "/2/media/upload/initialize", "media", self.upload_initialize, "media.write"),
            e("POST", "/2/media/upload/{id}/append", "media", self.upload_append, "media.write"),
            e(
                "POST",
                "/2/media/upload/{id}/finalize",
                "media",
                self.upload_finalize,
                "media.write",
            ),
            e("POST", "/2/media/metadata", "media", self.media_metadata, "media.write"),
        ]

    def _endpoint(
        self,
        method: str,
        path: str,
        bucket: str,
        handler: Handler,
        scope: str = "",
        *,
        auth: bool = True,
    ) -> Route:
        """Wrap a handler: count, faults, bearer check, scope, rate-limit headers."""
        label = f"{method} {path}"

        async def run(request: Request) -> Response:
            with self.lock:
                self.calls[label] += 1
            return await answered(self.calls, label, checked, request)

        async def checked(request: Request) -> Response:
            status, subject = self.tokens.check(bearer(request)) if auth else ("ok", None)
            window = self._window(bucket, subject or _client_key(request))
            fault = await self.before_write()
            if fault is not None:
                return _stamp(fault, window)
            if status != "ok":
                return _stamp(problem(401, "Unauthorized", "Unauthorized"), window)
            if scope and not self._has_scope(bearer(request), scope):
                detail = f"The access token is missing the scope {scope}."
                return _stamp(problem(403, "Forbidden", detail), window)
            with self.lock:
                if window.remaining <= 0:
                    return _stamp(problem(429, "Too Many Requests", "Too Many Requests"), window)
                window.remaining -= 1
            return _stamp(await handler(request, subject), window)

        return Route(path, run, methods=[method])

    def _window(self, bucket: str, key: str) -> RateWindow:
        with self.lock:
            window = self.windows.get((bucket, key))
            if window is None or window.expired():
                window = self.windows[(bucket, key)] = RateWindow.fresh(LIMITS[bucket])
            return window

    def _has_scope(self, token: str | None, scope: str) -> bool:
        issued = self.tokens.access.get(token or "")
        return issued is not None and scope in issued.scope.split()

    # --- state helpers -----------------------------------------------------
    def _new_id(self) -> str:
        return str(next(self._ids))

    def _user_by_handle(self, handle: str) -> dict[str, Any]:
        for user in self.users.values():
            if user["username"].lower() == handle.lower():
                return user
        user_id = str(100_000_000 + len(self.users) * 7 + 1)
        user = {
            "id": user_id,
            "username": handle,
            "name": handle.replace("_", " ").title(),
            "created": time.time(),
            "followers": 120 + 37 * len(self.users),
            "following": 42,
        }
        self.users[user_id] = user
        return user

    def _store_tweet(
        self,
        author_id: str,
        text: str,
        parent: dict[str, Any] | None,
        media_ids: list[str],
        created: float | None = None,
    ) -> dict[str, Any]:
        tweet_id = self._new_id()
        tweet = {
            "id": tweet_id,
            "author_id": author_id,
            "text": text,
            "created": created if created is not None else time.time(),
            "conversation_id": parent["conversation_id"] if parent else tweet_id,
            "in_reply_to_tweet_id": parent["id"] if parent else None,
            "in_reply_to_user_id": parent["author_id"] if parent else None,
            "media_ids": list(media_ids),
        }
        self.tweets[tweet_id] = tweet
        return tweet

    def _is_duplicate(self, author_id: str, text: str) -> bool:
        if not self.faults.duplicate_rejection or not text.strip():
            return False
        wanted = unicodedata.normalize("NFC", text).strip()
        return any(
            t["author_id"] == author_id
            and unicodedata.normalize("NFC", t["text"]).strip() == wanted
            for t in self.tweets.values()
        )

    # --- POST /2/tweets ---------------------------------------------------
    async def create_tweet(self, request: Request, user_id: str) -> Response:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return invalid_request("Content-Type must be application/json.")
        try:
            body = await request.json()
        except ValueError:
            return invalid_request("Request body is not valid JSON.")
        if not isinstance(body, dict):
            return invalid_request("Request body must be a JSON object.")
        unknown = sorted(set(body) - BODY_KEYS)
        if unknown:
            return invalid_request(
                f"$.{unknown[0]}: is not defined in the schema and the schema does not allow "
                "additional properties",
                {unknown[0]: []},
            )
        text = body.get("text", "")
        if not isinstance(text, str):
            return invalid_request("$.text: expected a string.", {"text": []})
        media_ids, media_error = self._check_media(body.get("media"), user_id)
        if media_error is not None:
            return media_error
        if not text.strip() and not media_ids:
            return invalid_request("Post text or media is required.", {"text": []})
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            return invalid_request(TOO_LONG, {"text": [text[:40]]})
        parent_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        with self.lock:
            parent = self.tweets.get(str(parent_id)) if parent_id is not None else None
            if parent_id is not None and parent is None:
                return problem(
                    403,
                    "Forbidden",
                    "You attempted to reply to a Tweet that is deleted or not visible to you.",
                )
            if self._is_duplicate(user_id, text):
                self.calls["POST /2/tweets: duplicate refused"] += 1  # a second send, seen
                return problem(403, "Forbidden", DUPLICATE_DETAIL)
            tweet = self._store_tweet(user_id, text, parent, media_ids)
            self.calls[f"POST /2/tweets: {STORED}"] += 1
        data = {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}
        return self.maybe_drop(JSONResponse({"data": data}, status_code=201))

    def _check_media(self, media: Any, user_id: str) -> tuple[list[str], Response | None]:
        if media is None:
            return [], None
        ids = media.get("media_ids") if isinstance(media, dict) else None
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return [], invalid_request("$.media.media_ids: expected 1 to 4 strings.")
        if len(ids) > 4:
            return [], invalid_request("$.media.media_ids: at most 4 items.", {"media_ids": ids})
        with self.lock:
            items = [self._owned_media(i, user_id) for i in ids]
        if any(item is None or item["state"] != "succeeded" for item in items):
            return [], invalid_request("Your media IDs are invalid.", {"media_ids": ids})
        kinds = [item["kind"] for item in items if item is not None]
        if len(kinds) > 1 and any(kind in ("video", "gif") for kind in kinds):
            return [], invalid_request("A post can have up to 4 images or 1 video or GIF.")
        return list(ids), None

    # --- Python helpers for tests and the demo ----------------------------
    def seed_account(self, handle: str) -> dict[str, Any]:
        """A user with a token carrying every scope (no OAuth dance needed)."""
        with self.lock:
            user = self._user_by_handle(handle)
            access, refresh = self.tokens.issue(user["id"], " ".join(sorted(SCOPES)), prefix="x")
        return {
            "user_id": user["id"],
            "handle": user["username"],
            "username": user["username"],
            "access_token": access,
            "refresh_token": refresh,
        }

    def seed_tweet(
        self, user_id: str, text: str, *, age_s: float = 0.0, reply_to: str | None = None
    ) -> str:
        with self.lock:
            parent = self.tweets[reply_to] if reply_to else None
            return self._store_tweet(user_id, text, parent, [], time.time() - age_s)["id"]

    def add_reply(self, tweet_id: str, handle: str, text: str) -> str:
        """Someone else replies to a tweet (a comment to fetch)."""
        with self.lock:
            user = self._user_by_handle(handle)
            return self._store_tweet(user["id"], text, self.tweets[tweet_id], [])["id"]

    def backdate(self, tweet_id: str, seconds: float) -> None:
        """Make a tweet older, so its metrics grow without sleeping."""
        with self.lock:
            self.tweets[tweet_id]["created"] -= seconds

    def call_count(self, method: str, path: str) -> int:
        return self.calls[f"{method} {path}"]

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            tweets = [
                {
                    **{k: v for k, v in t.items() if k != "created"},
                    "created_at": t["created"],
                    "alt_texts": [self.media[m]["alt_text"] for m in t["media_ids"]],
                }
                for t in sorted(self.tweets.values(), key=lambda t: int(t["id"]))
            ]
            users = [{k: v for k, v in u.items()} for u in self.users.values()]
        return {"tweets": tweets, "users": users}

    # --- DELETE /2/tweets/:id ---------------------------------------------
    async def delete_tweet(self, request: Request, user_id: str) -> Response:
        """Only the author may delete; an unknown id is a 404 problem."""
        tweet_id = request.path_params["id"]
        with self.lock:
            tweet = self.tweets.get(tweet_id)
            if tweet is None:
                detail = f"Could not find tweet with id: [{tweet_id}]."
                return problem(404, "Not Found Error", detail)
            if tweet["author_id"] != user_id:
                return problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
            del self.tweets[tweet_id]
        return JSONResponse({"data": {"deleted": True}})


def _stamp(response: Response, window: RateWindow) -> Response:
    """Put x-rate-limit-* on a response (a throttle keeps its own reset)."""
    for key, value in window.headers().items():
        if key not in response.headers:
            response.headers[key] = value
    return response


def _client_key(request: Request) -> str:
    return request.client.host if request.client else "anonymous"

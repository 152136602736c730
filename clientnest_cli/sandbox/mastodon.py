"""Mastodon emulator: apps, OAuth, statuses, media, context, rate limits.

Follows PLATFORMS.md § Mastodon. Tokens never expire, but
``tokens.expire_all()`` (or ``POST /oauth/revoke``) makes them invalid, which
is how a revoked token looks: 401 ``{"error": "The access token is invalid"}``.
Every API response carries ``X-RateLimit-Limit/Remaining/Reset`` (ISO 8601);
the window is ``rate_limit`` requests per ``rate_window_s`` per token.
Python helpers for tests: ``seed_account``, ``add_reply``, ``login_as``,
``snapshot``; ``max_characters`` sets the instance's limit.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.framework import STORED, Emulator, TokenStore, answered, bearer, grown
from clientnest_cli.sandbox.http_helpers import BadBody, Body, read_body
from clientnest_cli.sandbox.mastodon_boosts import MastodonBoostsMixin
from clientnest_cli.sandbox.mastodon_history import MastodonHistoryMixin
from clientnest_cli.sandbox.mastodon_media import MastodonMediaMixin
from clientnest_cli.sandbox.mastodon_oauth import MastodonOAuthMixin
from clientnest_cli.sandbox.mastodon_social import MastodonSocialMixin
from clientnest_cli.sandbox.mastodon_support import (
    INVALID_TOKEN,
    MAX_MEDIA,
    NOT_FOUND,
    URL_WEIGHT,
    countable_length,
    iso,
    render_content,
)

Handler = Callable[[Request, dict[str, Any]], Awaitable[Response]]

IDEMPOTENCY_TTL_S = 3600.0


class MastodonEmulator(
    MastodonHistoryMixin,
    MastodonOAuthMixin,
    MastodonMediaMixin,
    MastodonSocialMixin,
    MastodonBoostsMixin,
    Emulator,
):
    name = "mastodon"
    title = "Mastodon"
    connect_hint = "clientnest accounts connect mastodon --instance <sandbox url>/mastodon"

    def reset(self) -> None:
        self.tokens = TokenStore(access_ttl_s=None, rotate_refresh=False)
        self.max_characters = 500
        self.rate_limit = 300
        self.rate_window_s = 300.0
        self.media_processing_s = 0.2
        self.apps: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, str], tuple[str, float]] = {}
        self.windows: dict[str, list[float]] = {}
        self.calls: Counter[str] = Counter()  # create requests received, faults or not
        self.browser_user: str | None = None
        self.favourites: dict[str, list[str]] = {}
        self.reblogs: dict[str, dict[str, str]] = {}
        self.bookmarks: dict[str, list[str]] = {}
        self._last_id = int(time.time() * 1000) << 16

    # --- Python helpers for tests ---------------------------------------------
    def next_id(self) -> str:
        self._last_id += 1 + secrets.randbelow(50)
        return str(self._last_id)

    def _account(self, handle: str) -> dict[str, Any]:
        username = handle.lstrip("@").split("@")[0]
        for account in self.accounts.values():
            if account["username"] == username:
                return account
        account = {"id": self.next_id(), "username": username, "created": time.time()}
        self.accounts[account["id"]] = account
        return account

    def seed_account(self, handle: str) -> dict[str, Any]:
        """A user with a ready token (no refresh token: Mastodon has none)."""
        with self.lock:
            account = self._account(handle)
            access, _ = self.tokens.issue(account["id"], "read write", prefix="masto")
        return {
            "user_id": account["id"],
            "access_token": access,
            "refresh_token": "",
            "username": account["username"],
        }

    def login_as(self, handle: str) -> str:
        """Which user the OAuth consent page acts for; returns the user id."""
        with self.lock:
            self.browser_user = self._account(handle)["id"]
        return self.browser_user

    def add_reply(self, status_id: str, text: str = "Nice post!", handle: str = "reader") -> str:
        """Another user replies to a status (a comment); returns the reply's id."""
        with self.lock:
            if status_id not in self.statuses:
                raise KeyError(status_id)
            account = self._account(handle)
            return self._store_status(account["id"], text, [], status_id, "public", None)

    def snapshot(self) -> dict[str, Any]:
        return {
            "posts": [dict(s) for s in self.statuses.values()],
            "media": [{k: v for k, v in m.items() if k != "data"} for m in self.media.values()],
            "apps": list(self.apps.values()),
            "accounts": list(self.accounts.values()),
        }

    # --- responses -------------------------------------------------------------
    def error(self, status: int, message: str, code: str = "") -> Response:
        return JSONResponse({"error": message}, status_code=status)

    def throttle(self) -> Response:
        response = self.error(429, "Too many requests")
        self._rate_headers(response, 0, time.time() + self.faults.rate_limit_reset_s)
        return response

    def _rate_headers(self, response: Response, remaining: int, reset_at: float) -> None:
        response.headers["X-RateLimit-Limit"] = str(self.rate_limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, remaining))
        response.headers["X-RateLimit-Reset"] = iso(reset_at)

    def _count_request(self, key: str) -> tuple[int, float]:
        """Count one request in the caller's window: (remaining, reset_at)."""
        now = time.time()
        with self.lock:
            window = self.windows.get(key)
            if window is None or now >= window[0] + self.rate_window_s:
                window = self.windows[key] = [now, 0]
            window[1] += 1
            return self.rate_limit - int(window[1]), window[0] + self.rate_window_s

    def api(
        self, handler: Handler, *, auth: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        """Faults, token check and rate limit around one API handler."""

        async def endpoint(request: Request) -> Response:
            fault = await self.before_write()
            if fault is not None:
                return fault
            account: dict[str, Any] = {}
            token = bearer(request)
            if auth:
                state, subject = self.tokens.check(token)
                if state != "ok" or subject not in self.accounts:
                    return self.error(401, INVALID_TOKEN)
                account = self.accounts[subject]
            client = request.client.host if request.client else "?"
            remaining, reset_at = self._count_request(token or client)
            if remaining < 0:
                response = self.error(429, "Too many requests")
            else:
                response = await handler(request, account)
            if "x-ratelimit-limit" not in response.headers:
                self._rate_headers(response, remaining, reset_at)
            return response

        return endpoint

    async def form(self, request: Request) -> Body:
        return await read_body(request)

    @staticmethod
    def base(request: Request) -> str:
        """The instance's absolute URL, the emulator's prefix included."""
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return f"{request.url.scheme}://{request.url.netloc}{root}"

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/apps", self.api(self.create_app, auth=False), methods=["POST"]),
            Route("/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/oauth/revoke", self.revoke, methods=["POST"]),
            Route("/api/v1/instance", self.api(self.instance_v1, auth=False), methods=["GET"]),
            Route("/api/v2/instance", self.api(self.instance_v2, auth=False), methods=["GET"]),
            Route("/api/v1/accounts/verify_credentials", self.api(self.verify), methods=["GET"]),
            Route("/api/v1/accounts/{id}/statuses", self.api(self.account_statuses)),
            Route("/api/v1/statuses", self._counted(self.api(self.post_status)), methods=["POST"]),
            Route("/api/v1/statuses/{id}", self.api(self.get_status), methods=["GET"]),
            Route("/api/v1/statuses/{id}", self.api(self.delete_status), methods=["DELETE"]),
            Route("/api/v1/statuses/{id}/favourite", self.api(self.favourite), methods=["POST"]),
            Route(
                "/api/v1/statuses/{id}/unfavourite", self.api(self.unfavourite), methods=["POST"]
            ),
            Route("/api/v1/favourites", self.api(self.list_favourites), methods=["GET"]),
            *self.boost_routes(),
            Route("/api/v1/timelines/home", self.api(self.home_timeline), methods=["GET"]),
            Route(
                "/api/v1/timelines/public",
                self.api(self.public_timeline, auth=False),
                methods=["GET"],
            ),
            Route(
                "/api/v1/timelines/tag/{tag}",
                self.api(self.tag_timeline, auth=False),
                methods=["GET"],
            ),
            Route("/system/media_attachments/{id}/{filename}", self.media_file, methods=["GET"]),
            Route("/api/v1/statuses/{id}/context", self.api(self.context), methods=["GET"]),
            Route("/api/v2/media", self.api(self.upload_media), methods=["POST"]),
            Route("/api/v1/media/{id}", self.api(self.get_media), methods=["GET"]),
        ]

    # --- instance and accounts ---------------------------------------------------
    def account_json(self, account: dict[str, Any], base: str) -> dict[str, Any]:
        posts = [s for s in self.statuses.values() if s["account_id"] == account["id"]]
        return {
            "id": account["id"],
            "username": account["username"],
            "acct": account["username"],
            "display_name": account["username"].replace("_", " ").title(),
            "locked": False,
            "bot": False,
            "created_at": iso(account["created"]),
            "note": "",
            "url": f"{base}/@{account['username']}",
            "followers_count": grown(account["id"] + "followers", account["created"], 2.0),
            "following_count": 42,
            "statuses_count": len(posts),
            "last_status_at": iso(posts[-1]["created"])[:10] if posts else None,
        }

    async def verify(self, request: Request, account: dict[str, Any]) -> Response:
        with self.lock:
            body = self.account_json(account, self.base(request))
        body["source"] = {"privacy": "public", "sensitive": False, "language": "en", "note": ""}
        return JSONResponse(body)

    async def account_statuses(self, request: Request, _: dict[str, Any]) -> Response:
        target = self.accounts.get(request.path_params["id"])
        if target is None:
            return self.error(404, NOT_FOUND)
        q = request.query_params
        try:
            limit = min(40, max(1, int(q.get("limit", "20"))))
        except ValueError:
            limit = 20
        with self.lock:
            found = [s for s in self.statuses.values() if s["account_id"] == target["id"]]
        found.sort(key=lambda s: int(s["id"]), reverse=True)
        if q.get("max_id"):
            found = [s for s in found if int(s["id"]) < int(q["max_id"])]
        if q.get("since_id"):
            found = [s for s in found if int(s["id"]) > int(q["since_id"])]
        if q.get("exclude_replies") in ("true", "1"):
            found = [s for s in found if not s["in_reply_to_id"]]
        page = found[:limit]
        with self.lock:
            rendered = [self.status_json(s, self.base(request)) for s in page]
        response = JSONResponse(rendered)
        if len(found) > limit:
            here = str(request.url).split("?")[0]
            link = f"{here}?limit={limit}&max_id={page[-1]['id']}"
            response.headers["Link"] = f'<{link}>; rel="next"'
        return response

    # --- statuses ----------------------------------------------------------------
    def status_json(
        self, status: dict[str, Any], base: str, viewer: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        account = self.accounts[status["account_id"]]
        sid, created = status["id"], status["created"]
        replies = sum(1 for s in self.statuses.values() if s["in_reply_to_id"] == sid)
        return {
            "id": sid,
            "created_at": iso(created),
            "in_reply_to_id": status["in_reply_to_id"],
            "in_reply_to_account_id": status["in_reply_to_account_id"],
            "sensitive": False,
            "spoiler_text": status["spoiler_text"],
            "visibility": status["visibility"],
            "language": status["language"],
            "uri": f"{base}/users/{account['username']}/statuses/{sid}",
            "url": f"{base}/@{account['username']}/{sid}",
            # a seeded history status (mastodon_history.py) has fixed counts
            "replies_count": status.get("counts", {}).get("replies", replies),
            "reblogs_count": status.get("counts", {}).get(
                "reblogs", grown(sid + "reblogs", created, 0.5)
            )
            + self.reblogged_count(sid),
            "favourites_count": status.get("counts", {}).get(
                "favourites", grown(sid + "favourites", created, 2.0)
            )
            + self.favourited_by(sid),
            "edited_at": None,
            "content": render_content(status["text"], base),
            "reblog": None,
            "application": {"name": status["application"]} if status["application"] else None,
            "account": self.account_json(account, base),
            "media_attachments": [
                self.media_json(self.media[m], base) for m in status["media_ids"]
            ],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        } | self.status_extras(status, base, viewer)

    def _store_status(
        self,
        account_id: str,
        text: str,
        media_ids: list[str],
        in_reply_to: str | None,
        visibility: str,
        language: str | None,
        spoiler: str = "",
        application: str | None = None,
    ) -> str:
        sid = self.next_id()
        parent = self.statuses.get(in_reply_to or "")
        self.statuses[sid] = {
            "id": sid,
            "account_id": account_id,
            "text": text,
            "spoiler_text": spoiler,
            "visibility": visibility,
            "language": language,
            "media_ids": media_ids,
            "in_reply_to_id": in_reply_to,
            "in_reply_to_account_id": parent["account_id"] if parent else None,
            "created": time.time(),
            "application": application,
        }
        for media_id in media_ids:
            self.media[media_id]["status_id"] = sid
        return sid

    def _counted(
        self, endpoint: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def counted(request: Request) -> Response:
            with self.lock:
                self.calls["POST /api/v1/statuses"] += 1
            return await answered(self.calls, "POST /api/v1/statuses", endpoint, request)

        return counted

    async def post_status(self, request: Request, account: dict[str, Any]) -> Response:
        try:
            form = await self.form(request)
        except BadBody as exc:
            return self.error(400, str(exc))
        key = request.headers.get("idempotency-key")
        base = self.base(request)
        with self.lock:
            self._forget_old_keys()
            if key and (account["id"], key) in self.idempotency:
                self.calls["POST /api/v1/statuses: idempotent replay"] += 1  # a second send, seen
                original = self.statuses[self.idempotency[(account["id"], key)][0]]
                return JSONResponse(self.status_json(original, base))
            problem = self._status_problem(form, account)
            if problem is not None:
                return problem
            sid = self._store_status(
                account["id"],
                str(form.get("status") or ""),
                [str(m) for m in form.get_list("media_ids")],
                str(form.get("in_reply_to_id")) if form.get("in_reply_to_id") else None,
                str(form.get("visibility") or "public"),
                form.get("language"),
                str(form.get("spoiler_text") or ""),
            )
            self.calls[f"POST /api/v1/statuses: {STORED}"] += 1
            if key:
                self.idempotency[(account["id"], key)] = (sid, time.time())
            body = self.status_json(self.statuses[sid], base)
        return self.maybe_drop(JSONResponse(body))

    def _forget_old_keys(self) -> None:
        cutoff = time.time() - IDEMPOTENCY_TTL_S
        for key in [k for k, (_, at) in self.idempotency.items() if at < cutoff]:
            del self.idempotency[key]

    def _status_problem(self, form: Body, account: dict[str, Any]) -> Response | None:
        text = str(form.get("status") or "")
        media_ids = [str(m) for m in form.get_list("media_ids")]
        visibility = str(form.get("visibility") or "public")
        if visibility not in ("public", "unlisted", "private", "direct"):
            return self.error(422, "Validation failed: Visibility is not included in the list")
        if not text.strip() and not media_ids:
            return self.error(422, "Validation failed: Text can't be blank")
        reply_to = form.get("in_reply_to_id")
        if reply_to and str(reply_to) not in self.statuses:
            return self.error(404, "The post you are trying to reply to does not appear to exist.")
        spoiler = str(form.get("spoiler_text") or "")
        length = countable_length(spoiler + text, URL_WEIGHT)
        if length > self.max_characters:
            return self.error(
                422, f"Validation failed: Text character limit of {self.max_characters} exceeded"
            )
        return self._media_problem(media_ids, account)

    def _media_problem(self, media_ids: list[str], account: dict[str, Any]) -> Response | None:
        if len(media_ids) > MAX_MEDIA:
            return self.error(422, f"Cannot attach more than {MAX_MEDIA} files")
        missing = [
            m
            for m in media_ids
            if m not in self.media
            or self.media[m]["account_id"] != account["id"]
            or self.media[m]["status_id"]
        ]
        if missing:
            return self.error(422, f"Media {', '.join(missing)} not found")
        kinds = {self.media[m]["type"] for m in media_ids}
        if len(media_ids) > 1 and kinds & {"video", "gifv", "audio"}:
            return self.error(422, "Cannot attach a video to a post that already contains images")
        if any(self.media[m]["ready_at"] > time.time() for m in media_ids):
            return self.error(
                422, "Cannot attach files that have not finished processing. Try again in a moment!"
            )
        return None

    def _visible_status(self, request: Request) -> dict[str, Any] | None:
        status = self.statuses.get(request.path_params["id"])
        return status if status and status["visibility"] != "direct" else None

    async def get_status(self, request: Request, _: dict[str, Any]) -> Response:
        with self.lock:
            status = self._visible_status(request)
            if status is None:
                return self.error(404, NOT_FOUND)
            return JSONResponse(self.status_json(status, self.base(request)))

    async def context(self, request: Request, _: dict[str, Any]) -> Response:
        base = self.base(request)
        with self.lock:
            status = self._visible_status(request)
            if status is None:
                return self.error(404, NOT_FOUND)
            ancestors, parent = [], self.statuses.get(status["in_reply_to_id"] or "")
            while parent is not None:
                ancestors.insert(0, self.status_json(parent, base))
                parent = self.statuses.get(parent["in_reply_to_id"] or "")
            descendants, frontier = [], [status["id"]]
            while frontier:
                current = frontier.pop(0)
                for child in self.statuses.values():
                    if child["in_reply_to_id"] == current:
                        descendants.append(self.status_json(child, base))
                        frontier.append(child["id"])
        return JSONResponse({"ancestors": ancestors, "descendants": descendants})

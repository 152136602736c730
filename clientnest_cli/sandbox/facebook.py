"""Facebook Pages emulator (Graph API): login, page tokens, feed, photos, comments.

Written from PLATFORMS.md alone. What adapters must cope with: every path
starts with a version (``/v21.0/…``, any ``vNN.N`` accepted); a user token is
exchanged for a long-lived one, and ``/me/accounts`` hands out page tokens
that do not expire; publishing needs the page's own token; errors are
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` with
190 for a bad or expired token, 506 for a duplicate; throttling arrives as
codes 4/17/32/613/80001 with HTTP 400 or 403 and usage headers.

Read-side endpoints (post fields, feed, comments, insights) live in
``facebook_reads.py``.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.facebook_reads import FacebookReads, graph_error
from clientnest_cli.sandbox.framework import IssuedToken, TokenStore

SHORT_TTL_S = 3600
LONG_TTL_S = 5_183_944  # about sixty days, as Facebook reports it
MAX_MESSAGE = 63_206
THROTTLES: dict[int, tuple[int, str]] = {
    4: (403, "(#4) Application request limit reached"),
    17: (403, "(#17) User request limit reached"),
    32: (400, "(#32) Page request limit reached"),
    613: (400, "(#613) Calls to this api have exceeded the rate limit."),
    80001: (
        400,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
    ),
}
PAGE_TASKS = ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]


class FacebookEmulator(FacebookReads):
    name = "facebook"
    title = "Facebook Pages (Graph API)"
    connect_hint = "OAuth: open the dialog URL, approve, paste the code; choose a Page"

    def reset(self) -> None:
        self.tokens = TokenStore(access_ttl_s=SHORT_TTL_S, refresh_ttl_s=None)
        self.token_kind: dict[str, str] = {}  # token -> "user" | "page"
        self.users: dict[str, dict[str, Any]] = {}
        self.pages: dict[str, dict[str, Any]] = {}
        self.browser_user: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.photos: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.throttle_code: int | None = None  # None: rotate through THROTTLES
        self._throttle_turn = 0
        self.counter = 1000

    # --- errors and throttling -------------------------------------------------
    def error(self, status: int, message: str, code: str = "") -> Response:
        transient = status >= 500
        return graph_error(
            status,
            "(#2) Service temporarily unavailable" if transient else message,
            int(code) if code.isdigit() else (2 if transient else 1),
            transient=transient,
        )

    def throttle(self, page_id: str = "") -> Response:
        code = self.throttle_code
        if code is None:
            code = list(THROTTLES)[self._throttle_turn % len(THROTTLES)]
            self._throttle_turn += 1
        status, message = THROTTLES[code]
        minutes = max(1, math.ceil(self.faults.rate_limit_reset_s / 60))
        response = graph_error(status, message, code)
        response.headers["x-app-usage"] = json.dumps(
            {"call_count": 100, "total_cputime": 38, "total_time": 41}
        )
        response.headers["x-business-use-case-usage"] = json.dumps(
            {
                page_id or "0": [
                    {
                        "type": "pages",
                        "call_count": 100,
                        "total_cputime": 12,
                        "total_time": 15,
                        "estimated_time_to_regain_access": minutes,
                    }
                ]
            }
        )
        return response

    async def guard(self, page_id: str = "") -> Response | None:
        """Latency, then maybe a 5xx or a throttle — before anything happens."""
        await self.delay()
        if self.faults.roll(self.faults.error_rate):
            return self.error(503, "")
        if self.faults.roll(self.faults.rate_limit_rate):
            return self.throttle(page_id)
        return None

    # --- ids, tokens, seeding ----------------------------------------------------
    def _next(self) -> str:
        self.counter += 1
        return str(self.counter)

    def _token(self, subject: str, kind: str, ttl: float | None) -> str:
        token = f"EAA{kind[0].upper()}{secrets.token_urlsafe(30)}"
        expires = time.time() + ttl if ttl else None
        self.tokens.access[token] = IssuedToken(subject, expires, kind)
        self.token_kind[token] = kind
        return token

    def _page_token(self, page: dict[str, Any]) -> str:
        """The page's token: stable, never expiring unless a test expired it."""
        if self.tokens.check(page.get("access_token"))[0] != "ok":
            page["access_token"] = self._token(page["id"], "page", None)
        return str(page["access_token"])

    def _create_user(self, handle: str, pages: Sequence[str]) -> str:
        uid = "10" + self._next()
        self.users[uid] = {"id": uid, "name": handle.replace("-", " ").title(), "pages": []}
        for title in pages:
            pid = "20" + self._next()
            self.pages[pid] = {
                "id": pid,
                "name": title,
                "owner": uid,
                "category": "Brand",
                "fan_count": 120,
                "followers_count": 135,
                "access_token": "",
            }
            self.users[uid]["pages"].append(pid)
        self.browser_user = uid
        return uid

    def seed_account(
        self, handle: str, pages: int | Sequence[str] = 1, name: str | None = None
    ) -> dict[str, Any]:
        """A user managing ``pages`` Pages, with tokens as if login had run.

        ``access_token`` is the first Page's token (what publishing needs);
        ``user_access_token`` is the long-lived user token.
        """
        base = name or handle.replace("-", " ").title()
        titles = (
            [f"{base} {i + 1}" if i else base for i in range(pages)]
            if isinstance(pages, int)
            else list(pages)
        )
        with self.lock:
            uid = self._create_user(handle, titles)
            user_token = self._token(uid, "user", LONG_TTL_S)
            listed = [
                {
                    "id": pid,
                    "name": self.pages[pid]["name"],
                    "access_token": self._page_token(self.pages[pid]),
                }
                for pid in self.users[uid]["pages"]
            ]
        first = listed[0] if listed else {"id": "", "name": "", "access_token": ""}
        return {
            "user_id": uid,
            "access_token": first["access_token"],
            "refresh_token": "",
            "user_access_token": user_token,
            "page_id": first["id"],
            "page_name": first["name"],
            "pages": listed,
        }

    def snapshot(self) -> dict[str, Any]:
        return {
            "users": list(self.users),
            "pages": [
                {k: v for k, v in p.items() if k != "access_token"} for p in self.pages.values()
            ],
            "posts": [{k: v for k, v in p.items() if k != "created"} for p in self.posts.values()],
            "photos": list(self.photos.values()),
            "comments": {pid: list(items) for pid, items in self.comments.items()},
        }

    # --- OAuth -------------------------------------------------------------------
    async def dialog(self, request: Request) -> Response:
        q = request.query_params
        if not q.get("client_id") or not q.get("redirect_uri"):
            return HTMLResponse("<h1>Error</h1><p>Invalid App ID or redirect_uri.</p>", 400)
        if self.faults.consent == "never":
            return HTMLResponse("<h1>Log in to Facebook</h1><p>Waiting for you…</p>")
        redirect, state = q["redirect_uri"], q.get("state", "")
        if self.faults.consent == "deny":
            params = {
                "error": "access_denied",
                "error_code": "200",
                "error_description": "Permissions error",
                "error_reason": "user_denied",
                "state": state,
            }
            return RedirectResponse(f"{redirect}?{urlencode(params)}", 302)
        with self.lock:
            uid = self.browser_user or self._create_user("sandbox-user", ["Sandbox Page"])
            code = secrets.token_urlsafe(32)
            self.codes[code] = {
                "uid": uid,
                "client_id": q["client_id"],
                "redirect_uri": redirect,
                "expires": time.time() + 600,
            }
        return RedirectResponse(f"{redirect}?{urlencode({'code': code, 'state': state})}#_=_", 302)

    async def oauth_access_token(self, request: Request) -> Response:
        if (bad := self.bad_version(request)) is not None:
            return bad
        await self.delay()
        q = await self.params(request)
        if not q.get("client_id") or not q.get("client_secret"):
            return graph_error(400, "Error validating client secret.", 1)
        with self.lock:
            if q.get("grant_type") == "fb_exchange_token":
                state, uid = self.tokens.check(q.get("fb_exchange_token"))
                if (
                    state != "ok"
                    or uid is None
                    or self.token_kind.get(q["fb_exchange_token"]) != "user"
                ):
                    return graph_error(
                        400, "Invalid OAuth access token - Cannot parse access token", 190
                    )
                token = self._token(uid, "user", LONG_TTL_S)
                return JSONResponse(
                    {"access_token": token, "token_type": "bearer", "expires_in": LONG_TTL_S}
                )
            issued = self.codes.pop(q.get("code", ""), None)
            if issued is None or issued["expires"] < time.time():
                return graph_error(
                    400, "This authorization code has expired or has been used.", 100, subcode=36007
                )
            if issued["redirect_uri"] != q.get("redirect_uri"):
                return graph_error(
                    400,
                    "Error validating verification code. Please make sure "
                    "your redirect_uri is identical to the one you used in "
                    "the OAuth dialog request",
                    100,
                    subcode=36008,
                )
            token = self._token(issued["uid"], "user", SHORT_TTL_S)
        return JSONResponse(
            {"access_token": token, "token_type": "bearer", "expires_in": SHORT_TTL_S}
        )

    async def me_accounts(self, request: Request) -> Response:
        subject, denied = await self.authorise(request)
        if denied is not None or subject is None:
            return denied or graph_error(400, "An access token is required", 104)
        if subject not in self.users:
            return graph_error(
                400, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)", 100
            )
        with self.lock:
            data = [
                {
                    "id": pid,
                    "name": self.pages[pid]["name"],
                    "category": self.pages[pid]["category"],
                    "category_list": [{"id": "2201", "name": self.pages[pid]["category"]}],
                    "access_token": self._page_token(self.pages[pid]),
                    "tasks": PAGE_TASKS,
                }
                for pid in self.users[subject]["pages"]
            ]
        cursors = {"before": "QVFIUmFi", "after": "QVFIUmNk"}
        return self.ok({"data": data, "paging": {"cursors": cursors}})

    # --- publishing ---------------------------------------------------------------
    def _page_writer(self, subject: str | None, node: str) -> tuple[str | None, Response | None]:
        """Publishing needs the Page's own token."""
        page_id = subject if node == "me" else node
        if page_id not in self.pages:
            return None, graph_error(
                400, f"(#803) Some of the aliases you requested do not exist: {node}", 803
            )
        if subject != page_id:
            return None, graph_error(
                403,
                "(#200) If posting to a page, requires both "
                "pages_read_engagement and pages_manage_posts as an "
                "admin with sufficient administrative permission",
                200,
            )
        return page_id, None

    def _attached(self, page_id: str, raw: Any) -> tuple[list[str], Response | None]:
        if raw in (None, "", []):
            return [], None
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
            ids = [str(item["media_fbid"]) for item in items]
        except (ValueError, TypeError, KeyError):
            return [], graph_error(
                400, "(#100) param attached_media must be an array of objects with media_fbid", 100
            )
        for i, fbid in enumerate(ids):
            photo = self.photos.get(fbid)
            if (
                photo is None
                or photo["page_id"] != page_id
                or photo["published"]
                or photo["attached_to"]
            ):
                return [], graph_error(
                    400, f"(#100) param attached_media[{i}] has an invalid media_fbid {fbid}", 100
                )
        return ids, None

    def _store_post(self, page_id: str, message: str, link: str, media: list[str]) -> str:
        post_id = f"{page_id}_{self._next()}"
        now = time.time()
        self.posts[post_id] = {
            "id": post_id,
            "page_id": page_id,
            "message": message,
            "link": link or None,
            "attached_media": media,
            "created": now,
            "created_time": self.iso(now),
        }
        for fbid in media:
            self.photos[fbid]["attached_to"] = post_id
        self.comments.setdefault(post_id, [])
        return post_id

    async def create_feed_post(self, request: Request) -> Response:
        node = request.path_params["node"]
        subject, denied = await self.authorise(request, page_id=node)
        if denied is not None:
            return denied
        q = await self.params(request)
        message, link = str(q.get("message") or ""), str(q.get("link") or "")
        with self.lock:
            page_id, refused = self._page_writer(subject, node)
            if refused is not None or page_id is None:
                return refused or graph_error(400, "Unknown page", 100)
            media, invalid = self._attached(page_id, q.get("attached_media"))
            if invalid is not None:
                return invalid
            if not (message or link or media):
                return graph_error(400, "(#100) Missing message or attachment", 100)
            if len(message) > MAX_MESSAGE:
                return graph_error(
                    400, f"(#100) The message is too long (maximum {MAX_MESSAGE} characters)", 100
                )
            duplicate = any(
                p["page_id"] == page_id and p["message"] == message for p in self.posts.values()
            )
            if message and duplicate and self.faults.duplicate_rejection:
                return graph_error(400, "Duplicate status message", 506, subcode=1455006)
            post_id = self._store_post(page_id, message, link, media)
        return self.maybe_drop(self.ok({"id": post_id}))

    async def create_photo(self, request: Request) -> Response:
        node = request.path_params["node"]
        subject, denied = await self.authorise(request, page_id=node)
        if denied is not None:
            return denied
        q = await self.params(request)
        url, source = str(q.get("url") or ""), q.get("source")
        if not url.startswith(("http://", "https://")) and source is None:
            return graph_error(400, "(#324) Requires upload file", 324)
        published = str(q.get("published", "true")).lower() not in {"false", "0"}
        with self.lock:
            page_id, refused = self._page_writer(subject, node)
            if refused is not None or page_id is None:
                return refused or graph_error(400, "Unknown page", 100)
            photo_id = "30" + self._next()
            self.photos[photo_id] = {
                "id": photo_id,
                "page_id": page_id,
                "url": url or None,
                "uploaded": source is not None,
                "published": False,
                "attached_to": None,
            }
            body = {"id": photo_id}
            if published:
                post_id = self._store_post(page_id, str(q.get("caption") or ""), "", [photo_id])
                self.photos[photo_id]["published"] = True
                body["post_id"] = post_id
        return self.maybe_drop(self.ok(body))

    def routes(self) -> list[Route]:
        v = "/{version}"
        return [
            Route("/dialog/oauth", self.dialog, methods=["GET"]),
            Route(v + "/dialog/oauth", self.dialog, methods=["GET"]),
            Route(v + "/oauth/access_token", self.oauth_access_token, methods=["GET", "POST"]),
            Route(v + "/me/accounts", self.me_accounts, methods=["GET"]),
            Route(v + "/{node}/feed", self.create_feed_post, methods=["POST"]),
            Route(v + "/{node}/feed", self.read_feed, methods=["GET"]),
            Route(v + "/{node}/photos", self.create_photo, methods=["POST"]),
            Route(v + "/{node}/comments", self.comments_endpoint, methods=["GET", "POST"]),
            Route(v + "/{node}/insights", self.insights, methods=["GET"]),
            Route(v + "/{node}", self.read_node, methods=["GET"]),
            Route(v + "/{node}", self.delete_node, methods=["DELETE"]),
            Route(v + "/", self.read_many, methods=["GET"]),
        ]

    # --- deleting ------------------------------------------------------------------
    async def delete_node(self, request: Request) -> Response:
        """``DELETE /vNN/{page-post-id}`` with the Page's token -> ``{"success": true}``.
        A post that is gone answers like any missing object (code 100, subcode 33)."""
        node = request.path_params["node"]
        subject, denied = await self.authorise(request, page_id=node.split("_")[0])
        if denied is not None:
            return denied
        with self.lock:
            post = self.posts.get(node)
            if post is None:
                return self.missing(node)
            if post["page_id"] != subject:
                return graph_error(
                    403, "(#200) Permissions error: the post belongs to another Page", 200
                )
            del self.posts[node]
            self.comments.pop(node, None)
            for fbid in post["attached_media"]:
                self.photos.pop(fbid, None)
        return self.ok({"success": True})

"""TikTok emulator, part one: OAuth with PKCE, users, errors and rate windows.

``TikTokEmulator`` (tiktok.py) adds the Content Posting and Display API
endpoints on top of this base.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from clientnest_cli.sandbox.framework import Emulator, TokenStore, bearer
from clientnest_cli.sandbox.http_helpers import read_form
from clientnest_cli.sandbox.tiktok_rules import pkce_matches

ACCESS_TTL_S = 86400.0
REFRESH_TTL_S = 365 * 86400.0
ALL_SCOPES = "user.info.basic,user.info.stats,video.publish,video.upload,video.list"


class TikTokFailure(Exception):
    """Raised inside handlers; turned into ``{"data": {}, "error": {...}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def log_id() -> str:
    return time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(10).upper()


def ok(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(
        {"data": data, "error": {"code": "ok", "message": "", "log_id": log_id()}},
        status_code=status,
    )


class TikTokBase(Emulator):
    """State, tokens and the OAuth endpoints of the TikTok emulator."""

    oauth_handle = "sandbox.creator"

    def reset(self) -> None:
        self.tokens = TokenStore(access_ttl_s=ACCESS_TTL_S, refresh_ttl_s=REFRESH_TTL_S)
        self.users: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.windows: dict[tuple[str, str], deque[float]] = {}

    # --- errors ------------------------------------------------------------------
    def error(self, status: int, message: str, code: str = "") -> Response:
        body = {"code": code or "internal_error", "message": message, "log_id": log_id()}
        return JSONResponse({"data": {}, "error": body}, status_code=status)

    def throttle(self) -> Response:
        return self.error(
            429, "The API rate limit was exceeded. Try again later.", "rate_limit_exceeded"
        )

    @staticmethod
    def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
        body = {"error": error, "error_description": description, "log_id": log_id()}
        return JSONResponse(body, status_code=status)

    # --- users and tokens ------------------------------------------------------------
    def user_by_handle(self, handle: str) -> dict[str, Any]:
        with self.lock:
            for user in self.users.values():
                if user["username"] == handle:
                    return user
            open_id = "-000" + secrets.token_hex(16)
            user = {
                "open_id": open_id,
                "union_id": "u" + secrets.token_hex(12),
                "username": handle,
                "display_name": handle.replace(".", " ").title(),
                "avatar_url": f"https://p16.tiktokcdn.com/{handle}.jpeg",
                "follower_count": 300,
                "following_count": 42,
                "likes_count": 0,
            }
            self.users[open_id] = user
            return user

    def issue(self, open_id: str, scope: str = ALL_SCOPES) -> dict[str, Any]:
        with self.lock:
            access, refresh = self.tokens.issue(open_id, scope=scope, prefix="act")
        return {
            "access_token": access,
            "expires_in": int(ACCESS_TTL_S),
            "open_id": open_id,
            "refresh_expires_in": int(REFRESH_TTL_S),
            "refresh_token": refresh,
            "scope": scope,
            "token_type": "Bearer",
        }

    def seed_account(self, handle: str) -> dict[str, Any]:
        user = self.user_by_handle(handle)
        tokens = self.issue(user["open_id"])
        return {"user_id": user["open_id"], "handle": handle, **tokens}

    def authenticate(self, request: Request, scope: str) -> str:
        """The caller's open_id, or a 401 the way TikTok answers."""
        token = bearer(request)
        with self.lock:
            state, subject = self.tokens.check(token)
            issued = self.tokens.access.get(token or "")
        if state != "ok" or subject is None or issued is None:
            raise TikTokFailure(
                401,
                "access_token_invalid",
                "The access token is invalid or not found in the request.",
            )
        if scope and scope not in issued.scope.split(","):
            raise TikTokFailure(
                401, "scope_not_authorized", f"The user did not authorize the scope {scope}."
            )
        return subject

    def check_window(self, open_id: str, bucket: str, limit: int, per_s: float = 60.0) -> None:
        """A sliding one-minute window per user and endpoint (init 6, status 30)."""
        now = time.time()
        with self.lock:
            window = self.windows.setdefault((open_id, bucket), deque())
            while window and window[0] <= now - per_s:
                window.popleft()
            if len(window) >= limit:
                raise TikTokFailure(
                    429,
                    "rate_limit_exceeded",
                    f"Too many {bucket} requests: at most {limit} per minute per user.",
                )
            window.append(now)

    # --- OAuth endpoints ---------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        redirect_uri, state = q.get("redirect_uri", ""), q.get("state", "")
        if not q.get("client_key") or not redirect_uri or q.get("response_type") != "code":
            return HTMLResponse(
                "<h1>param_error: client_key, redirect_uri, response_type</h1>", 400
            )
        if not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
            return HTMLResponse("<h1>param_error: code_challenge with S256 is required</h1>", 400)
        if self.faults.consent == "never":
            return HTMLResponse("<h1>TikTok: waiting for you to authorize…</h1>")
        sep = "&" if "?" in redirect_uri else "?"
        if self.faults.consent == "deny":
            query = urlencode(
                {
                    "error": "access_denied",
                    "error_description": "The user denied the authorization.",
                    "state": state,
                }
            )
            return RedirectResponse(f"{redirect_uri}{sep}{query}", status_code=302)
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = {
                "open_id": self.user_by_handle(self.oauth_handle)["open_id"],
                "client_key": q["client_key"],
                "redirect_uri": redirect_uri,
                "challenge": q["code_challenge"],
                "scope": q.get("scope") or ALL_SCOPES,
            }
        query = urlencode({"code": code, "scopes": q.get("scope") or ALL_SCOPES, "state": state})
        return RedirectResponse(f"{redirect_uri}{sep}{query}", status_code=302)

    async def token(self, request: Request) -> Response:
        await self.delay()
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return self.oauth_error("invalid_request", "Use application/x-www-form-urlencoded.")
        form = await read_form(request)
        if not form.get("client_key") or not form.get("client_secret"):
            return self.oauth_error("invalid_client", "client_key and client_secret are required.")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self.exchange_code(form)
        if grant == "refresh_token":
            return self.rotate(form)
        return self.oauth_error("unsupported_grant_type", "grant_type is not supported.")

    def exchange_code(self, form: dict[str, str]) -> Response:
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["client_key"] != form["client_key"]:
            return self.oauth_error("invalid_grant", "Authorization code is expired or invalid.")
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return self.oauth_error("invalid_grant", "redirect_uri does not match.")
        if not pkce_matches(form.get("code_verifier", ""), grant["challenge"]):
            return self.oauth_error("invalid_grant", "code_verifier does not match the challenge.")
        return JSONResponse(self.issue(grant["open_id"], grant["scope"]))

    def rotate(self, form: dict[str, str]) -> Response:
        with self.lock:
            issued = self.tokens.use_refresh(form.get("refresh_token", ""))
        if issued is None:
            return self.oauth_error("invalid_grant", "Refresh token is invalid or expired.")
        return JSONResponse(self.issue(issued.subject, issued.scope))

"""Meta Graph emulators, part one: users, tokens, OAuth and the error envelope.

Shared by Instagram and Threads. OAuth gives a short-lived (1 h) token,
``GET /access_token?grant_type=…_exchange_token`` turns it into a 60-day
token, and ``GET /refresh_access_token?grant_type=…_refresh_token`` renews a
long-lived token once it is at least 24 hours old. Errors use the Graph
envelope ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}``; throttling uses codes 4/17/32/613 with usage headers (HTTP
400, not 429). ``meta_common.GraphEmulator`` builds the publishing side on
top of this.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from clientnest_cli.sandbox.framework import Emulator, TokenStore, bearer
from clientnest_cli.sandbox.http_helpers import read_form

DAY_S = 86400.0
THROTTLE_CODES = (4, 17, 32, 613)


class GraphFailure(Exception):
    """Raised inside handlers; the dispatcher turns it into a Graph error body."""

    def __init__(
        self, message: str, code: int = 100, subcode: int | None = None, status: int = 400
    ):
        super().__init__(message)
        self.message, self.code, self.subcode, self.status = message, code, subcode, status


def now_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class GraphAuth(Emulator):
    """Users, tokens and OAuth endpoints of a Graph-style emulator."""

    error_type = "OAuthException"  # type of non-auth errors (IGApiException, THApiException)
    exchange_grant = ""  # ig_exchange_token | th_exchange_token
    refresh_grant = ""  # ig_refresh_token | th_refresh_token
    token_prefix = "meta"
    short_ttl_s = 3600.0
    long_ttl_s = 60 * DAY_S
    min_refresh_age_s = DAY_S
    oauth_handle = "sandbox_user"

    def reset(self) -> None:
        self.tokens = TokenStore(access_ttl_s=self.long_ttl_s, rotate_refresh=False)
        self.issued_at: dict[str, float] = {}
        self.short_tokens: set[str] = set()
        self.codes: dict[str, dict[str, str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self._next_id = 17840000000000000

    # --- ids, users, tokens ---------------------------------------------------
    def new_id(self) -> str:
        with self.lock:
            self._next_id += secrets.randbelow(997) + 1
            return str(self._next_id)

    def user_by_handle(self, handle: str) -> dict[str, Any]:
        with self.lock:
            for user in self.users.values():
                if user["username"] == handle:
                    return user
            uid = self.new_id()
            user = {"id": uid, "username": handle, "name": handle.title(), "followers": 120}
            self.users[uid] = user
            return user

    def issue_token(self, user_id: str, short: bool = False) -> tuple[str, float]:
        """Issue an access token; return it and its lifetime in seconds."""
        ttl = self.short_ttl_s if short else self.long_ttl_s
        with self.lock:
            token, _ = self.tokens.issue(user_id, prefix=self.token_prefix)
            self.tokens.access[token].expires_at = time.time() + ttl
            self.issued_at[token] = time.time()
            if short:
                self.short_tokens.add(token)
        return token, ttl

    def seed_account(self, handle: str, token_age_s: float = 0.0) -> dict[str, Any]:
        """A user with a long-lived token, ``token_age_s`` old (no OAuth needed)."""
        user = self.user_by_handle(handle)
        token, ttl = self.issue_token(user["id"])
        self.age_token(token, token_age_s)
        return {
            "user_id": user["id"],
            "handle": handle,
            "access_token": token,
            "refresh_token": "",  # Graph long-lived tokens refresh themselves
            "expires_in": int(ttl - token_age_s),
        }

    def age_token(self, token: str, seconds: float) -> None:
        """Pretend ``token`` was issued ``seconds`` earlier (its expiry moves too)."""
        with self.lock:
            self.issued_at[token] -= seconds
            issued = self.tokens.access[token]
            if issued.expires_at is not None:
                issued.expires_at -= seconds

    # --- Graph responses -------------------------------------------------------
    def graph_error(
        self,
        status: int,
        message: str,
        code: int,
        subcode: int | None = None,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        transient: bool = False,
    ) -> JSONResponse:
        body: dict[str, Any] = {
            "message": message,
            "type": kind or self.error_type,
            "code": code,
            "fbtrace_id": secrets.token_urlsafe(8),
        }
        if subcode is not None:
            body["error_subcode"] = subcode
        if transient:
            body["is_transient"] = True
        return JSONResponse({"error": body}, status_code=status, headers=headers)

    def error(self, status: int, message: str, code: str = "") -> Response:
        return self.graph_error(
            status,
            "An unexpected error has occurred. Please retry your request later.",
            2,
            transient=True,
        )

    def throttle(self) -> Response:
        code = THROTTLE_CODES[self.faults._rng.randrange(len(THROTTLE_CODES))]
        minutes = max(1, math.ceil(self.faults.rate_limit_reset_s / 60))
        usage = {"call_count": 100, "total_cputime": 100, "total_time": 100}
        buc = {"0": [{**usage, "type": "INSTAGRAM", "estimated_time_to_regain_access": minutes}]}
        headers = {"X-App-Usage": json.dumps(usage), "X-Business-Use-Case-Usage": json.dumps(buc)}
        messages = {
            4: "(#4) Application request limit reached",
            17: "(#17) User request limit reached",
            32: "(#32) Page request limit reached",
            613: "(#613) Calls to this api have exceeded the rate limit.",
        }
        return self.graph_error(400, messages[code], code, headers=headers, transient=True)

    # --- auth --------------------------------------------------------------------
    @staticmethod
    def token_from(request: Request, params: dict[str, str]) -> str | None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("oauth "):
            return auth[6:].strip()
        return bearer(request) or params.get("access_token")

    def check_token(self, token: str | None) -> str:
        """Return the user id the token belongs to, or raise a 190 error."""
        with self.lock:
            state, subject = self.tokens.check(token)
        if state == "expired":
            raise GraphFailure(
                "Error validating access token: Session has expired.", 190, 463, status=400
            )
        if state != "ok" or subject is None:
            raise GraphFailure("Invalid OAuth access token - Cannot parse access token", 190)
        return subject

    # --- OAuth endpoints ----------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        redirect_uri, state = q.get("redirect_uri", ""), q.get("state", "")
        if not q.get("client_id") or not redirect_uri or q.get("response_type") != "code":
            return HTMLResponse("<h1>Invalid request</h1>", status_code=400)
        consent = self.faults.consent
        if consent == "never":
            return HTMLResponse(f"<h1>{self.title}: waiting for you to approve…</h1>")
        sep = "&" if "?" in redirect_uri else "?"
        if consent == "deny":
            query = urlencode(
                {
                    "error": "access_denied",
                    "error_reason": "user_denied",
                    "error_description": "The user denied your request.",
                    "state": state,
                }
            )
            return RedirectResponse(f"{redirect_uri}{sep}{query}", status_code=302)
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "user_id": self.user_by_handle(self.oauth_handle)["id"],
                "client_id": q["client_id"],
                "redirect_uri": redirect_uri,
            }
        query = urlencode({"code": code, "state": state})
        return RedirectResponse(f"{redirect_uri}{sep}{query}", status_code=302)

    async def code_exchange(self, request: Request) -> Response:
        """POST /oauth/access_token: authorization code -> short-lived token."""
        form = await read_form(request, urlencoded_only=True)
        code = str(form.get("code", ""))
        with self.lock:
            grant = self.codes.pop(code, None)
        if str(form.get("grant_type")) != "authorization_code" or not form.get("client_secret"):
            return self.graph_error(400, "Missing or invalid grant_type / client_secret", 100)
        if grant is None or grant["client_id"] != form.get("client_id"):
            return self.graph_error(400, "Invalid verification code format.", 100, 36007)
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return self.graph_error(400, "Error validating verification code: redirect_uri", 100)
        token, _ = self.issue_token(grant["user_id"], short=True)
        return JSONResponse({"access_token": token, "user_id": grant["user_id"]})

    async def exchange(self, request: Request) -> Response:
        """GET /access_token?grant_type=…_exchange_token: short -> 60-day token."""
        q = dict(request.query_params)
        if q.get("grant_type") != self.exchange_grant or not q.get("client_secret"):
            return self.graph_error(400, f"grant_type must be {self.exchange_grant}", 100)
        try:
            user_id = self.check_token(self.token_from(request, q))
        except GraphFailure as exc:
            return self.graph_error(
                exc.status, exc.message, exc.code, exc.subcode, "OAuthException"
            )
        if self.token_from(request, q) not in self.short_tokens:
            return self.graph_error(400, "Only short-lived tokens can be exchanged", 100)
        token, ttl = self.issue_token(user_id)
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": int(ttl)})

    async def refresh(self, request: Request) -> Response:
        """GET /refresh_access_token: a new 60-day token, once the old is 24 h old."""
        await self.delay()
        q = dict(request.query_params)
        if q.get("grant_type") != self.refresh_grant:
            return self.graph_error(400, f"grant_type must be {self.refresh_grant}", 100)
        token = self.token_from(request, q)
        try:
            user_id = self.check_token(token)
        except GraphFailure as exc:
            return self.graph_error(
                exc.status, exc.message, exc.code, exc.subcode, "OAuthException"
            )
        with self.lock:
            age = time.time() - self.issued_at.get(token or "", time.time())
            short = token in self.short_tokens
        if short or age < self.min_refresh_age_s:
            return self.graph_error(
                400,
                "The access token can be refreshed only when it is long-lived and "
                "at least 24 hours old",
                10,
                kind="OAuthException",
            )
        new, ttl = self.issue_token(user_id)
        return JSONResponse({"access_token": new, "token_type": "bearer", "expires_in": int(ttl)})

"""Sessions of the Bluesky emulator: app-password login, refresh, RateLimit-* headers.

createSession is limited per account (30 / 5 min and 300 / day) and answers
with that bucket's headers; refreshSession revokes the refresh token it was
given (a second use is 400 ExpiredToken "Token has been revoked").
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.bluesky_repo import Account, jwt_shaped
from clientnest_cli.sandbox.framework import IssuedToken, TokenStore, bearer

if TYPE_CHECKING:
    import threading

SESSION_LIMIT, SESSION_WINDOW_S = 30, 300
SESSION_DAILY_LIMIT = 300
AUDIENCE = "did:web:sandbox.pds"


class SessionsMixin:
    """Mixed into BlueskyEmulator; relies on its state and helpers."""

    accounts: dict[str, Account]
    tokens: TokenStore
    revoked_refresh: set[str]
    session_attempts: dict[str, list[float]]

    if TYPE_CHECKING:
        lock: threading.RLock

        def authed(self, request: Request) -> tuple[str | None, Response | None]: ...
        def error(self, status: int, message: str, code: str = "") -> Response: ...
        def did_of(self, actor: str) -> str | None: ...
        async def json_body(
            self, request: Request
        ) -> tuple[dict[str, Any] | None, Response | None]: ...

    def _issue(self, did: str) -> tuple[str, str]:
        access = jwt_shaped("access", did, self.tokens.access_ttl_s, AUDIENCE)
        refresh = jwt_shaped("refresh", did, self.tokens.refresh_ttl_s, AUDIENCE)
        now = time.time()
        with self.lock:
            self.tokens.access[access] = IssuedToken(did, now + (self.tokens.access_ttl_s or 1e12))
            self.tokens.refresh[refresh] = IssuedToken(
                did, now + (self.tokens.refresh_ttl_s or 1e12)
            )
        return access, refresh

    async def create_session(self, request: Request) -> Response:
        body, err = await self.json_body(request)
        if err:
            return err
        identifier, password = body.get("identifier"), body.get("password")
        if not isinstance(identifier, str) or not isinstance(password, str):
            return self.error(400, 'Input must have the properties "identifier" and "password"')
        did = self.did_of(identifier)
        limited = self._count_session_attempt(did or identifier.lower())
        if limited is not None:
            return limited
        account = self.accounts.get(did or "")
        if account is None or password != account.password:
            return self.error(401, "Invalid identifier or password", "AuthenticationRequired")
        access, refresh = self._issue(account.did)
        response = JSONResponse(_session_body(account, access, refresh))
        return self._session_headers(response, did or identifier.lower())

    def _count_session_attempt(self, key: str) -> Response | None:
        now = time.time()
        with self.lock:
            attempts = [t for t in self.session_attempts.get(key, []) if now - t < 86400]
            recent = [t for t in attempts if now - t < SESSION_WINDOW_S]
            if len(recent) >= SESSION_LIMIT or len(attempts) >= SESSION_DAILY_LIMIT:
                self.session_attempts[key] = attempts
                response = self.error(429, "Rate Limit Exceeded", "RateLimitExceeded")
                reset = math.ceil((recent[0] if recent else attempts[0]) + SESSION_WINDOW_S)
                policy = f"{SESSION_LIMIT};w={SESSION_WINDOW_S}"
                return rate_headers(response, SESSION_LIMIT, 0, reset, policy)
            self.session_attempts[key] = [*attempts, now]
        return None

    def _session_headers(self, response: Response, key: str) -> Response:
        attempts = [t for t in self.session_attempts.get(key, []) if time.time() - t < 300]
        reset = math.ceil((attempts[0] if attempts else time.time()) + SESSION_WINDOW_S)
        remaining = max(0, SESSION_LIMIT - len(attempts))
        policy = f"{SESSION_LIMIT};w={SESSION_WINDOW_S}"
        return rate_headers(response, SESSION_LIMIT, remaining, reset, policy)

    async def refresh_session(self, request: Request) -> Response:
        token = bearer(request)
        if not token:
            return self.error(401, "Authentication Required", "AuthenticationRequired")
        with self.lock:
            if token in self.revoked_refresh:
                return self.error(400, "Token has been revoked", "ExpiredToken")
            issued = self.tokens.refresh.get(token)
            if issued is None:
                return self.error(401, "Token could not be verified", "InvalidToken")
            if self.tokens.use_refresh(token) is None:
                return self.error(400, "Token has expired", "ExpiredToken")
            self.tokens.refresh.pop(token, None)
            self.revoked_refresh.add(token)
        account = self.accounts[issued.subject]
        access, refresh = self._issue(account.did)
        return JSONResponse(_session_body(account, access, refresh))

    async def get_session(self, request: Request) -> Response:
        did, err = self.authed(request)
        if err:
            return err
        account = self.accounts[did or ""]
        return JSONResponse({"did": account.did, "handle": account.handle, "active": True})

    # --- repository ----------------------------------------------------------


def _session_body(account: Account, access: str, refresh: str) -> dict[str, Any]:
    return {
        "accessJwt": access,
        "refreshJwt": refresh,
        "handle": account.handle,
        "did": account.did,
        "active": True,
    }


def rate_headers(
    response: Response, limit: int, remaining: int, reset: int, policy: str
) -> Response:
    response.headers["RateLimit-Limit"] = str(limit)
    response.headers["RateLimit-Remaining"] = str(max(0, remaining))
    response.headers["RateLimit-Reset"] = str(reset)
    response.headers["RateLimit-Policy"] = policy
    return response

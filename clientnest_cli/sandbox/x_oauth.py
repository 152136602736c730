"""OAuth 2.0 (authorization code with PKCE) endpoints of the X emulator.

The consent page has no login: the person "in the browser" is the user named
by ``consent_handle`` (created on first use). ``faults.consent`` decides what
the person does: approve, deny, or never answer.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from clientnest_cli.sandbox.faults import Faults
from clientnest_cli.sandbox.framework import TokenStore
from clientnest_cli.sandbox.http_helpers import read_body

SCOPES = {
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.read",
    "follows.read",
    "follows.write",
    "offline.access",
    "media.write",
    "like.read",
    "like.write",
    "list.read",
    "bookmark.read",
}
CODE_TTL_S = 600


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def oauth_error(description: str, error: str = "invalid_request", status: int = 400) -> Response:
    """The token endpoint answers in RFC 6749 shape, not problem+json."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _page(message: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><title>X sandbox</title><p>{message}</p>", status_code=status
    )


def _with_query(uri: str, params: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)


class XOAuthMixin:
    """Mixed into XEmulator; uses its tokens, users, codes and faults."""

    tokens: TokenStore
    faults: Faults
    codes: dict[str, dict[str, Any]]
    lock: Any
    consent_handle: str

    def _user_by_handle(self, handle: str) -> dict[str, Any]:  # provided by XEmulator
        raise NotImplementedError

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        missing = [
            name
            for name in (
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
            )
            if not q.get(name)
        ]
        if missing:
            return _page(f"Something went wrong: missing {', '.join(missing)}.", 400)
        if q["response_type"] != "code":
            return _page("Something went wrong: response_type must be code.", 400)
        if q.get("code_challenge_method", "plain") != "S256":
            return _page("Something went wrong: code_challenge_method must be S256.", 400)
        if not q["redirect_uri"].startswith(("http://", "https://")):
            return _page("Something went wrong: redirect_uri is not a valid URL.", 400)
        scopes = q["scope"].split()
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown:
            return _page(f"Something went wrong: unknown scope {' '.join(unknown)}.", 400)
        decision = self.faults.consent
        if decision == "never":
            return _page(f"Authorize app {q['client_id']} to use your account? (waiting)")
        if decision == "deny":
            params = {"error": "access_denied", "state": q["state"]}
            return RedirectResponse(_with_query(q["redirect_uri"], params), status_code=302)
        code = secrets.token_urlsafe(32)
        with self.lock:
            user = self._user_by_handle(self.consent_handle)
            self.codes[code] = {
                "client_id": q["client_id"],
                "redirect_uri": q["redirect_uri"],
                "challenge": q["code_challenge"],
                "scope": " ".join(scopes),
                "user_id": user["id"],
                "expires_at": time.time() + CODE_TTL_S,
            }
        params = {"state": q["state"], "code": code}
        return RedirectResponse(_with_query(q["redirect_uri"], params), status_code=302)

    async def token(self, request: Request, _subject: str | None) -> Response:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return oauth_error("Content-Type must be application/x-www-form-urlencoded.")
        form = (await read_body(request)).first()
        client_id = form.get("client_id") or _basic_client_id(request)
        if not client_id:
            return oauth_error("Missing valid authorization header", "unauthorized_client", 401)
        grant = form.get("grant_type", "")
        if grant == "authorization_code":
            return self._exchange_code(form, client_id)
        if grant == "refresh_token":
            return self._refresh(form)
        return oauth_error(
            f"Unsupported grant_type: {grant or '(none)'}.", "unsupported_grant_type"
        )

    def _exchange_code(self, form: dict[str, str], client_id: str) -> Response:
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["expires_at"] <= time.time():
            return oauth_error("Value passed for the authorization code was invalid.")
        if grant["client_id"] != client_id or grant["redirect_uri"] != form.get("redirect_uri"):
            return oauth_error("Value passed for the authorization code was invalid.")
        if s256(form.get("code_verifier", "")) != grant["challenge"]:
            return oauth_error("Value passed for the code_verifier was invalid.")
        return self._issue(grant["user_id"], grant["scope"])

    def _refresh(self, form: dict[str, str]) -> Response:
        with self.lock:
            issued = self.tokens.use_refresh(form.get("refresh_token", ""))
        if issued is None:
            return oauth_error("Value passed for the token was invalid.")
        return self._issue(issued.subject, issued.scope)

    def _issue(self, user_id: str, scope: str) -> Response:
        with self.lock:
            access, refresh = self.tokens.issue(user_id, scope, prefix="x")
            if "offline.access" not in scope.split():
                self.tokens.refresh.pop(refresh, None)
        body: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": int(self.tokens.access_ttl_s or 0),
            "access_token": access,
            "scope": scope,
        }
        if "offline.access" in scope.split():
            body["refresh_token"] = refresh
        return JSONResponse(body)


def _basic_client_id(request: Request) -> str:
    """Confidential clients send client_id:secret as HTTP Basic auth."""
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return ""
    try:
        decoded = base64.b64decode(auth[6:].strip()).decode("utf-8")
    except ValueError:
        return ""
    return decoded.split(":", 1)[0]

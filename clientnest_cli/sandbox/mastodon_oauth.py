"""App registration and the OAuth code flow of the Mastodon emulator.

Mixed into ``MastodonEmulator``: uses its ``apps``, ``codes``, ``tokens``,
``faults``, ``lock``, ``form()`` and ``_account()``. ``faults.consent`` decides
what the authorize page does (approve, deny, never redirect). PKCE (S256) is
checked when the authorize request carried a ``code_challenge``.
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

from clientnest_cli.sandbox.http_helpers import BadBody, Body

CODE_TTL_S = 600.0


class MastodonOAuthMixin:
    # --- apps and OAuth ----------------------------------------------------------
    async def create_app(self, request: Request, _: dict[str, Any]) -> Response:
        try:
            form = await self.form(request)
        except BadBody as exc:
            return self.error(400, str(exc))
        name = str(form.get("client_name") or "").strip()
        uris = form.get_list("redirect_uris")
        uris = [u for raw in uris for u in str(raw).split()]
        if not name:
            return self.error(422, "Validation failed: Application name can't be blank")
        if not uris:
            return self.error(422, "Validation failed: Redirect URI can't be blank")
        scopes = str(form.get("scopes") or "read").split()
        app = {
            "id": self.next_id(),
            "name": name,
            "website": form.get("website"),
            "scopes": scopes,
            "redirect_uri": "\n".join(uris),
            "redirect_uris": uris,
            "client_id": secrets.token_urlsafe(32),
            "client_secret": secrets.token_urlsafe(32),
            "client_secret_expires_at": 0,
            "vapid_key": base64.urlsafe_b64encode(secrets.token_bytes(65)).decode(),
        }
        with self.lock:
            self.apps[app["client_id"]] = app
        return JSONResponse(app)

    async def authorize(self, request: Request) -> Response:
        await self.delay()
        q = request.query_params
        app = self.apps.get(q.get("client_id", ""))
        if app is None:
            return HTMLResponse("<h1>invalid_client</h1>", status_code=400)
        redirect_uri = q.get("redirect_uri", "")
        if redirect_uri not in app["redirect_uris"]:
            return HTMLResponse("<h1>invalid_redirect_uri</h1>", status_code=400)
        state = q.get("state")
        extra = {"state": state} if state is not None else {}
        scopes = (q.get("scope") or " ".join(app["scopes"])).split()
        if q.get("response_type") != "code":
            return self._redirect(redirect_uri, {"error": "unsupported_response_type", **extra})
        if not set(scopes) <= set(app["scopes"]):
            return self._redirect(redirect_uri, {"error": "invalid_scope", **extra})
        if self.faults.consent == "never":
            return HTMLResponse("<h1>Log in to Mastodon</h1><form>…</form>")
        if self.faults.consent == "deny":
            denied = "The resource owner or authorization server denied the request."
            return self._redirect(
                redirect_uri, {"error": "access_denied", "error_description": denied, **extra}
            )
        code = secrets.token_urlsafe(32)
        with self.lock:
            user = q.get("login") and self._account(q["login"])["id"]
            user = user or self.browser_user or self._default_user()
            self.codes[code] = {
                "client_id": app["client_id"],
                "redirect_uri": redirect_uri,
                "scope": " ".join(scopes),
                "user": user,
                "challenge": q.get("code_challenge"),
                "expires": time.time() + CODE_TTL_S,
            }
        if redirect_uri == "urn:ietf:wg:oauth:2.0:oob":
            return HTMLResponse(f"<p>Copy this code: <code>{code}</code></p>")
        return self._redirect(redirect_uri, {"code": code, **extra})

    def _default_user(self) -> str:
        if self.accounts:
            return list(self.accounts)[-1]
        return self._account("sandbox_user")["id"]

    @staticmethod
    def _redirect(uri: str, params: dict[str, str]) -> Response:
        sep = "&" if "?" in uri else "?"
        return RedirectResponse(f"{uri}{sep}{urlencode(params)}", status_code=302)

    async def token(self, request: Request) -> Response:
        fault = await self.before_write()
        if fault is not None:
            return fault
        try:
            form = await self.form(request)
        except BadBody:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        app = self.apps.get(str(form.get("client_id", "")))
        if app is None or app["client_secret"] != form.get("client_secret"):
            return self._oauth_error(401, "invalid_client", "Client authentication failed.")
        if form.get("grant_type") != "authorization_code":
            return self._oauth_error(400, "unsupported_grant_type", "Unsupported grant type.")
        with self.lock:
            grant = self.codes.pop(str(form.get("code", "")), None)
            if grant is None or not self._grant_ok(grant, app, form):
                return self._oauth_error(
                    400, "invalid_grant", "The provided authorization grant is invalid."
                )
            access, _ = self.tokens.issue(grant["user"], grant["scope"], prefix="masto")
        body = {
            "access_token": access,
            "token_type": "Bearer",
            "scope": grant["scope"],
            "created_at": int(time.time()),
        }
        return JSONResponse(body)

    @staticmethod
    def _grant_ok(grant: dict[str, Any], app: dict[str, Any], form: Body) -> bool:
        if grant["expires"] < time.time():
            return False
        if grant["client_id"] != app["client_id"]:
            return False
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return False
        if grant["challenge"]:
            verifier = str(form.get("code_verifier") or "")
            digest = hashlib.sha256(verifier.encode()).digest()
            made = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            return made == grant["challenge"]
        return True

    @staticmethod
    def _oauth_error(status: int, error: str, description: str) -> Response:
        return JSONResponse({"error": error, "error_description": description}, status_code=status)

    async def revoke(self, request: Request) -> Response:
        form = await self.form(request)
        app = self.apps.get(str(form.get("client_id", "")))
        if app is None or app["client_secret"] != form.get("client_secret"):
            return self._oauth_error(403, "unauthorized_client", "You are not authorized.")
        with self.lock:
            self.tokens.access.pop(str(form.get("token", "")), None)
        return JSONResponse({})

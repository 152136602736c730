"""Discord and Slack incoming-webhook emulators (PLATFORMS.md § Simple targets).

Discord: ``POST /api/webhooks/{id}/{token}[?wait=true]`` with ``{"content"}``
(≤ 2000 characters) answers the message object (or 204 without ``wait``);
errors are ``{"message", "code"}``; every answer carries the per-webhook
bucket headers (``X-RateLimit-*``, 5 requests per 2 s), and a 429 has
``{"message": "You are being rate limited.", "retry_after", "global"}`` plus
``Retry-After``. Slack: ``POST /services/{T}/{B}/{secret}`` with ``{"text"}``
answers ``ok`` as text/plain, and errors are plain-text codes.
Python helpers: ``create_webhook()`` (the URL path pieces), ``seed_account``,
``snapshot``.
"""

from __future__ import annotations

import json
import math
import secrets
import string
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.framework import Emulator

DISCORD_MAX_CONTENT = 2000
DISCORD_MAX_EMBEDS = 10
DISCORD_EPOCH_MS = 1420070400000
SLACK_MAX_TEXT = 40000
ALNUM = string.ascii_letters + string.digits


def snowflake() -> str:
    """A Discord-style id: milliseconds since the Discord epoch, shifted, plus noise."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | secrets.randbits(22))


def _parse_json_body(raw: bytes) -> Any:
    return json.loads(raw) if raw else {}


class DiscordEmulator(Emulator):
    name = "discord"
    title = "Discord webhooks"
    connect_hint = (
        "clientnest accounts connect discord --url <sandbox url>/discord/api/webhooks/ID/TOKEN"
    )

    def reset(self) -> None:
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.buckets: dict[str, list[float]] = {}
        self.bucket_limit = 5
        self.bucket_window_s = 2.0

    # --- Python helpers ---------------------------------------------------------
    def create_webhook(
        self, name: str = "ClientNest", channel_id: str | None = None
    ) -> dict[str, str]:
        """A new webhook; returns {"id", "token", "path"} (path under the emulator)."""
        hook = {
            "id": snowflake(),
            "token": secrets.token_urlsafe(48),
            "name": name,
            "channel_id": channel_id or snowflake(),
            "guild_id": "1000000000000000001",
        }
        with self.lock:
            self.webhooks[hook["id"]] = hook
        path = f"/api/webhooks/{hook['id']}/{hook['token']}"
        return {"id": hook["id"], "token": hook["token"], "path": path}

    def seed_account(self, handle: str) -> dict[str, Any]:
        hook = self.create_webhook(name=handle)
        return {"user_id": hook["id"], "access_token": "", "refresh_token": "", **hook}

    def snapshot(self) -> dict[str, Any]:
        return {"posts": list(self.messages.values()), "webhooks": list(self.webhooks)}

    # --- responses ----------------------------------------------------------------
    def error(self, status: int, message: str, code: str = "") -> Response:
        return JSONResponse({"message": message, "code": int(code or 0)}, status_code=status)

    def throttle(self) -> Response:
        return self._rate_limited(self.faults.rate_limit_reset_s, "sandbox-fault")

    def _rate_limited(self, retry_after: float, bucket: str) -> Response:
        retry_after = round(max(0.001, retry_after), 3)
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": False,
        }
        response = JSONResponse(body, status_code=429)
        response.headers["Retry-After"] = str(math.ceil(retry_after))
        self._bucket_headers(response, 0, time.time() + retry_after, bucket)
        response.headers["X-RateLimit-Scope"] = "user"
        return response

    def _bucket_headers(
        self, response: Response, remaining: int, reset: float, bucket: str
    ) -> None:
        response.headers["X-RateLimit-Limit"] = str(self.bucket_limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, remaining))
        response.headers["X-RateLimit-Reset"] = f"{reset:.3f}"
        response.headers["X-RateLimit-Reset-After"] = f"{max(0.0, reset - time.time()):.3f}"
        response.headers["X-RateLimit-Bucket"] = bucket

    def _take(self, hook_id: str) -> tuple[int, float]:
        """Count one request in the webhook's bucket: (remaining, reset epoch)."""
        now = time.time()
        with self.lock:
            window = self.buckets.get(hook_id)
            if window is None or now >= window[0] + self.bucket_window_s:
                window = self.buckets[hook_id] = [now, 0]
            window[1] += 1
            return self.bucket_limit - int(window[1]), window[0] + self.bucket_window_s

    def routes(self) -> list[Route]:
        return [
            Route("/api/webhooks/{id}/{token}", self.execute, methods=["POST"]),
            Route("/api/webhooks/{id}/{token}", self.get_webhook, methods=["GET"]),
            Route("/api/webhooks/{id}/{token}/messages/{message_id}", self.get_message),
            Route(
                "/api/webhooks/{id}/{token}/messages/{message_id}",
                self.delete_message,
                methods=["DELETE"],
            ),
        ]

    def _hook(self, request: Request) -> tuple[dict[str, Any] | None, Response | None]:
        hook = self.webhooks.get(request.path_params["id"])
        if hook is None:
            return None, self.error(404, "Unknown Webhook", "10015")
        if hook["token"] != request.path_params["token"]:
            return None, self.error(401, "Invalid Webhook Token", "50027")
        return hook, None

    # --- handlers -----------------------------------------------------------------
    async def execute(self, request: Request) -> Response:
        fault = await self.before_write()
        if fault is not None:
            return fault
        hook, problem = self._hook(request)
        if hook is None:
            return problem  # type: ignore[return-value]
        remaining, reset = self._take(hook["id"])
        if remaining < 0:
            return self._rate_limited(reset - time.time(), hook["id"])
        response = await self._execute(request, hook)
        self._bucket_headers(response, remaining, reset, hook["id"])
        return response

    async def _execute(self, request: Request, hook: dict[str, Any]) -> Response:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self.error(400, "Cannot send an empty message", "50006")
        try:
            payload = _parse_json_body(await request.body())
        except ValueError:
            return self.error(400, "The request body contains invalid JSON.", "50109")
        if not isinstance(payload, dict):
            return self.error(400, "The request body contains invalid JSON.", "50109")
        problem = self._payload_problem(payload)
        if problem is not None:
            return problem
        message = self._store(hook, payload)
        if request.query_params.get("wait", "").lower() in ("true", "1"):
            return self.maybe_drop(JSONResponse(message))
        return self.maybe_drop(Response(status_code=204))

    def _payload_problem(self, payload: dict[str, Any]) -> Response | None:
        content = payload.get("content")
        embeds = payload.get("embeds") or []
        if content is not None and not isinstance(content, str):
            return self._form_error("content", "BASE_TYPE_STRING", "Must be a string.")
        if content is not None and len(content) > DISCORD_MAX_CONTENT:
            return self._form_error(
                "content",
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {DISCORD_MAX_CONTENT} or fewer in length.",
            )
        if not isinstance(embeds, list) or len(embeds) > DISCORD_MAX_EMBEDS:
            return self._form_error(
                "embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."
            )
        username = payload.get("username")
        if username is not None and not (isinstance(username, str) and 1 <= len(username) <= 80):
            return self._form_error(
                "username", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length."
            )
        if not (content or "").strip() and not embeds:
            return self.error(400, "Cannot send an empty message", "50006")
        return None

    @staticmethod
    def _form_error(field: str, code: str, message: str) -> Response:
        body = {
            "message": "Invalid Form Body",
            "code": 50035,
            "errors": {field: {"_errors": [{"code": code, "message": message}]}},
        }
        return JSONResponse(body, status_code=400)

    def _store(self, hook: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        message = {
            "id": snowflake(),
            "type": 0,
            "content": payload.get("content") or "",
            "channel_id": hook["channel_id"],
            "author": {
                "id": hook["id"],
                "username": payload.get("username") or hook["name"],
                "avatar": None,
                "discriminator": "0000",
                "bot": True,
            },
            "attachments": [],
            "embeds": payload.get("embeds") or [],
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "mention_everyone": False,
            "tts": bool(payload.get("tts")),
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "flags": 0,
            "components": [],
            "webhook_id": hook["id"],
        }
        with self.lock:
            self.messages[message["id"]] = message
        return message

    async def get_webhook(self, request: Request) -> Response:
        await self.delay()
        hook, problem = self._hook(request)
        if hook is None:
            return problem  # type: ignore[return-value]
        body = {
            "id": hook["id"],
            "type": 1,
            "name": hook["name"],
            "avatar": None,
            "channel_id": hook["channel_id"],
            "guild_id": hook["guild_id"],
            "application_id": None,
            "token": hook["token"],
        }
        return JSONResponse(body)

    async def get_message(self, request: Request) -> Response:
        await self.delay()
        hook, problem = self._hook(request)
        if hook is None:
            return problem  # type: ignore[return-value]
        message = self.messages.get(request.path_params["message_id"])
        if message is None or message["webhook_id"] != hook["id"]:
            return self.error(404, "Unknown Message", "10008")
        return JSONResponse(message)

    async def delete_message(self, request: Request) -> Response:
        """``DELETE /webhooks/{id}/{token}/messages/{message_id}`` -> 204; a message
        that is not there (or not this webhook's) is 404 ``Unknown Message`` (10008)."""
        fault = await self.before_write()
        if fault is not None:
            return fault
        hook, problem = self._hook(request)
        if hook is None:
            return problem  # type: ignore[return-value]
        with self.lock:
            message = self.messages.get(request.path_params["message_id"])
            if message is None or message["webhook_id"] != hook["id"]:
                return self.error(404, "Unknown Message", "10008")
            del self.messages[message["id"]]
        return Response(status_code=204)


class SlackEmulator(Emulator):
    name = "slack"
    title = "Slack incoming webhooks"
    connect_hint = "clientnest accounts connect slack --url <sandbox url>/slack/services/T/B/SECRET"

    def reset(self) -> None:
        self.hooks: dict[tuple[str, str], dict[str, str]] = {}
        self.messages: list[dict[str, Any]] = []

    def create_webhook(self, channel: str = "#general") -> dict[str, str]:
        """A new incoming webhook; returns {"team", "bot", "secret", "path"}."""
        team = "T" + secrets.token_hex(5).upper()
        bot = "B" + secrets.token_hex(5).upper()
        secret = "".join(secrets.choice(ALNUM) for _ in range(24))
        with self.lock:
            self.hooks[(team, bot)] = {"secret": secret, "channel": channel}
        return {
            "team": team,
            "bot": bot,
            "secret": secret,
            "path": f"/services/{team}/{bot}/{secret}",
        }

    def seed_account(self, handle: str) -> dict[str, Any]:
        hook = self.create_webhook(channel=f"#{handle}")
        return {"user_id": hook["bot"], "access_token": "", "refresh_token": "", **hook}

    def snapshot(self) -> dict[str, Any]:
        return {"posts": list(self.messages)}

    def error(self, status: int, message: str, code: str = "") -> Response:
        return PlainTextResponse(message, status_code=status)

    def throttle(self) -> Response:
        response = PlainTextResponse("rate_limited", status_code=429)
        response.headers["Retry-After"] = str(max(1, math.ceil(self.faults.rate_limit_reset_s)))
        return response

    def routes(self) -> list[Route]:
        return [Route("/services/{team}/{bot}/{secret}", self.incoming, methods=["POST"])]

    async def incoming(self, request: Request) -> Response:
        fault = await self.before_write()
        if fault is not None:
            return fault
        hook = self.hooks.get((request.path_params["team"], request.path_params["bot"]))
        if hook is None:
            return self.error(404, "no_service")
        if hook["secret"] != request.path_params["secret"]:
            return self.error(403, "invalid_token")
        payload = await self._payload(request)
        if not isinstance(payload, dict):
            return self.error(400, "invalid_payload")
        text = payload.get("text")
        if text is not None and not isinstance(text, str):
            return self.error(400, "invalid_payload")
        if (
            not (text or "").strip()
            and not payload.get("blocks")
            and not payload.get("attachments")
        ):
            return self.error(400, "no_text")
        with self.lock:
            self.messages.append(
                {
                    "ts": f"{time.time():.6f}",
                    "channel": hook["channel"],
                    "text": (text or "")[:SLACK_MAX_TEXT],  # Slack truncates longer text
                    "truncated": len(text or "") > SLACK_MAX_TEXT,
                    "hook": request.path_params["bot"],
                }
            )
        return self.maybe_drop(PlainTextResponse("ok"))

    @staticmethod
    async def _payload(request: Request) -> Any:
        """JSON body, or the form field ``payload`` holding JSON; None if unreadable."""
        raw = await request.body()
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if ctype == "application/json":
                return _parse_json_body(raw)
            if ctype == "application/x-www-form-urlencoded":
                return json.loads(parse_qs(raw.decode())["payload"][0])
        except (ValueError, KeyError, UnicodeDecodeError):
            return None
        return None

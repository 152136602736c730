"""Discord and Slack incoming webhooks: post-only targets (PLATFORMS.md § Simple targets).

The webhook URL lives in ``Credentials.extra["url"]`` and *is* the secret:
it never appears in a message, log or error — errors say "the Discord
webhook" instead. Plain ``http://`` is refused except on 127.0.0.1/localhost
(the sandbox). Neither platform lets a webhook list what it posted, so
``find_existing`` answers "unknown" (Discord can check one message whose id
was recorded in ``post.resume_token``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from clientnest_cli.domain.outgoing import (
    AccountInfo,
    Credentials,
    Existence,
    OutgoingPost,
    PublishedRef,
    Violation,
)
from clientnest_cli.errors import BadInput, PlatformError
from clientnest_cli.platforms.base import (
    AccountContext,
    Adapter,
    Capabilities,
    Connected,
    ConnectRequest,
    expect_success,
    lookup_failed,
)
from clientnest_cli.platforms.http import retry_after_seconds, send

if TYPE_CHECKING:
    import httpx

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
DISCORD_PATH = re.compile(r"/api/(?:v\d+/)?webhooks/(\d+)/([\w-]+)/?$")
SLACK_PATH = re.compile(r"/services/(T\w+)/(B\w+)/([\w-]+)/?$")


def check_webhook_url(
    url: str, display_name: str, pattern: re.Pattern[str], where: str
) -> re.Match[str]:
    """https (or loopback http) and the platform's path shape; never echoes the URL."""
    parts = urlsplit(url.strip())
    secure = parts.scheme == "https" and bool(parts.hostname)
    sandbox = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if not (secure or sandbox):
        raise BadInput(
            f"the {display_name} webhook URL must start with https://",
            hint="plain http:// is only accepted for 127.0.0.1 or localhost (the sandbox)",
        )
    match = pattern.search(parts.path)
    if match is None:
        raise BadInput(
            f"that does not look like a {display_name} webhook URL",
            hint=f"copy the whole URL from {where}",
        )
    return match


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}"


class WebhookAdapter(Adapter):
    """What Discord and Slack webhooks share: the URL secret, no reads."""

    where_to_copy: ClassVar[str] = ""

    @property
    def webhook_url(self) -> str:
        url = self.account.credentials.extra.get("url", "")
        if not url:
            raise PlatformError(
                f"the {self.display_name} webhook is not configured",
                kind="auth",
                platform=self.name,
                hint=self.reconnect_hint(),
            )
        return url

    @classmethod
    def reconnect_hint(cls) -> str:
        return f"connect again with a fresh URL from {cls.where_to_copy}"

    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        return validate_content(self.name, post.text, post.media)

    def find_existing(self, post: OutgoingPost) -> Existence:
        return Existence.unknown(f"{self.display_name} webhooks cannot list earlier messages")

    def refresh_token(self) -> Credentials:
        raise PlatformError(
            f"the {self.display_name} webhook no longer works",
            kind="auth",
            platform=self.name,
            hint=self.reconnect_hint(),
        )

    def _error(
        self, message: str, status: int, kind: str, retry_after: float | None = None
    ) -> PlatformError:
        return PlatformError(
            message,
            kind=kind,
            platform=self.name,
            status=status,
            retry_after=retry_after,
            hint=self.reconnect_hint() if kind == "auth" else None,
        )


class DiscordAdapter(WebhookAdapter):
    name = "discord"
    display_name = "Discord"
    default_base_url = "https://discord.com"
    where_to_copy = "the channel's Integrations → Webhooks settings"
    capabilities = Capabilities(
        threads=False, metrics=False, comments=False, auth="webhook", max_length=2000, delete=True
    )

    def publish(self, post: OutgoingPost) -> PublishedRef:
        payload: dict[str, Any] = {"content": post.text}
        if self.account.settings.get("username"):
            payload["username"] = self.account.settings["username"]
        resp = send(
            self.http,
            "POST",
            self.webhook_url,
            platform=self.name,
            write=True,
            params={"wait": "true"},
            json=payload,
        )
        self.raise_for_status(resp, "posting to the Discord webhook")
        # with ?wait=true Discord answers 200 and the message object; a 204 would
        # mean the message went out without its id, so it is asked about, not resent
        expect_success(resp, {200}, platform=self.name, display="Discord", action="the message")
        try:
            message = resp.json()
            return PublishedRef(
                str(message["id"]), extra={"channel_id": str(message["channel_id"])}
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise self._error(
                "Discord accepted the message but its answer was unreadable",
                resp.status_code,
                "unknown",
            ) from exc

    def find_existing(self, post: OutgoingPost) -> Existence:
        if not post.resume_token:
            return super().find_existing(post)
        try:
            resp = send(
                self.http,
                "GET",
                f"{self.webhook_url}/messages/{post.resume_token}",
                platform=self.name,
            )
        except PlatformError as exc:
            return lookup_failed(exc)
        if resp.status_code == 200:
            return Existence.found(PublishedRef(post.resume_token))
        if resp.status_code == 404 and _discord_code(resp) == 10008:
            return Existence.absent()
        return Existence.unknown(f"the Discord webhook answered HTTP {resp.status_code}")

    def account_info(self) -> AccountInfo:
        resp = send(self.http, "GET", self.webhook_url, platform=self.name)
        self.raise_for_status(resp, "reading the Discord webhook")
        return _discord_info(resp.json())

    def raise_for_status(self, resp: httpx.Response, action: str) -> None:
        status = resp.status_code
        if status < 400:
            return
        body = _json_or_empty(resp)
        code = _discord_code(resp)
        if status == 429:
            wait = body.get("retry_after")
            retry_after = (
                float(wait) if isinstance(wait, int | float) else retry_after_seconds(resp.headers)
            )
            scope = "globally " if body.get("global") else ""
            raise self._error(
                f"Discord rate limited the webhook {scope}while {action}",
                status,
                "retryable",
                retry_after=retry_after,
            )
        if status >= 500:
            raise self._error(f"Discord server error {status} while {action}", status, "retryable")
        if code == 10015 or status == 404:
            raise self._error(
                "the Discord webhook no longer exists (it was deleted)", status, "auth"
            )
        if code == 50027 or status == 401:
            raise self._error("the Discord webhook's token is not valid", status, "auth")
        raise self._error(f"Discord refused {action}: {_discord_detail(body)}", status, "permanent")

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        check_webhook_url(req.url, cls.display_name, DISCORD_PATH, cls.where_to_copy)
        url = req.url.strip().rstrip("/")
        resp = send(http, "GET", url, platform=cls.name)
        if resp.status_code in (401, 404):
            raise BadInput(
                "the Discord webhook does not exist or its token is wrong",
                hint=f"copy the URL again from {cls.where_to_copy}",
            )
        probe = cls(_blank_context(url))
        probe.raise_for_status(resp, "checking the Discord webhook")
        return Connected(Credentials(extra={"url": url}), _discord_info(resp.json()), _origin(url))

    # --- deleting (capabilities.delete) -------------------------------------
    def delete(self, ref: PublishedRef) -> bool:
        """``DELETE {webhook}/messages/{id}`` (the id ``?wait=true`` gave back);
        ``Unknown Message`` (10008) means it is already gone."""
        url = f"{self.webhook_url}/messages/{ref.platform_post_id}"
        resp = send(self.http, "DELETE", url, platform=self.name)
        if resp.status_code == 404 and _discord_code(resp) == 10008:
            return False
        self.raise_for_status(resp, "deleting the Discord message")
        return True


class SlackAdapter(WebhookAdapter):
    name = "slack"
    display_name = "Slack"
    default_base_url = "https://hooks.slack.com"
    where_to_copy = "the Slack app's Incoming Webhooks page"
    capabilities = Capabilities(
        threads=False, metrics=False, comments=False, auth="webhook", max_length=40000
    )

    def publish(self, post: OutgoingPost) -> PublishedRef:
        resp = send(
            self.http,
            "POST",
            self.webhook_url,
            platform=self.name,
            write=True,
            json={"text": post.text},
        )
        self.raise_for_status(resp, "posting to the Slack webhook")
        expect_success(resp, {200}, platform=self.name, display="Slack", action="the message")
        if resp.text.strip() != "ok":  # Slack's one success answer is 200 "ok"
            raise self._error(
                f"Slack answered the message with {resp.text.strip()[:200]!r}, not 'ok'",
                resp.status_code,
                "permanent",
            )
        # Slack answers a bare "ok": there is no message id, so the key stands in for one.
        return PublishedRef(post.idempotency_key)

    def account_info(self) -> AccountInfo:
        match = SLACK_PATH.search(urlsplit(self.webhook_url).path)
        team, bot = (match.group(1), match.group(2)) if match else ("", "")
        return AccountInfo(platform_user_id=bot, handle=self.account.handle or f"{team}/{bot}")

    def raise_for_status(self, resp: httpx.Response, action: str) -> None:
        status = resp.status_code
        if status < 400:
            return
        code = resp.text.strip()[:80] or f"HTTP {status}"
        if status == 429:
            raise self._error(
                f"Slack rate limited the webhook while {action}",
                status,
                "retryable",
                retry_after=retry_after_seconds(resp.headers),
            )
        if status >= 500:
            raise self._error(f"Slack server error {status} while {action}", status, "retryable")
        if code in (
            "invalid_token",
            "no_service",
            "no_active_hooks",
            "team_disabled",
        ) or status in (
            403,
            404,
        ):
            raise self._error(f"the Slack webhook no longer works ({code})", status, "auth")
        raise self._error(f"Slack refused {action} ({code})", status, "permanent")

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        """Check the URL by posting an empty payload: Slack answers "no_text" and posts nothing."""
        match = check_webhook_url(req.url, cls.display_name, SLACK_PATH, cls.where_to_copy)
        url = req.url.strip().rstrip("/")
        resp = send(http, "POST", url, platform=cls.name, json={})
        if resp.status_code in (403, 404):
            raise BadInput(
                f"the Slack webhook does not exist or was revoked ({resp.text.strip()[:40]})",
                hint=f"copy the URL again from {cls.where_to_copy}",
            )
        if resp.status_code == 429 or resp.status_code >= 500:
            cls(_blank_context(url)).raise_for_status(resp, "checking the Slack webhook")
        team, bot = match.group(1), match.group(2)
        info = AccountInfo(platform_user_id=bot, handle=req.identifier or f"{team}/{bot}")
        return Connected(Credentials(extra={"url": url}), info, _origin(url))

    # --- deleting: not possible (capabilities.delete is False) ---------------
    cannot_delete: ClassVar[str] = (
        "an incoming webhook only posts; it answers 'ok' with no message id to delete"
    )


def _blank_context(url: str) -> AccountContext:
    return AccountContext(
        handle="", base_url=_origin(url), credentials=Credentials(extra={"url": url})
    )


def _json_or_empty(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _discord_code(resp: httpx.Response) -> int | None:
    code = _json_or_empty(resp).get("code")
    return code if isinstance(code, int) else None


def _discord_detail(body: dict[str, Any]) -> str:
    """'Invalid Form Body (content: Must be 2000 or fewer in length.)' from the nested errors."""
    message = str(body.get("message") or "unknown error")
    details = []
    for field, info in (body.get("errors") or {}).items():
        for err in (info or {}).get("_errors", []) if isinstance(info, dict) else []:
            details.append(f"{field}: {err.get('message', '')}")
    return f"{message} ({'; '.join(details)})" if details else message


def _discord_info(hook: dict[str, Any]) -> AccountInfo:
    return AccountInfo(
        platform_user_id=str(hook.get("id", "")),
        handle=str(hook.get("name") or hook.get("id") or ""),
        display_name=str(hook.get("name") or ""),
    )

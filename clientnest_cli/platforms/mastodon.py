"""Mastodon adapter: per-instance app, OAuth code flow, statuses with an Idempotency-Key.

Facts from PLATFORMS.md § Mastodon. Tokens never expire and cannot be
refreshed: a 401 means the token was revoked, so the account must be
reconnected. The Idempotency-Key makes a retry after a dropped connection
safe for about an hour; after that ``find_existing`` compares the account's
recent statuses (HTML stripped) with the post's text.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from clientnest_cli.domain.outgoing import (
    AccountInfo,
    CommentData,
    Credentials,
    Existence,
    MediaItem,
    OutgoingPost,
    PostMetrics,
    PublishedRef,
    Violation,
)
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import (
    Adapter,
    Capabilities,
    Connected,
    ConnectRequest,
    expect_success,
    lookup_failed,
)
from clientnest_cli.platforms.http import send, send_authorised
from clientnest_cli.platforms.mastodon_support import (
    RECONNECT_HINT,
    account_info_from,
    comparable,
    created_at,
    error_detail,
    html_to_text,
    normalise_instance,
    raise_for_status,
    read_json,
    status_ref,
)
from clientnest_cli.platforms.oauth import exchange_code

if TYPE_CHECKING:
    import httpx

SCOPES = "read write"
APP_NAME = "ClientNest"
OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
MEDIA_WAIT_S = 120.0
FIND_PAGES = 3  # pages of 40 statuses searched by find_existing
CLOCK_SLACK = timedelta(minutes=10)


class MastodonAdapter(Adapter):
    name = "mastodon"
    display_name = "Mastodon"
    default_base_url = "https://mastodon.social"
    capabilities = Capabilities(
        threads=True,
        media_types=(
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "video/mp4",
            "video/webm",
            "video/quicktime",
        ),
        max_media=4,
        idempotency="key",
        delete=True,
        metrics_batch=1,
        comments=True,
        auth="oauth-app",
        max_length=None,
    )

    _UNKNOWN = object()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._instance_limit: Any = self._UNKNOWN

    # --- plumbing ------------------------------------------------------------
    def _url(self, path: str) -> str:
        return normalise_instance(self.account.base_url or self.default_base_url) + path

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request with the account's token (``send_authorised``)."""
        token = self.account.credentials.access_token
        return send_authorised(
            self.http, method, self._url(path), token, platform=self.name, **kwargs
        )

    def _get(self, path: str, action: str, **params: Any) -> httpx.Response:
        resp = self._send("GET", path, params=params)
        raise_for_status(resp, action)
        return resp

    # --- content -------------------------------------------------------------
    def max_characters(self) -> int | None:
        """The instance's limit: account setting, else /api/v2/instance (fetched once)."""
        setting = self.account.settings.get("max_characters")
        if setting and str(setting).isdigit():
            return int(setting)
        if self._instance_limit is self._UNKNOWN:
            self._instance_limit = self._fetch_instance_limit()
        return self._instance_limit  # type: ignore[no-any-return]

    def _fetch_instance_limit(self) -> int | None:
        try:
            resp = send(self.http, "GET", self._url("/api/v2/instance"), platform=self.name)
            raise_for_status(resp, "reading the instance configuration")
            limit = read_json(resp, "reading the instance")["configuration"]["statuses"][
                "max_characters"
            ]
            return int(limit)
        except (PlatformError, KeyError, TypeError, ValueError):
            return None

    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        return validate_content(self.name, post.text, post.media, max_chars=self.max_characters())

    def publish(self, post: OutgoingPost) -> PublishedRef:
        media_ids = [self._upload(item) for item in post.media]
        payload: dict[str, Any] = {
            "status": post.text,
            "visibility": self.account.settings.get("visibility", "public"),
        }
        if post.language:
            payload["language"] = post.language
        if media_ids:
            payload["media_ids"] = media_ids
        if post.reply_to is not None:
            payload["in_reply_to_id"] = post.reply_to.platform_post_id
        return self._post_status(payload, post.idempotency_key, "publishing the post")

    def _post_status(self, payload: dict[str, Any], key: str, action: str) -> PublishedRef:
        headers = {"Idempotency-Key": key} if key else {}
        resp = self._send("POST", "/api/v1/statuses", write=True, json=payload, headers=headers)
        expect_success(resp, {200}, platform=self.name, display="Mastodon", action=action)
        raise_for_status(resp, action)
        try:
            return status_ref(resp.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise PlatformError(
                "Mastodon accepted the post but its answer was unreadable",
                kind="unknown",
                platform=self.name,
                status=resp.status_code,
            ) from exc

    def _upload(self, item: MediaItem) -> str:
        try:
            data = item.path.read_bytes()
        except OSError as exc:
            raise PlatformError(
                f"cannot read media file {item.path.name}: {exc.strerror}", platform=self.name
            ) from exc
        resp = self._send(
            "POST",
            "/api/v2/media",
            files={"file": (item.path.name, data, item.mime_type)},
            data={"description": item.alt_text} if item.alt_text else {},
        )
        raise_for_status(resp, f"uploading {item.path.name}")
        body = read_json(resp, "uploading media")
        if resp.status_code == 202 or not body.get("url"):
            self._wait_for_media(str(body["id"]), item.path.name)
        return str(body["id"])

    def _wait_for_media(self, media_id: str, filename: str) -> None:
        """Poll until processing ends: 206 means still processing, 200 ready."""
        deadline = time.monotonic() + MEDIA_WAIT_S
        delay = 0.1
        while True:
            resp = self._get(f"/api/v1/media/{media_id}", f"processing {filename}")
            if resp.status_code == 200 and read_json(resp, "processing media").get("url"):
                return
            if time.monotonic() + delay > deadline:
                raise PlatformError(
                    f"Mastodon is still processing {filename}",
                    kind="retryable",
                    platform=self.name,
                    retry_after=30.0,
                )
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def find_existing(self, post: OutgoingPost) -> Existence:
        try:
            return self._search_recent(post)
        except PlatformError as exc:
            return lookup_failed(exc, "could not list recent Mastodon posts: ")

    def _search_recent(self, post: OutgoingPost) -> Existence:
        account_id = self.account.platform_user_id or self.account_info().platform_user_id
        wanted = comparable(post.text)
        oldest = post.created_at - CLOCK_SLACK if post.created_at else None
        params: dict[str, Any] = {"limit": 40, "exclude_reblogs": "true"}
        for _ in range(FIND_PAGES):
            page = read_json(
                self._get(
                    f"/api/v1/accounts/{account_id}/statuses", "looking for the post", **params
                ),
                "looking for the post",
            )
            for status in page:
                if self._matches(status, post, wanted, oldest):
                    return Existence.found(status_ref(status))
            last = created_at(page[-1]) if page else None
            if not page or (oldest and last and last < oldest):
                break
            params["max_id"] = page[-1]["id"]
        return Existence.absent()

    @staticmethod
    def _matches(
        status: dict[str, Any], post: OutgoingPost, wanted: str, oldest: datetime | None
    ) -> bool:
        if comparable(html_to_text(str(status.get("content") or ""))) != wanted:
            return False
        if post.reply_to and status.get("in_reply_to_id") != post.reply_to.platform_post_id:
            return False
        created = created_at(status)
        return not (oldest and created and created < oldest)

    # --- metrics and comments --------------------------------------------------
    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[PostMetrics]:
        """One request per status; a deleted status (404) is skipped."""
        metrics = []
        for ref in refs:
            resp = self._send("GET", f"/api/v1/statuses/{ref.platform_post_id}")
            if resp.status_code == 404:
                continue
            raise_for_status(resp, "reading post metrics")
            status = read_json(resp, "reading post metrics")
            metrics.append(
                PostMetrics(
                    platform_post_id=ref.platform_post_id,
                    likes=int(status.get("favourites_count") or 0),
                    comments=int(status.get("replies_count") or 0),
                    shares=int(status.get("reblogs_count") or 0),
                    views=None,
                )
            )
        return metrics

    def fetch_comments(self, ref: PublishedRef) -> list[CommentData]:
        """Replies by other accounts anywhere below the status."""
        own_id = self.account.platform_user_id or self.account_info().platform_user_id
        path = f"/api/v1/statuses/{ref.platform_post_id}/context"
        context = read_json(self._get(path, "reading replies"), "reading replies")
        comments = []
        for status in context.get("descendants", []):
            author = status.get("account") or {}
            if str(author.get("id")) == own_id:
                continue
            comments.append(
                CommentData(
                    platform_comment_id=str(status["id"]),
                    platform_post_id=ref.platform_post_id,
                    author=str(author.get("acct") or author.get("username") or ""),
                    text=html_to_text(str(status.get("content") or "")),
                    created_at=created_at(status),
                )
            )
        return comments

    def reply(self, ref: PublishedRef, text: str) -> PublishedRef:
        key = hashlib.sha256(f"reply:{ref.platform_post_id}:{text}".encode()).hexdigest()[:32]
        payload = {"status": text, "in_reply_to_id": ref.platform_post_id}
        return self._post_status(payload, key, "replying")

    # --- account -------------------------------------------------------------
    def refresh_token(self) -> Credentials:
        raise PlatformError(
            "Mastodon tokens do not expire and cannot be refreshed; this one was revoked",
            kind="auth",
            platform=self.name,
            hint=RECONNECT_HINT,
        )

    def account_info(self) -> AccountInfo:
        resp = self._get("/api/v1/accounts/verify_credentials", "reading the account")
        return account_info_from(read_json(resp, "reading the account"))

    # --- connecting ------------------------------------------------------------
    @classmethod
    def prepare_connect(cls, req: ConnectRequest, http: httpx.Client) -> ConnectRequest:
        """Register ClientNest as an app on the instance (once per connect)."""
        base = normalise_instance(req.base_url or cls.default_base_url)
        redirect = req.redirect_uri or OOB_REDIRECT
        if req.client_id and req.client_secret:
            return replace(req, base_url=base, redirect_uri=redirect)
        form = {"client_name": APP_NAME, "redirect_uris": redirect, "scopes": SCOPES}
        resp = send(http, "POST", f"{base}/api/v1/apps", platform=cls.name, data=form)
        raise_for_status(resp, "registering ClientNest on the instance")
        app = read_json(resp, "registering the app")
        return replace(
            req,
            base_url=base,
            redirect_uri=redirect,
            client_id=str(app["client_id"]),
            client_secret=str(app["client_secret"]),
        )

    @classmethod
    def authorize_url(cls, req: ConnectRequest, state: str, code_challenge: str) -> str:
        params = {
            "client_id": req.client_id,
            "redirect_uri": req.redirect_uri or OOB_REDIRECT,
            "response_type": "code",
            "scope": SCOPES,
            "state": state,
        }
        if code_challenge:  # Mastodon 4.3+ checks PKCE; older instances ignore it
            params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        base = normalise_instance(req.auth_base_url or req.base_url or cls.default_base_url)
        return f"{base}/oauth/authorize?{urlencode(params)}"

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        base = normalise_instance(req.base_url or cls.default_base_url)
        resp = exchange_code(
            http,
            f"{base}/oauth/token",
            req,
            platform=cls.name,
            redirect_uri=OOB_REDIRECT,
            scope=SCOPES,
        )
        if resp.status_code in (400, 401):
            raise PlatformError(
                f"Mastodon did not accept the authorization ({error_detail(resp)})",
                kind="auth",
                platform=cls.name,
                status=resp.status_code,
                hint="start connecting again; the code is valid once and for a few minutes",
            )
        raise_for_status(resp, "exchanging the authorization code")
        token = str(read_json(resp, "exchanging the code")["access_token"])
        me = send_authorised(
            http, "GET", f"{base}/api/v1/accounts/verify_credentials", token, platform=cls.name
        )
        raise_for_status(me, "reading the connected account")
        credentials = Credentials(
            access_token=token,
            extra={"client_id": req.client_id, "client_secret": req.client_secret},
        )
        return Connected(credentials, account_info_from(read_json(me, "reading the account")), base)

    # --- deleting (capabilities.delete) -------------------------------------
    def delete(self, ref: PublishedRef) -> bool:
        """``DELETE /api/v1/statuses/:id``; a 404 means it is already gone."""
        resp = self._send("DELETE", f"/api/v1/statuses/{ref.platform_post_id}")
        if resp.status_code == 404:
            return False
        raise_for_status(resp, "deleting the post")
        return True

    # --- history (backfill) ------------------------------------------------------
    history_page = 40  # the largest page of /api/v1/accounts/:id/statuses

    def fetch_history(self, since: datetime) -> list[PastPost]:  # noqa: F821
        """The account's own public posts (no replies, no boosts) since ``since``,
        newest first, 40 a page, paged with ``max_id``."""
        from clientnest_cli.domain.outgoing import PastPost

        account_id = self.account.platform_user_id or self.account_info().platform_user_id
        params: dict[str, Any] = {
            "limit": self.history_page,
            "exclude_replies": "true",
            "exclude_reblogs": "true",
        }
        found: list[PastPost] = []
        while True:
            page = read_json(
                self._get(f"/api/v1/accounts/{account_id}/statuses", "reading history", **params),
                "reading history",
            )
            for status in page:
                when = created_at(status)
                if when is None:
                    continue
                if when < since:
                    return found
                metrics = PostMetrics(
                    platform_post_id=str(status["id"]),
                    likes=int(status.get("favourites_count") or 0),
                    comments=int(status.get("replies_count") or 0),
                    shares=int(status.get("reblogs_count") or 0),
                )
                media = [m.get("type") for m in status.get("media_attachments") or []]
                kind = "carousel" if len(media) > 1 else "video" if "video" in media else ""
                kind = kind or ("photo" if media else "link" if status.get("card") else "text")
                text = str(status.get("content") or "")
                found.append(PastPost(status_ref(status), _plain(text), when, metrics, kind))
            if not page:
                return found
            params["max_id"] = page[-1]["id"]


def _plain(html_text: str) -> str:
    """Status HTML as plain text (paragraphs and line breaks kept as newlines)."""
    import html
    import re

    text = re.sub(r"<br\s*/?>|</p>\s*<p>", "\n", html_text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()

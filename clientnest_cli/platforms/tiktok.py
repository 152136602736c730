"""TikTok adapter: Content Posting API (direct post) and Display API reads.

Facts from PLATFORMS.md § TikTok. No text-only posts: one video (uploaded in
chunks with ``Content-Range``) or up to 35 photos (pulled by TikTok from
public URLs). ``creator_info`` is read first (privacy options). The
``publish_id`` is handed to ``on_resume_token`` before any upload, and a
later attempt with ``post.resume_token`` only polls the status, never
initialises again. OAuth uses PKCE; refresh tokens rotate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from clientnest_cli.domain.outgoing import (
    AccountInfo,
    Credentials,
    Existence,
    MediaItem,
    OutgoingPost,
    PastPost,
    PostMetrics,
    PublishedRef,
    Violation,
)
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import (
    AccountContext,
    Adapter,
    Capabilities,
    Connected,
    ConnectRequest,
    expect_success,
    lookup_failed,
)
from clientnest_cli.platforms.http import send_authorised
from clientnest_cli.platforms.oauth import code_exchange_form
from clientnest_cli.platforms.public_media import public_url_for, url_violations
from clientnest_cli.platforms.tiktok_api import (
    PLATFORM,
    clip_utf16,
    data_of,
    fail_message,
    token_call,
    upload_chunks,
)
from clientnest_cli.platforms.tiktok_history import video_metrics

if TYPE_CHECKING:
    import httpx

MB = 1024 * 1024
SCOPES = "user.info.basic,user.info.stats,video.publish,video.upload,video.list"
METRICS_BATCH = 20
METRIC_FIELDS = "id,like_count,comment_count,share_count,view_count"


class TikTokAdapter(Adapter):
    name: ClassVar[str] = "tiktok"
    display_name: ClassVar[str] = "TikTok"
    default_base_url: ClassVar[str] = "https://open.tiktokapis.com"
    default_auth_base_url: ClassVar[str] = "https://www.tiktok.com"
    capabilities: ClassVar[Capabilities] = Capabilities(
        threads=False,
        media_types=("video/mp4", "video/webm", "video/quicktime", "image/jpeg", "image/webp"),
        max_media=35,
        text_only=False,
        idempotency="publish-id",
        metrics_batch=METRICS_BATCH,
        comments=False,
        auth="oauth-pkce",
        max_length=2200,
    )

    def __init__(self, account: AccountContext, http: httpx.Client | None = None) -> None:
        super().__init__(account, http)
        settings = account.settings
        self.poll_interval_s = float(settings.get("poll_interval_s", 3.0))
        self.poll_timeout_s = float(settings.get("poll_timeout_s", 300.0))
        self.chunk_size = int(settings.get("chunk_size", 10 * MB))
        self.on_resume_token: Callable[[str], None] | None = None

    # --- calls ---------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return f"{self.account.base_url.rstrip('/')}{path}"

    def _api(
        self, method: str, path: str, action: str, *, write: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=UTF-8"} if "json" in kwargs else {}
        resp = send_authorised(
            self.http,
            method,
            self._url(path),
            self.account.credentials.access_token,
            platform=PLATFORM,
            write=write,
            headers=headers,
            **kwargs,
        )
        # the Content Posting and Display APIs answer 200 with an "ok" error code
        expect_success(resp, {200}, platform=PLATFORM, display="TikTok", action=action)
        return data_of(resp, action)

    # --- content -------------------------------------------------------------------------
    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        found = validate_content(self.name, post.text, post.media)
        if not post.media and not any(v.rule == "media_required" for v in found):
            detail = "TikTok has no text-only posts: attach a video or photos"
            found.append(Violation(self.name, "media_required", detail))
        if post.reply_to is not None:
            found.append(Violation(self.name, "threads", "TikTok posts cannot be threaded"))
        photos = [m for m in post.media if not is_video(m)]
        found += url_violations(photos, self.account.settings, self.name, self.display_name)
        return found

    def publish(self, post: OutgoingPost) -> PublishedRef:
        if post.resume_token:  # an earlier attempt initialised: only ever poll it
            return self.await_publish(post.resume_token)
        if not post.media:
            raise PlatformError(
                "TikTok has no text-only posts: attach a video or photos", platform=PLATFORM
            )
        creator = self.creator_info()
        videos = [m for m in post.media if is_video(m)]
        if videos:
            publish_id = self.start_video(post, videos[0], creator)
        else:
            publish_id = self.start_photos(post, creator)
        return self.await_publish(publish_id)

    def creator_info(self) -> dict[str, Any]:
        """The creator's privacy options, read before anything is uploaded: a failure
        here (even a 5xx) sent nothing, so it is an ordinary retry."""
        try:
            return self._api(
                "POST", "/v2/post/publish/creator_info/query/", "reading creator info", json={}
            )
        except PlatformError as exc:
            exc.nothing_sent = True
            raise

    def privacy_level(self, creator: dict[str, Any]) -> str:
        options = [str(o) for o in creator.get("privacy_level_options") or []]
        wanted = self.account.settings.get("privacy_level", "PUBLIC_TO_EVERYONE")
        if wanted in options:
            return wanted
        if not options:
            raise PlatformError(
                "TikTok offered no privacy level for this creator", platform=PLATFORM
            )
        return options[0]

    def remember(self, publish_id: str) -> None:
        if self.on_resume_token is not None:
            self.on_resume_token(publish_id)

    def start_video(self, post: OutgoingPost, item: MediaItem, creator: dict[str, Any]) -> str:
        size = item.path.stat().st_size
        chunk = size if size <= self.chunk_size else self.chunk_size
        total = max(1, size // chunk)
        data = self._api(
            "POST",
            "/v2/post/publish/video/init/",
            "starting the video upload",
            json={
                "post_info": {
                    "title": clip_utf16(post.text, 2200),
                    "privacy_level": self.privacy_level(creator),
                    "disable_comment": bool(creator.get("comment_disabled")),
                    "disable_duet": bool(creator.get("duet_disabled")),
                    "disable_stitch": bool(creator.get("stitch_disabled")),
                },
                "source_info": {
                    "source": "FILE_UPLOAD",
                    "video_size": size,
                    "chunk_size": chunk,
                    "total_chunk_count": total,
                },
            },
        )
        publish_id, upload_url = (
            str(data.get("publish_id") or ""),
            str(data.get("upload_url") or ""),
        )
        if not publish_id or not upload_url:
            raise PlatformError(
                "TikTok did not return an upload URL", kind="retryable", platform=PLATFORM
            )
        self.remember(publish_id)
        upload_chunks(self.http, item, upload_url, chunk, total)
        return publish_id

    def start_photos(self, post: OutgoingPost, creator: dict[str, Any]) -> str:
        urls = [
            public_url_for(m, self.account.settings, PLATFORM, self.display_name)
            for m in post.media
        ]
        data = self._api(
            "POST",
            "/v2/post/publish/content/init/",
            "posting the photos",
            write=True,  # TikTok starts publishing as soon as this is accepted
            json={
                "post_info": {
                    "title": clip_utf16(post.text.split("\n", 1)[0], 90),
                    "description": clip_utf16(post.text, 4000),
                    "privacy_level": self.privacy_level(creator),
                    "disable_comment": bool(creator.get("comment_disabled")),
                    "auto_add_music": True,
                },
                "source_info": {
                    "source": "PULL_FROM_URL",
                    "photo_cover_index": 0,
                    "photo_images": urls,
                },
                "post_mode": "DIRECT_POST",
                "media_type": "PHOTO",
            },
        )
        publish_id = str(data.get("publish_id") or "")
        if not publish_id:
            raise PlatformError(
                "TikTok did not return a publish id", kind="unknown", platform=PLATFORM
            )
        self.remember(publish_id)
        return publish_id

    # --- status --------------------------------------------------------------------------
    def status(self, publish_id: str) -> dict[str, Any]:
        return self._api(
            "POST",
            "/v2/post/publish/status/fetch/",
            "checking the post status",
            json={"publish_id": publish_id},
        )

    def await_publish(self, publish_id: str) -> PublishedRef:
        """Poll to PUBLISH_COMPLETE (a ref) or FAILED (a permanent error), bounded in time.

        Polls wait ``poll_interval_s`` between them; a 429/5xx on the status
        endpoint waits as the project's retry policy says (Retry-After honoured).
        """
        from clientnest_cli.domain.retry import retrying

        deadline = time.monotonic() + self.poll_timeout_s

        def once() -> PublishedRef:
            data = self.status(publish_id)
            state = str(data.get("status") or "")
            if state == "PUBLISH_COMPLETE":
                return self.ref_for(publish_id, data)
            if state == "FAILED":
                raise PlatformError(
                    fail_message(str(data.get("fail_reason") or "")), platform=PLATFORM
                )
            raise _StillProcessing(state)

        def again(exc: BaseException) -> bool:
            if time.monotonic() >= deadline:
                return False
            if isinstance(exc, _StillProcessing):
                return True
            return isinstance(exc, PlatformError) and exc.kind == "retryable"

        policy = retrying(
            tries=1_000_000,  # bounded by the deadline, not a count
            base=self.poll_interval_s,
            cap=self.poll_interval_s,
            retry_on=again,
            max_asked=max(0.0, deadline - time.monotonic()),
            jitter=False,  # a poll at the documented interval
        )
        try:
            return policy(once)
        except _StillProcessing as exc:
            raise PlatformError(
                f"TikTok is still processing the post ({exc.state or 'no status'}) after "
                f"{self.poll_timeout_s:g} s",
                kind="retryable",
                platform=PLATFORM,
                retry_after=60.0,
                hint="the next attempt checks the same upload; nothing is sent twice",
            ) from None

    def ref_for(self, publish_id: str, data: dict[str, Any]) -> PublishedRef:
        ids = data.get("publicaly_available_post_id") or []
        extra = {"publish_id": publish_id}
        if not ids:  # private posts have no public id
            return PublishedRef(publish_id, extra={**extra, "private": "true"})
        post_id = str(ids[0])
        handle = self.account.handle.lstrip("@")
        url = f"https://www.tiktok.com/@{handle}/video/{post_id}" if handle else ""
        return PublishedRef(post_id, url=url, extra=extra)

    def find_existing(self, post: OutgoingPost) -> Existence:
        try:
            if post.resume_token:
                data = self.status(post.resume_token)
                state = str(data.get("status") or "")
                if state == "PUBLISH_COMPLETE":
                    return Existence.found(self.ref_for(post.resume_token, data))
                if state == "FAILED":
                    return Existence.absent()
                raise PlatformError(  # not an answer yet: ask again later
                    f"TikTok is still processing the post ({state})",
                    kind="retryable",
                    platform=PLATFORM,
                )
            found = self.search(post)
        except PlatformError as exc:
            return lookup_failed(exc)
        if found.state == "absent":
            # TikTok lists a post only once it is processed, and without the publish id
            # (its answer was lost) "not listed yet" is no proof: ask again later.
            raise PlatformError(
                "TikTok does not list the post (yet); a post still being processed is not "
                "listed, so ClientNest asks again later",
                kind="retryable",
                platform=PLATFORM,
            )
        return found

    def search(self, post: OutgoingPost) -> Existence:
        data = self._api(
            "POST",
            "/v2/video/list/?fields=id,title,video_description,share_url",
            "listing recent posts",
            json={"max_count": 20},
        )
        wanted = post.text.strip()
        for video in data.get("videos") or []:
            texts = {
                str(video.get("title") or "").strip(),
                str(video.get("video_description") or "").strip(),
            }
            if wanted and wanted in texts:
                return Existence.found(
                    PublishedRef(str(video["id"]), url=str(video.get("share_url") or ""))
                )
        return Existence.absent()

    # --- metrics and account -----------------------------------------------------------------
    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[PostMetrics]:
        ids = [r.platform_post_id for r in refs if r.extra.get("private") != "true"]
        found = []
        for start in range(0, len(ids), METRICS_BATCH):
            data = self._api(
                "POST",
                f"/v2/video/query/?fields={METRIC_FIELDS}",
                "reading post metrics",
                json={"filters": {"video_ids": ids[start : start + METRICS_BATCH]}},
            )
            found += [video_metrics(video) for video in data.get("videos") or []]
        return found

    def fetch_history(self, since: datetime) -> list[PastPost]:
        """``POST /v2/video/list/`` with the counts, 20 a page (tiktok_history.py)."""
        from clientnest_cli.platforms.tiktok_history import list_history

        return list_history(self, since)

    def account_info(self) -> AccountInfo:
        fields = "open_id,union_id,avatar_url,display_name,username,follower_count,following_count,video_count"
        user = (
            self._api("GET", f"/v2/user/info/?fields={fields}", "reading the account profile").get(
                "user"
            )
            or {}
        )
        return AccountInfo(
            platform_user_id=str(user.get("open_id") or ""),
            handle=str(user.get("username") or ""),
            display_name=str(user.get("display_name") or ""),
            followers=user.get("follower_count"),
            following=user.get("following_count"),
            posts=user.get("video_count"),
        )

    # --- tokens and connecting ----------------------------------------------------------------
    def refresh_token(self) -> Credentials:
        creds = self.account.credentials
        form = {
            "client_key": creds.extra.get("client_key")
            or self.account.settings.get("client_key", ""),
            "client_secret": creds.extra.get("client_secret")
            or self.account.settings.get("client_secret", ""),
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
        }
        new = token_call(
            self.http, self.account.base_url, form, "refreshing the access token", creds.extra
        )
        self.account.credentials = new
        return new

    @classmethod
    def authorize_url(cls, req: ConnectRequest, state: str, code_challenge: str) -> str:
        base = (req.auth_base_url or cls.default_auth_base_url).rstrip("/")
        query = {
            "client_key": req.client_id,
            "scope": SCOPES,
            "response_type": "code",
            "redirect_uri": req.redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{base}/v2/auth/authorize/?{urlencode(query)}"

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        form = code_exchange_form(req, pkce=True, client_field="client_key")
        extra = {"client_key": req.client_id, "client_secret": req.client_secret}
        creds = token_call(http, req.base_url, form, "exchanging the authorization code", extra)
        account = AccountContext(
            handle="",
            base_url=req.base_url,
            credentials=creds,
            platform_user_id=creds.extra.get("open_id", ""),
        )
        return Connected(
            credentials=creds, info=cls(account, http).account_info(), base_url=req.base_url
        )

    # --- deleting: not possible (capabilities.delete is False) ---------------
    cannot_delete: ClassVar[str] = "the Content Posting API has no endpoint that deletes a video"


def is_video(item: MediaItem) -> bool:
    return item.mime_type.lower().startswith("video/")


class _StillProcessing(Exception):
    """TikTok has not finished the post yet: poll again."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state

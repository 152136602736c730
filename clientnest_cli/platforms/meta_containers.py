"""The two-phase container publish that Instagram and Threads share.

1. ``POST /{user}/{create_edge}`` makes a media container (carousels: one
   container per item, then a CAROUSEL container naming them);
2. the container id is handed to ``on_resume_token`` (the service saves it
   before the risky call);
3. the container's status is polled (short intervals, bounded wait) until
   FINISHED;
4. ``POST /{user}/{publish_edge}?creation_id=…`` publishes it.

A later attempt carrying ``post.resume_token`` reads the container first:
PUBLISHED means it went out (the post is found again among the account's
recent posts by its text), FINISHED or IN_PROGRESS means publish it,
ERROR / EXPIRED / gone means make a new one. The platform refuses to publish
one container twice, so a container id is as good as an idempotency key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from clientnest_cli.domain.outgoing import (
    AccountInfo,
    CommentData,
    Existence,
    MediaItem,
    OutgoingPost,
    PastPost,
    PostMetrics,
    PublishedRef,
)
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext, expect_success, lookup_failed
from clientnest_cli.platforms.http import send_authorised
from clientnest_cli.platforms.meta_graph import json_of, raise_for_status
from clientnest_cli.platforms.meta_oauth import MetaOAuth
from clientnest_cli.platforms.public_media import public_url_for

if TYPE_CHECKING:
    import httpx

SEARCH_LIMIT = 50
DONE = ("FINISHED", "PUBLISHED")
BROKEN = ("ERROR", "EXPIRED")


def parse_graph_time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


class MetaContainerAdapter(MetaOAuth):
    """Base of the Instagram and Threads adapters; subclasses set the names."""

    api_prefix: ClassVar[str] = ""
    create_edge: ClassVar[str]
    publish_edge: ClassVar[str]
    text_param: ClassVar[str]  # caption | text
    status_field: ClassVar[str]  # status_code | status
    status_detail_field: ClassVar[str]  # status | error_message
    comments_edge: ClassVar[str]
    insight_metrics: ClassVar[str]

    def __init__(self, account: AccountContext, http: httpx.Client | None = None) -> None:
        super().__init__(account, http)
        settings = account.settings
        self.poll_interval_s = float(settings.get("poll_interval_s", 2.0))
        self.poll_timeout_s = float(settings.get("poll_timeout_s", 120.0))
        self.on_resume_token: Callable[[str], None] | None = None

    # --- what subclasses decide ----------------------------------------------------
    def item_params(self, item: MediaItem, carousel: bool) -> dict[str, str]:
        raise NotImplementedError

    def text_only_params(self, post: OutgoingPost) -> dict[str, str]:
        raise NotImplementedError

    def extra_params(self, post: OutgoingPost) -> dict[str, str]:
        return {}

    def list_edge(self, post: OutgoingPost) -> str:
        raise NotImplementedError

    def metrics_from(self, media_id: str, values: dict[str, int]) -> PostMetrics:
        raise NotImplementedError

    # --- calls -------------------------------------------------------------------
    @property
    def user_path(self) -> str:
        return self.account.platform_user_id or "me"

    def _url(self, path: str) -> str:
        return f"{self.account.base_url.rstrip('/')}{self.api_prefix}/{path.lstrip('/')}"

    def _call(
        self,
        method: str,
        path: str,
        action: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        write: bool = False,
    ) -> dict[str, Any]:
        resp = send_authorised(
            self.http,
            method,
            self._url(path),
            self.account.credentials.access_token,
            platform=self.name,
            write=write,
            params=params,
            data=data,
        )
        raise_for_status(resp, self.graph(), action)
        # the Graph API answers 200 to everything that succeeds
        expect_success(resp, {200}, platform=self.name, display=self.display_name, action=action)
        return json_of(resp, self.graph(), action)

    def media_url(self, item: MediaItem) -> str:
        """The public URL the platform fetches the file from."""
        return public_url_for(item, self.account.settings, self.name, self.display_name)

    # --- containers ----------------------------------------------------------------
    def create_container(self, params: dict[str, str], action: str) -> str:
        # Not a write: an unpublished container is invisible, so a retry is harmless.
        body = self._call("POST", f"{self.user_path}/{self.create_edge}", action, data=params)
        if not body.get("id"):
            raise PlatformError(
                f"{self.display_name} did not return a container id while {action}",
                kind="retryable",
                platform=self.name,
            )
        return str(body["id"])

    def container_status(self, container_id: str) -> tuple[str, str]:
        fields = f"{self.status_field},{self.status_detail_field}"
        body = self._call(
            "GET", container_id, "checking the media container", params={"fields": fields}
        )
        return str(body.get(self.status_field, "")), str(body.get(self.status_detail_field, ""))

    def status_or_gone(self, container_id: str) -> str:
        """The container's status, or "GONE" when the platform no longer knows it."""
        try:
            return self.container_status(container_id)[0]
        except PlatformError as exc:
            if exc.kind == "permanent" and exc.status in {400, 404}:
                return "GONE"
            raise

    def wait_until_ready(self, container_id: str) -> str:
        """Poll until FINISHED (or PUBLISHED); a broken container is a permanent error."""
        deadline = time.monotonic() + self.poll_timeout_s
        while True:
            status, detail = self.container_status(container_id)
            if status in DONE:
                return status
            if status in BROKEN:
                reason = detail or status.lower()
                raise PlatformError(
                    f"{self.display_name} could not process the media ({reason})",
                    platform=self.name,
                    hint="check that the media URL is public and the file format is accepted",
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PlatformError(
                    f"{self.display_name} is still processing the media after "
                    f"{self.poll_timeout_s:g} s",
                    kind="retryable",
                    platform=self.name,
                    retry_after=max(self.poll_interval_s, 5.0),
                )
            time.sleep(min(self.poll_interval_s, remaining))

    def build_container(self, post: OutgoingPost) -> str:
        if len(post.media) > 1:
            children = [
                self.create_container(self.item_params(m, carousel=True), "adding a carousel item")
                for m in post.media
            ]
            for child in children:
                self.wait_until_ready(child)
            params = {"media_type": "CAROUSEL", "children": ",".join(children)}
        elif post.media:
            params = self.item_params(post.media[0], carousel=False)
        else:
            params = self.text_only_params(post)
        if post.text:
            params[self.text_param] = post.text
        params.update(self.extra_params(post))
        container_id = self.create_container(params, "creating the post container")
        if self.on_resume_token is not None:
            self.on_resume_token(container_id)
        return container_id

    # --- publishing ------------------------------------------------------------------
    def publish(self, post: OutgoingPost) -> PublishedRef:
        if post.resume_token:
            ref = self.resume(post, post.resume_token)
            if ref is not None:
                return ref
        return self.finish(post, self.build_container(post))

    def resume(self, post: OutgoingPost, container_id: str) -> PublishedRef | None:
        status = self.status_or_gone(container_id)
        if status == "PUBLISHED":
            return self.published_ref(post)
        if status in {"FINISHED", "IN_PROGRESS"}:
            return self.finish(post, container_id)
        return None  # ERROR, EXPIRED or gone: start again with a new container

    def finish(self, post: OutgoingPost, container_id: str) -> PublishedRef:
        if self.wait_until_ready(container_id) == "PUBLISHED":
            return self.published_ref(post)
        try:
            body = self._call(
                "POST",
                f"{self.user_path}/{self.publish_edge}",
                "publishing the post",
                params={"creation_id": container_id},
                write=True,
            )
        except PlatformError as exc:
            if exc.kind != "unknown":
                raise
            return self.recover_after_drop(post, container_id, exc)
        if not body.get("id"):
            raise PlatformError(
                f"{self.display_name} answered the publish call without a post id",
                kind="unknown",
                platform=self.name,
            )
        return self.ref_for(str(body["id"]))

    def recover_after_drop(
        self, post: OutgoingPost, container_id: str, exc: PlatformError
    ) -> PublishedRef:
        """The answer to publish was lost: the container says whether it went out."""
        try:
            status = self.container_status(container_id)[0]
            ref = self.search(post) if status == "PUBLISHED" else None
        except PlatformError:
            raise exc from None
        if ref is None:
            raise exc
        return ref

    def published_ref(self, post: OutgoingPost) -> PublishedRef:
        ref = self.search(post)
        if ref is None:
            raise PlatformError(
                f"{self.display_name} says the post went out, but it is not among the "
                "account's recent posts",
                kind="unknown",
                platform=self.name,
                hint="check the account; the post will not be sent again",
            )
        return ref

    def ref_for(self, media_id: str) -> PublishedRef:
        """The post's reference with its permalink (best effort: the post is out)."""
        try:
            body = self._call(
                "GET", media_id, "reading the post link", params={"fields": "permalink"}
            )
        except PlatformError:
            return PublishedRef(media_id)
        return PublishedRef(media_id, url=str(body.get("permalink") or ""))

    def search(self, post: OutgoingPost) -> PublishedRef | None:
        """The newest recent post whose text is this post's text."""
        fields = f"id,{self.text_param},permalink,timestamp"
        body = self._call(
            "GET",
            f"{self.user_path}/{self.list_edge(post)}",
            "looking for the post among recent ones",
            params={"fields": fields, "limit": SEARCH_LIMIT},
        )
        wanted = post.text.strip()
        for item in body.get("data") or []:
            if str(item.get(self.text_param) or "").strip() == wanted and item.get("id"):
                return PublishedRef(str(item["id"]), url=str(item.get("permalink") or ""))
        return None

    def find_existing(self, post: OutgoingPost) -> Existence:
        try:
            if post.resume_token and self.status_or_gone(post.resume_token) != "PUBLISHED":
                return Existence.absent()
            ref = self.search(post)
        except PlatformError as exc:
            return lookup_failed(exc)
        if ref is not None:
            return Existence.found(ref)
        if post.resume_token:
            return Existence.unknown("the container was published but the post was not found")
        return Existence.absent()

    # --- metrics and comments ----------------------------------------------------------
    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[PostMetrics]:
        """Graph insights are per post: one call each; a deleted post is skipped."""
        found = []
        for ref in refs:
            try:
                body = self._call(
                    "GET",
                    f"{ref.platform_post_id}/insights",
                    "reading post insights",
                    params={"metric": self.insight_metrics},
                )
            except PlatformError as exc:
                if exc.kind == "permanent":
                    continue
                raise
            values = {}
            for row in body.get("data") or []:
                series = row.get("values") or [{}]
                values[str(row.get("name"))] = int(series[0].get("value") or 0)
            found.append(self.metrics_from(ref.platform_post_id, values))
        return found

    def fetch_comments(self, ref: PublishedRef) -> list[CommentData]:
        body = self._call(
            "GET",
            f"{ref.platform_post_id}/{self.comments_edge}",
            "reading comments",
            params={"fields": "id,text,username,timestamp"},
        )
        return [
            CommentData(
                platform_comment_id=str(row["id"]),
                platform_post_id=ref.platform_post_id,
                author=str(row.get("username") or ""),
                text=str(row.get("text") or ""),
                created_at=parse_graph_time(row.get("timestamp")),
            )
            for row in body.get("data") or []
            if row.get("id")
        ]

    def account_info(self) -> AccountInfo:
        raise NotImplementedError

    # --- history (backfill) ---------------------------------------------------------
    history_edge: ClassVar[str]  # the user's own posts: media | threads

    def fetch_history(self, since: datetime) -> list[PastPost]:
        """The user's media edge, 100 a page, then each post's insights."""
        from clientnest_cli.platforms.meta_history import list_history

        return list_history(self, since)

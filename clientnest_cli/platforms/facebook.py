"""Facebook Pages adapter (Graph API): login, Page token, feed posts with photos.

Facts from PLATFORMS.md § Facebook Pages. Connecting exchanges the login code
for a user token, makes it long-lived and reads ``/me/accounts``; the chosen
Page's token (which does not expire) is the only secret kept. Photos are
uploaded unpublished and attached to the feed post. A duplicate (code 506) is
looked up among the Page's recent posts and, when found, taken as already
posted. Throttling arrives as error codes with usage headers, not only 429.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

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
from clientnest_cli.errors import BadInput, PlatformError
from clientnest_cli.platforms.base import (
    Adapter,
    Capabilities,
    Connected,
    ConnectRequest,
    expect_success,
    lookup_failed,
)
from clientnest_cli.platforms.http import send, send_authorised
from clientnest_cli.platforms.meta_graph import (
    GraphProduct,
    error_object,
    graph_json,
    raise_for_status,
)

if TYPE_CHECKING:
    import httpx

GRAPH_VERSION = "v21.0"
SCOPES = "pages_show_list,pages_read_engagement,pages_manage_posts,read_insights"
METRIC_FIELDS = (
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
)
METRICS_BATCH = 50
FIND_LIMIT = 50
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
DUPLICATE = 506
GRAPH = GraphProduct(
    "facebook",
    "Facebook",
    token="Page token",
    auth_reason=None,
    permission_hint="the Page token lacks a permission (pages_manage_posts?)",
    throttle_wait_s=None,
    throttle_who={
        4: "the app's request limit",
        17: "the user's request limit",
        32: "the Page's request limit",
        613: "a rate limit",
        0: "the Page's request limit",
    },
    publish_limits=False,
    duplicate_code=DUPLICATE,
)


def clean(text: str) -> str:
    """Platform text (a Page name) without terminal control characters."""
    return CONTROL.sub("", text)


def post_url(post_id: str) -> str:
    page, _, post = post_id.partition("_")
    return f"https://www.facebook.com/{page}/posts/{post}" if post else ""


def is_duplicate(resp: httpx.Response) -> bool:
    """Whether Graph refused the call as a duplicate of an earlier post (code 506)."""
    return resp.status_code >= 400 and error_object(resp).get("code") == DUPLICATE


def _parse_time(raw: Any) -> datetime | None:
    try:
        return datetime.strptime(str(raw), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def _metrics(post_id: str, node: dict[str, Any]) -> PostMetrics:
    def total(edge: str) -> int:
        return int(((node.get(edge) or {}).get("summary") or {}).get("total_count", 0))

    shares = int((node.get("shares") or {}).get("count", 0))  # absent when nobody shared
    return PostMetrics(post_id, likes=total("reactions"), comments=total("comments"), shares=shares)


class FacebookAdapter(Adapter):
    name = "facebook"
    display_name = "Facebook Pages"
    default_base_url = "https://graph.facebook.com"
    default_auth_base_url = "https://www.facebook.com"
    capabilities = Capabilities(
        threads=False,
        media_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        max_media=10,
        idempotency="duplicate-detect",
        delete=True,
        metrics_batch=METRICS_BATCH,
        comments=True,
        auth="oauth",
        max_length=63206,
    )

    # --- plumbing ---------------------------------------------------------------
    @property
    def page_id(self) -> str:
        return self.account.credentials.extra.get("page_id") or self.account.platform_user_id

    def _url(self, path: str) -> str:
        version = self.account.settings.get("graph_version") or GRAPH_VERSION
        return f"{self.account.base_url.rstrip('/')}/{version}/{path.lstrip('/')}"

    def _call(
        self, method: str, path: str, action: str, *, write: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One Graph call with the Page token; 506 is left to the caller."""
        resp = send_authorised(
            self.http,
            method,
            self._url(path),
            self.account.credentials.access_token,
            platform=self.name,
            write=write,
            **kwargs,
        )
        if not is_duplicate(resp):
            raise_for_status(resp, GRAPH, action)
        # the Graph API answers 200 to everything that succeeds
        expect_success(resp, {200}, platform=self.name, display="Facebook", action=action)
        return resp

    # --- content -------------------------------------------------------------------
    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        found = validate_content(self.name, post.text, post.media)
        if post.reply_to is not None:
            found.append(Violation(self.name, "threads", "Facebook Page posts cannot be threaded"))
        return found

    def _upload_photo(self, item: MediaItem) -> str:
        """An unpublished photo is invisible until attached, so this is not a write."""
        action = "uploading a photo"
        if item.public_url:
            resp = self._call(
                "POST",
                f"{self.page_id}/photos",
                action,
                data={"url": item.public_url, "published": "false"},
            )
        else:
            resp = self._call(
                "POST",
                f"{self.page_id}/photos",
                action,
                data={"published": "false"},
                files={"source": (item.path.name, item.path.read_bytes(), item.mime_type)},
            )
        return str(graph_json(resp, GRAPH, action)["id"])

    def publish(self, post: OutgoingPost) -> PublishedRef:
        if post.reply_to is not None:
            raise PlatformError("Facebook Page posts cannot be threaded", platform=self.name)
        body: dict[str, Any] = {"message": post.text}
        if post.media:
            body["attached_media"] = [{"media_fbid": self._upload_photo(m)} for m in post.media]
        resp = self._call("POST", f"{self.page_id}/feed", "publishing", write=True, json=body)
        if is_duplicate(resp):
            return self._already_posted(post)
        post_id = str(graph_json(resp, GRAPH, "publishing").get("id", ""))
        if not post_id:
            raise PlatformError(
                "Facebook accepted the post but did not say which one it is",
                kind="unknown",
                platform=self.name,
                hint="it will be looked up before any retry",
            )
        return PublishedRef(post_id, post_url(post_id))

    def _already_posted(self, post: OutgoingPost) -> PublishedRef:
        found = self.find_existing(post)
        if found.state == "found" and found.ref is not None:
            return PublishedRef(found.ref.platform_post_id, found.ref.url, {"duplicate": "true"})
        raise PlatformError(
            "Facebook rejected the post as a duplicate, but no matching recent post was found",
            platform=self.name,
            status=400,
            hint="change the text or check the Page; it may have been posted by hand",
        )

    def find_existing(self, post: OutgoingPost) -> Existence:
        wanted = post.text.strip()
        if not wanted:
            return Existence.unknown("the post has no text to look for on Facebook")
        query = urlencode({"fields": "id,message,created_time", "limit": FIND_LIMIT})
        try:
            resp = self._call("GET", f"{self.page_id}/feed?{query}", "looking for earlier posts")
            recent = graph_json(resp, GRAPH, "looking for earlier posts").get("data") or []
        except PlatformError as exc:
            return lookup_failed(exc)
        for item in recent:
            if str(item.get("message", "")).strip() == wanted:
                post_id = str(item["id"])
                return Existence.found(PublishedRef(post_id, post_url(post_id)))
        return Existence.absent()

    # --- metrics and comments ------------------------------------------------------
    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[PostMetrics]:
        ids = [ref.platform_post_id for ref in refs]
        result: list[PostMetrics] = []
        for start in range(0, len(ids), METRICS_BATCH):
            chunk = ids[start : start + METRICS_BATCH]
            query = urlencode({"ids": ",".join(chunk), "fields": METRIC_FIELDS})
            try:
                resp = self._call("GET", f"?{query}", "reading metrics")
            except PlatformError as exc:
                if exc.kind != "permanent":
                    raise
                result += self._metrics_one_by_one(chunk)  # one deleted post fails a batch
                continue
            nodes = graph_json(resp, GRAPH, "reading metrics")
            result += [_metrics(pid, nodes[pid]) for pid in chunk if pid in nodes]
        return result

    def _metrics_one_by_one(self, ids: list[str]) -> list[PostMetrics]:
        found = []
        for post_id in ids:
            query = urlencode({"fields": METRIC_FIELDS})
            try:
                resp = self._call("GET", f"{quote(post_id)}?{query}", "reading metrics")
            except PlatformError as exc:
                if exc.kind != "permanent":
                    raise
                continue  # deleted or hidden post: nothing to measure
            found.append(_metrics(post_id, graph_json(resp, GRAPH, "reading metrics")))
        return found

    def fetch_comments(self, ref: PublishedRef) -> list[CommentData]:
        query = urlencode({"fields": "id,message,from,created_time", "limit": 100})
        path = f"{quote(ref.platform_post_id)}/comments?{query}"
        data = graph_json(self._call("GET", path, "reading comments"), GRAPH, "reading comments")
        return [
            CommentData(
                platform_comment_id=str(item.get("id", "")),
                platform_post_id=ref.platform_post_id,
                author=clean(str((item.get("from") or {}).get("name", ""))),
                text=str(item.get("message", "")),
                created_at=_parse_time(item.get("created_time")),
            )
            for item in data.get("data") or []
        ]

    def reply(self, ref: PublishedRef, text: str) -> PublishedRef:
        path = f"{quote(ref.platform_post_id)}/comments"
        resp = self._call("POST", path, "replying", write=True, json={"message": text})
        raise_for_status(resp, GRAPH, "replying")
        return PublishedRef(str(graph_json(resp, GRAPH, "replying").get("id", "")), ref.url)

    # --- account -----------------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        query = urlencode({"fields": "id,name,followers_count,fan_count"})
        page = graph_json(
            self._call("GET", f"{self.page_id}?{query}", "reading the Page"), GRAPH, ""
        )
        name = clean(str(page.get("name", "")))
        followers = page.get("followers_count", page.get("fan_count"))
        return AccountInfo(
            platform_user_id=str(page.get("id", self.page_id)),
            handle=self.account.handle or name,
            display_name=name,
            followers=int(followers) if followers is not None else None,
        )

    def refresh_token(self) -> Credentials:
        raise PlatformError(
            "the Facebook Page token was invalidated (password change or removed permission)",
            kind="auth",
            platform=self.name,
            hint=f"reconnect with `clientnest accounts connect facebook --page {self.page_id}`",
        )

    # --- connecting ------------------------------------------------------------------
    @classmethod
    def authorize_url(cls, req: ConnectRequest, state: str, code_challenge: str) -> str:
        auth = (req.auth_base_url or cls.default_auth_base_url).rstrip("/")
        version = req.extra.get("graph_version") or GRAPH_VERSION
        query = urlencode(
            {
                "client_id": req.client_id,
                "redirect_uri": req.redirect_uri,
                "state": state,
                "scope": SCOPES,
                "response_type": "code",
            }
        )
        return f"{auth}/{version}/dialog/oauth?{query}"

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        base = (req.base_url or cls.default_base_url).rstrip("/")
        graph = f"{base}/{req.extra.get('graph_version') or GRAPH_VERSION}"
        app = {"client_id": req.client_id, "client_secret": req.client_secret}
        short = _get(
            http,
            f"{graph}/oauth/access_token",
            "exchanging the login code",
            params={**app, "redirect_uri": req.redirect_uri, "code": req.code},
        )
        long = _get(
            http,
            f"{graph}/oauth/access_token",
            "extending the login",
            params={
                **app,
                "grant_type": "fb_exchange_token",
                "fb_exchange_token": short["access_token"],
            },
        )
        pages = _get(
            http,
            f"{graph}/me/accounts",
            "listing your Pages",
            params={"fields": "id,name,access_token,tasks"},
            token=str(long["access_token"]),
        )
        page = choose_page(pages.get("data") or [], req.extra.get("page_id", ""))
        name = clean(str(page.get("name", "")))
        creds = Credentials(
            access_token=str(page["access_token"]),
            extra={"page_id": str(page["id"]), "page_name": name},
        )
        info = AccountInfo(platform_user_id=str(page["id"]), handle=name, display_name=name)
        return Connected(credentials=creds, info=info, base_url=base)

    # --- deleting (capabilities.delete) -------------------------------------
    def delete(self, ref: PublishedRef) -> bool:
        """``DELETE /vNN/{post-id}`` with the Page token; a post Graph no longer
        has (code 100, subcode 33) is already gone."""
        from clientnest_cli.platforms.meta_graph import error_object

        url = self._url(quote(ref.platform_post_id, safe="_"))
        token = self.account.credentials.access_token
        resp = send_authorised(self.http, "DELETE", url, token, platform=self.name)
        error = error_object(resp) if resp.status_code >= 400 else {}
        if error.get("code") == 100 and error.get("error_subcode") == 33:
            return False
        raise_for_status(resp, GRAPH, "deleting the post")
        return True

    # --- history (backfill) ------------------------------------------------------
    history_page = 100  # the Page feed's largest page

    def fetch_history(self, since: datetime) -> list[PastPost]:  # noqa: F821
        """The Page's own posts since ``since``, newest first, from GET /{page}/feed
        with their reactions, comments and shares, 100 a page (``paging.next``)."""
        from clientnest_cli.domain.outgoing import PastPost

        fields = "id,message,created_time,link,attachments," + METRIC_FIELDS
        query: dict[str, Any] = {"fields": fields, "limit": self.history_page}
        found: list[PastPost] = []
        while True:
            resp = self._call("GET", f"{self.page_id}/feed?{urlencode(query)}", "reading history")
            body = graph_json(resp, GRAPH, "reading history")
            for node in body.get("data") or []:
                when = _parse_time(node.get("created_time"))
                if when is None:
                    continue
                if when < since:
                    return found
                post_id = str(node["id"])
                kinds = [
                    a.get("media_type") for a in (node.get("attachments") or {}).get("data") or []
                ]
                kind = "carousel" if len(kinds) > 1 else (kinds[0] if kinds else "")
                kind = {"photo": "photo", "video": "video", "album": "carousel"}.get(kind, kind)
                kind = kind or ("link" if node.get("link") else "text")
                found.append(
                    PastPost(
                        PublishedRef(post_id, post_url(post_id)),
                        str(node.get("message", "")),
                        when,
                        _metrics(post_id, node),
                        kind,
                    )
                )
            after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
            if not (body.get("paging") or {}).get("next") or not after:
                return found
            query["after"] = after


def choose_page(pages: list[dict[str, Any]], wanted: str) -> dict[str, Any]:
    """The Page to connect: the one asked for, or the only one."""
    listing = ", ".join(f"{p.get('id')} {clean(str(p.get('name', '')))}" for p in pages)
    if not pages:
        raise BadInput(
            "this Facebook login manages no Pages",
            hint="log in as a Page admin and grant access to the Page",
        )
    if wanted:
        for page in pages:
            if str(page.get("id")) == wanted:
                return page
        raise BadInput(
            f"Page {wanted} is not among the Pages this login manages",
            hint=f"choose one with --page ID: {listing}",
        )
    if len(pages) > 1:
        raise BadInput(
            f"this Facebook login manages {len(pages)} Pages",
            hint=f"choose one with --page ID: {listing}",
        )
    return pages[0]


def _get(
    http: httpx.Client, url: str, action: str, token: str = "", **kwargs: Any
) -> dict[str, Any]:
    if token:
        resp = send_authorised(http, "GET", url, token, platform="facebook", **kwargs)
    else:
        resp = send(http, "GET", url, platform="facebook", **kwargs)
    raise_for_status(resp, GRAPH, action)
    data = graph_json(resp, GRAPH, action)
    if not isinstance(data, dict):
        raise PlatformError(
            f"Facebook sent an unexpected answer while {action}", platform="facebook"
        )
    return data

"""Bluesky (AT Protocol) adapter: app-password sessions, records under our own keys.

Every post is written with a record key derived from its idempotency key
(see ``bluesky_support``), so a retry after a dropped connection targets the
same ``at://`` URI: the PDS refuses the second write and we return the first.
Errors arrive as ``{"error", "message"}``; an expired access token is HTTP 400
``ExpiredToken``, which we report as kind "auth" so the engine refreshes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clientnest_cli.domain.outgoing import (
    AccountInfo,
    CommentData,
    Credentials,
    Existence,
    OutgoingPost,
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
from clientnest_cli.platforms.bluesky_support import image_size, record_key
from clientnest_cli.platforms.bluesky_xrpc import (
    PLATFORM,
    RECONNECT_HINT,
    checked,
    credentials_from_session,
    error_name,
    now_iso,
    parse_time,
    split_uri,
    xrpc_request,
)

if TYPE_CHECKING:
    import httpx

    from clientnest_cli.domain.outgoing import MediaItem

POST = "app.bsky.feed.post"
APP_PASSWORD_HINT = (
    "use an app password, not your main password: create one in Bluesky under "
    "Settings → App passwords"
)
COMMENT_DEPTH = 20


# --- the adapter -------------------------------------------------------------------


class BlueskyAdapter(Adapter):
    name = "bluesky"
    display_name = "Bluesky"
    default_base_url = "https://bsky.social"
    capabilities = Capabilities(
        threads=True,
        media_types=("image/jpeg", "image/png", "image/webp", "image/gif"),
        max_media=4,
        text_only=True,
        idempotency="record-key",
        delete=True,
        metrics_batch=25,
        comments=True,
        auth="app-password",
        max_length=300,
    )

    # --- plumbing ----------------------------------------------------------------
    @property
    def did(self) -> str:
        return self.account.credentials.extra.get("did") or self.account.platform_user_id

    @property
    def handle(self) -> str:
        return self.account.credentials.extra.get("handle") or self.account.handle

    def _send(
        self, method: str, nsid: str, *, auth: bool = True, write: bool = False, **kw: Any
    ) -> httpx.Response:
        token = self.account.credentials.access_token if auth else None
        return xrpc_request(
            self.http, self.account.base_url, method, nsid, token=token, write=write, **kw
        )

    def _call(self, method: str, nsid: str, **kw: Any) -> dict[str, Any]:
        return checked(self._send(method, nsid, **kw), write=kw.get("write", False))

    def _ref(self, uri: str, cid: str) -> PublishedRef:
        rkey = uri.rsplit("/", 1)[-1]
        url = f"https://bsky.app/profile/{self.handle}/post/{rkey}"
        return PublishedRef(platform_post_id=uri, url=url, extra={"uri": uri, "cid": cid})

    def _get_record(self, repo: str, rkey: str) -> httpx.Response:
        params = {"repo": repo, "collection": POST, "rkey": rkey}
        return self._send("GET", "com.atproto.repo.getRecord", auth=False, params=params)

    # --- content -----------------------------------------------------------------
    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        return validate_content(self.name, post.text, post.media)

    def publish(self, post: OutgoingPost) -> PublishedRef:
        rkey = record_key(post.idempotency_key, post.created_at)
        record = self._post_record(post.text, post.language)
        if post.reply_to is not None:
            record["reply"] = self._reply_refs(post.reply_to, post.root)
        if post.media:
            record["embed"] = self._images_embed(post.media)
        body = {"repo": self.did, "collection": POST, "rkey": rkey, "record": record}
        response = self._send("POST", "com.atproto.repo.createRecord", write=True, json=body)
        _, message = error_name(response)
        if response.status_code >= 500 or (
            response.status_code == 400 and "already exists" in message.lower()
        ):
            # The reference PDS answers a repeated rkey with a bare 500, and a proxy's
            # 5xx can follow a stored write: getRecord on our rkey decides, never the error.
            earlier = self._earlier_attempt(rkey, post.text)
            if earlier is not None:
                return earlier
        expect_success(response, {200}, platform=PLATFORM, display="Bluesky", action="createRecord")
        data = checked(response, write=True)
        return self._ref(str(data["uri"]), str(data["cid"]))

    def _earlier_attempt(self, rkey: str, text: str) -> PublishedRef | None:
        """The record an earlier attempt of this post already wrote under ``rkey``
        (None when there is certainly none)."""
        response = self._get_record(self.did, rkey)
        if response.status_code == 400 and error_name(response)[0] == "RecordNotFound":
            return None
        data = checked(response)
        if data.get("value", {}).get("text") != text:
            raise PlatformError(
                "Bluesky already holds a different post under this post's record key",
                platform=PLATFORM,
                hint="check the account; this post was not sent again",
            )
        return self._ref(str(data["uri"]), str(data["cid"]))

    def find_existing(self, post: OutgoingPost) -> Existence:
        rkey = record_key(post.idempotency_key, post.created_at)
        try:
            response = self._get_record(self.did, rkey)
        except PlatformError as exc:
            return lookup_failed(exc)
        if response.status_code == 400 and error_name(response)[0] == "RecordNotFound":
            return Existence.absent()
        try:
            data = checked(response)
        except PlatformError as exc:
            return lookup_failed(exc)
        return Existence.found(self._ref(str(data["uri"]), str(data["cid"])))

    def _post_record(self, text: str, language: str | None) -> dict[str, Any]:
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": now_iso()}
        facets = self._facets(text)
        if facets:
            record["facets"] = facets
        if language:
            record["langs"] = [language]
        return record

    def _facets(self, text: str) -> list[dict[str, Any]]:
        """Domain facets, with mention handles resolved to DIDs (unresolvable ones dropped)."""
        from clientnest_cli.domain.rules import bluesky_facets

        facets = []
        resolved: dict[str, str | None] = {}
        for facet in bluesky_facets(text):
            features = []
            for feature in facet["features"]:
                if "handle" in feature:
                    handle = feature["handle"]
                    if handle not in resolved:
                        resolved[handle] = self._resolve_handle(handle)
                    if resolved[handle] is None:
                        continue
                    feature = {"$type": feature["$type"], "did": resolved[handle]}
                features.append(feature)
            if features:
                facets.append({"index": facet["index"], "features": features})
        return facets

    def _resolve_handle(self, handle: str) -> str | None:
        response = self._send(
            "GET", "com.atproto.identity.resolveHandle", auth=False, params={"handle": handle}
        )
        if response.status_code == 400:
            return None
        return str(checked(response).get("did") or "") or None

    def _strong_ref(self, ref: PublishedRef) -> dict[str, str]:
        uri = ref.extra.get("uri") or ref.platform_post_id
        cid = ref.extra.get("cid")
        if not cid:
            repo, _, rkey = split_uri(uri)
            cid = str(checked(self._get_record(repo, rkey))["cid"])
        return {"uri": uri, "cid": cid}

    def _reply_refs(self, parent: PublishedRef, root: PublishedRef | None) -> dict[str, Any]:
        parent_ref = self._strong_ref(parent)
        if root is not None:
            return {"root": self._strong_ref(root), "parent": parent_ref}
        repo, _, rkey = split_uri(parent_ref["uri"])
        value = checked(self._get_record(repo, rkey)).get("value", {})
        root_ref = value.get("reply", {}).get("root") or parent_ref
        return {"root": root_ref, "parent": parent_ref}

    def _images_embed(self, media: Sequence[MediaItem]) -> dict[str, Any]:
        return {"$type": "app.bsky.embed.images", "images": [self._upload(m) for m in media]}

    def _upload(self, item: MediaItem) -> dict[str, Any]:
        try:
            data = item.path.read_bytes()
        except OSError as exc:
            raise PlatformError(
                f"could not read the image {item.path.name}", platform=PLATFORM
            ) from exc
        # A blob is content-addressed: uploading it again is harmless, so not a "write".
        blob = self._call(
            "POST",
            "com.atproto.repo.uploadBlob",
            content=data,
            headers={"Content-Type": item.mime_type},
        )["blob"]
        image: dict[str, Any] = {"image": blob, "alt": item.alt_text}
        size = image_size(data)
        if size is not None:
            image["aspectRatio"] = {"width": size[0], "height": size[1]}
        return image

    # --- metrics and comments -----------------------------------------------------
    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[PostMetrics]:
        uris = [ref.extra.get("uri") or ref.platform_post_id for ref in refs]
        batch = self.capabilities.metrics_batch
        metrics = []
        for start in range(0, len(uris), batch):
            chunk = uris[start : start + batch]
            data = self._call("GET", "app.bsky.feed.getPosts", params={"uris": chunk})
            for view in data.get("posts", []):
                metrics.append(
                    PostMetrics(
                        platform_post_id=str(view["uri"]),
                        likes=int(view.get("likeCount", 0)),
                        comments=int(view.get("replyCount", 0)),
                        shares=int(view.get("repostCount", 0)) + int(view.get("quoteCount", 0)),
                        views=None,
                        extra={
                            "reposts": int(view.get("repostCount", 0)),
                            "quotes": int(view.get("quoteCount", 0)),
                        },
                    )
                )
        return metrics

    def fetch_comments(self, ref: PublishedRef) -> list[CommentData]:
        uri = ref.extra.get("uri") or ref.platform_post_id
        params = {"uri": uri, "depth": COMMENT_DEPTH, "parentHeight": 0}
        thread = self._call("GET", "app.bsky.feed.getPostThread", params=params).get("thread", {})
        comments: list[CommentData] = []
        self._collect_replies(thread, ref.platform_post_id, comments)
        return comments

    def _collect_replies(self, node: dict[str, Any], post_id: str, out: list[CommentData]) -> None:
        """Every reply below ``node`` by someone else (our own thread parts are not comments)."""
        for child in node.get("replies") or []:
            if child.get("$type") != "app.bsky.feed.defs#threadViewPost":
                continue  # notFoundPost / blockedPost
            view = child.get("post", {})
            author = view.get("author", {})
            if author.get("did") != self.did:
                record = view.get("record", {})
                out.append(
                    CommentData(
                        platform_comment_id=str(view.get("uri", "")),
                        platform_post_id=post_id,
                        author=str(author.get("handle") or author.get("did") or ""),
                        text=str(record.get("text", "")),
                        created_at=parse_time(record.get("createdAt")),
                    )
                )
            self._collect_replies(child, post_id, out)

    def reply(self, ref: PublishedRef, text: str) -> PublishedRef:
        record = self._post_record(text, None)
        record["reply"] = self._reply_refs(ref, None)
        body = {"repo": self.did, "collection": POST, "record": record}
        data = self._call("POST", "com.atproto.repo.createRecord", write=True, json=body)
        return self._ref(str(data["uri"]), str(data["cid"]))

    # --- account -----------------------------------------------------------------
    def refresh_token(self) -> Credentials:
        """refreshSession with the refresh token; the old refresh token stops working."""
        response = xrpc_request(
            self.http,
            self.account.base_url,
            "POST",
            "com.atproto.server.refreshSession",
            token=self.account.credentials.refresh_token,
        )
        if response.status_code in (400, 401):
            raise PlatformError(
                "Bluesky session can no longer be refreshed",
                kind="auth",
                platform=PLATFORM,
                status=response.status_code,
                hint=RECONNECT_HINT,
            )
        credentials = credentials_from_session(checked(response))
        self.account.credentials = credentials
        return credentials

    def account_info(self) -> AccountInfo:
        data = self._call(
            "GET", "app.bsky.actor.getProfile", params={"actor": self.did or self.handle}
        )
        return AccountInfo(
            platform_user_id=str(data.get("did", self.did)),
            handle=str(data.get("handle", self.handle)),
            display_name=str(data.get("displayName") or ""),
            followers=data.get("followersCount"),
            following=data.get("followsCount"),
            posts=data.get("postsCount"),
        )

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        """Log in with handle + app password (createSession is rate limited: done once)."""
        base_url = req.base_url or cls.default_base_url
        body = {"identifier": req.identifier.strip().lstrip("@"), "password": req.password}
        response = xrpc_request(
            http, base_url, "POST", "com.atproto.server.createSession", json=body
        )
        if response.status_code == 401:
            raise PlatformError(
                "Bluesky rejected the handle or app password",
                kind="auth",
                platform=PLATFORM,
                status=401,
                hint=APP_PASSWORD_HINT,
            )
        credentials = credentials_from_session(checked(response))
        did, handle = credentials.extra["did"], credentials.extra["handle"]
        context = AccountContext(handle, base_url, credentials, platform_user_id=did)
        try:
            info = cls(context, http).account_info()
        except PlatformError:
            info = AccountInfo(platform_user_id=did, handle=handle)
        return Connected(credentials=credentials, info=info, base_url=base_url)

    # --- deleting (capabilities.delete) -------------------------------------
    def delete(self, ref: PublishedRef) -> bool:
        """``com.atproto.repo.deleteRecord`` on the post's record key. The PDS
        answers a record that is already gone with an empty body (no commit)."""
        rkey = ref.platform_post_id.rsplit("/", 1)[-1]
        body = {"repo": self.did, "collection": POST, "rkey": rkey}
        answer = self._call("POST", "com.atproto.repo.deleteRecord", json=body)
        return bool(answer.get("commit"))

    # --- history (backfill) ------------------------------------------------------
    history_page = 100  # getAuthorFeed's largest page

    def fetch_history(self, since: datetime) -> list[PastPost]:  # noqa: F821
        """The account's own posts (no replies, no reposts) since ``since``, newest first,
        through app.bsky.feed.getAuthorFeed, 100 a page."""
        from datetime import datetime as _dt

        from clientnest_cli.domain.outgoing import PastPost

        found: list[PastPost] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {
                "actor": self.did,
                "limit": self.history_page,
                "filter": "posts_no_replies",
            }
            if cursor:
                params["cursor"] = cursor
            data = self._call("GET", "app.bsky.feed.getAuthorFeed", params=params)
            for item in data.get("feed", []):
                view = item.get("post") or {}
                if item.get("reason") or view.get("author", {}).get("did") != self.did:
                    continue  # a repost of someone else's post
                record = view.get("record") or {}
                try:
                    when = _dt.fromisoformat(
                        str(record.get("createdAt", "")).replace("Z", "+00:00")
                    )
                except ValueError:
                    continue
                if when < since:
                    return found
                uri, cid = str(view["uri"]), str(view.get("cid", ""))
                metrics = PostMetrics(
                    platform_post_id=uri,
                    likes=int(view.get("likeCount", 0)),
                    comments=int(view.get("replyCount", 0)),
                    shares=int(view.get("repostCount", 0)) + int(view.get("quoteCount", 0)),
                    extra={"quotes": int(view.get("quoteCount", 0))},
                )
                found.append(
                    PastPost(
                        self._ref(uri, cid),
                        str(record.get("text", "")),
                        when,
                        metrics,
                        _media_of(record.get("embed") or {}),
                    )
                )
            cursor = data.get("cursor")
            if not cursor or not data.get("feed"):
                return found


def _media_of(embed: dict[str, Any]) -> str:
    kind = str(embed.get("$type", ""))
    if "images" in kind:
        return "carousel" if len(embed.get("images") or []) > 1 else "photo"
    if "video" in kind:
        return "video"
    if "external" in kind:
        return "link"
    return "text"

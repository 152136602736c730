"""X adapter (API v2): OAuth 2.0 with PKCE, tweets, threads, media, metrics.

Facts from PLATFORMS.md § X. X has no idempotency key: a repeat of the same
text is refused with 403 "duplicate content", which the adapter answers by
looking for the earlier tweet among the account's recent ones. Access tokens
live 2 h and refresh tokens rotate: ``refresh_token`` returns (and adopts) the
new pair, and the service must store it before anything else runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

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
from clientnest_cli.platforms.http import send, send_authorised
from clientnest_cli.platforms.oauth import code_exchange_form
from clientnest_cli.platforms.x_support import (
    PLATFORM,
    RECONNECT_HINT,
    credentials_from,
    error_for,
    is_duplicate,
    normalise_text,
    parse_time,
    problem_text,
    replied_to,
    x_time,
)

if TYPE_CHECKING:
    import httpx

SCOPES = "tweet.read tweet.write users.read offline.access media.write"
METRICS_BATCH = 100
FIND_PAGES = 3  # pages of 100 recent tweets searched by find_existing
COMMENT_PAGES = 5
CLOCK_SLACK_S = 600
TWEET_FIELDS = "created_at,conversation_id,referenced_tweets,author_id"


class XAdapter(Adapter):
    name = "x"
    display_name = "X"
    default_base_url = "https://api.x.com"
    default_auth_base_url = "https://x.com"
    capabilities = Capabilities(
        threads=True,
        media_types=("image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4"),
        max_media=4,
        idempotency="duplicate-detect",
        delete=True,
        metrics_batch=METRICS_BATCH,
        comments=True,
        auth="oauth-pkce",
        max_length=280,
    )

    # --- plumbing ----------------------------------------------------------
    def _url(self, path: str) -> str:
        return (self.account.base_url or self.default_base_url).rstrip("/") + path

    def _call(
        self, method: str, path: str, action: str, *, write: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One authorised request; error statuses become PlatformError."""
        resp = self._send(method, path, write=write, **kwargs)
        if resp.status_code >= 400:
            raise error_for(resp, action)
        expect_success(resp, range(200, 300), platform=PLATFORM, display="X", action=action)
        return resp

    def _send(
        self, method: str, path: str, *, write: bool = False, **kwargs: Any
    ) -> httpx.Response:
        token = self.account.credentials.access_token
        return send_authorised(
            self.http, method, self._url(path), token, platform=PLATFORM, write=write, **kwargs
        )

    def _user_id(self) -> str:
        if not self.account.platform_user_id:
            self.account.platform_user_id = self.account_info().platform_user_id
        return self.account.platform_user_id

    def _ref(self, tweet_id: str) -> PublishedRef:
        handle = self.account.handle.lstrip("@") or "i/web"
        return PublishedRef(tweet_id, url=f"https://x.com/{handle}/status/{tweet_id}")

    # --- content -----------------------------------------------------------
    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        return validate_content("x", post.text, post.media)

    def publish(self, post: OutgoingPost) -> PublishedRef:
        from clientnest_cli.platforms.x_media import upload

        media_ids = [upload(self._call, item) for item in post.media]
        body: dict[str, Any] = {"text": post.text}
        if post.reply_to is not None:
            body["reply"] = {"in_reply_to_tweet_id": post.reply_to.platform_post_id}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        resp = self._send("POST", "/2/tweets", write=True, json=body)
        if is_duplicate(resp):
            return self._earlier_copy(post)
        if resp.status_code >= 400:
            raise error_for(resp, "publish the post")
        expect_success(resp, {201}, platform=PLATFORM, display="X", action="the new post")
        return self._ref(_tweet_id(resp))

    def _earlier_copy(self, post: OutgoingPost) -> PublishedRef:
        """X refused the text as a duplicate: is the earlier tweet this post?"""
        existence = self.find_existing(post)
        if existence.state == "found" and existence.ref is not None:
            return existence.ref
        if existence.state == "unknown":
            raise PlatformError(
                "X says this text was already posted, and the account's recent posts "
                f"could not be checked ({existence.reason})",
                kind="unknown", platform=PLATFORM, status=403,
                hint="it will be checked again before anything is re-sent",
            )  # fmt: skip
        raise PlatformError(
            "X rejected the post as a duplicate of an earlier post that is not this one",
            platform=PLATFORM, status=403, hint="change the text a little and try again",
        )  # fmt: skip

    def find_existing(self, post: OutgoingPost) -> Existence:
        want = normalise_text(post.text)
        parent = post.reply_to.platform_post_id if post.reply_to else None
        params: dict[str, Any] = {"max_results": 100, "tweet.fields": TWEET_FIELDS}
        if post.created_at is not None:
            earliest = post.created_at.timestamp() - CLOCK_SLACK_S
            params["start_time"] = x_time(datetime.fromtimestamp(earliest, UTC))
        try:
            path = f"/2/users/{self._user_id()}/tweets"
            for _ in range(FIND_PAGES):
                body = self._call("GET", path, "list recent posts", params=params).json()
                for tweet in body.get("data") or []:
                    if (
                        normalise_text(tweet.get("text", "")) == want
                        and replied_to(tweet) == parent
                    ):
                        return Existence.found(self._ref(str(tweet["id"])))
                next_token = (body.get("meta") or {}).get("next_token")
                if not next_token:
                    return Existence.absent()
                params["pagination_token"] = next_token
        except PlatformError as exc:
            return lookup_failed(exc)
        return Existence.unknown(f"more than {FIND_PAGES * 100} recent posts to search")

    # --- metrics and comments ----------------------------------------------
    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[PostMetrics]:
        ids = [ref.platform_post_id for ref in refs]
        metrics: list[PostMetrics] = []
        for start in range(0, len(ids), METRICS_BATCH):
            params = {
                "ids": ",".join(ids[start : start + METRICS_BATCH]),
                "tweet.fields": "public_metrics",
            }
            body = self._call("GET", "/2/tweets", "read post metrics", params=params).json()
            metrics += [_metrics(tweet) for tweet in body.get("data") or []]
        return metrics

    def fetch_comments(self, ref: PublishedRef) -> list[CommentData]:
        own = self._user_id()
        params: dict[str, Any] = {
            "query": f"conversation_id:{ref.platform_post_id}",
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "max_results": 100,
        }
        comments: list[CommentData] = []
        for _ in range(COMMENT_PAGES):
            body = self._call(
                "GET", "/2/tweets/search/recent", "read replies", params=params
            ).json()
            users = {
                u["id"]: u.get("username", u["id"])
                for u in (body.get("includes") or {}).get("users") or []
            }
            comments += [
                _comment(tweet, ref.platform_post_id, users)
                for tweet in body.get("data") or []
                if tweet.get("author_id") != own and str(tweet.get("id")) != ref.platform_post_id
            ]
            next_token = (body.get("meta") or {}).get("next_token")
            if not next_token:
                break
            params["next_token"] = next_token
        return comments

    def reply(self, ref: PublishedRef, text: str) -> PublishedRef:
        body = {"text": text, "reply": {"in_reply_to_tweet_id": ref.platform_post_id}}
        resp = self._call("POST", "/2/tweets", "post the reply", write=True, json=body)
        return self._ref(_tweet_id(resp))

    # --- account -----------------------------------------------------------
    def refresh_token(self) -> Credentials:
        creds = self.account.credentials
        client_id = creds.extra.get("client_id") or self.account.settings.get("client_id", "")
        if not creds.refresh_token or not client_id:
            raise PlatformError(
                "X access cannot be renewed: no refresh token or client id stored",
                kind="auth",
                platform=PLATFORM,
                hint=RECONNECT_HINT,
            )
        form = {
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": client_id,
        }
        resp = _token_request(
            self.http, self._url("/2/oauth2/token"), form, creds.extra.get("client_secret", "")
        )
        if resp.status_code in (400, 401, 403):
            raise PlatformError(
                f"X refused to renew the access token: {problem_text(resp)}",
                kind="auth", platform=PLATFORM, status=resp.status_code, hint=RECONNECT_HINT,
            )  # fmt: skip
        if resp.status_code >= 400:
            raise error_for(resp, "renew the access token")
        fresh = credentials_from(resp.json(), previous=creds)
        self.account.credentials = fresh
        return fresh

    def account_info(self) -> AccountInfo:
        body = self._call(
            "GET", "/2/users/me", "read the account", params={"user.fields": "public_metrics"}
        ).json()
        user = body.get("data") or {}
        counts = user.get("public_metrics") or {}
        return AccountInfo(
            platform_user_id=str(user.get("id", "")),
            handle=str(user.get("username", "")),
            display_name=str(user.get("name", "")),
            followers=counts.get("followers_count"),
            following=counts.get("following_count"),
            posts=counts.get("tweet_count"),
        )

    # --- connecting ----------------------------------------------------------
    @classmethod
    def authorize_url(cls, req: ConnectRequest, state: str, code_challenge: str) -> str:
        base = (req.auth_base_url or cls.default_auth_base_url).rstrip("/")
        query = urlencode({
            "response_type": "code",
            "client_id": req.client_id,
            "redirect_uri": req.redirect_uri,
            "scope": SCOPES,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        })  # fmt: skip
        return f"{base}/i/oauth2/authorize?{query}"

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        base = (req.base_url or cls.default_base_url).rstrip("/")
        form = code_exchange_form(req, secret=False, pkce=True)  # the secret goes in Basic auth
        resp = _token_request(http, base + "/2/oauth2/token", form, req.client_secret)
        if 400 <= resp.status_code < 500 and resp.status_code != 429:
            raise PlatformError(
                f"X did not accept the authorization: {problem_text(resp)}",
                kind="auth", platform=PLATFORM, status=resp.status_code,
                hint="start `clientnest accounts connect x` again and approve in the browser",
            )  # fmt: skip
        if resp.status_code >= 400:
            raise error_for(resp, "finish connecting")
        extra = {"client_id": req.client_id}
        if req.client_secret:
            extra["client_secret"] = req.client_secret
        creds = credentials_from(resp.json(), extra=extra)
        adapter = cls(AccountContext(handle="", base_url=base, credentials=creds), http)
        info = adapter.account_info()
        return Connected(credentials=creds, info=info, base_url=base)

    # --- deleting (capabilities.delete) -------------------------------------
    def delete(self, ref: PublishedRef) -> bool:
        """``DELETE /2/tweets/:id``; an id X no longer knows is already gone."""
        resp = self._send("DELETE", f"/2/tweets/{ref.platform_post_id}")
        if resp.status_code == 404:
            return False
        if resp.status_code >= 400:
            raise error_for(resp, "delete the post")
        data = resp.json().get("data") if resp.content else None
        return bool(isinstance(data, dict) and data.get("deleted"))

    # --- history (backfill) ------------------------------------------------
    history_page = 100  # max_results of the user Posts timeline (which reaches 3,200 back)

    def fetch_history(self, since: datetime) -> list[PastPost]:  # noqa: F821
        """The account's own posts (no replies, no reposts) since ``since``, newest first,
        from GET /2/users/:id/tweets, 100 a page."""
        from clientnest_cli.domain.outgoing import PastPost

        params: dict[str, Any] = {
            "max_results": self.history_page,
            "tweet.fields": TWEET_FIELDS + ",public_metrics,attachments,entities",
            "exclude": "replies,retweets",
            "start_time": x_time(since),
        }
        path = f"/2/users/{self._user_id()}/tweets"
        found: list[PastPost] = []
        while True:
            body = self._call("GET", path, "read earlier posts", params=params).json()
            for tweet in body.get("data") or []:
                when = parse_time(tweet.get("created_at"))
                if when is None or when < since:
                    continue
                keys = (tweet.get("attachments") or {}).get("media_keys") or []
                urls = (tweet.get("entities") or {}).get("urls") or []
                kind = "carousel" if len(keys) > 1 else "photo" if keys else ""
                kind = kind or ("link" if urls else "text")
                found.append(
                    PastPost(
                        self._ref(str(tweet["id"])),
                        unescape(str(tweet.get("text", ""))),
                        when,
                        _metrics(tweet),
                        kind,
                    )
                )
            next_token = (body.get("meta") or {}).get("next_token")
            if not next_token:
                return found
            params["pagination_token"] = next_token


def _token_request(
    http: httpx.Client, url: str, form: dict[str, str], secret: str
) -> httpx.Response:
    """POST to the token endpoint; confidential clients add HTTP Basic auth."""
    auth = (form["client_id"], secret) if secret else None
    return send(http, "POST", url, platform=PLATFORM, data=form, auth=auth)


def _tweet_id(resp: httpx.Response) -> str:
    tweet_id = ((resp.json() or {}).get("data") or {}).get("id")
    if not tweet_id:
        raise PlatformError(
            "X answered without a post id",
            kind="unknown",
            platform=PLATFORM,
            hint="it will be checked before anything is re-sent",
        )
    return str(tweet_id)


def _metrics(tweet: dict[str, Any]) -> PostMetrics:
    m = tweet.get("public_metrics") or {}
    return PostMetrics(
        platform_post_id=str(tweet["id"]),
        likes=int(m.get("like_count", 0)),
        comments=int(m.get("reply_count", 0)),
        shares=int(m.get("retweet_count", 0)) + int(m.get("quote_count", 0)),
        views=m.get("impression_count"),
        extra={
            k: int(m.get(k, 0))
            for k in ("retweet_count", "quote_count", "bookmark_count")
            if k in m
        },
    )


def _comment(tweet: dict[str, Any], post_id: str, users: dict[str, str]) -> CommentData:
    author_id = str(tweet.get("author_id", ""))
    return CommentData(
        platform_comment_id=str(tweet["id"]),
        platform_post_id=post_id,
        author=users.get(author_id, author_id),
        text=unescape(str(tweet.get("text", ""))),
        created_at=parse_time(tweet.get("created_at")),
    )

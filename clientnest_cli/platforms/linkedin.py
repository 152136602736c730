"""LinkedIn adapter: OAuth code flow, Posts API, Images API, social actions.

Facts from PLATFORMS.md § LinkedIn. Commentary is written in LinkedIn's
"little" text format, which silently cuts a post at the first unescaped
reserved character, so every text is escaped with ``rules.linkedin_escape``
at send time. Access tokens last 60 days and ordinary apps get no refresh
token: ``Credentials.expires_at`` tells the service when to ask the user to
reconnect. A 422 ``DUPLICATE_POST`` names the earlier post's URN; it is taken
as "already posted".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
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
from clientnest_cli.platforms.linkedin_errors import (
    RECONNECT,
    error_fields,
    error_message,
    li_json,
    raise_for_status,
)
from clientnest_cli.platforms.oauth import exchange_code

if TYPE_CHECKING:
    import httpx

SCOPES = "openid profile email w_member_social"
RESTLI = "2.0.0"
VERSION_LAG_MONTHS = 2  # default LinkedIn-Version: a release that surely exists already
POST_URN = re.compile(r"urn:li:(?:share|ugcPost):\d+")
FIND_COUNT = 50


def default_version(today: datetime | None = None) -> str:
    """A recent monthly API version (YYYYMM); LinkedIn supports each for a year."""
    day = today or datetime.now(UTC)
    months = day.year * 12 + day.month - 1 - VERSION_LAG_MONTHS
    return f"{months // 12:04d}{months % 12 + 1:02d}"


def unescape(commentary: str) -> str:
    """Commentary as readers see it (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", commentary)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


class LinkedInAdapter(Adapter):
    name = "linkedin"
    display_name = "LinkedIn"
    default_base_url = "https://api.linkedin.com"
    default_auth_base_url = "https://www.linkedin.com"
    capabilities = Capabilities(
        threads=False,
        media_types=("image/jpeg", "image/png", "image/gif"),
        max_media=1,
        idempotency="duplicate-detect",
        delete=True,
        comments=True,
        auth="oauth",
        max_length=3000,
    )

    backfill_note = (
        "reading a member's own posts needs r_member_social, a permission LinkedIn grants "
        "only to approved partners, and an organisation's posts need r_organization_social, "
        "which a ClientNest connection does not ask for"
    )

    # --- plumbing -----------------------------------------------------------
    def _url(self, path: str) -> str:
        return self.account.base_url.rstrip("/") + path

    def _headers(self) -> dict[str, str]:
        version = self.account.settings.get("linkedin_version") or default_version()
        return {
            "LinkedIn-Version": version,
            "X-Restli-Protocol-Version": RESTLI,
        }

    def _call(
        self, method: str, path: str, action: str, *, write: bool = False, **kwargs: Any
    ) -> httpx.Response:
        resp = send_authorised(
            self.http,
            method,
            self._url(path),
            self.account.credentials.access_token,
            platform=self.name,
            write=write,
            headers=self._headers(),
            **kwargs,
        )
        if not (resp.status_code == 422 and write):  # duplicates are read by the caller
            raise_for_status(resp, action)
        ok = {200, 201} if write else range(200, 300)
        expect_success(resp, ok, platform=self.name, display="LinkedIn", action=action)
        return resp

    def author_urn(self) -> str:
        """Who posts: a configured organisation, else the connected member."""
        chosen = self.account.settings.get("author_urn") or self.account.credentials.extra.get(
            "author_urn"
        )
        if chosen:
            return chosen
        uid = self.account.platform_user_id
        return uid if uid.startswith("urn:li:") else f"urn:li:person:{uid}"

    # --- content ----------------------------------------------------------------
    def validate(self, post: OutgoingPost) -> list[Violation]:
        from clientnest_cli.domain.rules import validate_content

        found = validate_content(self.name, post.text, post.media)
        if post.reply_to is not None:
            found.append(Violation(self.name, "threads", "LinkedIn posts cannot be threaded"))
        return found

    def _upload_image(self, item: MediaItem, author: str) -> dict[str, Any]:
        """initializeUpload, then PUT the bytes; an image alone is not a post (write=False)."""
        resp = self._call(
            "POST",
            "/rest/images?action=initializeUpload",
            "preparing an image upload",
            json={"initializeUploadRequest": {"owner": author}},
        )
        value = li_json(resp, "preparing an image upload").get("value") or {}
        upload_url, image = value.get("uploadUrl"), value.get("image")
        if not upload_url or not image:
            raise PlatformError(
                "LinkedIn did not return an upload address for the image", platform=self.name
            )
        put = send_authorised(  # only to a LinkedIn host: see platforms/transport.py
            self.http,
            "PUT",
            upload_url,
            self.account.credentials.access_token,
            platform=self.name,
            content=item.path.read_bytes(),
            headers={"Content-Type": item.mime_type},
        )
        raise_for_status(put, "uploading an image")
        media: dict[str, Any] = {"id": image}
        if item.alt_text:
            media["altText"] = item.alt_text
        return {"media": media}

    def publish(self, post: OutgoingPost) -> PublishedRef:
        from clientnest_cli.domain.rules import linkedin_escape

        if post.reply_to is not None:
            raise PlatformError("LinkedIn posts cannot be threaded", platform=self.name)
        author = self.author_urn()
        body: dict[str, Any] = {
            "author": author,
            "commentary": linkedin_escape(post.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if post.media:
            body["content"] = self._upload_image(post.media[0], author)
        resp = self._call("POST", "/rest/posts", "publishing", write=True, json=body)
        if resp.status_code == 422:
            return self._duplicate(resp)
        expect_success(resp, {201}, platform=self.name, display="LinkedIn", action="the new post")
        urn = resp.headers.get("x-restli-id") or resp.headers.get("x-linkedin-id")
        if not urn:
            raise PlatformError(
                "LinkedIn accepted the post but did not say which one it is",
                kind="unknown",
                platform=self.name,
                status=resp.status_code,
                hint="it will be looked up before any retry",
            )
        return PublishedRef(urn, post_url(urn))

    def _duplicate(self, resp: httpx.Response) -> PublishedRef:
        body = error_fields(resp)
        found = POST_URN.search(str(body.get("message", "")))
        if body.get("code") == "DUPLICATE_POST" and found:
            urn = found.group(0)
            return PublishedRef(urn, post_url(urn), extra={"duplicate": "true"})
        raise_for_status(resp, "publishing")
        raise AssertionError("unreachable")  # raise_for_status raised for the 422

    def _recent_posts(self) -> list[dict[str, Any]]:
        query = urlencode(
            {"q": "author", "author": self.author_urn(), "count": FIND_COUNT}, quote_via=quote
        )
        resp = self._call("GET", f"/rest/posts?{query}", "looking for earlier posts")
        return list(li_json(resp, "looking for earlier posts").get("elements") or [])

    def find_existing(self, post: OutgoingPost) -> Existence:
        from clientnest_cli.domain.rules import linkedin_escape

        wanted = post.text.strip()
        if not wanted:
            return Existence.unknown("the post has no text to look for on LinkedIn")
        try:
            recent = self._recent_posts()
        except PlatformError as exc:
            return lookup_failed(exc)
        escaped = linkedin_escape(post.text).strip()
        for element in recent:
            commentary = str(element.get("commentary", "")).strip()
            if commentary == escaped or unescape(commentary) == wanted:
                urn = str(element["id"])
                return Existence.found(PublishedRef(urn, post_url(urn)))
        return Existence.absent()

    # --- metrics and comments -----------------------------------------------------
    def fetch_metrics(self, refs: Sequence[PublishedRef]) -> list[PostMetrics]:
        metrics = []
        for ref in refs:
            path = f"/rest/socialActions/{quote(ref.platform_post_id, safe='')}"
            data = li_json(self._call("GET", path, "reading metrics"), "reading metrics")
            likes = (data.get("likesSummary") or {}).get("totalLikes", 0)
            comments = (data.get("commentsSummary") or {}).get("totalFirstLevelComments", 0)
            metrics.append(
                PostMetrics(ref.platform_post_id, likes=int(likes), comments=int(comments))
            )
        return metrics

    def fetch_comments(self, ref: PublishedRef) -> list[CommentData]:
        path = f"/rest/socialActions/{quote(ref.platform_post_id, safe='')}/comments"
        data = li_json(self._call("GET", path, "reading comments"), "reading comments")
        found = []
        for item in data.get("elements") or []:
            millis = (item.get("created") or {}).get("time")
            found.append(
                CommentData(
                    platform_comment_id=str(item.get("$URN") or item.get("id")),
                    platform_post_id=ref.platform_post_id,
                    author=str(item.get("actor", "")),
                    text=str((item.get("message") or {}).get("text", "")),
                    created_at=datetime.fromtimestamp(millis / 1000, UTC) if millis else None,
                )
            )
        return found

    def reply(self, ref: PublishedRef, text: str) -> PublishedRef:
        urn = ref.platform_post_id
        body = {"actor": self.author_urn(), "object": urn, "message": {"text": text}}
        path = f"/rest/socialActions/{quote(urn, safe='')}/comments"
        resp = self._call("POST", path, "replying", write=True, json=body)
        raise_for_status(resp, "replying")
        data = li_json(resp, "replying")
        comment = data.get("$URN") or resp.headers.get("x-restli-id") or str(data.get("id", ""))
        return PublishedRef(str(comment), post_url(urn))

    # --- account ---------------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        resp = self._call("GET", "/v2/userinfo", "reading the profile")
        return _info(li_json(resp, "reading the profile"), self.account.handle)

    def refresh_token(self) -> Credentials:
        creds = self.account.credentials
        if not creds.refresh_token:
            until = (
                f" before {creds.expires_at:%Y-%m-%d}"
                if creds.expires_at and creds.expires_at > datetime.now(UTC)
                else ""
            )
            raise PlatformError(
                "LinkedIn sign-ins cannot be refreshed; they last 60 days",
                kind="auth",
                platform=self.name,
                hint=f"{RECONNECT}{until}",
            )
        auth = self.account.settings.get("auth_base_url") or self.default_auth_base_url
        form = {
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": creds.extra.get("client_id", ""),
            "client_secret": creds.extra.get("client_secret", ""),
        }
        resp = send(
            self.http,
            "POST",
            f"{auth.rstrip('/')}/oauth/v2/accessToken",
            platform=self.name,
            data=form,
        )
        if resp.status_code in (400, 401):
            why = error_message(error_fields(resp), resp.status_code)
            raise PlatformError(
                f"LinkedIn would not refresh the sign-in ({why})",
                kind="auth",
                platform=self.name,
                status=resp.status_code,
                hint=RECONNECT,
            )
        raise_for_status(resp, "refreshing the sign-in")
        fresh = _credentials(li_json(resp, "refreshing the sign-in"), creds.extra)
        fresh.refresh_token = fresh.refresh_token or creds.refresh_token
        return fresh

    # --- connecting -------------------------------------------------------------------
    @classmethod
    def authorize_url(cls, req: ConnectRequest, state: str, code_challenge: str) -> str:
        auth = (req.auth_base_url or cls.default_auth_base_url).rstrip("/")
        query = urlencode(
            {
                "response_type": "code",
                "client_id": req.client_id,
                "redirect_uri": req.redirect_uri,
                "state": state,
                "scope": SCOPES,
            },
            quote_via=quote,
        )
        return f"{auth}/oauth/v2/authorization?{query}"

    @classmethod
    def connect(cls, req: ConnectRequest, http: httpx.Client) -> Connected:
        auth = (req.auth_base_url or cls.default_auth_base_url).rstrip("/")
        base = (req.base_url or cls.default_base_url).rstrip("/")
        resp = exchange_code(http, f"{auth}/oauth/v2/accessToken", req, platform=cls.name)
        if resp.status_code == 400:
            why = error_message(error_fields(resp), 400)
            raise PlatformError(
                f"LinkedIn did not accept the sign-in code ({why})",
                platform=cls.name,
                status=400,
                hint="codes are single-use and expire after 30 minutes; run connect again",
            )
        raise_for_status(resp, "exchanging the sign-in code")
        token = li_json(resp, "exchanging the sign-in code")
        extra = {"client_id": req.client_id}
        if token.get("refresh_token"):  # approved partners only
            extra["client_secret"] = req.client_secret
        creds = _credentials(token, extra)
        who = send_authorised(
            http, "GET", f"{base}/v2/userinfo", creds.access_token, platform=cls.name
        )
        raise_for_status(who, "reading the profile")
        info = _info(li_json(who, "reading the profile"), "")
        creds.extra["author_urn"] = f"urn:li:person:{info.platform_user_id}"
        return Connected(credentials=creds, info=info, base_url=base)

    # --- deleting (capabilities.delete) -------------------------------------
    def delete(self, ref: PublishedRef) -> bool:
        """``DELETE /rest/posts/{urn}`` (204, idempotent); a URN LinkedIn does
        not know (404) is already gone."""
        from urllib.parse import quote

        path = f"/rest/posts/{quote(ref.platform_post_id, safe='')}"
        headers = {**self._headers(), "X-RestLi-Method": "DELETE"}
        resp = send_authorised(
            self.http,
            "DELETE",
            self._url(path),
            self.account.credentials.access_token,
            platform=self.name,
            headers=headers,
        )
        if resp.status_code == 404:
            return False
        raise_for_status(resp, "deleting the post")
        return True


def _credentials(token: dict[str, Any], extra: dict[str, str]) -> Credentials:
    now = datetime.now(UTC)
    refresh_ttl = token.get("refresh_token_expires_in")
    return Credentials(
        access_token=str(token.get("access_token", "")),
        refresh_token=str(token.get("refresh_token", "")),
        expires_at=now + timedelta(seconds=int(token.get("expires_in", 0) or 0)),
        refresh_expires_at=now + timedelta(seconds=int(refresh_ttl)) if refresh_ttl else None,
        extra=dict(extra),
    )


def _info(user: dict[str, Any], handle: str) -> AccountInfo:
    sub = str(user.get("sub", ""))
    name = str(
        user.get("name")
        or " ".join(str(user.get(k, "")) for k in ("given_name", "family_name")).strip()
    )
    return AccountInfo(platform_user_id=sub, handle=handle or _slug(name) or sub, display_name=name)

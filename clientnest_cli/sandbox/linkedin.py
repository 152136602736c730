"""LinkedIn emulator: OAuth, OpenID userinfo, Posts API, Images API, social actions.

Written from PLATFORMS.md alone. Faithful details that adapters must cope with:
every ``/rest`` call needs ``LinkedIn-Version: YYYYMM`` and
``X-Restli-Protocol-Version: 2.0.0``; a post's URN arrives only in the
``x-restli-id`` header; commentary is in the "little" text format and is cut
silently at the first unescaped reserved character; access tokens live 60
days and there is no refresh token; rate limits are a bare 429.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.framework import TokenStore
from clientnest_cli.sandbox.http_helpers import read_form
from clientnest_cli.sandbox.linkedin_social import LinkedInBase, millis

ACCESS_TTL_S = 60 * 24 * 3600  # 5184000: sixty days
CODE_TTL_S = 30 * 60
MAX_COMMENTARY = 3000
RESERVED = set("\\|{}@[]()<>#*_~")
MENTION = re.compile(r"@\[([^\]\\]*)\]\((urn:li:(?:person|organization):[A-Za-z0-9_-]+)\)")
HASHTAG = re.compile(r"\{hashtag\|\\#\|([^{}|\\\s]+)\}")
VISIBILITIES = {"PUBLIC", "CONNECTIONS", "LOGGED_IN"}


def render_little(text: str) -> tuple[str, str]:
    """Read little-format text the way LinkedIn does.

    Returns (kept, rendered): ``kept`` is the part of the input LinkedIn keeps
    (everything before the first unescaped reserved character), ``rendered``
    what readers see. Mentions ``@[Name](urn)`` and ``{hashtag|\\#|tag}`` are
    the only templates understood.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 < len(text) and text[i + 1] in RESERVED:
                out.append(text[i + 1])
                i += 2
                continue
            break
        template = {"@": MENTION, "{": HASHTAG}.get(ch)
        match = template.match(text, i) if template else None
        if match:
            out.append(match.group(1) if ch == "@" else "#" + match.group(1))
            i = match.end()
            continue
        if ch in RESERVED:
            break
        out.append(ch)
        i += 1
    return text[:i], "".join(out)


class LinkedInEmulator(LinkedInBase):
    name = "linkedin"
    title = "LinkedIn (Posts API)"
    connect_hint = "OAuth: open the authorization URL, approve, paste the code"

    def reset(self) -> None:
        self.tokens = TokenStore(access_ttl_s=ACCESS_TTL_S, refresh_ttl_s=None)
        self.users: dict[str, dict[str, Any]] = {}
        self.browser_user: str | None = None  # who is "signed in" at the consent page
        self.codes: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.images: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.counter = 7_100_000_000_000_000_000
        self.deleted: set[str] = set()  # URNs of deleted posts: deleting again is 204 too

    # --- test helpers ------------------------------------------------------
    def _new_id(self) -> int:
        self.counter += 1
        return self.counter

    def _create_user(self, handle: str, name: str | None = None) -> str:
        sub = secrets.token_urlsafe(8).replace("-", "x").replace("_", "y")
        display = name or handle.replace("-", " ").title()
        given, _, family = display.partition(" ")
        self.users[sub] = {
            "sub": sub,
            "name": display,
            "given_name": given,
            "family_name": family,
            "email": f"{handle}@example.com",
            "email_verified": True,
            "locale": {"country": "US", "language": "en"},
            "picture": f"https://media.licdn.example/{sub}.jpg",
            "handle": handle,
        }
        self.browser_user = sub
        return sub

    def seed_account(self, handle: str, name: str | None = None) -> dict[str, Any]:
        """A member with a 60-day token, as if OAuth had run."""
        with self.lock:
            sub = self._create_user(handle, name)
            access, _ = self.tokens.issue(sub, "openid profile email w_member_social", "li")
        return {
            "user_id": sub,
            "access_token": access,
            "refresh_token": "",
            "author_urn": f"urn:li:person:{sub}",
            "name": self.users[sub]["name"],
        }

    def snapshot(self) -> dict[str, Any]:
        posts = [{k: v for k, v in post.items() if k != "created"} for post in self.posts.values()]
        return {
            "users": list(self.users),
            "posts": posts,
            "images": [{"urn": k, **v} for k, v in self.images.items()],
            "comments": {urn: list(items) for urn, items in self.comments.items()},
        }

    # --- OAuth -----------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("response_type") != "code" or not q.get("client_id") or not q.get("redirect_uri"):
            return HTMLResponse(
                "<h1>Bad request</h1><p>response_type=code, client_id and "
                "redirect_uri are required.</p>",
                status_code=400,
            )
        consent = self.faults.consent
        if consent == "never":
            return HTMLResponse("<h1>Sign in to LinkedIn</h1><p>Waiting for you…</p>")
        redirect, state = q["redirect_uri"], q.get("state", "")
        if consent == "deny":
            params = {
                "error": "access_denied",
                "error_description": "The member declined",
                "state": state,
            }
            return RedirectResponse(f"{redirect}?{urlencode(params)}", status_code=302)
        with self.lock:
            sub = self.browser_user or self._create_user("sandbox-member")
            code = secrets.token_urlsafe(24)
            self.codes[code] = {
                "sub": sub,
                "client_id": q["client_id"],
                "redirect_uri": redirect,
                "scope": q.get("scope", ""),
                "expires": time.time() + CODE_TTL_S,
            }
        return RedirectResponse(f"{redirect}?{urlencode({'code': code, 'state': state})}", 302)

    async def access_token(self, request: Request) -> Response:
        await self.delay()
        form = await read_form(request, urlencoded_only=True)

        def oauth_error(error: str, description: str) -> Response:
            return JSONResponse({"error": error, "error_description": description}, 400)

        if form.get("grant_type") == "refresh_token":
            return oauth_error("invalid_request", "Refresh tokens are not enabled for this app")
        if form.get("grant_type") != "authorization_code":
            return oauth_error("invalid_request", 'A required parameter "grant_type" is missing')
        if not form.get("client_id") or not form.get("client_secret"):
            return oauth_error("invalid_client", "Client authentication failed")
        with self.lock:
            issued = self.codes.pop(str(form.get("code", "")), None)
            if issued is None or issued["expires"] < time.time():
                return oauth_error("invalid_grant", "The authorization code is invalid or expired")
            if issued["redirect_uri"] != form.get("redirect_uri") or issued[
                "client_id"
            ] != form.get("client_id"):
                return oauth_error("invalid_grant", "redirect_uri or client_id does not match")
            access, _ = self.tokens.issue(issued["sub"], issued["scope"], "li")
        return JSONResponse(
            {"access_token": access, "expires_in": ACCESS_TTL_S, "scope": issued["scope"]}
        )

    async def userinfo(self, request: Request) -> Response:
        await self.delay()
        sub, denied = self._member(request)
        if denied is not None or sub is None:
            return denied or self.fail(401, "Invalid access token", service_code=65600)
        user = {k: v for k, v in self.users[sub].items() if k != "handle"}
        return JSONResponse(user)

    # --- images ------------------------------------------------------------------
    async def initialize_upload(self, request: Request) -> Response:
        sub, denied = await self._rest(request)
        if denied is not None:
            return denied
        if request.query_params.get("action") != "initializeUpload":
            return self.fail(400, "Unsupported action", code="ILLEGAL_ARGUMENT")
        body = await self._json(request)
        owner = ((body or {}).get("initializeUploadRequest") or {}).get("owner")
        if not owner:
            return self.fail(
                422,
                "ERROR :: /initializeUploadRequest/owner :: field is required",
                code="UNPROCESSABLE_ENTITY",
            )
        if owner != f"urn:li:person:{sub}":
            return self.fail(
                403,
                "Not enough permissions to access: images.ACTION",
                service_code=100,
                code="ACCESS_DENIED",
            )
        with self.lock:
            image_id = f"D4E{self._new_id()}"
            urn = f"urn:li:image:{image_id}"
            self.images[urn] = {"owner": owner, "status": "WAITING_UPLOAD", "size": 0}
        upload_url = f"{self._prefix(request)}/dms-uploads/{image_id}?upload=1"
        expires = millis(time.time() + 24 * 3600)
        return JSONResponse(
            {"value": {"uploadUrlExpiresAt": expires, "uploadUrl": upload_url, "image": urn}}
        )

    async def upload_bytes(self, request: Request) -> Response:
        fault = await self.before_write()
        if fault is not None:
            return fault
        sub, denied = self._member(request)
        if denied is not None:
            return denied
        urn = f"urn:li:image:{request.path_params['image_id']}"
        data = await request.body()
        with self.lock:
            image = self.images.get(urn)
            if image is None or image["owner"] != f"urn:li:person:{sub}":
                return self.fail(404, "Upload URL not found")
            if not data:
                return self.fail(400, "Empty upload body")
            image.update(status="AVAILABLE", size=len(data))
        return self.maybe_drop(Response(status_code=201))

    # --- posts ----------------------------------------------------------------------
    def _check_post(self, sub: str, body: dict[str, Any]) -> Response | None:
        def bad(path: str, why: str) -> Response:
            return self.fail(422, f"ERROR :: {path} :: {why}", code="UNPROCESSABLE_ENTITY")

        author = body.get("author")
        if not author:
            return bad("/author", "field is required")
        if author != f"urn:li:person:{sub}":
            return self.fail(
                403,
                "Not enough permissions to access: partnerApiPostsExternal.CREATE",
                service_code=100,
                code="ACCESS_DENIED",
            )
        if not isinstance(body.get("commentary", ""), str):
            return bad("/commentary", "expected a string")
        if body.get("visibility") not in VISIBILITIES:
            return bad("/visibility", "must be one of PUBLIC, CONNECTIONS, LOGGED_IN")
        distribution = body.get("distribution")
        if not isinstance(distribution, dict) or distribution.get("feedDistribution") not in {
            "MAIN_FEED",
            "NONE",
        }:
            return bad("/distribution/feedDistribution", "field is required")
        if body.get("lifecycleState") != "PUBLISHED":
            return bad("/lifecycleState", "only PUBLISHED is supported")
        media = ((body.get("content") or {}).get("media") or {}).get("id")
        if body.get("content") is not None:
            image = self.images.get(media or "")
            if image is None or image["owner"] != author:
                return bad("/content/media/id", f"unknown media {media}")
            if image["status"] != "AVAILABLE":
                return bad("/content/media/id", "media upload is not complete")
        if not body.get("commentary") and media is None:
            return bad("/commentary", "field is required when there is no content")
        return None

    def _duplicate_of(self, author: str, rendered: str) -> str | None:
        for urn, post in self.posts.items():
            if post["author"] == author and post["text"] == rendered:
                return urn
        return None

    async def create_post(self, request: Request) -> Response:
        sub, denied = await self._rest(request)
        if denied is not None or sub is None:
            return denied or self.fail(401, "Invalid access token", service_code=65600)
        body = await self._json(request)
        if body is None:
            return self.fail(400, "Request body must be a JSON object", code="ILLEGAL_ARGUMENT")
        with self.lock:
            problem = self._check_post(sub, body)
            if problem is not None:
                return problem
            kept, rendered = render_little(body.get("commentary", ""))
            if len(rendered) > MAX_COMMENTARY:
                return self.fail(
                    422,
                    f"ERROR :: /commentary :: length of {len(rendered)} exceeds maximum "
                    f"length of {MAX_COMMENTARY}",
                    code="UNPROCESSABLE_ENTITY",
                )
            earlier = self._duplicate_of(body["author"], rendered) if rendered else None
            if earlier and self.faults.duplicate_rejection:
                return JSONResponse(
                    {
                        "message": f"Content is a duplicate of {earlier}",
                        "serviceErrorCode": 0,
                        "status": 422,
                        "code": "DUPLICATE_POST",
                    },
                    status_code=422,
                )
            now = time.time()
            urn = f"urn:li:share:{self._new_id()}"
            self.posts[urn] = {
                "id": urn,
                "author": body["author"],
                "commentary": kept,
                "text": rendered,
                "visibility": body["visibility"],
                "distribution": body["distribution"],
                "lifecycleState": "PUBLISHED",
                "isReshareDisabledByAuthor": bool(body.get("isReshareDisabledByAuthor", False)),
                "content": body.get("content"),
                "createdAt": millis(now),
                "publishedAt": millis(now),
                "lastModifiedAt": millis(now),
                "lifecycleStateInfo": {"isEditedByAuthor": False},
                "created": now,
            }
            self.comments.setdefault(urn, [])
        response = Response(status_code=201, headers={"x-restli-id": urn, "x-linkedin-id": urn})
        return self.maybe_drop(response)

    def _public(self, post: dict[str, Any]) -> dict[str, Any]:
        hidden = {"text", "created"}
        public = {k: v for k, v in post.items() if k not in hidden and v is not None}
        return public

    async def get_post(self, request: Request) -> Response:
        _, denied = await self._rest(request)
        if denied is not None:
            return denied
        post = self.posts.get(request.path_params["urn"])
        if post is None:
            return self.fail(404, "Not Found", service_code=0, code="NOT_FOUND")
        return JSONResponse(self._public(post))

    async def find_posts(self, request: Request) -> Response:
        sub, denied = await self._rest(request)
        if denied is not None:
            return denied
        q = request.query_params
        if q.get("q") != "author" or not q.get("author"):
            return self.fail(
                400, "Finder 'author' with parameter 'author' is required", code="ILLEGAL_ARGUMENT"
            )
        if q["author"] != f"urn:li:person:{sub}":
            return self.fail(
                403,
                "Not enough permissions to access: partnerApiPostsExternal.FINDER",
                service_code=100,
                code="ACCESS_DENIED",
            )
        try:
            start, count = int(q.get("start", 0)), min(int(q.get("count", 10)), 100)
        except ValueError:
            return self.fail(400, "start and count must be integers", code="ILLEGAL_ARGUMENT")
        with self.lock:
            mine = [p for p in self.posts.values() if p["author"] == q["author"]]
        mine.sort(key=lambda p: p["created"], reverse=True)
        page = [self._public(p) for p in mine[start : start + count]]
        return JSONResponse(
            {"elements": page, "paging": {"start": start, "count": count, "total": len(mine)}}
        )

    def routes(self) -> list[Route]:
        return [
            Route("/oauth/v2/authorization", self.authorize, methods=["GET"]),
            Route("/oauth/v2/accessToken", self.access_token, methods=["POST"]),
            Route("/v2/userinfo", self.userinfo, methods=["GET"]),
            Route("/rest/images", self.initialize_upload, methods=["POST"]),
            Route("/dms-uploads/{image_id}", self.upload_bytes, methods=["PUT"]),
            Route("/rest/posts", self.create_post, methods=["POST"]),
            Route("/rest/posts", self.find_posts, methods=["GET"]),
            Route("/rest/posts/{urn}", self.get_post, methods=["GET"]),
            Route("/rest/posts/{urn}", self.delete_post, methods=["DELETE"]),
            Route("/rest/socialActions/{urn}", self.social_actions, methods=["GET"]),
            Route(
                "/rest/socialActions/{urn}/comments",
                self.comments_endpoint,
                methods=["GET", "POST"],
            ),
        ]

    # --- deleting ------------------------------------------------------------------
    async def delete_post(self, request: Request) -> Response:
        """``DELETE /rest/posts/{urn}`` -> 204. Deletion is idempotent: a post
        already deleted answers 204 again; a URN never seen is 404."""
        sub, denied = await self._rest(request)
        if denied is not None:
            return denied
        urn = request.path_params["urn"]
        with self.lock:
            if urn in self.deleted:
                return Response(status_code=204)
            post = self.posts.get(urn)
            if post is None:
                return self.fail(404, "Not Found", service_code=0, code="NOT_FOUND")
            if post["author"] == f"urn:li:person:{sub}" or post["author"].startswith(
                "urn:li:organization:"
            ):
                del self.posts[urn]
                self.comments.pop(urn, None)
                self.deleted.add(urn)
                return Response(status_code=204)
        return self.fail(
            403,
            "Not enough permissions to delete this post",
            service_code=100,
            code="ACCESS_DENIED",
        )

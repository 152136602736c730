"""Read side of the Facebook emulator: tokens, field expansion, feed, comments, insights.

``FacebookReads`` is the base of ``FacebookEmulator`` (facebook.py), which owns
the state, OAuth and publishing. Kept apart so each file stays readable.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.framework import Emulator, TokenStore, bearer, grown
from clientnest_cli.sandbox.http_helpers import BadBody, read_body

VERSION = re.compile(r"^v\d+\.\d+$")
FIELD_NAME = re.compile(r"[a-z_]+")
LIMIT = re.compile(r"\.limit\((\d+)\)")
POST_FIELDS = {
    "id",
    "message",
    "created_time",
    "permalink_url",
    "from",
    "link",
    "reactions",
    "comments",
    "shares",
    "attachments",
    "status_type",
}
PAGE_FIELDS = {"id", "name", "category", "fan_count", "followers_count", "link"}
INSIGHT_METRICS = {"post_impressions": 40.0, "post_impressions_unique": 25.0, "post_clicks": 2.0}


def graph_error(
    status: int, message: str, code: int, *, subcode: int | None = None, transient: bool = False
) -> Response:
    """The Graph API error envelope."""
    body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        body["error_subcode"] = subcode
    if transient:
        body["is_transient"] = True
    body["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
    return JSONResponse({"error": body}, status_code=status)


def split_fields(raw: str) -> list[str]:
    """Split ``a,b.summary(x,y){c,d},e`` at top-level commas."""
    parts, depth, current = [], 0, ""
    for ch in raw:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


class FacebookReads(Emulator):
    tokens: TokenStore
    token_kind: dict[str, str]
    users: dict[str, dict[str, Any]]
    pages: dict[str, dict[str, Any]]
    posts: dict[str, dict[str, Any]]
    photos: dict[str, dict[str, Any]]
    comments: dict[str, list[dict[str, Any]]]

    async def guard(self, page_id: str = "") -> Response | None:  # overridden
        return None

    def _next(self) -> str:  # overridden
        raise NotImplementedError

    # --- request plumbing ----------------------------------------------------
    @staticmethod
    def iso(epoch: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(epoch))

    @staticmethod
    def ok(body: dict[str, Any]) -> Response:
        usage = json.dumps({"call_count": 3, "total_cputime": 1, "total_time": 2})
        return JSONResponse(body, headers={"x-app-usage": usage})

    @staticmethod
    def bad_version(request: Request) -> Response | None:
        version = request.path_params.get("version", "")
        if not VERSION.match(version):
            return graph_error(400, f"Unknown path components: /{version}", 2500)
        return None

    async def params(self, request: Request) -> dict[str, Any]:
        """Query string merged with a form or JSON body (Graph accepts all three)."""
        cached = getattr(request.state, "graph_params", None)
        if cached is not None:
            return dict(cached)
        merged: dict[str, Any] = dict(request.query_params)
        if request.method == "POST":
            try:
                body = await read_body(request)
            except BadBody:  # Graph ignores a body it cannot read
                pass
            else:
                merged.update(body.last())
                merged.update({name: upload.data for name, upload in body.files.items()})
        request.state.graph_params = merged
        return dict(merged)

    async def authorise(
        self, request: Request, page_id: str = ""
    ) -> tuple[str | None, Response | None]:
        """Version, faults, then the token (query, body or Authorization header)."""
        if (bad := self.bad_version(request)) is not None:
            return None, bad
        if (fault := await self.guard(page_id)) is not None:
            return None, fault
        q = await self.params(request)
        token = q.get("access_token") or bearer(request)
        if not token:
            return None, graph_error(
                400,
                "An active access token must be used to query information about the current user.",
                2500,
            )
        state, subject = self.tokens.check(str(token))
        if state == "expired":
            when = time.strftime("%A, %d-%b-%y %H:%M:%S PDT", time.gmtime())
            return None, graph_error(
                400,
                f"Error validating access token: Session has expired on {when}.",
                190,
                subcode=463,
            )
        if state != "ok":
            return None, graph_error(
                400, "Invalid OAuth access token - Cannot parse access token", 190
            )
        return subject, None

    def _resolve(self, subject: str | None, node: str) -> str:
        return (subject or "") if node == "me" else node

    # --- field rendering ---------------------------------------------------------
    def _crowd_comments(self, post: dict[str, Any]) -> list[dict[str, Any]]:
        crowd = post.get("counts", {}).get(  # a seeded history post: fixed counts
            "comments", grown(post["id"] + ":comments", post["created"], 0.5)
        )
        suffix = post["id"].split("_")[-1]
        made = [
            {
                "id": f"{suffix}_{900 + i}",
                "message": f"Love this! ({i + 1})",
                "from": {"id": f"9000{i}", "name": f"Fan {i + 1}"},
                "created_time": self.iso(post["created"] + 30 * (i + 1)),
            }
            for i in range(crowd)
        ]
        return made + self.comments.get(post["id"], [])

    @staticmethod
    def _edge(spec: str, total: int, items: list[dict[str, Any]], **summary: Any) -> dict:
        limit = LIMIT.search(spec)
        edge: dict[str, Any] = {"data": items[: int(limit.group(1)) if limit else 25]}
        if ".summary(" in spec:
            edge["summary"] = {"total_count": total, **summary}
        return edge

    def _post_view(self, post: dict[str, Any], specs: list[str]) -> dict[str, Any] | Response:
        page = self.pages[post["page_id"]]
        out: dict[str, Any] = {}
        for spec in specs or ["created_time", "message", "id"]:
            match = FIELD_NAME.match(spec)
            name = match.group(0) if match else spec
            if name not in POST_FIELDS:
                return graph_error(
                    400,
                    f"(#100) Tried accessing nonexisting field ({name}) on node type (Post)",
                    100,
                )
            if name == "reactions":
                total = post.get("counts", {}).get(
                    "reactions", grown(post["id"] + ":reactions", post["created"], 3.0)
                )
                out[name] = self._edge(spec, total, [], viewer_reaction="NONE")
            elif name == "comments":
                items = self._crowd_comments(post)
                out[name] = self._edge(spec, len(items), items, order="ranked", can_comment=True)
            elif name == "shares":
                shares = post.get("counts", {}).get(
                    "shares", grown(post["id"] + ":shares", post["created"], 0.2) - 1
                )
                if shares > 0:  # Facebook leaves the field out when nobody shared
                    out[name] = {"count": shares}
            elif name == "permalink_url":
                out[name] = (
                    f"https://www.facebook.com/{page['id']}/posts/{post['id'].split('_')[1]}"
                )
            elif name == "from":
                out[name] = {"id": page["id"], "name": page["name"]}
            elif name == "status_type":
                out[name] = "added_photos" if post["attached_media"] else "mobile_status_update"
            elif name == "attachments" and post["attached_media"]:
                out[name] = {
                    "data": [
                        {"media_type": "photo", "target": {"id": fbid}}
                        for fbid in post["attached_media"]
                    ]
                }
            elif post.get(name):
                out[name] = post[name]
        out["id"] = post["id"]
        return out

    def _node_view(self, node: str, specs: list[str]) -> dict[str, Any] | Response:
        if node in self.posts:
            return self._post_view(self.posts[node], specs)
        if node in self.pages:
            page = self.pages[node]
            wanted = {FIELD_NAME.match(s).group(0) for s in specs if FIELD_NAME.match(s)}
            wanted = (wanted or {"name", "id"}) & PAGE_FIELDS
            view = {k: page[k] for k in wanted if k in page}
            if "link" in wanted:
                view["link"] = f"https://www.facebook.com/{node}"
            return {**view, "id": node}
        if node in self.users:
            return {"id": node, "name": self.users[node]["name"]}
        if node in self.photos:
            return {"id": node, "created_time": self.iso(time.time())}
        return self.missing(node)

    @staticmethod
    def missing(node: str) -> Response:
        return graph_error(
            400,
            f"Unsupported get request. Object with ID '{node}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation.",
            100,
            subcode=33,
        )

    # --- handlers ------------------------------------------------------------------
    async def read_node(self, request: Request) -> Response:
        subject, denied = await self.authorise(request)
        if denied is not None:
            return denied
        node = self._resolve(subject, request.path_params["node"])
        specs = split_fields((await self.params(request)).get("fields", ""))
        with self.lock:
            view = self._node_view(node, specs)
        return view if isinstance(view, Response) else self.ok(view)

    async def read_many(self, request: Request) -> Response:
        """``GET /vNN/?ids=a,b&fields=…`` — several nodes in one call (up to 50)."""
        _, denied = await self.authorise(request)
        if denied is not None:
            return denied
        q = await self.params(request)
        ids = [i for i in str(q.get("ids", "")).split(",") if i]
        if not ids or len(ids) > 50:
            return graph_error(400, "(#100) ids must name between 1 and 50 objects", 100)
        specs = split_fields(q.get("fields", ""))
        result: dict[str, Any] = {}
        with self.lock:
            for node in ids:
                view = self._node_view(node, specs)
                if isinstance(view, Response):
                    return view
                result[node] = view
        return self.ok(result)

    async def read_feed(self, request: Request) -> Response:
        subject, denied = await self.authorise(request)
        if denied is not None:
            return denied
        page_id = self._resolve(subject, request.path_params["node"])
        if page_id not in self.pages:
            return graph_error(
                400, f"(#803) Some of the aliases you requested do not exist: {page_id}", 803
            )
        q = await self.params(request)
        try:
            limit = min(int(q.get("limit", 25)), 100)
            start = int(q.get("after", 0))
        except ValueError:
            return graph_error(400, "(#100) limit and after must be numbers", 100)
        specs = split_fields(q.get("fields", ""))
        with self.lock:
            mine = sorted(
                (p for p in self.posts.values() if p["page_id"] == page_id),
                key=lambda p: p["created"],
                reverse=True,
            )
            views = [self._post_view(p, specs) for p in mine[start : start + limit]]
        for view in views:
            if isinstance(view, Response):
                return view
        paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(start + limit)}}
        if start + limit < len(mine):
            paging["next"] = f"{request.url.path}?limit={limit}&after={start + limit}"
        return self.ok({"data": views, "paging": paging})

    async def comments_endpoint(self, request: Request) -> Response:
        subject, denied = await self.authorise(request)
        if denied is not None or subject is None:
            return denied or graph_error(400, "An access token is required", 104)
        post = self.posts.get(request.path_params["node"])
        if post is None:
            return self.missing(request.path_params["node"])
        if request.method == "GET":
            with self.lock:
                items = self._crowd_comments(post)
            cursors = {"before": "0", "after": str(len(items))}
            return self.ok(
                {
                    "data": items,
                    "paging": {"cursors": cursors},
                    "summary": {
                        "order": "ranked",
                        "total_count": len(items),
                        "can_comment": True,
                    },
                }
            )
        message = str((await self.params(request)).get("message") or "")
        if not message:
            return graph_error(400, "(#100) Missing message or attachment", 100)
        with self.lock:
            author = self.pages.get(subject) or self.users.get(subject) or {"name": "?"}
            comment = {
                "id": f"{post['id'].split('_')[1]}_{self._next()}",
                "message": message,
                "from": {"id": subject, "name": author["name"]},
                "created_time": self.iso(time.time()),
            }
            self.comments.setdefault(post["id"], []).append(comment)
        return self.maybe_drop(self.ok({"id": comment["id"]}))

    async def insights(self, request: Request) -> Response:
        _, denied = await self.authorise(request)
        if denied is not None:
            return denied
        post = self.posts.get(request.path_params["node"])
        if post is None:
            return self.missing(request.path_params["node"])
        raw = str((await self.params(request)).get("metric") or ",".join(INSIGHT_METRICS))
        data = []
        for metric in (m.strip() for m in raw.split(",") if m.strip()):
            if metric not in INSIGHT_METRICS:
                return graph_error(400, "(#100) The value must be a valid insights metric", 100)
            value = grown(post["id"] + ":" + metric, post["created"], INSIGHT_METRICS[metric])
            data.append(
                {
                    "name": metric,
                    "period": "lifetime",
                    "values": [{"value": value}],
                    "title": metric.replace("_", " ").title(),
                    "description": f"Lifetime: {metric.replace('_', ' ')} of your Page's post.",
                    "id": f"{post['id']}/insights/{metric}/lifetime",
                }
            )
        here = str(request.url) + ("&" if request.url.query else "?")
        paging = {"previous": f"{here}until=0", "next": f"{here}since=0"}
        return self.ok({"data": data, "paging": paging})

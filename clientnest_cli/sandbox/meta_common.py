"""Meta Graph emulators, part two: dispatch, media containers, quotas, insights.

What the Instagram and Threads emulators share: both publish in two phases
(a media *container*, then a publish call); a container reads IN_PROGRESS
for ``processing_s`` seconds, then FINISHED (ERROR when its media could not
be fetched, EXPIRED after ``container_ttl_s``, PUBLISHED once published).
Paths may carry a version (``/v1.0/…``, ``/v21.0/…``). Users, tokens, OAuth
and the error envelope live in meta_auth.py. Written from PLATFORMS.md;
imports nothing from ``platforms`` or ``domain``.

Test controls (Python): ``seed_account(handle, token_age_s=0)``,
``age_token(token, seconds)``, ``add_comment(media_id, username, text)``,
``age_container(container_id, seconds)``, ``age_post(media_id, seconds)``,
``processing_s``, ``container_ttl_s``.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.framework import grown
from clientnest_cli.sandbox.http_helpers import fetch_media, read_form
from clientnest_cli.sandbox.meta_auth import DAY_S, GraphAuth, GraphFailure, now_iso

__all__ = [
    "Container",
    "EdgeHandler",
    "GraphEmulator",
    "GraphFailure",
    "new_shortcode",
    "now_iso",
    "pick",
    "truthy",
]

VERSION = re.compile(r"^v\d+(\.\d+)?$")

EdgeHandler = Callable[[str, dict[str, str]], Awaitable[Response]]


@dataclass
class Container:
    """A media container: the first phase of a Meta publish."""

    id: str
    owner: str
    media_type: str
    text: str = ""
    image_url: str = ""
    video_url: str = ""
    children: list[str] = field(default_factory=list)
    is_carousel_item: bool = False
    reply_to_id: str = ""
    created: float = field(default_factory=time.time)
    ready_at: float = 0.0
    error_message: str = ""
    media_id: str = ""  # set once published


def truthy(value: str | None) -> bool:
    return str(value or "").lower() in {"true", "1", "yes"}


def new_shortcode() -> str:
    """The short code in a post's permalink."""
    return secrets.token_urlsafe(8).replace("-", "A").replace("_", "B")


def pick(node: dict[str, Any], fields: str | None, default: tuple[str, ...]) -> dict[str, Any]:
    """Graph returns only the fields asked for (plus ``id``)."""
    wanted = [f.strip() for f in (fields or "").split(",") if f.strip()] or list(default)
    out = {"id": node["id"]} if "id" in node else {}
    out.update({name: node[name] for name in wanted if name in node})
    return out


class GraphEmulator(GraphAuth):
    """Base for the Graph-style emulators. Subclasses add their edges and nodes."""

    publish_quota = 100
    image_types: tuple[str, ...] = ()
    video_types: tuple[str, ...] = ("video/mp4", "video/quicktime")
    status_field = "status"  # of a container in snapshots: status_code | status
    growth_per_minute: dict[str, float] = {}
    max_children = 10
    child_subcode: int | None = None
    child_noun = "carousel item"

    def reset(self) -> None:
        super().reset()
        self.containers: dict[str, Container] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.publish_log: dict[str, list[float]] = {}
        self.processing_s = 0.2
        self.container_ttl_s = DAY_S
        self.publish_quota = type(self).publish_quota  # tests may lower it per run

    def age_container(self, container_id: str, seconds: float) -> None:
        with self.lock:
            box = self.containers[container_id]
            box.created -= seconds
            box.ready_at -= seconds

    def age_post(self, media_id: str, seconds: float) -> None:
        """Pretend a published post is ``seconds`` older (its metrics grow)."""
        with self.lock:
            self.media[media_id]["created"] -= seconds

    def add_comment(self, media_id: str, username: str, text: str) -> dict[str, Any]:
        with self.lock:
            comment = self.comment_node(media_id, username, text)
            self.comments.setdefault(media_id, []).append(comment)
            return comment

    def comment_node(self, media_id: str, username: str, text: str) -> dict[str, Any]:
        """Someone's comment on ``media_id`` (Threads overrides: a reply is a post)."""
        return {
            "id": self.new_id(),
            "text": text,
            "username": username,
            "timestamp": now_iso(time.time()),
        }

    # --- Graph dispatch --------------------------------------------------------
    def graph_routes(self) -> list[Route]:
        return [
            Route("/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/oauth/access_token", self.code_exchange, methods=["POST"]),
            Route("/access_token", self.exchange, methods=["GET"]),
            Route("/refresh_access_token", self.refresh, methods=["GET"]),
            Route("/{path:path}", self.dispatch, methods=["GET", "POST", "DELETE"]),
        ]

    def routes(self) -> list[Route]:  # type: ignore[override]
        return self.graph_routes()

    async def params_of(self, request: Request) -> dict[str, str]:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update({k: _as_param(v) for k, v in (await read_form(request)).items()})
        return params

    async def dispatch(self, request: Request) -> Response:
        parts = [p for p in request.path_params["path"].split("/") if p]
        if parts and VERSION.match(parts[0]):
            parts = parts[1:]
        params = await self.params_of(request)
        fault = await self.before_write()
        if fault is not None:
            return fault
        try:
            user_id = self.check_token(self.token_from(request, params))
            if len(parts) == 1 and request.method == "GET":
                node_id = user_id if parts[0] == "me" else parts[0]
                return JSONResponse(self.node(node_id, params.get("fields")))
            if len(parts) == 1 and request.method == "DELETE":
                return JSONResponse(self.delete_node(parts[0], user_id))
            if len(parts) == 2:
                owner = user_id if parts[0] == "me" else parts[0]
                handler = self.edges().get((request.method, parts[1]))
                if handler is not None:
                    return await handler(owner, {**params, "_caller": user_id})
            raise GraphFailure(
                f"Unsupported {request.method} request. Object with ID '{'/'.join(parts)}' does "
                "not exist, cannot be loaded due to missing permissions, or does not support "
                "this operation",
                100,
                33,
            )
        except GraphFailure as exc:
            kind = "OAuthException" if exc.code == 190 else None
            return self.graph_error(exc.status, exc.message, exc.code, exc.subcode, kind)

    def edges(self) -> dict[tuple[str, str], EdgeHandler]:
        raise NotImplementedError

    def node(self, node_id: str, fields: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def delete_node(self, node_id: str, caller: str) -> dict[str, Any]:
        """Platforms whose API can delete override this (Instagram's cannot)."""
        raise GraphFailure(
            f"Unsupported delete request. Object with ID '{node_id}' does not exist, cannot "
            "be loaded due to missing permissions, or does not support this operation",
            100,
            33,
        )

    def container_from(self, owner: str, params: dict[str, str]) -> Container:
        raise NotImplementedError

    def new_media(self, box: Container) -> dict[str, Any]:
        raise NotImplementedError

    def media_node(self, media: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in media.items() if k not in {"owner", "created", "fixed"}}

    def metric_values(self, media: dict[str, Any]) -> dict[str, int]:
        """The metrics that grow with the post's age (subclasses add counted ones)."""
        return {
            name: grown(f"{media['id']}:{name}", media["created"], rate)
            for name, rate in self.growth_per_minute.items()
        }

    # --- containers ---------------------------------------------------------
    async def create_container(self, owner: str, params: dict[str, str]) -> Response:
        self.require_owner(owner, params["_caller"])
        box = self.container_from(owner, params)
        self.store_container(box, await self.fetch_failure(box))
        return self.maybe_drop(JSONResponse({"id": box.id}))

    async def fetch_failure(self, box: Container) -> str:
        """Why the container's media could not be fetched ("" when it could)."""
        if box.image_url:
            return await fetch_media(box.image_url, "image", self.image_types)
        if box.video_url:
            return await fetch_media(box.video_url, "video", self.video_types)
        return ""

    def carousel_children(self, owner: str, raw: str) -> list[str]:
        children = [c.strip() for c in raw.split(",") if c.strip()]
        if not 2 <= len(children) <= self.max_children:
            raise GraphFailure(
                f"A carousel needs between 2 and {self.max_children} children",
                100,
                self.child_subcode,
            )
        with self.lock:
            for child in children:
                box = self.containers.get(child)
                if box is None or box.owner != owner or not box.is_carousel_item:
                    raise GraphFailure(
                        f"Child {child} is not a {self.child_noun} of this user", 100
                    )
        return children

    async def publish(self, owner: str, params: dict[str, str]) -> Response:
        self.require_owner(owner, params["_caller"])
        creation_id = params.get("creation_id", "")
        if not creation_id:
            raise GraphFailure("The parameter creation_id is required", 100)
        with self.lock:
            box = self.container_to_publish(owner, creation_id)
            media = self.new_media(box)
            self.record_publish(box, media)
        return self.maybe_drop(JSONResponse({"id": media["id"]}))

    def container_to_publish(self, owner: str, creation_id: str) -> Container:
        """The quota, then the container (Threads checks them the other way round)."""
        self.check_quota(owner)
        return self.container_for_publish(owner, creation_id)

    def container_status(self, box: Container) -> str:
        """FINISHED / IN_PROGRESS / ERROR / EXPIRED / PUBLISHED, computed from time."""
        if box.media_id:
            return "PUBLISHED"
        if box.error_message:
            return "ERROR"
        now = time.time()
        if now - box.created > self.container_ttl_s:
            return "EXPIRED"
        children = [self.containers[c] for c in box.children if c in self.containers]
        child_states = {self.container_status(c) for c in children}
        if "ERROR" in child_states or "EXPIRED" in child_states:
            return "ERROR"
        if now < box.ready_at or "IN_PROGRESS" in child_states:
            return "IN_PROGRESS"
        return "FINISHED"

    def require_owner(self, owner: str, caller: str) -> None:
        if owner != caller:
            raise GraphFailure(
                f"Object with ID '{owner}' does not exist, cannot be loaded due to missing "
                "permissions, or does not support this operation",
                100,
                33,
            )

    def store_container(self, box: Container, failure: str) -> Container:
        box.error_message = failure
        box.ready_at = box.created + (self.processing_s if box.media_type != "TEXT" else 0.0)
        with self.lock:
            self.containers[box.id] = box
        return box

    def container_for_publish(self, owner: str, creation_id: str) -> Container:
        """The container a publish call names, or the Graph error a real API gives."""
        box = self.containers.get(creation_id)
        if box is None or box.owner != owner:
            raise GraphFailure(
                "The media builder with creation id = " + creation_id + " does not exist or has "
                "expired",
                100,
                2207008,
            )
        status = self.container_status(box)
        if status == "IN_PROGRESS":
            raise GraphFailure("The media is not ready for publishing, please wait", 9007, 2207027)
        if status in {"PUBLISHED", "EXPIRED"}:
            raise GraphFailure(
                f"The media builder with creation id = {creation_id} does not exist or has expired",
                100,
                2207008,
            )
        if status == "ERROR":
            raise GraphFailure(
                f"The media could not be published: {box.error_message}", 100, 2207001
            )
        if box.is_carousel_item:
            raise GraphFailure("A carousel item cannot be published on its own", 100)
        return box

    def check_quota(self, owner: str) -> None:
        if self.quota_usage(owner) >= self.publish_quota:
            raise GraphFailure(
                f"You reached the maximum number of posts ({self.publish_quota}) that can be "
                "published through the API in 24 hours",
                9,
                2207042,
                status=400,
            )

    def quota_usage(self, owner: str) -> int:
        cutoff = time.time() - DAY_S
        with self.lock:
            log = [t for t in self.publish_log.get(owner, []) if t > cutoff]
            self.publish_log[owner] = log
            return len(log)

    def record_publish(self, box: Container, media: dict[str, Any]) -> None:
        with self.lock:
            self.media[media["id"]] = media
            box.media_id = media["id"]
            self.publish_log.setdefault(box.owner, []).append(time.time())

    # --- reading ---------------------------------------------------------------
    def listing(
        self,
        owner: str,
        params: dict[str, str],
        keep: Callable[[dict[str, Any]], bool] = lambda media: True,
    ) -> Response:
        """The owner's posts (those ``keep`` accepts), newest first, ``limit`` (25 by
        default, 100 at most) a page after the ``after`` cursor; ``paging.next`` while
        more follow."""
        self.require_owner(owner, params["_caller"])
        limit = max(1, min(int(params.get("limit") or 25), 100))
        with self.lock:
            mine = [m for m in self.media.values() if m["owner"] == owner and keep(m)]
            mine.sort(key=lambda m: m["created"], reverse=True)
            page, info = graph_page(mine, params, limit)
            data = [pick(self.media_node(m), params.get("fields"), ("id",)) for m in page]
        return JSONResponse({"data": data, "paging": info})

    def quota_row(self, owner: str) -> dict[str, Any]:
        return {
            "quota_usage": self.quota_usage(owner),
            "config": {"quota_total": self.publish_quota, "quota_duration": 86400},
        }

    async def publishing_limit(self, owner: str, params: dict[str, str]) -> Response:
        self.require_owner(owner, params["_caller"])
        return JSONResponse({"data": [self.quota_row(owner)]})

    async def insights(self, media_id: str, params: dict[str, str]) -> Response:
        with self.lock:
            media = self.media_of(media_id)
            self.require_owner(media["owner"], params["_caller"])
            values = self.metric_values(media)
        return JSONResponse(self.insights_body(values, params.get("metric"), media_id))

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            posts = sorted(self.media.values(), key=lambda m: m["created"])
            return {
                "users": [dict(u) for u in self.users.values()],
                "containers": [
                    {
                        "id": c.id,
                        self.status_field: self.container_status(c),
                        "media_id": c.media_id,
                    }
                    for c in self.containers.values()
                ],
                "posts": [{k: v for k, v in m.items() if k != "created"} for m in posts],
            }

    def media_of(self, media_id: str) -> dict[str, Any]:
        media = self.media.get(media_id)
        if media is None:
            raise GraphFailure(f"Object with ID '{media_id}' does not exist", 100, 33)
        return media

    def insights_body(
        self, values: dict[str, int], metric: str | None, media_id: str = ""
    ) -> dict[str, Any]:
        """The documented insights shape: name, period, values, title, description,
        and an id of ``{media-id}/insights/{metric}/lifetime``."""
        wanted = [m.strip() for m in (metric or "").split(",") if m.strip()]
        if not wanted:
            raise GraphFailure("The parameter metric is required", 100)
        unknown = [m for m in wanted if m not in values]
        if unknown:
            raise GraphFailure(
                f"(#100) metric[0] must be one of the following values: {', '.join(values)}", 100
            )
        return {
            "data": [
                {
                    "name": name,
                    "period": "lifetime",
                    "values": [{"value": values[name]}],
                    "title": name.replace("_", " ").title(),
                    "description": f"The number of {name.replace('_', ' ')} on your post.",
                    "id": f"{media_id}/insights/{name}/lifetime",
                }
                for name in wanted
            ]
        }


def graph_page(
    rows: list[Any], params: dict[str, str], limit: int = 25
) -> tuple[list[Any], dict[str, Any]]:
    """One page of ``rows`` after the ``after`` cursor, and Graph's ``paging``:
    opaque ``before``/``after`` cursors (none for an empty page) and ``next``
    while more follow."""
    start = _offset(params.get("after"))
    page = rows[start : start + limit]
    info: dict[str, Any] = {}
    if page:
        after = _cursor(start + len(page))
        info["cursors"] = {"before": _cursor(start), "after": after}
        if start + len(page) < len(rows):
            query = {k: v for k, v in params.items() if not k.startswith("_")}
            query.pop("access_token", None)
            info["next"] = "?" + urlencode({**query, "limit": limit, "after": after})
    return page, info


def _cursor(offset: int) -> str:
    """An opaque Graph-style cursor for a position in a listing."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return max(0, int(raw.removeprefix("offset:")))
    except ValueError as exc:
        raise GraphFailure("(#100) The after cursor is not valid", 100) from exc


def _as_param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)

"""Shared plumbing of the LinkedIn emulator: error bodies, request checks, social actions.

``LinkedInBase`` is the base of ``LinkedInEmulator`` (linkedin.py), which owns
OAuth, images and posts. Kept apart so each file stays readable.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.framework import Emulator, TokenStore, bearer, grown

VERSION = re.compile(r"^20\d\d(0[1-9]|1[0-2])(\.\d\d)?$")


def millis(epoch: float) -> int:
    return int(epoch * 1000)


class LinkedInBase(Emulator):
    tokens: TokenStore
    posts: dict[str, dict[str, Any]]
    comments: dict[str, list[dict[str, Any]]]

    def _new_id(self) -> int:  # overridden
        raise NotImplementedError

    # --- platform error bodies -------------------------------------------
    def error(self, status: int, message: str, code: str = "") -> Response:
        return self.fail(status, message, code=code)

    def fail(
        self, status: int, message: str, *, service_code: int | None = None, code: str = ""
    ) -> Response:
        body: dict[str, Any] = {"message": message, "status": status}
        if service_code is not None:
            body["serviceErrorCode"] = service_code
        if code:
            body["code"] = code
        return JSONResponse(body, status_code=status)

    def throttle(self) -> Response:
        return self.fail(
            429,
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
            code="TOO_MANY_REQUESTS",
        )

    # --- shared request checks -----------------------------------------------
    def _member(self, request: Request) -> tuple[str | None, Response | None]:
        state, sub = self.tokens.check(bearer(request))
        if state == "expired":
            return None, self.fail(
                401, "The token used in the request has expired", service_code=65600
            )
        if state != "ok" or sub is None:
            return None, self.fail(401, "Invalid access token", service_code=65600)
        return sub, None

    def _rest_headers(self, request: Request) -> Response | None:
        version = request.headers.get("linkedin-version")
        if not version:
            return self.fail(
                400,
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
                code="VERSION_MISSING",
            )
        if not VERSION.match(version):
            return self.fail(
                426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION"
            )
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return self.fail(
                400,
                "Rest.li protocol version 2.0.0 is required (X-Restli-Protocol-Version header)",
                code="INVALID_PROTOCOL_VERSION",
            )
        return None

    async def _rest(self, request: Request) -> tuple[str | None, Response | None]:
        """Faults, token and version headers for a ``/rest`` call."""
        fault = await self.before_write()
        if fault is not None:
            return None, fault
        sub, denied = self._member(request)
        if denied is not None:
            return None, denied
        return sub, self._rest_headers(request)

    async def _json(self, request: Request) -> dict[str, Any] | None:
        if "application/json" not in request.headers.get("content-type", ""):
            return None
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _prefix(self, request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"

    # --- social actions -----------------------------------------------------------
    def _all_comments(self, urn: str) -> list[dict[str, Any]]:
        post = self.posts[urn]
        crowd = grown(urn + ":comments", post["created"], 0.5)
        made = [
            self._comment(
                urn,
                f"{6_000 + i}",
                f"urn:li:person:fan{i}",
                f"Great post! ({i + 1})",
                post["created"] + 30 * (i + 1),
            )
            for i in range(crowd)
        ]
        return made + self.comments.get(urn, [])

    def _comment(self, urn: str, cid: str, actor: str, text: str, at: float) -> dict[str, Any]:
        comment_urn = f"urn:li:comment:({urn},{cid})"
        stamp = {"actor": actor, "time": millis(at)}
        return {
            "id": cid,
            "$URN": comment_urn,
            "commentUrn": comment_urn,
            "actor": actor,
            "object": urn,
            "message": {"text": text},
            "created": stamp,
            "lastModified": dict(stamp),
        }

    async def social_actions(self, request: Request) -> Response:
        _, denied = await self._rest(request)
        if denied is not None:
            return denied
        urn = request.path_params["urn"]
        with self.lock:
            post = self.posts.get(urn)
            if post is None:
                return self.fail(404, "Not Found", service_code=0, code="NOT_FOUND")
            comments = len(self._all_comments(urn))
        likes = grown(urn + ":likes", post["created"], 2.0)
        return JSONResponse(
            {
                "target": urn,
                "$URN": f"urn:li:socialActions:{urn}",
                "likesSummary": {
                    "selectedLikes": [],
                    "totalLikes": likes,
                    "aggregatedTotalLikes": likes,
                    "likedByCurrentUser": False,
                },
                "commentsSummary": {
                    "selectedComments": [],
                    "totalFirstLevelComments": comments,
                    "aggregatedTotalComments": comments,
                },
            }
        )

    async def comments_endpoint(self, request: Request) -> Response:
        sub, denied = await self._rest(request)
        if denied is not None:
            return denied
        urn = request.path_params["urn"]
        if urn not in self.posts:
            return self.fail(404, "Not Found", service_code=0, code="NOT_FOUND")
        if request.method == "GET":
            with self.lock:
                items = self._all_comments(urn)
            return JSONResponse(
                {
                    "elements": items,
                    "paging": {
                        "start": 0,
                        "count": len(items),
                        "links": [],
                        "total": len(items),
                    },
                }
            )
        body = await self._json(request) or {}
        text = (body.get("message") or {}).get("text")
        if body.get("actor") != f"urn:li:person:{sub}":
            return self.fail(
                403,
                "Not enough permissions to access: socialActions.comments.CREATE",
                service_code=100,
                code="ACCESS_DENIED",
            )
        if not text:
            return self.fail(
                422, "ERROR :: /message/text :: field is required", code="UNPROCESSABLE_ENTITY"
            )
        with self.lock:
            comment = self._comment(urn, str(self._new_id()), body["actor"], text, time.time())
            self.comments.setdefault(urn, []).append(comment)
        response = JSONResponse(comment, status_code=201, headers={"x-restli-id": comment["$URN"]})
        return self.maybe_drop(response)

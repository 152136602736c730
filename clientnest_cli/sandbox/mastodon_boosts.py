"""Boosts (reblogs) and bookmarks of the Mastodon emulator, as Mastodon.py calls them.

Mixed into ``MastodonEmulator``:

- ``POST /api/v1/statuses/:id/reblog`` answers a *new* status, the boost,
  whose ``reblog`` is the boosted status (``reblogged: true``); boosting again
  answers the same boost. ``POST …/unreblog`` answers the boosted status with
  ``reblogged: false``. A direct status cannot be boosted (404); a
  followers-only one only by its author (422).
- ``GET /api/v1/statuses/:id/reblogged_by``: the accounts that boosted it.
- ``POST …/bookmark`` / ``…/unbookmark`` answer the status with
  ``bookmarked`` set; ``GET /api/v1/bookmarks`` lists them, newest first.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.mastodon_social import page_limit
from clientnest_cli.sandbox.mastodon_support import NOT_FOUND

NOT_ALLOWED = "This action is not allowed"


class MastodonBoostsMixin:
    """Uses the emulator's ``statuses``, ``accounts``, ``lock`` and status views."""

    statuses: dict[str, dict[str, Any]]
    accounts: dict[str, dict[str, Any]]
    reblogs: dict[str, dict[str, str]]  # account id -> {boosted status id: boost id}
    bookmarks: dict[str, list[str]]  # account id -> status ids, newest last
    lock: Any

    def boost_routes(self) -> list[Route]:
        api = self.api  # type: ignore[attr-defined]
        one = "/api/v1/statuses/{id}"
        return [
            Route(one + "/reblog", api(self.reblog), methods=["POST"]),
            Route(one + "/unreblog", api(self.unreblog), methods=["POST"]),
            Route(one + "/reblogged_by", api(self.reblogged_by), methods=["GET"]),
            Route(one + "/bookmark", api(self.bookmark), methods=["POST"]),
            Route(one + "/unbookmark", api(self.unbookmark), methods=["POST"]),
            Route("/api/v1/bookmarks", api(self.list_bookmarks), methods=["GET"]),
        ]

    def reblogged_count(self, status_id: str) -> int:
        return sum(1 for boosts in self.reblogs.values() if status_id in boosts)

    def forget_boosts_of(self, status_id: str) -> None:
        """A deleted status is no longer boosted or bookmarked by anyone."""
        for boosts in self.reblogs.values():
            boosts.pop(status_id, None)
        for ids in self.bookmarks.values():
            if status_id in ids:
                ids.remove(status_id)

    def _target(self, request: Request, account: dict[str, Any]) -> dict[str, Any] | None:
        status = self.statuses.get(request.path_params["id"])
        if status is None or status["visibility"] == "direct":
            return None
        return status

    # --- boosts ----------------------------------------------------------------------
    async def reblog(self, request: Request, account: dict[str, Any]) -> Response:
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            status = self._target(request, account)
            if status is None:
                return self.error(404, NOT_FOUND)  # type: ignore[attr-defined]
            if status["visibility"] == "private" and status["account_id"] != account["id"]:
                return self.error(422, NOT_ALLOWED)  # type: ignore[attr-defined]
            mine = self.reblogs.setdefault(account["id"], {})
            boost_id = mine.get(status["id"]) or self.next_id()  # type: ignore[attr-defined]
            mine[status["id"]] = boost_id
            return JSONResponse(self._boost_json(boost_id, status, account, base))

    def _boost_json(
        self, boost_id: str, status: dict[str, Any], account: dict[str, Any], base: str
    ) -> dict[str, Any]:
        boosted = self.status_json(status, base, account)  # type: ignore[attr-defined]
        return {
            **boosted,
            "id": boost_id,
            "uri": f"{base}/users/{account['username']}/statuses/{boost_id}/activity",
            "url": None,
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "content": "",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "media_attachments": [],
            "tags": [],
            "account": self.account_json(account, base),  # type: ignore[attr-defined]
            "reblog": boosted,
        }

    async def unreblog(self, request: Request, account: dict[str, Any]) -> Response:
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            status = self._target(request, account)
            if status is None:
                return self.error(404, NOT_FOUND)  # type: ignore[attr-defined]
            self.reblogs.get(account["id"], {}).pop(status["id"], None)
            return JSONResponse(self.status_json(status, base, account))  # type: ignore[attr-defined]

    async def reblogged_by(self, request: Request, account: dict[str, Any]) -> Response:
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            status = self._target(request, account)
            if status is None:
                return self.error(404, NOT_FOUND)  # type: ignore[attr-defined]
            who = [aid for aid, boosts in self.reblogs.items() if status["id"] in boosts]
            body = [self.account_json(self.accounts[a], base) for a in who]  # type: ignore[attr-defined]
        return JSONResponse(body)

    # --- bookmarks -------------------------------------------------------------------
    async def bookmark(self, request: Request, account: dict[str, Any]) -> Response:
        return self._set_bookmark(request, account, True)

    async def unbookmark(self, request: Request, account: dict[str, Any]) -> Response:
        return self._set_bookmark(request, account, False)

    def _set_bookmark(self, request: Request, account: dict[str, Any], on: bool) -> Response:
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            status = self._target(request, account)
            if status is None:
                return self.error(404, NOT_FOUND)  # type: ignore[attr-defined]
            mine = self.bookmarks.setdefault(account["id"], [])
            if on and status["id"] not in mine:
                mine.append(status["id"])
            if not on and status["id"] in mine:
                mine.remove(status["id"])
            return JSONResponse(self.status_json(status, base, account))  # type: ignore[attr-defined]

    async def list_bookmarks(self, request: Request, account: dict[str, Any]) -> Response:
        base = self.base(request)  # type: ignore[attr-defined]
        with self.lock:
            limit = page_limit(request.query_params.get("limit"))
            ids = list(reversed(self.bookmarks.get(account["id"], [])))[:limit]
            body = [self.status_json(self.statuses[i], base, account) for i in ids]  # type: ignore[attr-defined]
        return JSONResponse(body)

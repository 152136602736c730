"""Read endpoints of the X emulator: users/me, timelines, lookups, search.

Tweets are rendered with only the fields asked for in ``tweet.fields``;
public_metrics grow with the tweet's age (``grown``), replies are counted
from the replies the emulator really holds.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.framework import grown
from clientnest_cli.sandbox.x_support import (
    invalid_request,
    iso,
    not_found_error,
    parse_iso,
)

TWEET_FIELDS = {
    "attachments", "author_id", "card_uri", "context_annotations", "conversation_id",
    "created_at", "edit_controls", "edit_history_tweet_ids", "entities", "geo", "id",
    "in_reply_to_user_id", "lang", "non_public_metrics", "note_tweet", "organic_metrics",
    "possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets",
    "reply_settings", "source", "text", "withheld",
}  # fmt: skip
USER_FIELDS = {
    "created_at", "description", "entities", "id", "location", "name", "pinned_tweet_id",
    "profile_image_url", "protected", "public_metrics", "url", "username", "verified",
    "withheld",
}  # fmt: skip
SEARCH_WINDOW_S = 7 * 24 * 3600
MAX_TIMELINE = 3200


class XReadsMixin:
    """Mixed into XEmulator; reads its ``tweets`` and ``users``."""

    tweets: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    lock: Any

    # --- rendering -------------------------------------------------------
    def _public_metrics(self, tweet: dict[str, Any], replies: int) -> dict[str, int]:
        tid, created = tweet["id"], tweet["created"]
        return {
            "retweet_count": grown(tid + ":retweet", created, 0.3),
            "reply_count": replies,
            "like_count": grown(tid + ":like", created, 2.0),
            "quote_count": grown(tid + ":quote", created, 0.05),
            "bookmark_count": grown(tid + ":bookmark", created, 0.1),
            "impression_count": grown(tid + ":impression", created, 40.0),
        }

    def _reply_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for tweet in self.tweets.values():
            parent = tweet["in_reply_to_tweet_id"]
            if parent:
                counts[parent] = counts.get(parent, 0) + 1
        return counts

    def _render(
        self, tweet: dict[str, Any], fields: set[str], replies: dict[str, int]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": tweet["id"],
            "text": tweet["text"],
            "edit_history_tweet_ids": [tweet["id"]],
        }
        if "author_id" in fields:
            out["author_id"] = tweet["author_id"]
        if "created_at" in fields:
            out["created_at"] = iso(tweet["created"])
        if "conversation_id" in fields:
            out["conversation_id"] = tweet["conversation_id"]
        if "in_reply_to_user_id" in fields and tweet["in_reply_to_user_id"]:
            out["in_reply_to_user_id"] = tweet["in_reply_to_user_id"]
        if "referenced_tweets" in fields and tweet["in_reply_to_tweet_id"]:
            out["referenced_tweets"] = [{"type": "replied_to", "id": tweet["in_reply_to_tweet_id"]}]
        if "attachments" in fields and tweet["media_ids"]:
            keys = [self.media[m]["media_key"] for m in tweet["media_ids"]]  # type: ignore[attr-defined]
            out["attachments"] = {"media_keys": keys}
        if "public_metrics" in fields:
            out["public_metrics"] = self._public_metrics(tweet, replies.get(tweet["id"], 0))
        return out

    def _render_user(self, user: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": user["id"], "name": user["name"], "username": user["username"]}
        if "created_at" in fields:
            out["created_at"] = iso(user["created"])
        if "public_metrics" in fields:
            out["public_metrics"] = {
                "followers_count": user["followers"],
                "following_count": user["following"],
                "tweet_count": sum(1 for t in self.tweets.values() if t["author_id"] == user["id"]),
                "listed_count": 0,
                "like_count": 0,
            }
        return out

    # --- users -------------------------------------------------------------
    async def users_me(self, request: Request, user_id: str) -> Response:
        fields, error = _fields(request, "user.fields", USER_FIELDS)
        if error is not None:
            return error
        with self.lock:
            data = self._render_user(self.users[user_id], fields)
        return JSONResponse({"data": data})

    async def user_tweets(self, request: Request, _subject: str) -> Response:
        target = request.path_params["id"]
        q = request.query_params
        fields, error = _fields(request, "tweet.fields", TWEET_FIELDS)
        if error is not None:
            return error
        size, error = _max_results(q.get("max_results"), 5, 100, 10)
        if error is not None:
            return error
        with self.lock:
            if target not in self.users:
                return JSONResponse({"errors": [not_found_error("user", "id", target)]})
            exclude = set((q.get("exclude") or "").split(","))
            own = [
                t for t in self.tweets.values()
                if t["author_id"] == target
                and not ("replies" in exclude and t["in_reply_to_tweet_id"])
            ]  # fmt: skip
            matching = _newest_first(_time_filter(own, q))[:MAX_TIMELINE]
            return self._page(matching, q.get("pagination_token"), size, fields)

    # --- tweets ------------------------------------------------------------
    async def lookup_tweets(self, request: Request, _subject: str) -> Response:
        raw = request.query_params.get("ids", "")
        ids = [i for i in raw.split(",") if i] if raw else []
        if not 1 <= len(ids) <= 100:
            return invalid_request(
                f"The number of values in the `ids` query parameter list [{len(ids)}] is not "
                "between 1 and 100",
                {"ids": ids[:5]},
            )
        bad = [i for i in ids if not i.isdigit()]
        if bad:
            return invalid_request(f"The `ids` query parameter value [{bad[0]}] is not valid")
        fields, error = _fields(request, "tweet.fields", TWEET_FIELDS)
        if error is not None:
            return error
        with self.lock:
            replies = self._reply_counts()
            found = [self._render(self.tweets[i], fields, replies) for i in ids if i in self.tweets]
            missing = [not_found_error("tweet", "ids", i) for i in ids if i not in self.tweets]
        body: dict[str, Any] = {}
        if found:
            body["data"] = found
        if missing:
            body["errors"] = missing
        return self._expanded(request, JSONResponse(body))

    async def get_tweet(self, request: Request, _subject: str) -> Response:
        tweet_id = request.path_params["id"]
        fields, error = _fields(request, "tweet.fields", TWEET_FIELDS)
        if error is not None:
            return error
        with self.lock:
            tweet = self.tweets.get(tweet_id)
            if tweet is None:
                return JSONResponse({"errors": [not_found_error("tweet", "id", tweet_id)]})
            body = {"data": self._render(tweet, fields, self._reply_counts())}
            return self._expanded(request, JSONResponse(body))

    async def search_recent(self, request: Request, _subject: str) -> Response:
        q = request.query_params
        query = (q.get("query") or "").strip()
        if not 1 <= len(query) <= 512:
            return invalid_request(
                "The `query` parameter is required (1 to 512 characters).", {"query": []}
            )
        fields, error = _fields(request, "tweet.fields", TWEET_FIELDS)
        if error is not None:
            return error
        size, error = _max_results(q.get("max_results"), 10, 100, 10)
        if error is not None:
            return error
        with self.lock:
            matcher = self._query_matcher(query)
            if isinstance(matcher, Response):
                return matcher
            since = time.time() - SEARCH_WINDOW_S
            hits = [t for t in self.tweets.values() if t["created"] >= since and matcher(t)]
            token = q.get("next_token") or q.get("pagination_token")
            response = self._page(_newest_first(_time_filter(hits, q)), token, size, fields)
            return self._expanded(request, response)

    # --- helpers -----------------------------------------------------------
    def _query_matcher(self, query: str) -> Any:
        """Supports conversation_id:, from:, in_reply_to_tweet_id:, is:reply and words."""
        checks = []
        for term in query.split():
            op, _, value = term.partition(":")
            if value and op == "conversation_id":
                checks.append(lambda t, v=value: t["conversation_id"] == v and t["id"] != v)
            elif value and op == "in_reply_to_tweet_id":
                checks.append(lambda t, v=value: t["in_reply_to_tweet_id"] == v)
            elif value and op == "from":
                ids = {
                    u["id"] for u in self.users.values() if u["username"].lower() == value.lower()
                }
                checks.append(lambda t, ids=ids: t["author_id"] in ids)
            elif term == "is:reply":
                checks.append(lambda t: bool(t["in_reply_to_tweet_id"]))
            elif value and op.lstrip("-").isalpha() and op not in ("http", "https"):
                return invalid_request(
                    f"There were errors processing your request: unsupported operator '{op}:'",
                    {"query": [query]},
                )
            else:
                checks.append(lambda t, w=term.lower(): w in t["text"].lower())
        return lambda t: all(check(t) for check in checks)

    def _page(
        self, tweets: list[dict[str, Any]], token: str | None, size: int, fields: set[str]
    ) -> Response:
        start = 0
        if token:
            ids = [t["id"] for t in tweets]
            try:
                start = ids.index(str(int(token, 16))) + 1
            except ValueError:
                return invalid_request(
                    f"The `pagination_token` query parameter value [{token}] is not valid",
                )
        page = tweets[start : start + size]
        replies = self._reply_counts()
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {}
        if page:
            body["data"] = [self._render(t, fields, replies) for t in page]
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
            if start + size < len(tweets):
                meta["next_token"] = format(int(page[-1]["id"]), "x")
        body["meta"] = meta
        return JSONResponse(body)

    def _expanded(self, request: Request, response: Response) -> Response:
        """Honour ``expansions=author_id`` (with ``user.fields``) on any tweet read."""
        if "author_id" not in (request.query_params.get("expansions") or "").split(","):
            return response
        user_fields, error = _fields(request, "user.fields", USER_FIELDS)
        if error is not None:
            return error
        return self._with_authors(response, user_fields)

    def _with_authors(self, response: Response, user_fields: set[str]) -> Response:
        import json

        body = json.loads(bytes(response.body))
        data = body.get("data", [])
        tweets = [data] if isinstance(data, dict) else data
        for tweet in tweets:  # the expansion's field comes with it
            tweet["author_id"] = self.tweets[tweet["id"]]["author_id"]
        authors = sorted({t["author_id"] for t in tweets})
        if authors:
            users = [self._render_user(self.users[a], user_fields) for a in authors]
            body["includes"] = {"users": users}
        return JSONResponse(body)


def _newest_first(tweets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(tweets, key=lambda t: (t["created"], int(t["id"])), reverse=True)


def _time_filter(tweets: list[dict[str, Any]], q: Any) -> list[dict[str, Any]]:
    start = parse_iso(q["start_time"]) if q.get("start_time") else None
    end = parse_iso(q["end_time"]) if q.get("end_time") else None
    since_id = q.get("since_id") if (q.get("since_id") or "").isdigit() else None
    until_id = q.get("until_id") if (q.get("until_id") or "").isdigit() else None
    return [
        t for t in tweets
        if (start is None or t["created"] >= start)
        and (end is None or t["created"] < end)
        and (not since_id or int(t["id"]) > int(since_id))
        and (not until_id or int(t["id"]) < int(until_id))
    ]  # fmt: skip


def _fields(request: Request, param: str, allowed: set[str]) -> tuple[set[str], Response | None]:
    raw = request.query_params.get(param, "")
    fields = {f for f in raw.split(",") if f}
    unknown = sorted(fields - allowed)
    if unknown:
        return fields, invalid_request(
            f"The `{param}` query parameter value [{unknown[0]}] is not one of "
            f"[{','.join(sorted(allowed))}]",
            {param: [raw]},
        )
    return fields, None


def _max_results(raw: str | None, low: int, high: int, default: int) -> tuple[int, Response | None]:
    if raw is None:
        return default, None
    if not raw.isdigit() or not low <= int(raw) <= high:
        return default, invalid_request(
            f"The `max_results` query parameter value [{raw}] is not between {low} and {high}",
            {"max_results": [raw]},
        )
    return int(raw), None

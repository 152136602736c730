"""Bluesky emulator: a PDS plus the few appview calls ClientNest uses.

Follows the Bluesky section of PLATFORMS.md: app-password sessions with
JWT-shaped access (~2 h) and rotating refresh tokens, createSession limited
per account (30 / 5 min, 300 / day), records under caller-chosen TID keys,
blobs up to 2,000,000 bytes, getPosts (25 uris), threads, profiles, handle
resolution. Errors are XRPC bodies ``{"error", "message"}``; an expired access
token is HTTP 400 ``ExpiredToken``. Every response carries RateLimit-* headers.
The access-token lifetime is ``emulator.tokens.access_ttl_s`` (7200 s).

Python helpers: ``seed_account(handle)`` (returns the app password and an open
session), ``seed_post(handle, text, age_s)``, ``add_reply(uri, author, text)``
(replies from other users), ``calls`` (XRPC method -> count), ``snapshot()``.

Faults: error_rate, rate_limit_rate, latency_s apply to every XRPC call;
drop_after_write cuts the connection after createRecord/uploadBlob stored
their write; ``tokens.expire_all()`` expires every access token. Bluesky has
no duplicate-content check, so ``duplicate_rejection`` changes nothing (a
second record under the same key is always refused, as on a real PDS).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.bluesky_history import HistoryMixin
from clientnest_cli.sandbox.bluesky_repo import (
    MAX_BLOB_BYTES,
    POST_COLLECTION,
    Account,
    RecordInvalid,
    StoredRecord,
    blob_cid,
    check_post_record,
    did_for,
    image_blob_cids,
    is_tid,
    new_tid,
    record_cid,
    reply_refs,
)
from clientnest_cli.sandbox.bluesky_sessions import SessionsMixin, rate_headers
from clientnest_cli.sandbox.bluesky_social import SocialMixin, sniff_mime
from clientnest_cli.sandbox.bluesky_views import ViewsMixin
from clientnest_cli.sandbox.framework import (
    STORED,
    DroppedResponse,
    Emulator,
    TokenStore,
    answered,
    bearer,
)

Handler = Callable[[Request], Awaitable[Response]]

ERROR_NAMES = {
    400: "InvalidRequest",
    401: "AuthenticationRequired",
    403: "Forbidden",
    404: "XRPCNotSupported",
    413: "PayloadTooLarge",
    429: "RateLimitExceeded",
    500: "InternalServerError",
    501: "MethodNotImplemented",
    502: "UpstreamFailure",
    503: "NotEnoughResources",
    504: "UpstreamTimeout",
}
GLOBAL_LIMIT, GLOBAL_WINDOW_S = 3000, 300
REFRESH_TTL_S = 90 * 86400


class BlueskyEmulator(HistoryMixin, SessionsMixin, ViewsMixin, SocialMixin, Emulator):
    name = "bluesky"
    title = "Bluesky (AT Protocol PDS)"
    connect_hint = "log in with a seeded handle and its app password (seed_account)"

    def reset(self) -> None:
        self.tokens = TokenStore(access_ttl_s=7200.0, refresh_ttl_s=REFRESH_TTL_S)
        self.accounts: dict[str, Account] = {}  # by did
        self.handles: dict[str, str] = {}  # handle -> did
        self.records: dict[str, StoredRecord] = {}  # by at:// uri, in creation order
        self.blobs: dict[tuple[str, str], dict[str, Any]] = {}  # (did, cid) -> meta
        self.revoked_refresh: set[str] = set()
        self.session_attempts: dict[str, list[float]] = {}
        self.window_start = time.time()
        self.window_count = 0
        self.calls: Counter[str] = Counter()  # XRPC method -> number of calls
        self.other_records: dict[str, dict[str, Any]] = {}  # likes, reposts, follows by uri
        self.history_counts: dict[str, dict[str, int]] = {}  # uri -> fixed counts (history)

    # --- Python helpers for tests and the demo --------------------------------
    def seed_account(self, handle: str, display_name: str = "") -> dict[str, Any]:
        """Create an account with an app password and an open session."""
        account = self._ensure_account(handle, display_name)
        access, refresh = self._issue(account.did)
        return {
            "user_id": account.did,
            "did": account.did,
            "handle": account.handle,
            "app_password": account.password,
            "password": account.password,
            "access_token": access,
            "refresh_token": refresh,
        }

    def add_reply(self, uri: str, author: str, text: str) -> str:
        """Store a reply by another user (created if needed) under ``uri``; return its uri."""
        with self.lock:
            parent = self.records[uri]
            account = self._ensure_account(author)
            root = parent.value.get("reply", {}).get("root") or {"uri": uri, "cid": parent.cid}
            value = {
                "$type": POST_COLLECTION,
                "text": text,
                "createdAt": _now_iso(),
                "reply": {"root": root, "parent": {"uri": uri, "cid": parent.cid}},
            }
            return self._store(account.did, new_tid(), value, []).uri

    def seed_post(self, handle: str, text: str, age_s: float = 0.0) -> dict[str, str]:
        """Store a post ``age_s`` seconds old (counts grow with age); return {uri, cid}."""
        account = self._ensure_account(handle)
        value = {"$type": POST_COLLECTION, "text": text, "createdAt": _now_iso()}
        with self.lock:
            record = self._store(account.did, new_tid(), value, [])
            record.created -= age_s
        return {"uri": record.uri, "cid": record.cid}

    def snapshot(self) -> dict[str, Any]:
        return {
            "posts": [
                {
                    "uri": r.uri,
                    "cid": r.cid,
                    "did": r.did,
                    "handle": self.accounts[r.did].handle,
                    "rkey": r.rkey,
                    "record": r.value,
                }
                for r in self.records.values()
            ],
            "accounts": [{"did": a.did, "handle": a.handle} for a in self.accounts.values()],
        }

    def _ensure_account(self, handle: str, display_name: str = "") -> Account:
        handle = handle.lower().lstrip("@")
        with self.lock:
            did = self.handles.get(handle)
            if did is not None:
                return self.accounts[did]
            seed = did_for(handle)
            password = "-".join(seed[8 + 4 * i : 12 + 4 * i] for i in range(4))
            account = Account(
                did=seed,
                handle=handle,
                password=password,
                display_name=display_name or handle.split(".")[0].title(),
                created=time.time(),
                followers=int(seed[-3:], 36) % 500,
                follows=int(seed[-5:-3], 36) % 200,
            )
            self.accounts[account.did] = account
            self.handles[handle] = account.did
            return account

    def _store(self, did: str, rkey: str, value: dict[str, Any], blobs: list[str]) -> StoredRecord:
        record = StoredRecord(did, rkey, record_cid(value), value, time.time(), _now_iso(), blobs)
        with self.lock:
            self.records[record.uri] = record
        return record

    # --- XRPC responses ------------------------------------------------------
    def error(self, status: int, message: str, code: str = "") -> Response:
        return JSONResponse(
            {"error": code or ERROR_NAMES.get(status, "InternalServerError"), "message": message},
            status_code=status,
        )

    def throttle(self) -> Response:
        reset = math.ceil(time.time() + self.faults.rate_limit_reset_s)
        response = self.error(429, "Rate Limit Exceeded", "RateLimitExceeded")
        rate_headers(response, GLOBAL_LIMIT, 0, reset, f"{GLOBAL_LIMIT};w={GLOBAL_WINDOW_S}")
        return response

    def _xrpc(self, nsid: str, handler: Handler) -> Handler:
        """Count the call, apply faults and the global limit, stamp RateLimit-* headers."""

        async def endpoint(request: Request) -> Response:
            self.calls[nsid] += 1
            return await answered(self.calls, nsid, checked, request)

        async def checked(request: Request) -> Response:
            fault = await self.before_write()
            if fault is not None:
                return fault
            remaining, reset = self._take_global()
            if remaining < 0:
                return self.throttle()
            response = await handler(request)
            if not isinstance(response, DroppedResponse) and "ratelimit-limit" not in (
                response.headers
            ):
                policy = f"{GLOBAL_LIMIT};w={GLOBAL_WINDOW_S}"
                rate_headers(response, GLOBAL_LIMIT, remaining, reset, policy)
            return response

        return endpoint

    def _take_global(self) -> tuple[int, int]:
        now = time.time()
        with self.lock:
            if now - self.window_start >= GLOBAL_WINDOW_S:
                self.window_start, self.window_count = now, 0
            self.window_count += 1
            return GLOBAL_LIMIT - self.window_count, math.ceil(self.window_start + GLOBAL_WINDOW_S)

    def routes(self) -> list[Route]:
        table: dict[str, tuple[str, Handler]] = {
            "com.atproto.server.createSession": ("POST", self.create_session),
            "com.atproto.server.refreshSession": ("POST", self.refresh_session),
            "com.atproto.server.getSession": ("GET", self.get_session),
            "com.atproto.repo.createRecord": ("POST", self.create_record),
            "com.atproto.repo.getRecord": ("GET", self.get_record),
            "com.atproto.repo.listRecords": ("GET", self.list_records),
            "com.atproto.repo.uploadBlob": ("POST", self.upload_blob),
            "com.atproto.identity.resolveHandle": ("GET", self.resolve_handle),
            "app.bsky.feed.getPosts": ("GET", self.get_posts),
            "app.bsky.feed.getPostThread": ("GET", self.get_post_thread),
            "app.bsky.actor.getProfile": ("GET", self.get_profile),
            "com.atproto.repo.deleteRecord": ("POST", self.delete_record),
            "app.bsky.feed.getTimeline": ("GET", self.get_timeline),
            "com.atproto.server.describeServer": ("GET", self.describe_server),
            "app.bsky.feed.getAuthorFeed": ("GET", self.get_author_feed),
        }
        routes = [
            Route(f"/xrpc/{nsid}", self._xrpc(nsid, handler), methods=[method])
            for nsid, (method, handler) in table.items()
        ]
        unknown = self._xrpc("(unknown)", self.not_implemented)
        routes.append(Route("/xrpc/{nsid}", unknown, methods=["GET", "POST"]))
        return routes

    async def not_implemented(self, request: Request) -> Response:
        return self.error(501, "Method Not Implemented", "MethodNotImplemented")

    # --- request helpers -----------------------------------------------------
    def authed(self, request: Request) -> tuple[str | None, Response | None]:
        """(did, None) for a valid access token, else (None, the XRPC error)."""
        token = bearer(request)
        if not token:
            return None, self.error(401, "Authentication Required", "AuthenticationRequired")
        with self.lock:
            state, did = self.tokens.check(token)
        if state == "expired":
            return None, self.error(400, "Token has expired", "ExpiredToken")
        if state != "ok":
            return None, self.error(401, "Token could not be verified", "InvalidToken")
        return did, None

    async def json_body(self, request: Request) -> tuple[dict[str, Any] | None, Response | None]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != "application/json":
            return None, self.error(400, f"Wrong request encoding (Content-Type): {content_type}")
        try:
            body = await request.json()
        except ValueError:
            return None, self.error(400, "Request body is not valid JSON")
        if not isinstance(body, dict):
            return None, self.error(400, "Input must be an object")
        return body, None

    def did_of(self, actor: str) -> str | None:
        """A DID for a DID or a handle the PDS knows."""
        if actor in self.accounts:
            return actor
        return self.handles.get(actor.lower().lstrip("@"))

    # --- sessions --------------------------------------------------------------
    async def create_record(self, request: Request) -> Response:
        did, err = self.authed(request)
        if err:
            return err
        body, err = await self.json_body(request)
        if err:
            return err
        repo_did = self.did_of(str(body.get("repo", "")))
        if repo_did is None:
            return self.error(400, f"Could not find repo: {body.get('repo')}")
        if repo_did != did:
            return self.error(401, "Authentication Required", "AuthenticationRequired")
        if body.get("collection") != POST_COLLECTION:
            return self.create_other_record(did or "", body)
        rkey = body.get("rkey") or new_tid()
        if not isinstance(rkey, str) or not is_tid(rkey):
            return self.error(400, f"Invalid record key for {POST_COLLECTION}: must be a TID")
        record = body.get("record")
        try:
            check_post_record(record)
            blobs = self._check_references(did or "", record)
        except RecordInvalid as exc:
            return self.error(400, str(exc), "InvalidRequest")
        uri = f"at://{did}/{POST_COLLECTION}/{rkey}"
        with self.lock:
            if uri in self.records:
                self.calls["createRecord: repeated rkey"] += 1  # a second send, seen
                # what the reference PDS (@atproto/dev-env 0.6.7) answers: a bare 500
                return JSONResponse({"error": "InternalServerError"}, status_code=500)
            stored = self._store(did or "", rkey, record, blobs)
            self.calls[f"com.atproto.repo.createRecord: {STORED}"] += 1
        response = JSONResponse(
            {
                "uri": stored.uri,
                "cid": stored.cid,
                "commit": {"cid": record_cid({"commit": stored.cid}), "rev": new_tid()},
                "validationStatus": "valid",
            }
        )
        return self.maybe_drop(response)

    def _check_references(self, did: str, record: dict[str, Any]) -> list[str]:
        """Replies must point at stored posts, images at this account's blobs."""
        if "reply" in record:
            for uri, cid in reply_refs(record):
                target = self.records.get(uri)
                if target is None:
                    raise RecordInvalid(f"Reply target does not exist: {uri}")
                if target.cid != cid:
                    raise RecordInvalid(f"Reply target cid does not match: {uri}")
        if "embed" not in record:
            return []
        cids = image_blob_cids(record["embed"])
        for cid in cids:
            meta = self.blobs.get((did, cid))
            if meta is None:
                raise RecordInvalid(f"Could not find blob: {cid}")
            if not meta["mimeType"].startswith("image/"):
                raise RecordInvalid(
                    f"Wrong type of file. It is {meta['mimeType']} but must match image/*"
                )
        return cids

    async def get_record(self, request: Request) -> Response:
        q = request.query_params
        did = self.did_of(q.get("repo", ""))
        if did is None:
            return self.error(400, f"Could not find repo: {q.get('repo', '')}", "InvalidRequest")
        uri = f"at://{did}/{q.get('collection', '')}/{q.get('rkey', '')}"
        record = self.records.get(uri)
        if record is None and self.other_record(uri) is not None:
            other = self.other_records[uri]
            return JSONResponse({"uri": uri, "cid": other["cid"], "value": other["value"]})
        if record is None or (q.get("cid") and q.get("cid") != record.cid):
            return self.error(400, f"Could not locate record: {uri}", "RecordNotFound")
        return JSONResponse({"uri": record.uri, "cid": record.cid, "value": record.value})

    async def list_records(self, request: Request) -> Response:
        q = request.query_params
        did = self.did_of(q.get("repo", ""))
        if did is None:
            return self.error(400, f"Could not find repo: {q.get('repo', '')}", "InvalidRequest")
        try:
            limit = int(q.get("limit", "50"))
        except ValueError:
            return self.error(400, "limit must be an integer")
        if not 1 <= limit <= 100:
            return self.error(400, "limit must be between 1 and 100")
        reverse = q.get("reverse", "false") == "true"
        with self.lock:
            mine = self._collection(did, q.get("collection", ""))
        mine.sort(key=lambda r: r["rkey"], reverse=not reverse)
        cursor = q.get("cursor")
        if cursor:
            mine = [r for r in mine if (r["rkey"] > cursor if reverse else r["rkey"] < cursor)]
        page = mine[:limit]
        body: dict[str, Any] = {
            "records": [{"uri": r["uri"], "cid": r["cid"], "value": r["value"]} for r in page]
        }
        if len(mine) > limit:
            body["cursor"] = page[-1]["rkey"]
        return JSONResponse(body)

    def _collection(self, did: str, collection: str) -> list[dict[str, Any]]:
        """The repo's records of one collection: posts, or likes, reposts, follows…"""
        if collection == POST_COLLECTION:
            return [
                {"rkey": r.rkey, "uri": r.uri, "cid": r.cid, "value": r.value}
                for r in self.records.values()
                if r.did == did
            ]
        return [
            r
            for r in self.other_records.values()
            if r["did"] == did and r["collection"] == collection
        ]

    async def upload_blob(self, request: Request) -> Response:
        did, err = self.authed(request)
        if err:
            return err
        declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
        data = await request.body()
        mime = sniff_mime(data, declared)
        if len(data) > MAX_BLOB_BYTES:
            message = (
                f"This file is too large. It is {len(data)} bytes "
                f"but the maximum size is {MAX_BLOB_BYTES} bytes."
            )
            return self.error(400, message, "BlobTooLarge")
        if not data:
            return self.error(400, "Blob is empty")
        cid = blob_cid(data)
        with self.lock:
            self.blobs[(did or "", cid)] = {"mimeType": mime, "size": len(data)}
        blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(data)}
        return self.maybe_drop(JSONResponse({"blob": blob}))

    async def resolve_handle(self, request: Request) -> Response:
        handle = request.query_params.get("handle", "")
        did = self.handles.get(handle.lower().lstrip("@"))
        if did is None:
            return self.error(400, "Unable to resolve handle", "InvalidRequest")
        return JSONResponse({"did": did})


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

"""The rest of the Bluesky emulator that the atproto SDK's ordinary flows use:
deleteRecord, likes/reposts/follows (records of other collections),
getTimeline, describeServer, and the type sniffing of uploadBlob.

Mixed into ``BlueskyEmulator``. Records of collections other than
``app.bsky.feed.post`` live in ``other_records`` (by at:// uri), so every
view of posts stays as it was; a like or repost adds to the subject's count.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from clientnest_cli.sandbox.bluesky_repo import (
    POST_COLLECTION,
    RecordInvalid,
    StoredRecord,
    new_tid,
    record_cid,
)

if TYPE_CHECKING:
    from clientnest_cli.sandbox.bluesky_repo import Account

# collection -> how its record names what it is about
SUBJECT_REFS = {"app.bsky.feed.like": "ref", "app.bsky.feed.repost": "ref"}
SUBJECT_DIDS = {"app.bsky.graph.follow": "did", "app.bsky.graph.block": "did"}
OTHER_COLLECTIONS = set(SUBJECT_REFS) | set(SUBJECT_DIDS)
RKEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:~")

# leading bytes -> MIME type (what the reference PDS finds when the header says */*)
MAGIC: list[tuple[int, bytes, str]] = [
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (8, b"WEBP", "image/webp"),
    (4, b"ftypheic", "image/heic"),
    (4, b"ftypavif", "image/avif"),
    (4, b"ftyp", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
]
VAGUE_TYPES = {"", "*/*", "application/octet-stream"}


def sniff_mime(data: bytes, declared: str) -> str:
    """The blob's type from its bytes; the declared type only when they say nothing."""
    for offset, magic, mime in MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return mime
    return "application/octet-stream" if declared in VAGUE_TYPES else declared


def valid_rkey(rkey: Any) -> bool:
    return (
        isinstance(rkey, str)
        and 1 <= len(rkey) <= 512
        and rkey not in (".", "..")
        and set(rkey) <= RKEY_CHARS
    )


class SocialMixin:
    """Uses the emulator's ``records``, ``accounts``, ``lock`` and helpers."""

    accounts: dict[str, Account]
    records: dict[str, StoredRecord]
    other_records: dict[str, dict[str, Any]]
    lock: Any

    if TYPE_CHECKING:

        def authed(self, request: Request) -> tuple[str | None, Response | None]: ...
        def error(self, status: int, message: str, code: str = "") -> Response: ...
        def did_of(self, actor: str) -> str | None: ...
        def post_view(self, record: StoredRecord) -> dict[str, Any]: ...
        def maybe_drop(self, response: Response) -> Response: ...
        async def json_body(
            self, request: Request
        ) -> tuple[dict[str, Any] | None, Response | None]: ...

    # --- createRecord for likes, reposts, follows ---------------------------------
    def create_other_record(self, did: str, body: dict[str, Any]) -> Response:
        collection = str(body.get("collection") or "")
        if collection not in OTHER_COLLECTIONS:
            return self.error(400, f"Invalid collection: {collection}", "InvalidRequest")
        record = body.get("record")
        try:
            self._check_other(collection, record)
        except RecordInvalid as exc:
            return self.error(400, str(exc), "InvalidRequest")
        rkey = body.get("rkey") or new_tid()
        if not valid_rkey(rkey):
            return self.error(400, f"Invalid record key: {rkey}", "InvalidRequest")
        uri = f"at://{did}/{collection}/{rkey}"
        cid = record_cid(record)
        with self.lock:
            if uri in self.other_records:  # as the reference PDS: a 500, not a 4xx
                return self.error(500, "Internal Server Error", "InternalServerError")
            self.other_records[uri] = {
                "uri": uri,
                "cid": cid,
                "did": did,
                "collection": collection,
                "rkey": rkey,
                "value": record,
                "created": time.time(),
            }
        commit = {"cid": record_cid({"commit": cid}), "rev": new_tid()}
        answer = {"uri": uri, "cid": cid, "commit": commit, "validationStatus": "valid"}
        return self.maybe_drop(JSONResponse(answer))

    def _check_other(self, collection: str, record: Any) -> None:
        if not isinstance(record, dict):
            raise RecordInvalid("Invalid record: must be an object")
        if record.get("$type") != collection:
            raise RecordInvalid(f"Invalid $type: must be {collection}")
        if not isinstance(record.get("createdAt"), str):
            raise RecordInvalid('Record must have the property "createdAt"')
        subject = record.get("subject")
        if collection in SUBJECT_DIDS:
            if not isinstance(subject, str) or self.did_of(subject) is None:
                raise RecordInvalid("Record/subject must be a known DID")
            return
        if not isinstance(subject, dict) or not {"uri", "cid"} <= set(subject):
            raise RecordInvalid("Record/subject must be a strong ref {uri, cid}")
        target = self.records.get(str(subject["uri"]))
        if target is None or target.cid != subject["cid"]:
            raise RecordInvalid(f"Record/subject not found: {subject['uri']}")

    def other_record(self, uri: str) -> dict[str, Any] | None:
        return self.other_records.get(uri)

    def subject_count(self, collection: str, uri: str) -> int:
        return sum(
            1
            for r in self.other_records.values()
            if r["collection"] == collection and r["value"]["subject"].get("uri") == uri
        )

    # --- deleteRecord ------------------------------------------------------------------
    async def delete_record(self, request: Request) -> Response:
        """Delete one of the caller's records; a record already gone is not an error."""
        did, err = self.authed(request)
        if err:
            return err
        body, err = await self.json_body(request)
        if err or body is None:
            return err or self.error(400, "Input must be an object")
        repo_did = self.did_of(str(body.get("repo", "")))
        if repo_did is None:
            return self.error(400, f"Could not find repo: {body.get('repo')}")
        if repo_did != did:
            return self.error(401, "Authentication Required", "AuthenticationRequired")
        collection, rkey = str(body.get("collection") or ""), body.get("rkey")
        if not collection or not valid_rkey(rkey):
            return self.error(400, "Input must have the properties collection and rkey")
        uri = f"at://{did}/{collection}/{rkey}"
        with self.lock:
            current = self.records.get(uri) if collection == POST_COLLECTION else None
            current_cid = current.cid if current else (self.other_records.get(uri) or {}).get("cid")
            swap = body.get("swapRecord")
            if swap and swap != current_cid:
                return self.error(400, f"Record was at {current_cid}", "InvalidSwap")
            if current_cid is None:
                return JSONResponse({})
            self.records.pop(uri, None)
            self.other_records.pop(uri, None)
        return JSONResponse({"commit": {"cid": record_cid({"delete": uri}), "rev": new_tid()}})

    # --- getTimeline -------------------------------------------------------------------
    async def get_timeline(self, request: Request) -> Response:
        """Everyone follows everyone here: the timeline is every post, newest first."""
        _, err = self.authed(request)
        if err:
            return err
        q = request.query_params
        try:
            limit = int(q.get("limit", "50"))
        except ValueError:
            return self.error(400, "limit must be an integer")
        if not 1 <= limit <= 100:
            return self.error(400, "limit must be between 1 and 100")
        with self.lock:
            posts = sorted(self.records.values(), key=lambda r: (r.created, r.rkey), reverse=True)
            cursor = q.get("cursor")
            if cursor:
                posts = [r for r in posts if f"{int(r.created * 1e6)}:{r.rkey}" < cursor]
            page = posts[:limit]
            feed = [self._feed_item(r) for r in page]
        body: dict[str, Any] = {"feed": feed}
        if len(posts) > limit:
            body["cursor"] = f"{int(page[-1].created * 1e6)}:{page[-1].rkey}"
        return JSONResponse(body)

    def _feed_item(self, record: StoredRecord) -> dict[str, Any]:
        item: dict[str, Any] = {"post": self.post_view(record)}
        reply = record.value.get("reply")
        if reply:
            root = self.records.get(reply["root"]["uri"])
            parent = self.records.get(reply["parent"]["uri"])
            if root is not None and parent is not None:
                item["reply"] = {"root": self.post_view(root), "parent": self.post_view(parent)}
        return item

    # --- describeServer ------------------------------------------------------------
    async def describe_server(self, request: Request) -> Response:
        return JSONResponse(
            {
                "did": f"did:web:{request.url.hostname}",
                "availableUserDomains": [".test"],
                "inviteCodeRequired": False,
                "phoneVerificationRequired": False,
                "links": {},
                "contact": {},
            }
        )

"""The Bluesky emulator speaks the documented XRPC shapes, limits and faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from clientnest_cli.sandbox.bluesky import BlueskyEmulator
from clientnest_cli.sandbox.bluesky_repo import is_tid
from clientnest_cli.sandbox.framework import SandboxServer

POST = "app.bsky.feed.post"


@pytest.fixture
def emu(sandbox: SandboxServer) -> BlueskyEmulator:
    emulator = sandbox.emulator("bluesky")
    assert isinstance(emulator, BlueskyEmulator)
    return emulator


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url("bluesky") + "/xrpc", timeout=5) as c:
        yield c


@pytest.fixture
def acct(emu: BlueskyEmulator) -> dict[str, Any]:
    return emu.seed_account("acme.bsky.social")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def record(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"$type": POST, "text": text, "createdAt": "2025-01-01T00:00:00.000Z", **extra}


def create(client: httpx.Client, acct: dict[str, Any], rec: Any, **body: Any) -> httpx.Response:
    payload = {"repo": acct["did"], "collection": POST, "record": rec, **body}
    return client.post(
        "/com.atproto.repo.createRecord", json=payload, headers=auth(acct["access_token"])
    )


# --- sessions -------------------------------------------------------------------


def test_create_session_returns_jwt_shaped_tokens_and_limit_headers(client, acct) -> None:
    body = {"identifier": "acme.bsky.social", "password": acct["app_password"]}
    response = client.post("/com.atproto.server.createSession", json=body)
    assert response.status_code == 200
    data = response.json()
    assert data["did"] == acct["did"] and data["handle"] == "acme.bsky.social"
    assert len(data["accessJwt"].split(".")) == 3 and len(data["refreshJwt"].split(".")) == 3
    assert response.headers["RateLimit-Limit"] == "30"
    assert response.headers["RateLimit-Policy"] == "30;w=300"
    session = client.get("/com.atproto.server.getSession", headers=auth(data["accessJwt"]))
    assert session.json()["did"] == acct["did"]


def test_wrong_password_is_401_authentication_required(client, acct) -> None:
    body = {"identifier": "acme.bsky.social", "password": "nope-nope-nope-nope"}
    response = client.post("/com.atproto.server.createSession", json=body)
    assert response.status_code == 401
    assert response.json() == {
        "error": "AuthenticationRequired",
        "message": "Invalid identifier or password",
    }


def test_create_session_is_limited_to_30_per_five_minutes(client, emu, acct) -> None:
    body = {"identifier": acct["did"], "password": acct["app_password"]}
    emu.session_attempts[acct["did"]] = [time.time()] * 28  # 28 logins just happened
    for _ in range(2):
        assert client.post("/com.atproto.server.createSession", json=body).status_code == 200
    response = client.post("/com.atproto.server.createSession", json=body)
    assert response.status_code == 429
    assert response.json()["error"] == "RateLimitExceeded"
    assert int(response.headers["RateLimit-Reset"]) > time.time()
    assert response.headers["RateLimit-Remaining"] == "0"


def test_refresh_rotates_and_revokes_the_old_refresh_token(client, acct) -> None:
    old = acct["refresh_token"]
    response = client.post("/com.atproto.server.refreshSession", headers=auth(old))
    assert response.status_code == 200
    new = response.json()
    assert new["refreshJwt"] != old and new["did"] == acct["did"]
    again = client.post("/com.atproto.server.refreshSession", headers=auth(old))
    assert again.status_code == 400 and again.json()["error"] == "ExpiredToken"
    # an access token is not a refresh token
    wrong = client.post("/com.atproto.server.refreshSession", headers=auth(new["accessJwt"]))
    assert wrong.status_code == 401 and wrong.json()["error"] == "InvalidToken"


def test_expired_access_token_is_400_not_401(client, emu, acct) -> None:
    emu.tokens.expire_all()
    response = create(client, acct, record())
    assert response.status_code == 400
    assert response.json()["error"] == "ExpiredToken"
    bad = client.get("/com.atproto.server.getSession", headers=auth("a.b.c"))
    assert bad.status_code == 401 and bad.json()["error"] == "InvalidToken"
    missing = client.get("/com.atproto.server.getSession")
    assert missing.status_code == 401 and missing.json()["error"] == "AuthenticationRequired"


# --- records --------------------------------------------------------------------


def test_create_get_and_list_records(client, emu, acct) -> None:
    response = create(client, acct, record("first"))
    assert response.status_code == 200
    uri = response.json()["uri"]
    did, collection, rkey = uri.removeprefix("at://").split("/")
    assert (did, collection) == (acct["did"], POST) and is_tid(rkey)
    assert "RateLimit-Remaining" in response.headers
    got = client.get(
        "/com.atproto.repo.getRecord",
        params={"repo": "acme.bsky.social", "collection": POST, "rkey": rkey},
    )
    assert got.json()["value"]["text"] == "first"
    assert got.json()["cid"] == response.json()["cid"]
    for i in range(3):
        create(client, acct, record(f"more {i}"))
    page = client.get(
        "/com.atproto.repo.listRecords",
        params={"repo": acct["did"], "collection": POST, "limit": 2},
    ).json()
    assert len(page["records"]) == 2 and page["cursor"]
    assert emu.snapshot()["posts"][0]["record"]["text"] == "first"


def test_procedures_need_json_and_unknown_methods_are_501(client, acct) -> None:
    response = client.post(
        "/com.atproto.repo.createRecord",
        content=b"text=hi",
        headers={**auth(acct["access_token"]), "Content-Type": "text/plain"},
    )
    assert response.status_code == 400 and "Content-Type" in response.json()["message"]
    unknown = client.get("/app.bsky.notification.listNotifications")
    assert unknown.status_code == 501 and unknown.json()["error"] == "MethodNotImplemented"
    assert "RateLimit-Limit" in unknown.headers


def test_get_record_absent_is_record_not_found(client, acct) -> None:
    response = client.get(
        "/com.atproto.repo.getRecord",
        params={"repo": acct["did"], "collection": POST, "rkey": "3kabcdefghijk"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "RecordNotFound"


def test_same_record_key_twice_is_a_500_as_on_the_reference_pds(client, emu, acct) -> None:
    """@atproto/dev-env 0.6.7 answers a repeated rkey with HTTP 500, not a 4xx
    (PLATFORMS.md): "already posted" is decided with getRecord, never from this error."""
    assert create(client, acct, record("a"), rkey="3kabcdefghijk").status_code == 200
    again = create(client, acct, record("a"), rkey="3kabcdefghijk")
    assert again.status_code == 500
    assert again.json() == {"error": "InternalServerError"}
    assert len(emu.snapshot()["posts"]) == 1
    bad_key = create(client, acct, record("b"), rkey="not-a-tid")
    assert bad_key.status_code == 400


@pytest.mark.parametrize(
    ("rec", "fragment"),
    [
        ({"$type": POST, "text": "x"}, "createdAt"),
        ({"$type": POST, "createdAt": "2025-01-01T00:00:00Z"}, "text"),
        ({"text": "x", "createdAt": "2025-01-01T00:00:00Z"}, "$type"),
        (record("a" * 301), "300 graphemes"),
        # 150 family emoji: 150 graphemes but 3750 bytes — counted independently
        (record("👨‍👩‍👧‍👦" * 150), "3000"),
        (
            record("hi", facets=[{"index": {"byteStart": 0, "byteEnd": 9}, "features": []}]),
            "facets",
        ),
    ],
)
def test_record_validation(client, acct, rec, fragment) -> None:
    response = create(client, acct, rec)
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidRequest"
    assert fragment in response.json()["message"]


def test_300_graphemes_of_emoji_are_accepted(client, acct) -> None:
    assert create(client, acct, record("é" * 300)).status_code == 200
    assert create(client, acct, record("👍🏽" * 300)).status_code == 200  # 2400 bytes


def test_reply_targets_must_exist(client, acct) -> None:
    parent = create(client, acct, record("root")).json()
    ok = create(client, acct, record("child", reply={"root": parent, "parent": parent}))
    assert ok.status_code == 200
    missing = {"uri": f"at://{acct['did']}/{POST}/3kabcdefghijk", "cid": "bafyreix"}
    bad = create(client, acct, record("orphan", reply={"root": missing, "parent": missing}))
    assert bad.status_code == 400 and "does not exist" in bad.json()["message"]


def test_blobs_and_image_embeds(client, emu, acct) -> None:
    headers = {**auth(acct["access_token"]), "Content-Type": "image/png"}
    uploaded = client.post("/com.atproto.repo.uploadBlob", content=b"png-bytes", headers=headers)
    blob = uploaded.json()["blob"]
    assert blob["$type"] == "blob" and blob["mimeType"] == "image/png" and blob["size"] == 9
    image = {"image": blob, "alt": "a cat", "aspectRatio": {"width": 4, "height": 3}}
    embed = {"$type": "app.bsky.embed.images", "images": [image]}
    assert create(client, acct, record("pic", embed=embed)).status_code == 200
    five = {"$type": "app.bsky.embed.images", "images": [image] * 5}
    assert create(client, acct, record("too many", embed=five)).status_code == 400
    ghost = {"image": {**blob, "ref": {"$link": "bafkreighost"}}, "alt": ""}
    bad = create(client, acct, record("ghost", embed={**embed, "images": [ghost]}))
    assert bad.status_code == 400 and "blob" in bad.json()["message"]


def test_upload_blob_sniffs_the_type_and_takes_at_most_2mb(client, acct) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    for declared in ({}, {"Content-Type": "*/*"}, {"Content-Type": "application/octet-stream"}):
        sniffed = client.post(
            "/com.atproto.repo.uploadBlob",
            content=png,
            headers={**auth(acct["access_token"]), **declared},
        )
        assert sniffed.json()["blob"]["mimeType"] == "image/png"  # as the reference PDS does
    unknown = client.post(
        "/com.atproto.repo.uploadBlob",
        content=b"just bytes",
        headers={**auth(acct["access_token"]), "Content-Type": "*/*"},
    )
    assert unknown.json()["blob"]["mimeType"] == "application/octet-stream"
    big = client.post(
        "/com.atproto.repo.uploadBlob",
        content=b"x" * 2_000_001,
        headers={**auth(acct["access_token"]), "Content-Type": "image/jpeg"},
    )
    assert big.status_code == 400 and big.json()["error"] == "BlobTooLarge"


# --- appview ------------------------------------------------------------------------


def test_get_posts_counts_and_the_25_uri_limit(client, emu, acct) -> None:
    uri = create(client, acct, record("counted")).json()["uri"]
    emu.records[uri].created -= 3600  # an hour old: counts have grown
    posts = client.get(
        "/app.bsky.feed.getPosts", params={"uris": [uri]}, headers=auth(acct["access_token"])
    ).json()["posts"]
    assert posts[0]["likeCount"] > 10
    assert {"repostCount", "replyCount", "quoteCount"} <= set(posts[0])
    too_many = client.get(
        "/app.bsky.feed.getPosts", params={"uris": [uri] * 26}, headers=auth(acct["access_token"])
    )
    assert too_many.status_code == 400


def test_thread_profile_and_handle_resolution(client, emu, acct) -> None:
    uri = create(client, acct, record("talk to me")).json()["uri"]
    reply_uri = emu.add_reply(uri, "carol.bsky.social", "hello!")
    emu.add_reply(reply_uri, "dave.bsky.social", "hi carol")
    headers = auth(acct["access_token"])
    thread = client.get(
        "/app.bsky.feed.getPostThread", params={"uri": uri}, headers=headers
    ).json()["thread"]
    first = thread["replies"][0]
    assert first["post"]["author"]["handle"] == "carol.bsky.social"
    assert first["replies"][0]["post"]["record"]["reply"]["root"]["uri"] == uri
    profile = client.get(
        "/app.bsky.actor.getProfile", params={"actor": "acme.bsky.social"}, headers=headers
    ).json()
    assert profile["postsCount"] == 1 and profile["followersCount"] >= 0
    resolved = client.get(
        "/com.atproto.identity.resolveHandle", params={"handle": "carol.bsky.social"}
    )
    assert resolved.json()["did"].startswith("did:plc:")
    unknown = client.get("/com.atproto.identity.resolveHandle", params={"handle": "no.such"})
    assert unknown.status_code == 400


# --- faults ---------------------------------------------------------------------------


def test_fault_5xx_and_throttle(client, emu, acct) -> None:
    emu.faults.error_rate = 1.0
    failed = create(client, acct, record("x"))
    assert failed.status_code == 503 and failed.json()["error"] == "NotEnoughResources"
    emu.faults.error_rate = 0.0
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 1.0
    throttled = create(client, acct, record("x"))
    assert throttled.status_code == 429 and throttled.json()["error"] == "RateLimitExceeded"
    assert int(throttled.headers["RateLimit-Reset"]) >= int(time.time())
    assert emu.snapshot()["posts"] == []


def test_fault_drop_after_write_keeps_the_record(client, emu, acct) -> None:
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.TransportError):
        create(client, acct, record("dropped"), rkey="3kabcdefghijk")
    assert [p["rkey"] for p in emu.snapshot()["posts"]] == ["3kabcdefghijk"]


# --- other collections, delete, timeline, server description ----------------------


def test_likes_reposts_follows_are_records_that_count_and_delete(client, emu, acct) -> None:
    uri = create(client, acct, record("likeable")).json()["uri"]
    cid = emu.records[uri].cid
    headers = auth(acct["access_token"])

    def other(collection: str, value: dict, rkey: str | None = None):  # type: ignore[no-untyped-def]
        body = {"repo": acct["did"], "collection": collection, "record": value}
        if rkey:
            body["rkey"] = rkey
        return client.post("/com.atproto.repo.createRecord", json=body, headers=headers)

    now = "2030-01-01T00:00:00.000Z"
    like = other(
        "app.bsky.feed.like",
        {"$type": "app.bsky.feed.like", "subject": {"uri": uri, "cid": cid}, "createdAt": now},
        "3kliketest0001",
    )
    assert like.status_code == 200
    assert emu.subject_count("app.bsky.feed.like", uri) == 1
    again = other(
        "app.bsky.feed.like",
        {"$type": "app.bsky.feed.like", "subject": {"uri": uri, "cid": cid}, "createdAt": now},
        "3kliketest0001",
    )
    assert again.status_code == 500  # a repeated rkey, as the reference PDS answers
    wrong = other(
        "app.bsky.feed.repost",
        {
            "$type": "app.bsky.feed.repost",
            "subject": {"uri": uri, "cid": "bafywrong"},
            "createdAt": now,
        },
    )
    assert wrong.status_code == 400
    unknown = other("app.bsky.graph.list", {"$type": "app.bsky.graph.list", "createdAt": now})
    assert unknown.status_code == 400
    rkey = like.json()["uri"].rsplit("/", 1)[-1]
    delete = {"repo": acct["did"], "collection": "app.bsky.feed.like", "rkey": rkey}
    gone = client.post("/com.atproto.repo.deleteRecord", json=delete, headers=headers)
    assert gone.status_code == 200 and "commit" in gone.json()
    assert emu.subject_count("app.bsky.feed.like", uri) == 0
    repeat = client.post("/com.atproto.repo.deleteRecord", json=delete, headers=headers)
    assert repeat.status_code == 200 and repeat.json() == {}  # already gone: a no-op


def test_delete_needs_the_owner_and_timeline_and_describe_server(client, emu, acct) -> None:
    uri = create(client, acct, record("mine")).json()["uri"]
    other = emu.seed_account("bob.bsky.social")
    rkey = uri.rsplit("/", 1)[-1]
    body = {"repo": acct["did"], "collection": "app.bsky.feed.post", "rkey": rkey}
    refused = client.post(
        "/com.atproto.repo.deleteRecord", json=body, headers=auth(other["access_token"])
    )
    assert refused.status_code == 401 and uri in emu.records
    feed = client.get("/app.bsky.feed.getTimeline", headers=auth(acct["access_token"])).json()
    assert feed["feed"][0]["post"]["uri"] == uri
    server = client.get("/com.atproto.server.describeServer").json()
    assert server["did"].startswith("did:web:") and server["availableUserDomains"]

"""BlueskyAdapter against the real Bluesky emulator (no mocks)."""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost, PublishedRef
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.bluesky import BlueskyAdapter
from clientnest_cli.platforms.bluesky_support import record_key
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.registry import get_adapter_class
from clientnest_cli.sandbox.bluesky import BlueskyEmulator
from clientnest_cli.sandbox.framework import SandboxServer

HANDLE = "acme.bsky.social"
TID_CHARS = set("234567abcdefghijklmnopqrstuvwxyz")


@pytest.fixture
def emu(sandbox: SandboxServer) -> BlueskyEmulator:
    emulator = sandbox.emulator("bluesky")
    assert isinstance(emulator, BlueskyEmulator)
    return emulator


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    client = make_client(timeout=5)
    yield client
    client.close()


@pytest.fixture
def acct(emu: BlueskyEmulator) -> dict[str, Any]:
    return emu.seed_account(HANDLE)


@pytest.fixture
def adapter(sandbox: SandboxServer, acct: dict[str, Any], http: httpx.Client) -> BlueskyAdapter:
    credentials = Credentials(
        access_token=acct["access_token"],
        refresh_token=acct["refresh_token"],
        extra={"did": acct["did"], "handle": HANDLE},
    )
    context = AccountContext(HANDLE, sandbox.base_url("bluesky"), credentials, acct["did"])
    return BlueskyAdapter(context, http)


def post(text: str, key: str = "key-1", **kw: Any) -> OutgoingPost:
    created = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    return OutgoingPost(text=text, idempotency_key=key, created_at=created, **kw)


def stored(emu: BlueskyEmulator, did: str | None = None) -> list[dict[str, Any]]:
    return [p for p in emu.snapshot()["posts"] if did is None or p["did"] == did]


def png(path: Path, width: int, height: int, pad: int = 0) -> MediaItem:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * 3 * width for _ in range(height)))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw)
    data += chunk(b"IEND", b"") + b"\x00" * pad
    path.write_bytes(data)
    return MediaItem(path, "image/png", len(data), "0" * 64, alt_text="a red square")


# --- connecting and sessions ------------------------------------------------------


def test_registered_through_entry_points() -> None:
    cls = get_adapter_class("bluesky")
    assert cls is BlueskyAdapter
    assert cls.capabilities.idempotency == "record-key" and cls.capabilities.max_length == 300


def test_connect_with_app_password(sandbox, acct, http) -> None:
    req = ConnectRequest(
        base_url=sandbox.base_url("bluesky"), identifier="@" + HANDLE, password=acct["app_password"]
    )
    connected = BlueskyAdapter.connect(req, http)
    assert connected.credentials.extra == {"did": acct["did"], "handle": HANDLE}
    assert connected.credentials.expires_at is not None
    assert connected.info.platform_user_id == acct["did"] and connected.info.followers is not None


def test_connect_wrong_password_is_auth_with_app_password_hint(sandbox, acct, http) -> None:
    req = ConnectRequest(base_url=sandbox.base_url("bluesky"), identifier=HANDLE, password="x")
    with pytest.raises(PlatformError) as caught:
        BlueskyAdapter.connect(req, http)
    assert caught.value.kind == "auth"
    assert caught.value.message == "Bluesky rejected the handle or app password"
    assert "App passwords" in (caught.value.hint or "")


def test_connect_when_logins_are_rate_limited_is_retryable(sandbox, emu, acct, http) -> None:
    emu.session_attempts[acct["did"]] = [datetime.now(UTC).timestamp()] * 30
    req = ConnectRequest(
        base_url=sandbox.base_url("bluesky"), identifier=HANDLE, password=acct["app_password"]
    )
    with pytest.raises(PlatformError) as caught:
        BlueskyAdapter.connect(req, http)
    assert caught.value.kind == "retryable" and caught.value.retry_after is not None


def test_expired_token_is_auth_then_refresh_works_and_revokes_old(adapter, emu, acct) -> None:
    emu.tokens.expire_all()
    with pytest.raises(PlatformError) as caught:
        adapter.publish(post("after expiry"))
    assert caught.value.kind == "auth" and caught.value.status == 400
    assert acct["access_token"] not in caught.value.one_line()
    fresh = adapter.refresh_token()
    assert fresh.refresh_token != acct["refresh_token"]
    assert adapter.account.credentials is fresh
    assert adapter.publish(post("after expiry")).platform_post_id.startswith("at://")
    adapter.account.credentials.refresh_token = acct["refresh_token"]  # the revoked one
    with pytest.raises(PlatformError) as revoked:
        adapter.refresh_token()
    assert revoked.value.kind == "auth"


def test_invalid_token_is_auth(adapter) -> None:
    adapter.account.credentials.access_token = "not.a.token"
    with pytest.raises(PlatformError) as caught:
        adapter.account_info()
    assert caught.value.kind == "auth" and caught.value.status == 401


# --- publishing -------------------------------------------------------------------


def test_publish_with_link_mention_and_hashtag_facets(adapter, emu, acct) -> None:
    bob = emu.seed_account("bob.bsky.social")
    text = "🎉🚀 Launch: https://example.com/a?b=1 with @bob.bsky.social and @ghost.invalid #launch"
    ref = adapter.publish(post(text, language="en"))
    rkey = ref.platform_post_id.rsplit("/", 1)[-1]
    assert ref.url == f"https://bsky.app/profile/{HANDLE}/post/{rkey}"
    assert ref.extra["uri"] == ref.platform_post_id and ref.extra["cid"]
    record = stored(emu, acct["did"])[0]["record"]
    assert record["langs"] == ["en"]
    encoded = text.encode("utf-8")
    spans = {
        f["features"][0]["$type"].rsplit("#", 1)[1]: (
            encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(),
            f["features"][0],
        )
        for f in record["facets"]
    }
    assert spans["link"] == (
        "https://example.com/a?b=1",
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a?b=1"},
    )
    assert spans["mention"] == (
        "@bob.bsky.social",
        {"$type": "app.bsky.richtext.facet#mention", "did": bob["did"]},
    )
    assert spans["tag"][0] == "#launch" and spans["tag"][1]["tag"] == "launch"
    assert len(record["facets"]) == 3  # @ghost.invalid did not resolve: dropped


def test_thread_of_three_has_root_and_parent(adapter, emu, acct) -> None:
    first = adapter.publish(post("1/3", "t1"))
    second = adapter.publish(post("2/3", "t2", reply_to=first, root=first))
    # root omitted: the adapter reads it from the parent's own reply
    third = adapter.publish(post("3/3", "t3", reply_to=second))
    records = {p["uri"]: p["record"] for p in stored(emu, acct["did"])}
    assert "reply" not in records[first.platform_post_id]
    root = {"uri": first.extra["uri"], "cid": first.extra["cid"]}
    assert records[second.platform_post_id]["reply"] == {"root": root, "parent": root}
    parent = {"uri": second.extra["uri"], "cid": second.extra["cid"]}
    assert records[third.platform_post_id]["reply"] == {"root": root, "parent": parent}


def test_image_with_alt_text_and_aspect_ratio(adapter, emu, acct, tmp_path) -> None:
    media = (png(tmp_path / "a.png", 4, 3), png(tmp_path / "b.png", 2, 5))
    adapter.publish(post("pictures", media=media))
    images = stored(emu, acct["did"])[0]["record"]["embed"]["images"]
    assert [i["alt"] for i in images] == ["a red square", "a red square"]
    assert images[0]["aspectRatio"] == {"width": 4, "height": 3}
    assert images[1]["aspectRatio"] == {"width": 2, "height": 5}
    assert images[0]["image"]["mimeType"] == "image/png"


def test_image_of_unknown_shape_has_no_aspect_ratio(adapter, emu, acct, tmp_path) -> None:
    path = tmp_path / "odd.webp"
    path.write_bytes(b"not really an image")
    adapter.publish(post("odd", media=(MediaItem(path, "image/webp", 19, "0" * 64, "alt"),)))
    image = stored(emu, acct["did"])[0]["record"]["embed"]["images"][0]
    assert "aspectRatio" not in image and image["alt"] == "alt"


def test_blob_too_large_is_permanent(adapter, emu, tmp_path) -> None:
    big = png(tmp_path / "big.png", 1, 1, pad=2_000_001)
    with pytest.raises(PlatformError) as caught:
        adapter.publish(post("huge", media=(big,)))
    assert caught.value.kind == "permanent" and "too large" in caught.value.message
    assert stored(emu) == []


def test_over_length_is_rejected(adapter, emu) -> None:
    too_long = post("a" * 301)
    assert [v.rule for v in adapter.validate(too_long)]  # counted on our side too
    with pytest.raises(PlatformError) as caught:
        adapter.publish(too_long)
    assert caught.value.kind == "permanent" and "300 graphemes" in caught.value.message
    assert adapter.validate(post("👍🏽" * 300)) == []
    assert stored(emu) == []


# --- idempotency ----------------------------------------------------------------------


def test_record_key_is_a_stable_tid() -> None:
    created = datetime(2025, 3, 1, 12, 0, 0, 999999, tzinfo=UTC)
    key = record_key("abc", created)
    assert len(key) == 13 and set(key) <= TID_CHARS and key[0] in "234567abcdefghij"
    assert key == record_key("abc", created.replace(microsecond=0))  # store precision safe
    assert key != record_key("abd", created)
    assert record_key("abc", None) == record_key("abc", None)


def test_drop_after_write_then_retry_leaves_exactly_one_record(adapter, emu, acct) -> None:
    emu.faults.drop_after_write = 1.0
    with pytest.raises(PlatformError) as caught:
        adapter.publish(post("only once"))
    assert caught.value.kind == "unknown"
    emu.faults.drop_after_write = 0.0
    assert adapter.find_existing(post("only once")).state == "found"
    ref = adapter.publish(post("only once"))
    records = stored(emu, acct["did"])
    assert len(records) == 1 and records[0]["uri"] == ref.platform_post_id
    assert records[0]["rkey"] == record_key("key-1", post("x").created_at)


def test_find_existing_found_absent_unknown(adapter, emu) -> None:
    assert adapter.find_existing(post("not yet")).state == "absent"
    ref = adapter.publish(post("not yet"))
    found = adapter.find_existing(post("not yet"))
    assert found.state == "found" and found.ref == ref
    emu.faults.error_rate = 1.0  # a failed lookup is no answer: raised, for the publisher to retry
    with pytest.raises(PlatformError) as caught:
        adapter.find_existing(post("not yet"))
    assert caught.value.kind == "retryable"


# --- faults -----------------------------------------------------------------------------


def test_5xx_is_retryable(adapter, emu) -> None:
    emu.faults.error_rate = 1.0
    with pytest.raises(PlatformError) as caught:
        adapter.publish(post("x"))
    assert caught.value.kind == "retryable" and caught.value.status == 503
    assert stored(emu) == []


def test_slow_write_timing_out_is_unknown_and_retry_stays_single(adapter, emu) -> None:
    emu.faults.latency_s = 0.3
    impatient = BlueskyAdapter(adapter.account, make_client(timeout=0.1))
    with pytest.raises(PlatformError) as caught:
        impatient.publish(post("slow"))
    impatient.close()
    assert caught.value.kind == "unknown"
    emu.faults.latency_s = 0.0
    time.sleep(0.4)  # let the server finish (or abandon) the first request
    assert adapter.find_existing(post("slow")).state in ("found", "absent")
    ref = adapter.publish(post("slow"))
    assert [p["uri"] for p in stored(emu)] == [ref.platform_post_id]


def test_429_is_retryable_with_reset(adapter, emu) -> None:
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 1.0
    with pytest.raises(PlatformError) as caught:
        adapter.publish(post("x"))
    assert caught.value.kind == "retryable" and caught.value.status == 429
    assert caught.value.retry_after is not None and 0 <= caught.value.retry_after <= 2.5


# --- metrics, comments, account -----------------------------------------------------------


def test_sixty_posts_metrics_in_three_calls(adapter, emu) -> None:
    seeded = [emu.seed_post(HANDLE, f"post {i}", age_s=3600) for i in range(60)]
    refs = [PublishedRef(s["uri"], extra=s) for s in seeded]
    emu.calls.clear()
    metrics = adapter.fetch_metrics(refs)
    assert emu.calls["app.bsky.feed.getPosts"] == 3
    assert [m.platform_post_id for m in metrics] == [r.platform_post_id for r in refs]
    assert all(m.views is None and m.likes > 10 for m in metrics)  # an hour of growth
    one = metrics[0]
    assert one.shares == one.extra["reposts"] + one.extra["quotes"]


def test_comments_exclude_our_own_thread_and_reply_works(adapter, emu) -> None:
    first = adapter.publish(post("root", "r1"))
    adapter.publish(post("our own continuation", "r2", reply_to=first, root=first))
    carol = emu.add_reply(first.platform_post_id, "carol.bsky.social", "Love it")
    emu.add_reply(carol, "dave.bsky.social", "same")
    comments = adapter.fetch_comments(first)
    assert sorted((c.author, c.text) for c in comments) == [
        ("carol.bsky.social", "Love it"),
        ("dave.bsky.social", "same"),
    ]
    assert all(c.platform_post_id == first.platform_post_id for c in comments)
    answer = adapter.reply(PublishedRef(platform_post_id=carol), "Thanks!")
    record = next(p["record"] for p in stored(emu) if p["uri"] == answer.platform_post_id)
    assert record["reply"]["root"]["uri"] == first.platform_post_id
    assert record["reply"]["parent"]["uri"] == carol


def test_account_info(adapter, acct) -> None:
    adapter.publish(post("one"))
    info = adapter.account_info()
    assert (info.platform_user_id, info.handle, info.posts) == (acct["did"], HANDLE, 1)
    assert info.followers is not None and info.following is not None

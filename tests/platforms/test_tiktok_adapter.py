"""The TikTok adapter against the real TikTok emulator on loopback."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost, PublishedRef
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.registry import get_adapter_class
from clientnest_cli.platforms.tiktok import TikTokAdapter
from tests.media_host import JPEG_BYTES, MP4_HEAD, MediaHost

MB = 1024 * 1024
REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture
def host(tmp_path: Path):
    with MediaHost(tmp_path) as media_host:
        yield media_host


def make_adapter(sandbox, host: MediaHost, account: dict | None = None, http=None) -> TikTokAdapter:
    account = account or sandbox.emulator("tiktok").seed_account("acme.tt")
    creds = Credentials(
        access_token=account["access_token"],
        refresh_token=account["refresh_token"],
        extra={"client_key": "cn-key", "client_secret": "cn-secret"},
    )
    context = AccountContext(
        handle="acme.tt",
        base_url=sandbox.base_url("tiktok"),
        credentials=creds,
        platform_user_id=account["user_id"],
        settings={"media_base_url": host.url, "poll_interval_s": "0.05", "poll_timeout_s": "5"},
    )
    return TikTokAdapter(context, http)


@pytest.fixture
def tt(sandbox, host):
    adapter = make_adapter(sandbox, host)
    yield adapter, sandbox.emulator("tiktok")
    adapter.close()


def video(host: MediaHost, size: int = 4096, name: str = "clip.mp4", head: bytes = MP4_HEAD):
    data = head + b"\x00" * (size - len(head))
    path = host.add(name, data)
    return MediaItem(path, "video/mp4", size, hashlib.sha256(data).hexdigest())


def photo(host: MediaHost, name: str) -> MediaItem:
    path = host.add(name, JPEG_BYTES)
    return MediaItem(path, "image/jpeg", len(JPEG_BYTES), "x")


def post(text: str, *media: MediaItem, **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key=secrets.token_hex(8), media=media, **kwargs)


def posts(emu) -> list[dict]:
    return emu.snapshot()["posts"]


def test_registry_loads_the_adapter():
    cls = get_adapter_class("tiktok")
    assert cls is TikTokAdapter
    assert (cls.display_name, cls.default_base_url) == ("TikTok", "https://open.tiktokapis.com")
    assert cls.capabilities.auth == "oauth-pkce"


def test_publishes_a_small_video_in_one_chunk(tt, host):
    adapter, emu = tt
    saved: list[str] = []
    adapter.on_resume_token = saved.append
    ref = adapter.publish(post("first clip", video(host)))
    [stored] = posts(emu)
    assert ref.platform_post_id == stored["id"] and stored["title"] == "first clip"
    assert ref.url == f"https://www.tiktok.com/@acme.tt/video/{stored['id']}"
    assert ref.extra["publish_id"] == saved[0] == stored["publish_id"]


def test_publishes_a_big_video_in_chunks(tt, host):
    adapter, emu = tt
    adapter.chunk_size = 5 * MB
    ref = adapter.publish(post("chunked", video(host, size=12 * MB)))
    [stored] = posts(emu)
    assert stored["id"] == ref.platform_post_id
    [publish] = emu.snapshot()["publishes"]
    assert publish["uploaded_bytes"] == 12 * MB


def test_publishes_photos_pulled_from_urls(tt, host):
    adapter, emu = tt
    ref = adapter.publish(
        post("two photos\nmore words", photo(host, "a.jpg"), photo(host, "b.jpg"))
    )
    [stored] = posts(emu)
    assert stored["id"] == ref.platform_post_id
    assert stored["title"] == "two photos"
    assert stored["video_description"] == "two photos\nmore words"


def test_text_only_is_refused(tt):
    adapter, emu = tt
    assert any(v.rule == "media_required" for v in adapter.validate(post("words only")))
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("words only"))
    assert err.value.kind == "permanent" and "text-only" in err.value.message
    assert emu.snapshot()["publishes"] == []


def test_resume_after_a_dropped_upload_polls_and_never_reinits(tt, host):
    adapter, emu = tt
    saved: list[str] = []

    def save_then_break_the_line(publish_id: str) -> None:
        saved.append(publish_id)
        emu.faults.drop_after_write = 1.0

    adapter.on_resume_token = save_then_break_the_line
    item = video(host)
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("dropped", item))
    assert err.value.kind == "unknown"
    emu.faults.drop_after_write = 0.0
    adapter.on_resume_token = saved.append
    ref = adapter.publish(post("dropped", item, resume_token=saved[0]))
    assert [p["id"] for p in posts(emu)] == [ref.platform_post_id]
    assert len(emu.snapshot()["publishes"]) == 1 and len(saved) == 1
    found = adapter.find_existing(post("dropped", item, resume_token=saved[0]))
    assert found.ref.platform_post_id == ref.platform_post_id


def test_failed_processing_is_permanent_with_the_reason(tt, host):
    adapter, emu = tt
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("not a video", video(host, head=b"plain text, no video")))
    assert err.value.kind == "permanent"
    assert "file format is not accepted" in err.value.message
    assert posts(emu) == []


def test_unreachable_photo_fails_with_the_reason(tt, host):
    adapter, _ = tt
    missing = MediaItem(host.root / "nope.jpg", "image/jpeg", 1, "x")
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("missing photo", missing))
    assert "could not download the photos" in err.value.message


def test_find_existing_by_text(tt, host):
    adapter, _ = tt
    ref = adapter.publish(post("look for me", video(host)))
    assert adapter.find_existing(post("look for me")).ref.platform_post_id == ref.platform_post_id
    assert adapter.search(post("not posted")).state == "absent"
    # without the publish id, "not listed" may be "still processing": no answer yet
    with pytest.raises(PlatformError) as caught:
        adapter.find_existing(post("not posted"))
    assert caught.value.kind == "retryable"


def test_metrics_are_batched_twenty_at_a_time(sandbox, host):
    seen: list[str] = []
    http = make_client(event_hooks={"request": [lambda req: seen.append(req.url.path)]})
    adapter = make_adapter(sandbox, host, http=http)
    emu = sandbox.emulator("tiktok")
    ref = adapter.publish(post("counted", video(host)))
    emu.age_video(ref.platform_post_id, 3600)
    refs = [ref] + [PublishedRef(str(7000 + i)) for i in range(24)]
    seen.clear()
    [metrics] = adapter.fetch_metrics(refs)
    assert seen.count("/tiktok/v2/video/query/") == 2
    assert metrics.views > 0 and metrics.likes > 0
    adapter.close()


def test_account_info(tt, host):
    adapter, _ = tt
    adapter.publish(post("one", video(host)))
    info = adapter.account_info()
    assert (info.handle, info.posts) == ("acme.tt", 1)
    assert info.platform_user_id == adapter.account.platform_user_id


def test_refresh_rotates_the_refresh_token(tt):
    adapter, _ = tt
    old = adapter.account.credentials.refresh_token
    creds = adapter.refresh_token()
    assert creds.refresh_token != old
    assert creds.refresh_expires_at - datetime.now(UTC) > timedelta(days=300)
    assert creds.extra["client_key"] == "cn-key"
    assert adapter.account_info().handle == "acme.tt"
    adapter.account.credentials.refresh_token = old
    with pytest.raises(PlatformError) as err:
        adapter.refresh_token()
    assert err.value.kind == "auth"


def test_connect_with_pkce(sandbox):
    base = sandbox.base_url("tiktok")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    req = ConnectRequest(
        base_url=base,
        auth_base_url=base,
        client_id="cn-key",
        client_secret="cn-secret",
        redirect_uri=REDIRECT,
    )
    url = TikTokAdapter.authorize_url(req, "st", challenge.rstrip(b"=").decode())
    assert "code_challenge_method=S256" in url
    with httpx.Client() as http:
        code = parse_qs(urlparse(http.get(url).headers["location"]).query)["code"][0]
        req.code, req.code_verifier = code, "wrong-verifier"
        with pytest.raises(PlatformError) as err:
            TikTokAdapter.connect(req, http)
        assert err.value.kind == "auth"
        req.code = parse_qs(urlparse(http.get(url).headers["location"]).query)["code"][0]
        req.code_verifier = verifier
        connected = TikTokAdapter.connect(req, http)
    assert connected.info.handle == "sandbox.creator"
    assert connected.credentials.refresh_token
    assert connected.credentials.extra["client_key"] == "cn-key"


def test_rate_limits_are_retryable(tt, host):
    adapter, emu = tt
    emu.faults.rate_limit_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("limited", video(host)))
    assert err.value.kind == "retryable" and err.value.retry_after == 60
    assert err.value.status == 429 and "rate-limiting" in err.value.message


def test_init_window_of_six_per_minute(tt, host):
    adapter, emu = tt
    item = video(host)
    for i in range(6):
        adapter.publish(post(f"clip {i}", item))
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("clip 7", item))
    assert err.value.kind == "retryable" and err.value.status == 429
    assert len(posts(emu)) == 6


def test_server_errors_and_dead_tokens(tt, host):
    adapter, emu = tt
    emu.faults.error_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.account_info()
    assert err.value.kind == "retryable" and err.value.status == 503
    emu.faults.error_rate = 0.0
    emu.tokens.expire_all()
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("dead token", video(host)))
    assert err.value.kind == "auth" and "no longer valid" in err.value.message
    assert adapter.account.credentials.access_token not in err.value.one_line()


def test_invalid_params_are_permanent_with_the_platform_message(tt, host):
    adapter, emu = tt
    emu.privacy_options = ["SELF_ONLY"]
    adapter.account.settings["privacy_level"] = "PUBLIC_TO_EVERYONE"
    ref = adapter.publish(post("private fallback", video(host)))
    assert ref.platform_post_id
    odd = video(host, name="clip.avi")
    odd = MediaItem(odd.path, "video/x-msvideo", odd.size, odd.sha256)
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("wrong type", odd))
    assert err.value.kind == "permanent" and "Content-Type must be one of" in err.value.message


def test_slow_platform_still_works(tt, host):
    adapter, emu = tt
    emu.faults.latency_s = 0.05
    assert adapter.publish(post("slowly", video(host))).platform_post_id

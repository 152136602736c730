"""The Instagram adapter against the real Instagram emulator on loopback."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost, PublishedRef
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.instagram import InstagramAdapter
from clientnest_cli.platforms.registry import get_adapter_class
from tests.media_host import JPEG_BYTES, MP4_HEAD, MediaHost

REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture
def host(tmp_path: Path):
    with MediaHost(tmp_path) as media_host:
        yield media_host


def make_adapter(sandbox, host: MediaHost, account: dict | None = None, **settings: str):
    emu = sandbox.emulator("instagram")
    account = account or emu.seed_account("acme")
    context = AccountContext(
        handle="acme",
        base_url=sandbox.base_url("instagram"),
        credentials=Credentials(access_token=account["access_token"]),
        platform_user_id=account["user_id"],
        settings={
            "media_base_url": host.url,
            "poll_interval_s": "0.05",
            "poll_timeout_s": "5",
            **settings,
        },
    )
    return InstagramAdapter(context)


@pytest.fixture
def ig(sandbox, host):
    adapter = make_adapter(sandbox, host)
    yield adapter, sandbox.emulator("instagram")
    adapter.close()


def image(host: MediaHost, name: str = "photo.jpg", data: bytes = JPEG_BYTES) -> MediaItem:
    path = host.add(name, data)
    return MediaItem(path, "image/jpeg", len(data), hashlib.sha256(data).hexdigest())


def post(text: str, *media: MediaItem, **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key=secrets.token_hex(8), media=media, **kwargs)


def posts(emu) -> list[dict]:
    return emu.snapshot()["posts"]


# --- publishing ---------------------------------------------------------------------------


def test_registry_loads_the_adapter():
    cls = get_adapter_class("instagram")
    assert cls is InstagramAdapter
    assert cls.display_name == "Instagram"
    assert cls.default_base_url == "https://graph.instagram.com"
    assert cls.capabilities.text_only is False


def test_publishes_an_image_through_a_container(ig, host):
    adapter, emu = ig
    saved: list[str] = []
    adapter.on_resume_token = saved.append
    ref = adapter.publish(post("Launch day ☀️", image(host)))
    [stored] = posts(emu)
    assert ref.platform_post_id == stored["id"]
    assert ref.url == stored["permalink"]
    assert stored["caption"] == "Launch day ☀️"
    assert stored["media_url"] == f"{host.url}/photo.jpg"
    assert len(saved) == 1
    assert emu.snapshot()["containers"][0] == {
        "id": saved[0],
        "status_code": "PUBLISHED",
        "media_id": ref.platform_post_id,
    }


def test_public_url_wins_over_media_base_url(ig, host):
    adapter, emu = ig
    item = image(host, "elsewhere.jpg")
    item = replace(item, public_url=f"{host.url}/elsewhere.jpg")
    adapter.account.settings["media_base_url"] = "http://127.0.0.1:9/nothing-here"
    adapter.publish(post("public url", item))
    assert posts(emu)[0]["media_url"] == f"{host.url}/elsewhere.jpg"


def test_publishes_a_carousel(ig, host):
    adapter, emu = ig
    items = [image(host, f"p{i}.jpg") for i in range(3)]
    ref = adapter.publish(post("three photos", *items))
    [stored] = posts(emu)
    assert stored["id"] == ref.platform_post_id
    assert stored["media_type"] == "CAROUSEL_ALBUM"
    assert len(stored["children"]["data"]) == 3


def test_publishes_a_video_as_a_reel(ig, host):
    adapter, emu = ig
    data = MP4_HEAD + b"\x00" * 2048
    path = host.add("clip.mp4", data)
    adapter.publish(post("a reel", MediaItem(path, "video/mp4", len(data), "x")))
    [stored] = posts(emu)
    assert stored["media_product_type"] == "REELS"


def test_text_only_is_refused_by_validate_and_publish(ig):
    adapter, emu = ig
    violations = adapter.validate(post("just words"))
    assert any(v.rule == "media_required" for v in violations)
    assert any("text-only" in str(v) for v in violations)
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("just words"))
    assert err.value.kind == "permanent"
    assert posts(emu) == []


def test_validate_wants_a_public_media_url(sandbox, host):
    adapter = make_adapter(sandbox, host, media_base_url="")
    item = image(host)
    assert [v.rule for v in adapter.validate(post("hi", item))] == ["media_url"]
    with pytest.raises(PlatformError, match="public URL"):
        adapter.publish(post("hi", item))
    adapter.close()


def test_unfetchable_media_fails_permanently(ig, host):
    adapter, emu = ig
    missing = MediaItem(host.root / "gone.jpg", "image/jpeg", 10, "x")
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("where is it", missing))
    assert err.value.kind == "permanent"
    assert "could not process the media" in err.value.message
    assert "HTTP 404" in err.value.message
    assert posts(emu) == []


def test_caption_over_the_limit_is_the_platforms_message(ig, host):
    adapter, _ = ig
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("x" * 2201, image(host)))
    assert err.value.kind == "permanent"
    assert "caption is too long" in err.value.message


# --- exactly once: drops and resumes ------------------------------------------------------------


def test_drop_after_publish_is_recovered_from_the_container(ig, host):
    adapter, emu = ig

    def drop_from_now_on(container_id: str) -> None:
        emu.faults.drop_after_write = 1.0

    adapter.on_resume_token = drop_from_now_on
    ref = adapter.publish(post("dropped answer", image(host)))
    [stored] = posts(emu)
    assert ref.platform_post_id == stored["id"]


def test_resume_of_a_published_container_finds_the_post(sandbox, ig, host):
    adapter, emu = ig
    saved: list[str] = []
    adapter.on_resume_token = saved.append
    item = image(host)
    first = adapter.publish(post("only once", item))
    again = make_adapter(sandbox, host, account=None)
    again.account.credentials = adapter.account.credentials
    again.account.platform_user_id = adapter.account.platform_user_id
    ref = again.publish(post("only once", item, resume_token=saved[0]))
    assert ref.platform_post_id == first.platform_post_id
    assert len(posts(emu)) == 1
    again.close()


def crash_after_saving(saved: list[str]):
    """An on_resume_token callback that saves the id, then dies like a killed daemon."""

    def callback(container_id: str) -> None:
        saved.append(container_id)
        raise RuntimeError("daemon killed before publishing")

    return callback


def test_resume_of_a_finished_container_publishes_it(ig, host):
    adapter, emu = ig
    saved: list[str] = []
    adapter.on_resume_token = crash_after_saving(saved)
    item = image(host)
    with pytest.raises(RuntimeError):
        adapter.publish(post("resume me", item))
    adapter.on_resume_token = None
    ref = adapter.publish(post("resume me", item, resume_token=saved[0]))
    assert [p["id"] for p in posts(emu)] == [ref.platform_post_id]
    assert len(emu.snapshot()["containers"]) == 1


@pytest.mark.parametrize("broken", ["ERROR", "EXPIRED"])
def test_resume_of_a_broken_container_starts_again(ig, host, broken):
    adapter, emu = ig
    saved: list[str] = []
    if broken == "ERROR":
        adapter.on_resume_token = saved.append
        with pytest.raises(PlatformError):  # the file is not served yet
            adapter.publish(post("again", MediaItem(host.root / "late.jpg", "image/jpeg", 1, "x")))
    else:
        adapter.on_resume_token = crash_after_saving(saved)
        with pytest.raises(RuntimeError):
            adapter.publish(post("again", image(host, "late.jpg")))
        emu.age_container(saved[0], 2 * 86400)
    adapter.on_resume_token = saved.append
    ref = adapter.publish(post("again", image(host, "late.jpg"), resume_token=saved[0]))
    assert [p["id"] for p in posts(emu)] == [ref.platform_post_id]
    assert len(saved) == 2 and saved[0] != saved[1]


def test_slow_processing_is_retryable_then_resumes(ig, host):
    adapter, emu = ig
    emu.processing_s = 30
    adapter.poll_timeout_s = 0.2
    saved: list[str] = []
    adapter.on_resume_token = saved.append
    item = image(host)
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("slow one", item))
    assert err.value.kind == "retryable"
    assert "still processing" in err.value.message
    emu.age_container(saved[0], 60)
    ref = adapter.publish(post("slow one", item, resume_token=saved[0]))
    assert [p["id"] for p in posts(emu)] == [ref.platform_post_id]


def test_find_existing(ig, host):
    adapter, _ = ig
    saved: list[str] = []
    adapter.on_resume_token = saved.append
    item = image(host)
    ref = adapter.publish(post("find me", item))
    assert adapter.find_existing(post("find me", item)).ref == ref
    by_token = adapter.find_existing(post("find me", item, resume_token=saved[0]))
    assert by_token.state == "found" and by_token.ref.platform_post_id == ref.platform_post_id
    assert adapter.find_existing(post("never sent", item)).state == "absent"


# --- metrics, comments, account ------------------------------------------------------------------


def test_metrics_grow_and_comments_are_read(ig, host):
    adapter, emu = ig
    ref = adapter.publish(post("measure me", image(host)))
    emu.age_post(ref.platform_post_id, 600)
    first = adapter.fetch_metrics([ref])[0]
    emu.age_post(ref.platform_post_id, 3600)
    emu.add_comment(ref.platform_post_id, "fan_1", "love it")
    later = adapter.fetch_metrics([ref, PublishedRef("404404")])
    assert len(later) == 1
    assert later[0].views > first.views > 0
    assert later[0].likes > first.likes
    assert later[0].comments == 1
    assert set(later[0].extra) == {"reach", "saved", "total_interactions"}
    [comment] = adapter.fetch_comments(ref)
    assert (comment.author, comment.text) == ("fan_1", "love it")
    assert comment.created_at is not None


def test_account_info(ig, host):
    adapter, _ = ig
    adapter.publish(post("one", image(host)))
    info = adapter.account_info()
    assert info.handle == "acme"
    assert info.platform_user_id == adapter.account.platform_user_id
    assert info.posts == 1 and info.followers and info.followers > 0


# --- tokens ----------------------------------------------------------------------------------------


def test_refresh_refuses_a_token_younger_than_a_day(ig):
    adapter, _ = ig
    with pytest.raises(PlatformError) as err:
        adapter.refresh_token()
    assert err.value.kind == "permanent"
    assert "24 hours" in err.value.message and "24 hours" in err.value.hint
    assert adapter.account.credentials.access_token not in err.value.one_line()


def test_refresh_after_a_day_gives_a_new_60_day_token(sandbox, host):
    emu = sandbox.emulator("instagram")
    adapter = make_adapter(sandbox, host, account=emu.seed_account("acme", token_age_s=25 * 3600))
    old = adapter.account.credentials.access_token
    creds = adapter.refresh_token()
    assert creds.access_token != old
    assert creds.expires_at - datetime.now(UTC) > timedelta(days=59)
    assert "issued_at" in creds.extra
    assert adapter.account_info().handle == "acme"
    adapter.close()


def test_connect_through_oauth(sandbox):
    base = sandbox.base_url("instagram")
    req = ConnectRequest(
        base_url=base,
        auth_base_url=base,
        client_id="cn-app",
        client_secret="s3cret",
        redirect_uri=REDIRECT,
    )
    url = InstagramAdapter.authorize_url(req, state="st4te", code_challenge="unused")
    assert "scope=instagram_business_basic" in url
    with httpx.Client() as http:
        location = http.get(url).headers["location"]
        query = parse_qs(urlparse(location).query)
        assert query["state"] == ["st4te"]
        req.code = query["code"][0]
        connected = InstagramAdapter.connect(req, http)
    assert connected.info.handle == "sandbox_user"
    assert connected.credentials.expires_at - datetime.now(UTC) > timedelta(days=59)


@pytest.mark.parametrize("consent", ["deny", "never"])
def test_consent_refused_or_never_given(sandbox, consent):
    sandbox.emulator("instagram").faults.consent = consent
    base = sandbox.base_url("instagram")
    req = ConnectRequest(base_url=base, auth_base_url=base, client_id="c", redirect_uri=REDIRECT)
    resp = httpx.get(InstagramAdapter.authorize_url(req, "s", ""))
    if consent == "deny":
        assert resp.status_code == 302
        assert "error=access_denied" in resp.headers["location"]
    else:
        assert resp.status_code == 200 and "location" not in resp.headers


# --- faults and error envelopes --------------------------------------------------------------------


def test_expired_token_is_an_auth_error(ig, host):
    adapter, emu = ig
    emu.tokens.expire_all()
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("late", image(host)))
    assert err.value.kind == "auth"
    assert "expired or revoked" in err.value.message
    assert adapter.account.credentials.access_token not in err.value.one_line()


def test_server_errors_are_retryable(ig):
    adapter, emu = ig
    emu.faults.error_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.account_info()
    assert err.value.kind == "retryable" and err.value.status == 503
    assert "temporary problem" in err.value.message


def test_throttling_codes_are_retryable_with_a_wait(ig, host):
    adapter, emu = ig
    emu.faults.rate_limit_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("throttled", image(host)))
    assert err.value.kind == "retryable"
    assert err.value.retry_after == 60
    assert "throttling" in err.value.message


def test_publishing_limit_is_retryable_later(ig, host):
    adapter, emu = ig
    emu.publish_quota = 1
    adapter.publish(post("first", image(host)))
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("second", image(host)))
    assert err.value.kind == "retryable" and err.value.retry_after == 3600
    assert "publishing limit" in err.value.message


def test_slow_platform_still_works(ig, host):
    adapter, emu = ig
    emu.faults.latency_s = 0.05
    assert adapter.publish(post("patience", image(host))).platform_post_id

"""MastodonAdapter against the Mastodon emulator: connect, publish, find, metrics, errors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost, PublishedRef
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.mastodon import MastodonAdapter, comparable, html_to_text
from clientnest_cli.platforms.registry import get_adapter_class

REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def emu(sandbox):
    return sandbox.emulator("mastodon")


@pytest.fixture
def adapter(sandbox, emu):
    seeded = emu.seed_account("alice")
    account = AccountContext(
        handle="alice",
        base_url=sandbox.base_url("mastodon"),
        credentials=Credentials(access_token=seeded["access_token"]),
        platform_user_id=seeded["user_id"],
    )
    adapter = MastodonAdapter(account, make_client(timeout=5))
    yield adapter
    adapter.close()


def post(text: str, key: str = "key-1", **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key=key, **kwargs)


def media_file(tmp_path: Path, name: str, mime: str, alt: str = "") -> MediaItem:
    data = name.encode() * 100
    path = tmp_path / name
    path.write_bytes(data)
    return MediaItem(path, mime, len(data), hashlib.sha256(data).hexdigest(), alt_text=alt)


def test_registered_through_entry_points():
    assert get_adapter_class("mastodon") is MastodonAdapter
    caps = MastodonAdapter.capabilities
    assert caps.threads and caps.idempotency == "key" and caps.max_media == 4
    assert caps.auth == "oauth-app" and caps.comments and caps.metrics_batch == 1


def test_full_connect_flow_playing_the_browser(sandbox, emu):
    emu.login_as("carol")
    with make_client(timeout=5) as http:
        req = ConnectRequest(base_url=sandbox.base_url("mastodon"), redirect_uri=REDIRECT)
        req = MastodonAdapter.prepare_connect(req, http)
        assert req.client_id and req.client_secret
        assert emu.snapshot()["apps"][0]["client_id"] == req.client_id
        url = MastodonAdapter.authorize_url(req, state="st", code_challenge="")
        assert url.startswith(sandbox.base_url("mastodon") + "/oauth/authorize?")
        location = http.get(url).headers["location"]  # the browser follows consent
        query = parse_qs(urlparse(location).query)
        assert query["state"] == ["st"]
        req.code = query["code"][0]
        connected = MastodonAdapter.connect(req, http)
    assert connected.info.handle == "carol"
    assert connected.credentials.access_token
    assert connected.credentials.extra == {
        "client_id": req.client_id,
        "client_secret": req.client_secret,
    }


def test_connect_with_a_used_code_is_an_auth_error(sandbox):
    with make_client(timeout=5) as http:
        req = MastodonAdapter.prepare_connect(
            ConnectRequest(base_url=sandbox.base_url("mastodon"), redirect_uri=REDIRECT), http
        )
        req.code = "not-a-code"
        with pytest.raises(PlatformError) as err:
            MastodonAdapter.connect(req, http)
    assert err.value.kind == "auth" and req.client_secret not in err.value.one_line()


def test_publish_text_and_thread(adapter, emu):
    first = adapter.publish(post("Part one", "k1"))
    second = adapter.publish(post("Part two", "k2", reply_to=first, root=first))
    assert first.url.endswith(first.platform_post_id)
    posts = {p["id"]: p for p in emu.snapshot()["posts"]}
    assert posts[second.platform_post_id]["in_reply_to_id"] == first.platform_post_id


def test_publish_media_with_description_and_video_polling(adapter, emu, tmp_path):
    emu.media_processing_s = 0.3
    image = media_file(tmp_path, "chart.png", "image/png", alt="A rising chart")
    video = media_file(tmp_path, "clip.mp4", "video/mp4")
    adapter.publish(post("With image", "k1", media=(image,)))
    adapter.publish(post("With video", "k2", media=(video,)))
    media = emu.snapshot()["media"]
    assert media[0]["description"] == "A rising chart"
    assert media[0]["sha256"] == image.sha256
    assert [p["media_ids"] for p in emu.snapshot()["posts"]] == [[media[0]["id"]], [media[1]["id"]]]


def test_idempotency_key_replay_after_drop_yields_one_status(adapter, emu):
    emu.faults.drop_after_write = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("Exactly once", "same-key"))
    assert err.value.kind == "unknown"
    emu.faults.drop_after_write = 0.0
    found = adapter.find_existing(post("Exactly once", "same-key"))
    retried = adapter.publish(post("Exactly once", "same-key"))
    assert found.state == "found" and found.ref.platform_post_id == retried.platform_post_id
    assert len(emu.snapshot()["posts"]) == 1


def test_find_existing_absent_and_remote_mentions(adapter, emu):
    assert adapter.find_existing(post("never sent")).state == "absent"
    text = (
        "Thanks @bob@example.social!\n\nSee https://example.com/a-very-long-path-that-is-cut #news"
    )
    adapter.publish(post(text, "k-m"))
    found = adapter.find_existing(post(text, "k-m", created_at=datetime.now(UTC)))
    assert found.state == "found"


def test_find_existing_raises_when_the_lookup_fails(adapter, emu):
    """A 5xx on the lookup is no answer: raised, for the publisher to retry with backoff."""
    emu.faults.error_rate = 1.0
    with pytest.raises(PlatformError) as caught:
        adapter.find_existing(post("anything"))
    assert caught.value.kind == "retryable" and "503" in caught.value.one_line()


def test_over_length_is_permanent_with_server_message(adapter, emu):
    emu.max_characters = 100
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("x" * 101))
    assert err.value.kind == "permanent" and err.value.status == 422
    assert "Text character limit of 100 exceeded" in err.value.message


def test_instance_limit_is_read_once(adapter, emu):
    emu.max_characters = 100
    assert adapter.max_characters() == 100
    emu.max_characters = 200
    assert adapter.max_characters() == 100  # cached per adapter
    adapter.account.settings["max_characters"] = "321"
    assert adapter.max_characters() == 321


def test_validate_uses_instance_limit(adapter, emu):
    pytest.importorskip("clientnest_cli.domain.rules")
    emu.max_characters = 100
    assert adapter.validate(post("x" * 100)) == []
    violations = adapter.validate(post("x" * 101))
    assert violations and violations[0].platform == "mastodon"


def test_revoked_token_is_auth_and_cannot_refresh(adapter, emu):
    emu.tokens.expire_all()
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("hello"))
    assert err.value.kind == "auth" and err.value.status == 401
    assert "reconnect" in err.value.hint
    assert adapter.account.credentials.access_token not in err.value.one_line()
    with pytest.raises(PlatformError) as refresh:
        adapter.refresh_token()
    assert refresh.value.kind == "auth"


def test_rate_limit_is_retryable_with_reset(adapter, emu):
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 0.8
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("hello"))
    assert err.value.kind == "retryable" and err.value.status == 429
    assert 0 < err.value.retry_after <= 1.0


def test_server_error_is_retryable(adapter, emu):
    emu.faults.error_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("hello"))
    assert err.value.kind == "retryable" and err.value.status == 503
    assert emu.snapshot()["posts"] == []


def test_metrics_and_comments(adapter, emu):
    ref = adapter.publish(post("Measure me"))
    emu.add_reply(ref.platform_post_id, "Great post!", handle="dave")
    adapter.reply(ref, "Thank you!")
    emu.statuses[ref.platform_post_id]["created"] -= 3600
    gone = PublishedRef("999")
    [metrics] = adapter.fetch_metrics([ref, gone])
    assert metrics.comments == 2 and metrics.likes > 0 and metrics.views is None
    comments = adapter.fetch_comments(ref)
    assert [(c.author, c.text) for c in comments] == [("dave", "Great post!")]


def test_account_info(adapter):
    info = adapter.account_info()
    assert info.handle == "alice" and info.platform_user_id == adapter.account.platform_user_id


def test_html_to_text_and_comparable():
    html = (
        '<p>a &amp; b<br />c</p><p><a href="x"><span class="invisible">https://</span>x.y</a></p>'
    )
    assert html_to_text(html) == "a & b\nc\n\nhttps://x.y"
    assert comparable("hi  @bob@example.social\n") == "hi @bob"


def test_unreachable_instance_is_retryable():
    bad = MastodonAdapter(
        AccountContext("x", "http://127.0.0.1:1", Credentials(access_token="t")),
        httpx.Client(timeout=2),
    )
    with pytest.raises(PlatformError) as err:
        bad.account_info()
    assert err.value.kind == "retryable"

"""The Threads adapter against the real Threads emulator on loopback."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.registry import get_adapter_class
from clientnest_cli.platforms.threads import ThreadsAdapter
from tests.media_host import JPEG_BYTES, MediaHost

REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture
def host(tmp_path: Path):
    with MediaHost(tmp_path) as media_host:
        yield media_host


def make_adapter(sandbox, host: MediaHost, account: dict | None = None) -> ThreadsAdapter:
    account = account or sandbox.emulator("threads").seed_account("acme")
    context = AccountContext(
        handle="acme",
        base_url=sandbox.base_url("threads"),
        credentials=Credentials(access_token=account["access_token"]),
        platform_user_id=account["user_id"],
        settings={"media_base_url": host.url, "poll_interval_s": "0.05", "poll_timeout_s": "5"},
    )
    return ThreadsAdapter(context)


@pytest.fixture
def th(sandbox, host):
    adapter = make_adapter(sandbox, host)
    yield adapter, sandbox.emulator("threads")
    adapter.close()


def image(host: MediaHost, name: str = "photo.jpg") -> MediaItem:
    path = host.add(name, JPEG_BYTES)
    return MediaItem(path, "image/jpeg", len(JPEG_BYTES), hashlib.sha256(JPEG_BYTES).hexdigest())


def post(text: str, *media: MediaItem, **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key=secrets.token_hex(8), media=media, **kwargs)


def posts(emu) -> list[dict]:
    return emu.snapshot()["posts"]


def test_registry_loads_the_adapter():
    cls = get_adapter_class("threads")
    assert cls is ThreadsAdapter
    assert (cls.display_name, cls.default_base_url) == ("Threads", "https://graph.threads.net")


def test_publishes_text(th):
    adapter, emu = th
    saved: list[str] = []
    adapter.on_resume_token = saved.append
    ref = adapter.publish(post("Hello Threads 👋"))
    [stored] = posts(emu)
    assert stored["id"] == ref.platform_post_id
    assert stored["media_type"] == "TEXT_POST" and stored["text"] == "Hello Threads 👋"
    assert ref.url == stored["permalink"]
    assert len(saved) == 1


def test_publishes_an_image_and_a_carousel(th, host):
    adapter, emu = th
    adapter.publish(post("one photo", image(host)))
    adapter.publish(post("two photos", image(host, "a.jpg"), image(host, "b.jpg")))
    kinds = [p["media_type"] for p in posts(emu)]
    assert kinds == ["IMAGE", "CAROUSEL_ALBUM"]


def test_publishes_a_thread_of_replies(th):
    adapter, emu = th
    root = adapter.publish(post("1/3 a thread"))
    second = adapter.publish(post("2/3 goes on", reply_to=root, root=root))
    third = adapter.publish(post("3/3 the end", reply_to=second, root=root))
    by_id = {p["id"]: p for p in posts(emu)}
    assert by_id[second.platform_post_id]["replied_to"] == {"id": root.platform_post_id}
    assert by_id[third.platform_post_id]["replied_to"] == {"id": second.platform_post_id}
    assert by_id[third.platform_post_id]["root_post"] == {"id": root.platform_post_id}
    found = adapter.find_existing(post("3/3 the end", reply_to=second))
    assert found.ref.platform_post_id == third.platform_post_id


def test_reply_to_a_post(th):
    adapter, _ = th
    root = adapter.publish(post("question?"))
    answer = adapter.reply(root, "answer!")
    [reply] = adapter.fetch_comments(root)
    assert reply.platform_comment_id == answer.platform_post_id and reply.text == "answer!"


def test_validate_counts_links_through_domain_rules(th):
    adapter, _ = th
    text = " ".join(f"https://site{i}.example.com" for i in range(6))
    assert any(v.rule == "links" for v in adapter.validate(post(text)))
    assert adapter.validate(post("fine")) == []


def test_platform_refuses_more_than_five_links(th):
    adapter, emu = th
    text = " ".join(f"site{i}.example.com" for i in range(6))
    with pytest.raises(PlatformError) as err:
        adapter.publish(post(text))
    assert err.value.kind == "permanent"
    assert "LINK_LIMIT_EXCEEDED" in err.value.message
    assert posts(emu) == []


def test_drop_after_publish_is_recovered(th):
    adapter, emu = th
    adapter.on_resume_token = lambda _cid: setattr(emu.faults, "drop_after_write", 1.0)
    ref = adapter.publish(post("lost answer"))
    assert [p["id"] for p in posts(emu)] == [ref.platform_post_id]


def test_resume_from_a_saved_container_yields_one_post(th):
    adapter, emu = th
    saved: list[str] = []
    first = adapter.publish(post("exactly once"))
    adapter.on_resume_token = saved.append
    # the same post again from a crashed attempt whose container was published
    container = emu.snapshot()["containers"][0]["id"]
    ref = adapter.publish(post("exactly once", resume_token=container))
    assert ref.platform_post_id == first.platform_post_id
    assert len(posts(emu)) == 1 and saved == []


def test_metrics_and_replies(th):
    adapter, emu = th
    ref = adapter.publish(post("measure me"))
    emu.age_post(ref.platform_post_id, 3600)
    emu.add_comment(ref.platform_post_id, "fan", "nice")
    [metrics] = adapter.fetch_metrics([ref])
    assert metrics.views > 0 and metrics.likes > 0
    assert metrics.comments == 1
    assert set(metrics.extra) == {"reposts", "quotes", "shares"}
    [comment] = adapter.fetch_comments(ref)
    assert (comment.author, comment.text) == ("fan", "nice")


def test_account_info_has_followers(th):
    adapter, _ = th
    info = adapter.account_info()
    assert info.handle == "acme" and info.followers and info.followers > 0


def test_refresh_rules(sandbox, th, host):
    adapter, emu = th
    with pytest.raises(PlatformError) as err:
        adapter.refresh_token()
    assert err.value.kind == "permanent" and "24 hours" in err.value.message
    aged = make_adapter(sandbox, host, emu.seed_account("acme", token_age_s=86400 + 60))
    creds = aged.refresh_token()
    assert creds.expires_at - datetime.now(UTC) > timedelta(days=59)
    assert aged.account_info().handle == "acme"
    aged.close()


def test_connect_exchanges_short_for_long_token(sandbox):
    base = sandbox.base_url("threads")
    req = ConnectRequest(
        base_url=base,
        auth_base_url=base,
        client_id="app",
        client_secret="sec",
        redirect_uri=REDIRECT,
    )
    with httpx.Client() as http:
        location = http.get(ThreadsAdapter.authorize_url(req, "xyz", "")).headers["location"]
        req.code = parse_qs(urlparse(location).query)["code"][0]
        connected = ThreadsAdapter.connect(req, http)
        assert connected.credentials.expires_at - datetime.now(UTC) > timedelta(days=59)
        assert connected.info.handle == "sandbox_user"
        with pytest.raises(PlatformError) as err:  # a code works once
            ThreadsAdapter.connect(req, http)
    assert err.value.kind == "permanent" and "verification code" in err.value.message


def test_faults_map_to_kinds(th):
    adapter, emu = th
    emu.faults.error_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("5xx"))
    assert err.value.kind == "retryable"
    emu.faults.error_rate = 0.0
    emu.faults.rate_limit_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("429-ish"))
    assert err.value.kind == "retryable" and err.value.retry_after
    emu.faults.rate_limit_rate = 0.0
    emu.tokens.expire_all()
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("expired"))
    assert err.value.kind == "auth" and err.value.hint
    assert posts(emu) == []


def test_quota_of_posts_per_day(th):
    adapter, emu = th
    emu.publish_quota = 2
    adapter.publish(post("one"))
    adapter.publish(post("two"))
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("three"))
    assert err.value.kind == "retryable" and "publishing limit" in err.value.message

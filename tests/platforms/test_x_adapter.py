"""The X adapter against the real X emulator on loopback."""

from __future__ import annotations

import base64
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
from clientnest_cli.platforms.registry import get_adapter_class
from clientnest_cli.platforms.x import SCOPES, XAdapter

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 9000
REDIRECT = "http://127.0.0.1:8765/callback"


def _adapter(sandbox, account: dict, client_id: str = "cn-client") -> XAdapter:
    creds = Credentials(
        access_token=account["access_token"],
        refresh_token=account["refresh_token"],
        extra={"client_id": client_id},
    )
    context = AccountContext(
        handle=account["handle"],
        base_url=sandbox.base_url("x"),
        credentials=creds,
        platform_user_id=account["user_id"],
    )
    return XAdapter(context)


@pytest.fixture
def x(sandbox):
    emu = sandbox.emulator("x")
    adapter = _adapter(sandbox, emu.seed_account("acme"))
    yield adapter, emu
    adapter.close()


def _post(text: str, **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key=secrets.token_hex(8), **kwargs)


def _media(tmp_path: Path, name: str, data: bytes, mime: str, alt: str = "") -> MediaItem:
    path = tmp_path / name
    path.write_bytes(data)
    return MediaItem(path, mime, len(data), hashlib.sha256(data).hexdigest(), alt_text=alt)


def _texts(emu) -> list[str]:
    return [t["text"] for t in emu.snapshot()["tweets"]]


# --- registry and capabilities -----------------------------------------------------


def test_registered_through_entry_points():
    cls = get_adapter_class("x")
    assert cls is XAdapter
    assert cls.capabilities.metrics_batch == 100
    assert cls.capabilities.idempotency == "duplicate-detect"
    assert cls.capabilities.auth == "oauth-pkce"
    assert cls.default_base_url == "https://api.x.com"


def test_validate_counts_the_x_way(x):
    adapter, _ = x
    assert adapter.validate(_post("a" * 280)) == []
    violations = adapter.validate(_post("a" * 281))
    assert violations and violations[0].platform == "x"


# --- publishing -----------------------------------------------------------------------


def test_publish_text(x):
    adapter, emu = x
    ref = adapter.publish(_post("Launch day!"))
    assert ref.url == f"https://x.com/acme/status/{ref.platform_post_id}"
    assert _texts(emu) == ["Launch day!"]


def test_thread_of_three_is_chained(x):
    adapter, emu = x
    first = adapter.publish(_post("1/3 a thread"))
    second = adapter.publish(_post("2/3 goes on", reply_to=first, root=first))
    third = adapter.publish(_post("3/3 the end", reply_to=second, root=first))
    tweets = {t["id"]: t for t in emu.snapshot()["tweets"]}
    assert tweets[second.platform_post_id]["in_reply_to_tweet_id"] == first.platform_post_id
    assert tweets[third.platform_post_id]["in_reply_to_tweet_id"] == second.platform_post_id
    assert {t["conversation_id"] for t in tweets.values()} == {first.platform_post_id}


def test_image_with_alt_text(x, tmp_path):
    adapter, emu = x
    image = _media(tmp_path, "dot.png", PNG, "image/png", alt="A single red dot")
    adapter.publish(_post("look", media=(image,)))
    [tweet] = emu.snapshot()["tweets"]
    assert tweet["alt_texts"] == ["A single red dot"]


def test_video_waits_for_processing(x, tmp_path):
    adapter, emu = x
    emu.video_polls_needed = 2
    emu.video_check_after_s = 0
    adapter.publish(_post("clip", media=(_media(tmp_path, "c.mp4", MP4, "video/mp4"),)))
    [tweet] = emu.snapshot()["tweets"]
    assert emu.media[tweet["media_ids"][0]]["kind"] == "video"


def test_duplicate_is_recognised_as_ours(x):
    adapter, emu = x
    post = _post("Only once, please", created_at=datetime.now(UTC))
    first = adapter.publish(post)
    again = adapter.publish(post)  # a retry after an unclear failure
    assert again.platform_post_id == first.platform_post_id
    assert _texts(emu) == ["Only once, please"]


def test_duplicate_of_an_older_post_is_permanent(x):
    adapter, emu = x
    emu.seed_tweet(adapter.account.platform_user_id, "Good morning", age_s=3 * 86400)
    with pytest.raises(PlatformError) as err:
        adapter.publish(_post("Good morning", created_at=datetime.now(UTC)))
    assert err.value.kind == "permanent"
    assert "duplicate" in err.value.message


def test_over_length_rejected_by_platform_is_a_clear_permanent_error(x):
    adapter, emu = x
    with pytest.raises(PlatformError) as err:
        adapter.publish(_post("日本" * 71))  # 284 weighted: validate() was skipped
    assert err.value.kind == "permanent"
    assert err.value.status == 400
    assert "longer than 280 weighted characters" in err.value.message
    assert _texts(emu) == []


# --- faults ----------------------------------------------------------------------------


def test_server_error_is_retryable(x):
    adapter, emu = x
    emu.faults.error_rate = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(_post("hello"))
    assert err.value.kind == "retryable"
    assert err.value.status == 503


def test_rate_limit_is_retryable_after_the_reset(x):
    adapter, emu = x
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 30
    with pytest.raises(PlatformError) as err:
        adapter.publish(_post("hello"))
    assert err.value.kind == "retryable"
    assert err.value.status == 429
    assert 27 <= err.value.retry_after <= 31


def test_drop_after_write_is_unknown_then_found_exactly_once(x):
    adapter, emu = x
    post = _post("Did it go out?", created_at=datetime.now(UTC) - timedelta(minutes=1))
    emu.faults.drop_after_write = 1.0
    with pytest.raises(PlatformError) as err:
        adapter.publish(post)
    assert err.value.kind == "unknown"
    emu.faults.drop_after_write = 0.0
    existence = adapter.find_existing(post)
    assert existence.state == "found"
    assert _texts(emu) == ["Did it go out?"]
    assert existence.ref.platform_post_id == emu.snapshot()["tweets"][0]["id"]


def test_find_existing_absent_and_unknown(x):
    adapter, emu = x
    first = adapter.publish(_post("root"))
    assert adapter.find_existing(_post("never sent")).state == "absent"
    # same text, but as a reply to another tweet: not this post
    assert adapter.find_existing(_post("root", reply_to=PublishedRef("1"))).state == "absent"
    assert adapter.find_existing(_post("root")).ref.platform_post_id == first.platform_post_id
    emu.faults.error_rate = 1.0  # a failed lookup is no answer: raised, for the publisher to retry
    with pytest.raises(PlatformError) as caught:
        adapter.find_existing(_post("root"))
    assert caught.value.kind == "retryable"


# --- tokens ----------------------------------------------------------------------------


def test_refresh_rotates_and_old_refresh_token_is_rejected(sandbox, x):
    adapter, _ = x
    old = adapter.account.credentials
    fresh = adapter.refresh_token()
    assert fresh.refresh_token and fresh.refresh_token != old.refresh_token
    assert fresh.access_token != old.access_token
    assert fresh.extra["client_id"] == "cn-client"
    left = fresh.expires_at - datetime.now(UTC)
    assert timedelta(hours=1, minutes=55) < left <= timedelta(hours=2)
    stale = _adapter(
        sandbox,
        {
            "access_token": old.access_token,
            "handle": "acme",
            "refresh_token": old.refresh_token,
            "user_id": "",
        },
    )
    with pytest.raises(PlatformError) as err:
        stale.refresh_token()
    assert err.value.kind == "auth"
    assert old.refresh_token not in err.value.one_line()


def test_expired_token_is_auth_then_refresh_then_success(x):
    adapter, emu = x
    emu.tokens.expire_all()
    with pytest.raises(PlatformError) as err:
        adapter.publish(_post("after expiry"))
    assert err.value.kind == "auth"
    assert adapter.account.credentials.access_token not in err.value.one_line()
    adapter.refresh_token()
    adapter.publish(_post("after expiry"))
    assert _texts(emu) == ["after expiry"]


# --- metrics, comments, account ------------------------------------------------------------


def test_metrics_for_250_posts_take_three_requests(x):
    adapter, emu = x
    user = adapter.account.platform_user_id
    refs = [PublishedRef(emu.seed_tweet(user, f"post {i}", age_s=600)) for i in range(250)]
    metrics = adapter.fetch_metrics(refs)
    assert [m.platform_post_id for m in metrics] == [r.platform_post_id for r in refs]
    assert emu.call_count("GET", "/2/tweets") == 3
    assert all(m.views is not None and m.likes >= 1 for m in metrics)


def test_metrics_grow_with_time(x):
    adapter, emu = x
    ref = adapter.publish(_post("watch me grow"))
    [before] = adapter.fetch_metrics([ref])
    emu.backdate(ref.platform_post_id, 3600)
    [after] = adapter.fetch_metrics([ref])
    assert after.likes > before.likes
    assert after.views > before.views
    assert after.shares >= before.shares


def test_comments_and_reply(x):
    adapter, emu = x
    ref = adapter.publish(_post("Tell us what you think"))
    emu.add_reply(ref.platform_post_id, "alice", "Love it &amp; more")
    emu.add_reply(ref.platform_post_id, "bob", "Not for me")
    comments = adapter.fetch_comments(ref)
    assert sorted((c.author, c.text) for c in comments) == [
        ("alice", "Love it & more"), ("bob", "Not for me")]  # fmt: skip
    ours = adapter.reply(PublishedRef(comments[0].platform_comment_id), "Thanks!")
    assert ours.platform_post_id in {t["id"] for t in emu.snapshot()["tweets"]}
    assert len(adapter.fetch_comments(ref)) == 2  # our own reply is not a comment
    [metrics] = adapter.fetch_metrics([ref])
    assert metrics.comments == 2


def test_account_info(x):
    adapter, _ = x
    adapter.publish(_post("one"))
    info = adapter.account_info()
    assert info.handle == "acme"
    assert info.platform_user_id == adapter.account.platform_user_id
    assert info.posts == 1 and info.followers is not None and info.following is not None


# --- connecting with OAuth 2.0 + PKCE ---------------------------------------------------------


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _request(sandbox) -> ConnectRequest:
    base = sandbox.base_url("x")
    return ConnectRequest(
        base_url=base, auth_base_url=base, client_id="cn-client", redirect_uri=REDIRECT
    )


def _consent(url: str) -> httpx.Response:
    """Play the browser: open the consent URL, do not follow the redirect."""
    with httpx.Client(follow_redirects=False) as browser:
        return browser.get(url)


def test_authorize_url_names_the_scopes():
    req = ConnectRequest(base_url="", client_id="abc", redirect_uri=REDIRECT)
    url = urlparse(XAdapter.authorize_url(req, "s1", "ch"))
    assert (url.scheme, url.netloc, url.path) == ("https", "x.com", "/i/oauth2/authorize")
    query = parse_qs(url.query)
    assert query["scope"] == [SCOPES]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == ["s1"] and query["redirect_uri"] == [REDIRECT]


def test_full_pkce_flow(sandbox):
    sandbox.emulator("x").consent_handle = "brandco"
    req = _request(sandbox)
    verifier, challenge = _pkce()
    state = secrets.token_urlsafe(8)
    resp = _consent(XAdapter.authorize_url(req, state, challenge))
    assert resp.status_code == 302
    query = parse_qs(urlparse(resp.headers["location"]).query)
    assert query["state"] == [state]
    with httpx.Client() as http:
        connected = XAdapter.connect(
            replace(req, code=query["code"][0], code_verifier=verifier), http
        )
    assert connected.info.handle == "brandco"
    assert connected.base_url == sandbox.base_url("x")
    assert connected.credentials.refresh_token
    assert connected.credentials.extra["client_id"] == "cn-client"
    context = AccountContext("brandco", connected.base_url, connected.credentials)
    adapter = XAdapter(context)
    assert adapter.publish(_post("connected!")).platform_post_id
    assert adapter.refresh_token().refresh_token != connected.credentials.refresh_token
    adapter.close()


def test_wrong_code_verifier_is_rejected(sandbox):
    req = _request(sandbox)
    _, challenge = _pkce()
    resp = _consent(XAdapter.authorize_url(req, "st", challenge))
    code = parse_qs(urlparse(resp.headers["location"]).query)["code"][0]
    wrong, _ = _pkce()
    with httpx.Client() as http, pytest.raises(PlatformError) as err:
        XAdapter.connect(replace(req, code=code, code_verifier=wrong), http)
    assert err.value.kind == "auth"
    assert "code_verifier" in err.value.message


def test_consent_denied(sandbox):
    sandbox.emulator("x").faults.consent = "deny"
    resp = _consent(XAdapter.authorize_url(_request(sandbox), "st", _pkce()[1]))
    assert resp.status_code == 302
    query = parse_qs(urlparse(resp.headers["location"]).query)
    assert query["error"] == ["access_denied"] and "code" not in query


def test_platform_refusal_is_permanent_with_its_reason(x):
    adapter, emu = x
    emu.faults.latency_s = 0.05  # slow answers are still answers
    with pytest.raises(PlatformError) as err:
        adapter.publish(_post("replying to nothing", reply_to=PublishedRef("12345")))
    assert err.value.kind == "permanent"
    assert err.value.status == 403
    assert "deleted or not visible" in err.value.message
    assert _texts(emu) == []

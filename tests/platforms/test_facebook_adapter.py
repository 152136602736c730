"""FacebookAdapter against the Facebook emulator: login, Page choice, publish, errors."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost, PublishedRef
from clientnest_cli.errors import BadInput, PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.facebook import FacebookAdapter
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.registry import get_adapter_class

REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def emu(sandbox):
    return sandbox.emulator("facebook")


@pytest.fixture
def acme(emu):
    return emu.seed_account("acme", pages=["Acme", "Beta"])


def make_adapter(sandbox, acct, token: str | None = None) -> FacebookAdapter:
    account = AccountContext(
        handle="Acme",
        base_url=sandbox.base_url("facebook"),
        credentials=Credentials(
            access_token=token or acct["access_token"],
            extra={"page_id": acct["page_id"], "page_name": acct["page_name"]},
        ),
        platform_user_id=acct["page_id"],
    )
    return FacebookAdapter(account, make_client(timeout=5))


@pytest.fixture
def adapter(sandbox, acme):
    adapter = make_adapter(sandbox, acme)
    yield adapter
    adapter.close()


def post(text: str, **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key="k1", **kwargs)


def photo(tmp_path: Path, name: str = "a.jpg", url: str | None = None) -> MediaItem:
    data = b"\xff\xd8\xff" + name.encode() * 50
    path = tmp_path / name
    path.write_bytes(data)
    return MediaItem(
        path, "image/jpeg", len(data), hashlib.sha256(data).hexdigest(), public_url=url
    )


def raises(kind: str, call, *args) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        call(*args)
    assert caught.value.kind == kind, caught.value.one_line()
    return caught.value


def login(sandbox, http, **extra) -> ConnectRequest:
    """Play the browser: open the dialog, follow consent, keep the code."""
    base = sandbox.base_url("facebook")
    req = ConnectRequest(
        base_url=base,
        auth_base_url=base,
        client_id="app",
        client_secret="sec",
        redirect_uri=REDIRECT,
        extra=extra,
    )
    url = FacebookAdapter.authorize_url(req, state="st", code_challenge="")
    assert url.startswith(base + "/v21.0/dialog/oauth?")
    query = parse_qs(urlparse(http.get(url).headers["location"]).query)
    assert query["state"] == ["st"]
    req.code = query["code"][0]
    return req


def test_registered_with_its_capabilities():
    assert get_adapter_class("facebook") is FacebookAdapter
    caps = FacebookAdapter.capabilities
    assert caps.idempotency == "duplicate-detect" and caps.comments and not caps.threads
    assert FacebookAdapter.display_name == "Facebook Pages"


def test_connect_with_several_pages_asks_which_one(sandbox, emu, acme):
    with make_client(timeout=5) as http:
        with pytest.raises(BadInput) as caught:
            FacebookAdapter.connect(login(sandbox, http), http)
        ids = [p["id"] for p in acme["pages"]]
        assert caught.value.hint == f"choose one with --page ID: {ids[0]} Acme, {ids[1]} Beta"
        assert "2 Pages" in caught.value.message
        connected = FacebookAdapter.connect(login(sandbox, http, page_id=ids[1]), http)
        with pytest.raises(BadInput):
            FacebookAdapter.connect(login(sandbox, http, page_id="404"), http)
    creds = connected.credentials
    assert creds.extra == {"page_id": ids[1], "page_name": "Beta"}
    assert creds.access_token == acme["pages"][1]["access_token"] and creds.expires_at is None
    assert connected.info.platform_user_id == ids[1] and connected.info.display_name == "Beta"


def test_connect_with_one_page_needs_no_choice(sandbox, emu):
    solo = emu.seed_account("solo", pages=["Solo Shop"])
    with make_client(timeout=5) as http:
        connected = FacebookAdapter.connect(login(sandbox, http), http)
        req = login(sandbox, http)
        req.code = "forged"
        bad = raises("permanent", FacebookAdapter.connect, req, http)
    assert connected.credentials.extra["page_id"] == solo["page_id"]
    assert "authorization code" in bad.message


def test_publish_text_and_photos(adapter, emu, acme, tmp_path):
    ref = adapter.publish(post("Hello (world) #launch"))
    page, _, number = ref.platform_post_id.partition("_")
    assert page == acme["page_id"] and ref.url.endswith(f"/{page}/posts/{number}")
    media = (photo(tmp_path, "a.jpg"), photo(tmp_path, "b.jpg", url="https://cdn.example/b.jpg"))
    with_photos = adapter.publish(post("Two photos", media=media))
    state = emu.snapshot()
    stored = {p["id"]: p for p in state["posts"]}
    assert stored[ref.platform_post_id]["message"] == "Hello (world) #launch"
    assert len(stored[with_photos.platform_post_id]["attached_media"]) == 2
    assert {(p["uploaded"], p["url"]) for p in state["photos"]} == {
        (True, None),
        (False, "https://cdn.example/b.jpg"),
    }


def test_duplicate_506_is_found_and_returned(adapter, emu):
    first = adapter.publish(post("Only once"))
    again = adapter.publish(post("Only once"))
    assert again.platform_post_id == first.platform_post_id
    assert again.extra == {"duplicate": "true"} and len(emu.snapshot()["posts"]) == 1


def test_find_existing_found_absent_unknown(adapter, emu):
    assert adapter.find_existing(post("Nothing yet")).state == "absent"
    ref = adapter.publish(post("Look for me"))
    found = adapter.find_existing(post("Look for me"))
    assert found.state == "found" and found.ref.platform_post_id == ref.platform_post_id
    emu.faults.error_rate = 1.0  # a failed lookup is no answer: raised, for the publisher to retry
    with pytest.raises(PlatformError) as caught:
        adapter.find_existing(post("Look for me"))
    assert caught.value.kind == "retryable" and "temporary problem" in caught.value.message


def test_metrics_in_one_batch_and_a_deleted_post_is_skipped(adapter, emu):
    refs = [adapter.publish(post(f"Post {i}")) for i in range(3)]
    for ref in refs:
        emu.posts[ref.platform_post_id]["created"] -= 7200
    gone = PublishedRef(f"{adapter.page_id}_1")
    metrics = adapter.fetch_metrics([*refs, gone])
    assert [m.platform_post_id for m in metrics] == [r.platform_post_id for r in refs]
    assert all(m.likes > 0 and m.comments > 0 and m.shares > 0 for m in metrics)
    assert adapter.fetch_metrics(refs[:1])[0].likes == metrics[0].likes


def test_fresh_post_without_shares_field_counts_zero(adapter):
    (metrics,) = adapter.fetch_metrics([adapter.publish(post("Brand new"))])
    assert metrics.shares == 0


def test_comments_reply_and_account_info(adapter, emu, acme):
    ref = adapter.publish(post("Talk to us"))
    reply = adapter.reply(ref, "We are listening")
    comments = adapter.fetch_comments(ref)
    assert comments[-1].platform_comment_id == reply.platform_post_id
    assert comments[-1].text == "We are listening" and comments[-1].author == "Acme"
    info = adapter.account_info()
    assert info.platform_user_id == acme["page_id"] and info.display_name == "Acme"
    assert info.followers == 135


# --- faults and error envelopes -----------------------------------------------------------


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_throttle_codes_are_retryable_with_the_wait(adapter, emu, code):
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 180
    emu.throttle_code = code
    err = raises("retryable", adapter.publish, post("Busy"))
    assert err.retry_after == 180 and f"code {code}" in err.message
    assert emu.snapshot()["posts"] == []


def test_server_error_is_retryable_and_latency_is_tolerated(adapter, emu):
    emu.faults.error_rate = 1.0
    err = raises("retryable", adapter.publish, post("A"))
    assert err.status == 503 and "temporary problem" in err.message
    emu.faults.error_rate = 0.0
    emu.faults.latency_s = 0.1
    assert adapter.publish(post("Slow")).platform_post_id


def test_dropped_connection_is_unknown_then_found(adapter, emu):
    emu.faults.drop_after_write = 1.0
    raises("unknown", adapter.publish, post("Maybe posted"))
    emu.faults.drop_after_write = 0.0
    found = adapter.find_existing(post("Maybe posted"))
    assert found.state == "found"
    assert found.ref.platform_post_id == emu.snapshot()["posts"][0]["id"]


def test_expired_or_invalid_token_is_auth(sandbox, adapter, emu, acme):
    emu.tokens.expire_all()
    err = raises("auth", adapter.publish, post("A"))
    assert "Session has expired" in err.message and "reconnect" in (err.hint or "")
    assert acme["access_token"] not in err.one_line()
    assert "--page" in (raises("auth", adapter.refresh_token).hint or "")
    junk = make_adapter(sandbox, acme, token="junk")
    assert "Invalid OAuth access token" in raises("auth", junk.account_info).message


def test_user_token_cannot_publish_permission_hint(sandbox, acme):
    as_user = make_adapter(sandbox, acme, token=acme["user_access_token"])
    err = raises("permanent", as_user.publish, post("A"))
    assert err.status == 403 and "pages_manage_posts" in (err.hint or "")


def test_threads_are_refused_and_validate_uses_domain_rules(adapter):
    assert (
        "threaded"
        in raises("permanent", adapter.publish, post("x", reply_to=PublishedRef("1"))).message
    )
    assert adapter.validate(post("Fine")) == []
    assert adapter.validate(post("x" * 63207))

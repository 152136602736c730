"""LinkedInAdapter against the LinkedIn emulator: connect, publish, find, metrics, errors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost, PublishedRef
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.linkedin import LinkedInAdapter, default_version
from clientnest_cli.platforms.registry import get_adapter_class

REDIRECT = "http://127.0.0.1:9/callback"
TRICKY = "Launch (beta) today! #news @team [link] <b> *bold* _x_ ~y~ {z} a|b back\\slash"


@pytest.fixture
def emu(sandbox):
    return sandbox.emulator("linkedin")


@pytest.fixture
def member(emu):
    return emu.seed_account("ann", "Ann Lee")


def make_adapter(sandbox, member, **settings) -> LinkedInAdapter:
    account = AccountContext(
        handle="ann",
        base_url=sandbox.base_url("linkedin"),
        credentials=Credentials(
            access_token=member["access_token"], extra={"author_urn": member["author_urn"]}
        ),
        platform_user_id=member["user_id"],
        settings=settings,
    )
    return LinkedInAdapter(account, make_client(timeout=5))


@pytest.fixture
def adapter(sandbox, member):
    adapter = make_adapter(sandbox, member)
    yield adapter
    adapter.close()


def post(text: str, **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key="k1", **kwargs)


def image(tmp_path: Path) -> MediaItem:
    data = b"\x89PNG\r\n" + b"0" * 200
    path = tmp_path / "pic.png"
    path.write_bytes(data)
    return MediaItem(path, "image/png", len(data), hashlib.sha256(data).hexdigest(), "A chart")


def raises(kind: str, call, *args) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        call(*args)
    assert caught.value.kind == kind, caught.value.one_line()
    return caught.value


def test_registered_with_its_capabilities():
    assert get_adapter_class("linkedin") is LinkedInAdapter
    caps = LinkedInAdapter.capabilities
    assert not caps.threads and caps.idempotency == "duplicate-detect"
    assert caps.comments and caps.auth == "oauth" and caps.max_media == 1
    assert default_version(datetime(2025, 2, 10, tzinfo=UTC)) == "202412"


def test_full_connect_flow_playing_the_browser(sandbox, emu, member):
    base = sandbox.base_url("linkedin")
    req = ConnectRequest(
        base_url=base,
        auth_base_url=base,
        client_id="cid",
        client_secret="sec",
        redirect_uri=REDIRECT,
    )
    with make_client(timeout=5) as http:
        url = LinkedInAdapter.authorize_url(req, state="st", code_challenge="")
        assert url.startswith(base + "/oauth/v2/authorization?")
        location = http.get(url).headers["location"]
        query = parse_qs(urlparse(location).query)
        assert query["state"] == ["st"]
        req.code = query["code"][0]
        connected = LinkedInAdapter.connect(req, http)
        with pytest.raises(PlatformError) as reused:  # a code works once
            LinkedInAdapter.connect(req, http)
    creds = connected.credentials
    assert connected.info.platform_user_id == member["user_id"]
    assert connected.info.display_name == "Ann Lee"
    assert creds.extra["author_urn"] == member["author_urn"] and not creds.refresh_token
    expected = datetime.now(UTC) + timedelta(days=60)
    assert abs((creds.expires_at - expected).total_seconds()) < 60
    assert "sign-in code" in reused.value.message and reused.value.kind == "permanent"


def test_publish_escapes_reserved_characters_so_the_text_survives(adapter, emu):
    ref = adapter.publish(post(TRICKY))
    assert ref.platform_post_id.startswith("urn:li:share:")
    assert ref.url == f"https://www.linkedin.com/feed/update/{ref.platform_post_id}/"
    assert emu.snapshot()["posts"][0]["text"] == TRICKY


def test_publish_with_an_image(adapter, emu, tmp_path):
    ref = adapter.publish(post("Our chart", media=(image(tmp_path),)))
    state = emu.snapshot()
    image_urn = state["posts"][0]["content"]["media"]["id"]
    assert state["posts"][0]["id"] == ref.platform_post_id
    assert [i["urn"] for i in state["images"] if i["status"] == "AVAILABLE"] == [image_urn]


def test_duplicate_is_recognised_as_already_posted(adapter, emu):
    first = adapter.publish(post("Same text (again)"))
    second = adapter.publish(post("Same text (again)"))
    assert second.platform_post_id == first.platform_post_id
    assert second.extra == {"duplicate": "true"}
    assert len(emu.snapshot()["posts"]) == 1


def test_find_existing_found_absent_unknown(adapter, emu):
    assert adapter.find_existing(post("Not there")).state == "absent"
    ref = adapter.publish(post("Find me #later"))
    found = adapter.find_existing(post("Find me #later"))
    assert found.state == "found" and found.ref.platform_post_id == ref.platform_post_id
    emu.faults.error_rate = 1.0  # a failed lookup is no answer: raised, for the publisher to retry
    with pytest.raises(PlatformError) as caught:
        adapter.find_existing(post("Find me #later"))
    assert caught.value.kind == "retryable" and "server error 503" in caught.value.message


def test_metrics_comments_and_reply(adapter, emu):
    ref = adapter.publish(post("Measure me"))
    emu.posts[ref.platform_post_id]["created"] -= 3600
    (metrics,) = adapter.fetch_metrics([ref])
    assert metrics.platform_post_id == ref.platform_post_id
    assert metrics.likes > 0 and metrics.comments > 0
    reply = adapter.reply(ref, "Thanks (all) of you")
    assert reply.platform_post_id.startswith("urn:li:comment:(")
    comments = adapter.fetch_comments(ref)
    assert len(comments) == metrics.comments + 1
    assert comments[-1].text == "Thanks (all) of you" and comments[-1].created_at is not None


def test_account_info(adapter, member):
    info = adapter.account_info()
    assert info.platform_user_id == member["user_id"] and info.display_name == "Ann Lee"


# --- faults and error bodies ------------------------------------------------------------


def test_server_errors_and_429_are_retryable(adapter, emu):
    emu.faults.error_rate = 1.0
    err = raises("retryable", adapter.publish, post("A"))
    assert err.status == 503 and "LinkedIn server error 503" in err.message
    emu.faults.error_rate = 0.0
    emu.faults.rate_limit_rate = 1.0
    err = raises("retryable", adapter.publish, post("A"))
    assert err.status == 429 and "daily request limit" in err.message
    assert emu.snapshot()["posts"] == []


def test_latency_still_publishes(adapter, emu):
    emu.faults.latency_s = 0.1
    assert adapter.publish(post("Slow but fine")).platform_post_id


def test_dropped_connection_is_unknown_then_found(adapter, emu):
    emu.faults.drop_after_write = 1.0
    err = raises("unknown", adapter.publish, post("Did it (land)?"))
    assert "broke before the answer" in err.message
    emu.faults.drop_after_write = 0.0
    found = adapter.find_existing(post("Did it (land)?"))
    assert found.state == "found"
    assert found.ref.platform_post_id == emu.snapshot()["posts"][0]["id"]


def test_expired_token_is_auth_and_cannot_be_refreshed(adapter, emu):
    emu.tokens.expire_all()
    err = raises("auth", adapter.publish, post("A"))
    assert err.status == 401 and "reconnect" in (err.hint or "")
    assert member_token_absent(err, adapter)
    with pytest.raises(PlatformError) as caught:
        adapter.find_existing(post("A"))
    assert caught.value.kind == "auth"
    adapter.account.credentials.expires_at = datetime(2999, 1, 2, tzinfo=UTC)
    refused = raises("auth", adapter.refresh_token)
    assert "before 2999-01-02" in (refused.hint or "")


def member_token_absent(err: PlatformError, adapter: LinkedInAdapter) -> bool:
    token = adapter.account.credentials.access_token
    return token not in err.one_line()


def test_invalid_token_maps_65600(sandbox, member):
    adapter = make_adapter(sandbox, {**member, "access_token": "bogus"})
    err = raises("auth", adapter.account_info)
    assert "Invalid access token" in err.message


def test_permission_and_validation_errors_are_permanent(sandbox, member):
    org = make_adapter(sandbox, member, author_urn="urn:li:organization:42")
    err = raises("permanent", org.publish, post("As a company"))
    assert err.status == 403 and "Not enough permissions" in err.message
    assert "w_member_social" in (err.hint or "")
    old = make_adapter(sandbox, member, linkedin_version="2020-01")
    err = raises("permanent", old.publish, post("Old version"))
    assert err.status == 426 and "linkedin_version" in (err.hint or "")


def test_threads_are_refused(adapter):
    err = raises("permanent", adapter.publish, post("B", reply_to=PublishedRef("urn:li:share:1")))
    assert "threaded" in err.message


def test_validate_counts_the_escaped_text(adapter):
    assert adapter.validate(post("Fine (really)")) == []
    problems = adapter.validate(post("(" * 1600))  # 3200 once escaped
    assert problems and problems[0].platform == "linkedin"

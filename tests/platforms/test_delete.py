"""Every adapter's ``delete(ref)`` against its emulator: deleted now (True),
already gone (False, so a repeat is done), someone else's post refused; and
the platforms whose API cannot delete say so plainly."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from clientnest_cli.domain.outgoing import Credentials, OutgoingPost, PublishedRef
from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import AccountContext
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.registry import get_adapter_class
from tests.platforms.test_facebook_adapter import make_adapter as facebook_adapter
from tests.platforms.test_linkedin_adapter import make_adapter as linkedin_adapter

DELETING = ("x", "bluesky", "mastodon", "facebook", "linkedin", "threads", "discord", "feed")


def post(text: str, **kwargs) -> OutgoingPost:  # type: ignore[no-untyped-def]
    return OutgoingPost(text=text, idempotency_key=secrets.token_hex(8), **kwargs)


def context(sandbox, platform: str, seeded: dict, **extra) -> AccountContext:  # type: ignore[no-untyped-def]
    return AccountContext(
        handle=seeded.get("handle") or seeded.get("username") or "acme",
        base_url=sandbox.base_url(platform),
        credentials=Credentials(
            access_token=seeded["access_token"],
            refresh_token=seeded.get("refresh_token") or None,
            extra=extra,
        ),
        platform_user_id=seeded["user_id"],
    )


def adapter_for(sandbox, platform: str, handle: str = "acme"):  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator(platform).seed_account(handle)
    extra = {"did": seeded["did"], "handle": seeded["handle"]} if platform == "bluesky" else {}
    return get_adapter_class(platform)(context(sandbox, platform, seeded, **extra), make_client())


def test_capability_flags_match_what_the_apis_allow() -> None:
    for name in (*DELETING, "instagram", "tiktok", "slack"):
        cls = get_adapter_class(name)
        assert cls.capabilities.delete is (name in DELETING), name


@pytest.mark.parametrize("platform", ["x", "bluesky", "mastodon"])
def test_delete_then_already_gone(sandbox, platform: str) -> None:  # type: ignore[no-untyped-def]
    adapter = adapter_for(sandbox, platform, "acme.test" if platform == "bluesky" else "acme")
    ref = adapter.publish(post("Typo'd post"))
    assert adapter.delete(ref) is True
    assert adapter.delete(ref) is False  # already gone: done, not an error
    snap = sandbox.emulator(platform).snapshot()
    assert not (snap.get("tweets") or snap.get("posts"))


@pytest.mark.parametrize("platform", ["x", "mastodon"])
def test_someone_elses_post_is_refused(sandbox, platform: str) -> None:  # type: ignore[no-untyped-def]
    owner = adapter_for(sandbox, platform, "owner")
    other = adapter_for(sandbox, platform, "intruder")
    ref = owner.publish(post("Not yours"))
    if platform == "x":
        with pytest.raises(PlatformError) as err:
            other.delete(ref)
        assert err.value.kind == "permanent"
    else:  # Mastodon answers 404 for a status that is not yours: nothing is deleted
        assert other.delete(ref) is False
    snap = sandbox.emulator(platform).snapshot()
    assert len(snap.get("tweets") or snap.get("posts")) == 1


def test_facebook_page_post(sandbox) -> None:  # type: ignore[no-untyped-def]
    acme = sandbox.emulator("facebook").seed_account("acme", pages=["Acme"])
    adapter = facebook_adapter(sandbox, acme)
    ref = adapter.publish(post("Page post"))
    assert adapter.delete(ref) is True
    assert adapter.delete(ref) is False
    assert sandbox.emulator("facebook").posts == {}


def test_linkedin_post(sandbox) -> None:  # type: ignore[no-untyped-def]
    member = sandbox.emulator("linkedin").seed_account("ann", "Ann Lee")
    adapter = linkedin_adapter(sandbox, member)
    ref = adapter.publish(post("A LinkedIn post"))
    assert adapter.delete(ref) is True
    assert adapter.delete(ref) is True  # LinkedIn's delete is idempotent: 204 again
    assert sandbox.emulator("linkedin").posts == {}
    never = PublishedRef("urn:li:share:1")
    assert adapter.delete(never) is False


def test_threads_post_and_reply(sandbox) -> None:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("threads").seed_account("acme")
    ctx = context(sandbox, "threads", seeded)
    ctx.settings = {"poll_interval_s": "0.05", "poll_timeout_s": "5"}
    adapter = get_adapter_class("threads")(ctx, make_client())
    first = adapter.publish(post("Part one"))
    second = adapter.publish(post("Part two", reply_to=first))
    assert adapter.delete(second) is True
    assert adapter.delete(first) is True
    assert adapter.delete(first) is False
    assert sandbox.emulator("threads").snapshot()["posts"] == []


def test_discord_message(sandbox) -> None:  # type: ignore[no-untyped-def]
    hook = sandbox.emulator("discord").create_webhook(name="News")
    url = sandbox.base_url("discord") + hook["path"]
    adapter = get_adapter_class("discord")(
        AccountContext("hook", "", Credentials(extra={"url": url})), make_client()
    )
    ref = adapter.publish(post("Message"))
    assert adapter.delete(ref) is True
    assert adapter.delete(ref) is False
    assert sandbox.emulator("discord").snapshot()["posts"] == []


@pytest.mark.parametrize("name", ["feed.json", "feed.xml"])
def test_feed_entry_is_removed(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    ctx = AccountContext("feed", "", Credentials(extra={"path": str(path)}))
    adapter = get_adapter_class("feed")(ctx)
    kept = adapter.publish(post("Stays"))
    gone = adapter.publish(post("Goes"))
    assert adapter.delete(gone) is True
    assert adapter.delete(gone) is False
    text = path.read_text()
    assert "Goes" not in text and "Stays" in text
    if name.endswith(".json"):
        assert [i["id"] for i in json.loads(text)["items"]] == [kept.platform_post_id]


@pytest.mark.parametrize("name", ["instagram", "tiktok", "slack"])
def test_platforms_that_cannot_delete_say_so(name: str) -> None:
    cls = get_adapter_class(name)
    adapter = cls(AccountContext("acme", "", Credentials(access_token="t")))
    with pytest.raises(PlatformError) as err:
        adapter.delete(PublishedRef("1"))
    assert err.value.kind == "permanent"
    assert cls.display_name in err.value.message and "cannot delete" in err.value.message


def test_instagram_emulator_has_no_delete(sandbox) -> None:  # type: ignore[no-untyped-def]
    import httpx

    seeded = sandbox.emulator("instagram").seed_account("acme")
    resp = httpx.delete(
        f"{sandbox.base_url('instagram')}/v21.0/17890000000000000",
        headers={"Authorization": f"Bearer {seeded['access_token']}"},
    )
    assert resp.status_code == 400 and resp.json()["error"]["code"] == 100

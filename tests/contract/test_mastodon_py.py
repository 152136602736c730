"""Mastodon.py against the Mastodon emulator: app, OAuth, statuses, media,
favourites, boosts, bookmarks, timelines, delete and instance info, the way its
users call it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.contract.conftest import PNG_1X1

mastodon = pytest.importorskip("mastodon")
Mastodon = mastodon.Mastodon

REDIRECT = "http://127.0.0.1/callback"


@pytest.fixture
def base(sandbox) -> str:  # type: ignore[no-untyped-def]
    sandbox.emulator("mastodon").login_as("olivia")
    return sandbox.base_url("mastodon")


def _logged_in(base: str):  # type: ignore[no-untyped-def]
    """create_app -> auth_request_url -> consent -> log_in, as the docs show."""
    client_id, client_secret = Mastodon.create_app(
        "ClientNest contract", scopes=["read", "write"], redirect_uris=REDIRECT, api_base_url=base
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    url = api.auth_request_url(redirect_uris=REDIRECT, scopes=["read", "write"])
    consent = httpx.get(url.replace("https://", "http://", 1), follow_redirects=False)
    assert consent.status_code in (302, 303), consent.text
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    token = api.log_in(code=code, redirect_uri=REDIRECT, scopes=["read", "write"])
    assert token
    return api


def test_instance_info_and_version_check(base: str) -> None:
    api = Mastodon(api_base_url=base)  # reads the instance to learn the version
    v1 = api.instance_v1()
    v2 = api.instance_v2()
    assert v1.version.startswith("4.") and v2.api_versions["mastodon"] >= 2
    assert v2.configuration.statuses.max_characters == 500
    assert api.verify_minimum_version("4.0.0", cached=True)


def test_login_post_read_back_reply_and_delete(base: str) -> None:
    api = _logged_in(base)
    me = api.me()
    assert me.username == "olivia"
    assert me.url.startswith(f"{base}/@olivia")

    status = api.status_post("Hello from Mastodon.py #contract", idempotency_key="k-1")
    again = api.status_post("Hello from Mastodon.py #contract", idempotency_key="k-1")
    assert again.id == status.id
    assert status.url == f"{base}/@olivia/{status.id}"
    assert status.tags[0].url == f"{base}/tags/contract"
    assert f'href="{base}/tags/contract"' in status.content
    assert api.status(status.id).id == status.id

    reply = api.status_reply(status, "A reply")
    reply_text = "@olivia A reply"  # status_reply mentions the author it answers
    assert reply.in_reply_to_id == status.id
    assert [s.id for s in api.status_context(status.id).descendants] == [reply.id]

    deleted = api.status_delete(reply.id)
    assert deleted.text == reply_text  # the source text, for "delete and redraft"
    with pytest.raises(mastodon.MastodonNotFoundError):
        api.status(reply.id)
    with pytest.raises(mastodon.MastodonNotFoundError):
        api.status_delete(reply.id)


def test_media_with_description(base: str) -> None:
    api = _logged_in(base)
    media = api.media_post(PNG_1X1, mime_type="image/png", description="A grey pixel")
    assert media.description == "A grey pixel"
    status = api.status_post("With a picture", media_ids=[media])
    attachment = status.media_attachments[0]
    assert attachment.description == "A grey pixel"
    assert attachment.url.startswith(f"{base}/system/")
    assert httpx.get(attachment.url).content == PNG_1X1


def test_favourites_and_timelines(base: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    api = _logged_in(base)
    status = api.status_post("Something to like #sandbox")
    before = status.favourites_count
    liked = api.status_favourite(status.id)
    # counts also grow with the status's age: compare at least, and count the favourites
    assert liked.favourited and liked.favourites_count >= before + 1
    assert sandbox.emulator("mastodon").favourited_by(status.id) == 1
    assert [s.id for s in api.favourites()] == [status.id]
    assert api.status_unfavourite(status.id).favourited is False
    assert sandbox.emulator("mastodon").favourited_by(status.id) == 0
    assert api.timeline_home()[0].id == status.id
    assert api.timeline_public()[0].id == status.id
    assert api.timeline_hashtag("sandbox")[0].id == status.id
    assert api.account_statuses(api.me().id)[0].id == status.id


def test_boosts(base: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    api = _logged_in(base)
    status = api.status_post("Worth sharing")
    before = api.status(status.id).reblogs_count
    boost = api.status_reblog(status.id)
    assert boost.id != status.id and boost.reblog.id == status.id
    assert boost.reblogged and boost.account.username == "olivia"
    assert api.status_reblog(status.id).id == boost.id  # boosting again: the same boost
    assert api.status(status.id).reblogs_count >= before + 1  # counts also grow with age
    assert [a.username for a in api.status_reblogged_by(status.id)] == ["olivia"]
    undone = api.status_unreblog(status.id)
    assert undone.id == status.id and undone.reblogged is False
    assert api.status_reblogged_by(status.id) == []
    direct = api.status_post("Just for you", visibility="direct")
    with pytest.raises(mastodon.MastodonNotFoundError):
        api.status_reblog(direct.id)


def test_bookmarks(base: str) -> None:
    api = _logged_in(base)
    first = api.status_post("Read later")
    second = api.status_post("Read later too")
    assert api.status_bookmark(first.id).bookmarked is True
    api.status_bookmark(second.id)
    assert [s.id for s in api.bookmarks()] == [second.id, first.id]  # newest first
    assert api.status_unbookmark(first.id).bookmarked is False
    assert [s.id for s in api.bookmarks()] == [second.id]
    api.status_delete(second.id)
    assert api.bookmarks() == []

"""tweepy (X API v2 ``Client``) against the X emulator.

tweepy talks to ``https://api.twitter.com``; a transport adapter mounted on
its own ``requests`` session sends those requests to the emulator instead,
so every request is built by tweepy itself. tweepy 4.x has no v2 media
upload method, so the upload goes through tweepy's session by hand; the alt
text uses tweepy's generic ``request`` (JSON) on ``/2/media/metadata``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.contract.conftest import PNG_1X1

tweepy = pytest.importorskip("tweepy")

REAL_HOSTS = ("https://api.twitter.com", "https://api.x.com")
REDIRECT = "https://127.0.0.1/callback"  # never followed: the code is read from the redirect


class ToSandbox(HTTPAdapter):
    """Rewrite the real API host to the emulator, keep everything else."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def send(self, request: requests.PreparedRequest, **kwargs):  # type: ignore[no-untyped-def, override]
        parts = urlsplit(request.url or "")
        request.url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


def _route(session: requests.Session, base: str) -> None:
    for host in REAL_HOSTS:
        session.mount(host, ToSandbox(base))


@pytest.fixture
def x_base(sandbox) -> str:  # type: ignore[no-untyped-def]
    return sandbox.base_url("x")


def _handler(x_base: str):  # type: ignore[no-untyped-def]
    handler = tweepy.OAuth2UserHandler(
        client_id="contract-app",
        redirect_uri=REDIRECT,
        scope=["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"],
    )
    _route(handler, x_base)
    return handler


def _login(x_base: str, handler=None) -> dict:  # type: ignore[no-untyped-def]
    """The PKCE flow with tweepy's OAuth2UserHandler; consent answered by the emulator."""
    handler = handler or _handler(x_base)
    url = urlsplit(handler.get_authorization_url())
    consent = httpx.get(f"{x_base}{url.path}?{url.query}")
    assert consent.status_code == 302, consent.text
    redirect = consent.headers["location"]
    assert redirect.startswith(REDIRECT)
    return handler.fetch_token(redirect)


def _client(x_base: str, token: str):  # type: ignore[no-untyped-def]
    client = tweepy.Client(token)
    _route(client.session, x_base)
    return client


def test_login_refresh_and_me(x_base: str) -> None:
    handler = _handler(x_base)
    token = _login(x_base, handler)
    assert token["access_token"] and token["refresh_token"]
    fresh = handler.refresh_token(
        "https://api.twitter.com/2/oauth2/token",
        refresh_token=token["refresh_token"],
        client_id="contract-app",
    )
    assert fresh["access_token"] != token["access_token"]
    assert fresh["refresh_token"] != token["refresh_token"]  # refresh tokens rotate
    client = _client(x_base, fresh["access_token"])
    me = client.get_me(user_auth=False, user_fields=["created_at", "public_metrics"])
    assert me.data.username == "sandbox_user"
    assert me.data.public_metrics["followers_count"] >= 0


def test_create_read_back_reply_and_delete(x_base: str) -> None:
    client = _client(x_base, _login(x_base)["access_token"])
    first = client.create_tweet(text="Contract test: hello from tweepy", user_auth=False)
    tweet_id = first.data["id"]

    got = client.get_tweet(
        tweet_id,
        expansions=["author_id"],
        tweet_fields=["created_at", "public_metrics", "conversation_id"],
        user_auth=False,
    )
    assert got.data.text == "Contract test: hello from tweepy"
    assert got.data.author_id is not None
    assert got.includes["users"][0].username == "sandbox_user"

    reply = client.create_tweet(text="and a reply", in_reply_to_tweet_id=tweet_id, user_auth=False)
    both = client.get_tweets(
        [tweet_id, reply.data["id"]],
        expansions="author_id",
        tweet_fields=["conversation_id", "referenced_tweets"],
        user_auth=False,
    )
    assert {str(t.conversation_id) for t in both.data} == {tweet_id}
    assert both.includes["users"][0].username == "sandbox_user"
    assert str(both.data[1].referenced_tweets[0].id) == tweet_id

    gone = client.delete_tweet(reply.data["id"], user_auth=False)
    assert gone.data == {"deleted": True}
    after = client.get_tweet(reply.data["id"], user_auth=False)
    assert after.data is None and after.errors[0]["title"] == "Not Found Error"
    with pytest.raises(tweepy.NotFound):
        client.delete_tweet(reply.data["id"], user_auth=False)


def test_media_with_alt_text(x_base: str, sandbox) -> None:  # type: ignore[no-untyped-def]
    token = _login(x_base)["access_token"]
    client = _client(x_base, token)
    upload = client.session.post(
        "https://api.x.com/2/media/upload",
        headers={"Authorization": f"Bearer {token}"},
        files={"media": ("pixel.png", PNG_1X1, "image/png")},
        data={"media_category": "tweet_image"},
    )
    assert upload.status_code == 200, upload.text
    media_id = upload.json()["data"]["id"]
    client.request(
        "POST",
        "/2/media/metadata",
        json={"id": media_id, "metadata": {"alt_text": {"text": "A single grey pixel"}}},
    )
    posted = client.create_tweet(text="with a picture", media_ids=[media_id], user_auth=False)
    got = client.get_tweet(posted.data["id"], tweet_fields=["attachments"], user_auth=False)
    assert got.data.attachments["media_keys"]
    stored = sandbox.emulator("x").snapshot()["tweets"]
    assert stored[-1]["alt_texts"] == ["A single grey pixel"]


def test_search_and_timeline(x_base: str) -> None:
    client = _client(x_base, _login(x_base)["access_token"])
    client.create_tweet(text="findable words here", user_auth=False)
    me = client.get_me(user_auth=False).data
    timeline = client.get_users_tweets(me.id, max_results=5, user_auth=False)
    assert timeline.data[0].text == "findable words here"
    found = client.search_recent_tweets("findable", expansions="author_id", user_auth=False)
    assert found.includes["users"][0].id == me.id

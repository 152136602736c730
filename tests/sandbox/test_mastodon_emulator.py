"""The Mastodon emulator speaks the documented API (PLATFORMS.md § Mastodon)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clientnest_cli.sandbox.mastodon_support import countable_length, render_content

REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def emu(sandbox):
    return sandbox.emulator("mastodon")


@pytest.fixture
def client(sandbox):
    with httpx.Client(base_url=sandbox.base_url("mastodon"), timeout=5) as c:
        yield c


@pytest.fixture
def auth(emu):
    seeded = emu.seed_account("alice")
    return {"Authorization": f"Bearer {seeded['access_token']}"}


def register_app(client) -> dict:
    resp = client.post(
        "/api/v1/apps",
        data={"client_name": "Test", "redirect_uris": REDIRECT, "scopes": "read write"},
    )
    assert resp.status_code == 200
    return resp.json()


def authorize(client, app, **extra) -> httpx.Response:
    params = {
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "read write",
        "state": "s1",
        **extra,
    }
    return client.get("/oauth/authorize", params=params)


def test_app_registration_and_code_flow(client, emu):
    app = register_app(client)
    assert {"id", "client_id", "client_secret", "redirect_uris"} <= set(app)
    emu.login_as("bob")
    location = authorize(client, app).headers["location"]
    query = parse_qs(urlparse(location).query)
    assert query["state"] == ["s1"]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": REDIRECT,
    }
    token = client.post("/oauth/token", data=form).json()
    assert token["token_type"] == "Bearer" and "expires_in" not in token
    me = client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert me.json()["username"] == "bob"
    again = client.post("/oauth/token", data=form)  # a code works once
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_token_needs_the_right_client_secret(client, emu):
    app = register_app(client)
    code = parse_qs(urlparse(authorize(client, app).headers["location"]).query)["code"][0]
    resp = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": "wrong",
            "redirect_uri": REDIRECT,
        },
    )
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_pkce_verifier_is_checked(client):
    app = register_app(client)
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    loc = authorize(
        client, app, code_challenge=challenge.decode().rstrip("="), code_challenge_method="S256"
    ).headers["location"]
    form = {
        "grant_type": "authorization_code",
        "code": parse_qs(urlparse(loc).query)["code"][0],
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": REDIRECT,
        "code_verifier": "wrong",
    }
    assert client.post("/oauth/token", data=form).json()["error"] == "invalid_grant"


@pytest.mark.parametrize("consent", ["deny", "never"])
def test_consent_faults(client, emu, consent):
    app = register_app(client)
    emu.faults.consent = consent
    resp = authorize(client, app)
    if consent == "deny":
        query = parse_qs(urlparse(resp.headers["location"]).query)
        assert query["error"] == ["access_denied"] and query["state"] == ["s1"]
    else:
        assert resp.status_code == 200 and "location" not in resp.headers


def test_app_registration_validates(client):
    resp = client.post("/api/v1/apps", json={"redirect_uris": REDIRECT})
    assert resp.status_code == 422
    assert resp.json() == {"error": "Validation failed: Application name can't be blank"}


def test_instance_configuration_and_custom_limit(client, emu):
    statuses = client.get("/api/v2/instance").json()["configuration"]["statuses"]
    assert statuses["max_characters"] == 500
    assert statuses["characters_reserved_per_url"] == 23
    emu.max_characters = 100
    assert (
        client.get("/api/v2/instance").json()["configuration"]["statuses"]["max_characters"] == 100
    )


def test_length_counting():
    assert countable_length("a" * 10) == 10
    assert countable_length("see https://example.com/" + "x" * 200) == 4 + 23
    assert countable_length("hi @alice@example.social") == len("hi @alice")
    assert countable_length("👍🏽 café") == 6  # grapheme clusters


def test_content_is_html():
    html = render_content("Hello <you>\nline two\n\nhttps://example.com/a #tag", "http://h")
    assert html.startswith("<p>Hello &lt;you&gt;<br />line two</p><p>")
    assert 'class="mention hashtag"' in html and 'href="https://example.com/a"' in html


def test_post_status_form_and_json(client, auth):
    form = client.post("/api/v1/statuses", data={"status": "Hello form"}, headers=auth)
    assert form.status_code == 200
    body = form.json()
    assert {"id", "url", "uri", "created_at", "content", "media_attachments"} <= set(body)
    assert body["content"] == "<p>Hello form</p>"
    reply = client.post(
        "/api/v1/statuses",
        json={"status": "Hello json", "in_reply_to_id": body["id"], "visibility": "unlisted"},
        headers=auth,
    )
    assert reply.json()["in_reply_to_id"] == body["id"]


def test_length_limit_and_blank(client, auth, emu):
    emu.max_characters = 100
    too_long = client.post("/api/v1/statuses", json={"status": "x" * 101}, headers=auth)
    assert too_long.status_code == 422
    assert too_long.json() == {"error": "Validation failed: Text character limit of 100 exceeded"}
    url_heavy = "https://example.com/" + "p" * 150  # counts 23
    assert (
        client.post("/api/v1/statuses", json={"status": url_heavy}, headers=auth).status_code == 200
    )
    blank = client.post("/api/v1/statuses", json={"status": "  "}, headers=auth)
    assert blank.status_code == 422


def test_reply_to_unknown_status(client, auth):
    resp = client.post(
        "/api/v1/statuses", json={"status": "x", "in_reply_to_id": "1"}, headers=auth
    )
    assert resp.status_code == 404


def test_idempotency_key_replays_even_after_drop(client, auth, emu):
    emu.faults.drop_after_write = 1.0
    headers = {**auth, "Idempotency-Key": "k-1"}
    with pytest.raises(httpx.HTTPError):
        client.post("/api/v1/statuses", json={"status": "once"}, headers=headers)
    emu.faults.drop_after_write = 0.0
    first = client.post("/api/v1/statuses", json={"status": "once"}, headers=headers).json()
    second = client.post("/api/v1/statuses", json={"status": "once"}, headers=headers).json()
    assert first["id"] == second["id"]
    assert len(emu.snapshot()["posts"]) == 1


def test_media_image_ready_video_processing(client, auth, emu):
    image = client.post(
        "/api/v2/media",
        files={"file": ("a.png", b"\x89PNG\r\n" + bytes(range(256)), "image/png")},
        data={"description": "a chart"},
        headers=auth,
    )
    assert image.status_code == 200 and image.json()["description"] == "a chart"
    emu.media_processing_s = 5
    video = client.post(
        "/api/v2/media", files={"file": ("v.mp4", b"\0" * 100, "video/mp4")}, headers=auth
    )
    assert video.status_code == 202 and video.json()["url"] is None
    assert client.get(f"/api/v1/media/{video.json()['id']}", headers=auth).status_code == 206
    early = client.post(
        "/api/v1/statuses", json={"status": "v", "media_ids": [video.json()["id"]]}, headers=auth
    )
    assert early.status_code == 422 and "not finished processing" in early.json()["error"]
    emu.media[video.json()["id"]]["ready_at"] = 0
    assert client.get(f"/api/v1/media/{video.json()['id']}", headers=auth).status_code == 200
    both = client.post(
        "/api/v1/statuses",
        data={"status": "pic", "media_ids[]": [image.json()["id"]]},
        headers=auth,
    )
    assert both.json()["media_attachments"][0]["id"] == image.json()["id"]
    stored = emu.snapshot()["media"][0]
    assert stored["sha256"] == hashlib.sha256(b"\x89PNG\r\n" + bytes(range(256))).hexdigest()


def test_media_rejects_wrong_type(client, auth):
    resp = client.post(
        "/api/v2/media", files={"file": ("a.txt", b"hello", "text/plain")}, headers=auth
    )
    assert resp.status_code == 422


def test_context_counts_and_account_statuses(client, auth, emu):
    status = client.post("/api/v1/statuses", json={"status": "root"}, headers=auth).json()
    emu.add_reply(status["id"], "first!")
    emu.statuses[status["id"]]["created"] -= 3600  # an hour old: counts have grown
    fetched = client.get(f"/api/v1/statuses/{status['id']}", headers=auth).json()
    assert fetched["replies_count"] == 1 and fetched["favourites_count"] > 0
    context = client.get(f"/api/v1/statuses/{status['id']}/context", headers=auth).json()
    assert [html for html in (d["content"] for d in context["descendants"])] == ["<p>first!</p>"]
    me = client.get("/api/v1/accounts/verify_credentials", headers=auth).json()
    for i in range(3):
        client.post("/api/v1/statuses", json={"status": f"n{i}"}, headers=auth)
    page = client.get(f"/api/v1/accounts/{me['id']}/statuses", params={"limit": 2}, headers=auth)
    assert [s["content"] for s in page.json()] == ["<p>n2</p>", "<p>n1</p>"]
    assert 'rel="next"' in page.headers["link"]


def test_rate_limit_headers_and_window(client, auth, emu):
    resp = client.get("/api/v1/accounts/verify_credentials", headers=auth)
    assert resp.headers["x-ratelimit-limit"] == "300"
    assert int(resp.headers["x-ratelimit-remaining"]) == 299
    datetime.fromisoformat(resp.headers["x-ratelimit-reset"].replace("Z", "+00:00"))
    emu.rate_limit = 1
    over = client.get("/api/v1/accounts/verify_credentials", headers=auth)
    assert over.status_code == 429 and over.json() == {"error": "Too many requests"}


def test_rate_limit_fault(client, auth, emu):
    emu.faults.rate_limit_rate = 1.0
    resp = client.post("/api/v1/statuses", json={"status": "x"}, headers=auth)
    assert resp.status_code == 429 and resp.headers["x-ratelimit-remaining"] == "0"
    assert emu.snapshot()["posts"] == []


def test_server_error_fault(client, auth, emu):
    emu.faults.error_rate = 1.0
    assert client.post("/api/v1/statuses", json={"status": "x"}, headers=auth).status_code == 503
    assert emu.snapshot()["posts"] == []


def test_revoked_token(client, auth, emu):
    emu.tokens.expire_all()
    resp = client.get("/api/v1/accounts/verify_credentials", headers=auth)
    assert resp.status_code == 401
    assert resp.json() == {"error": "The access token is invalid"}

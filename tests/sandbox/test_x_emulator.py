"""The X emulator over real HTTP: shapes, limits, faults and OAuth (no adapter involved)."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clientnest_cli.sandbox.x_support import weighted_length

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000


@pytest.fixture
def x(sandbox):
    emu = sandbox.emulator("x")
    account = emu.seed_account("acme")
    client = httpx.Client(
        base_url=sandbox.base_url("x"),
        headers={"Authorization": f"Bearer {account['access_token']}"},
        timeout=10,
    )
    yield emu, client, account
    client.close()


def _tweet(client: httpx.Client, text: str, **extra) -> httpx.Response:
    return client.post("/2/tweets", json={"text": text, **extra})


def _challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


# --- weighted length, counted inside the emulator -------------------------------


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("hello", 5),
        ("日本語", 6),
        ("👍🏽", 2),
        ("👨‍👩‍👧", 2),
        ("see https://example.com/a/very/long/path?with=query. ok", 4 + 23 + 4),
        ("e\u0301", 1),  # NFC makes it one light code point
        ("\u2014", 1),  # em dash sits in a weight-1 range
    ],
)
def test_weighted_length_counts_the_x_way(text, weight):
    assert weighted_length(text) == weight


def test_post_accepts_280_and_rejects_281_weighted(x):
    emu, client, _ = x
    assert _tweet(client, "a" * 280).status_code == 201
    assert _tweet(client, "日" * 140).status_code == 201
    for text in ("b" * 281, "本" * 141):
        resp = _tweet(client, text)
        assert resp.status_code == 400
        body = resp.json()
        assert body["title"] == "Invalid Request"
        assert "too long" in body["errors"][0]["message"]
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert len(emu.snapshot()["tweets"]) == 2


def test_links_weigh_23_whatever_their_length(x):
    _, client, _ = x
    text = "x" * 250 + " https://example.com/" + "p" * 200
    assert _tweet(client, text).status_code == 201


# --- tweets ----------------------------------------------------------------------


def test_create_reply_and_lookup_with_metrics(x):
    _, client, account = x
    root = _tweet(client, "first").json()["data"]
    assert set(root) == {"id", "text", "edit_history_tweet_ids"}
    reply = _tweet(client, "second", reply={"in_reply_to_tweet_id": root["id"]}).json()["data"]
    resp = client.get(
        "/2/tweets",
        params={
            "ids": f"{root['id']},{reply['id']},42",
            "tweet.fields": "public_metrics,conversation_id",
        },
    )
    body = resp.json()
    assert [t["id"] for t in body["data"]] == [root["id"], reply["id"]]
    assert body["data"][1]["conversation_id"] == root["id"]
    assert body["data"][0]["public_metrics"]["reply_count"] == 1
    assert set(body["data"][0]["public_metrics"]) >= {
        "like_count", "reply_count", "retweet_count", "quote_count", "bookmark_count",
        "impression_count",
    }  # fmt: skip
    assert body["errors"][0]["resource_id"] == "42"
    single = client.get(f"/2/tweets/{reply['id']}", params={"tweet.fields": "author_id"}).json()
    assert single["data"]["author_id"] == account["user_id"]


def test_reply_to_missing_tweet_is_forbidden(x):
    _, client, _ = x
    resp = _tweet(client, "hello", reply={"in_reply_to_tweet_id": "123"})
    assert resp.status_code == 403
    assert resp.json()["title"] == "Forbidden"


def test_bad_bodies_are_invalid_requests(x):
    _, client, _ = x
    assert _tweet(client, "").status_code == 400
    assert _tweet(client, "hi", bogus=True).status_code == 400
    assert (
        client.post(
            "/2/tweets", content=b"text=hi", headers={"content-type": "text/plain"}
        ).status_code
        == 400
    )
    assert _tweet(client, "hi", media={"media_ids": ["1", "2", "3", "4", "5"]}).status_code == 400
    assert _tweet(client, "hi", media={"media_ids": ["999"]}).status_code == 400


def test_duplicate_text_is_refused_unless_switched_off(x):
    emu, client, _ = x
    assert _tweet(client, "same words").status_code == 201
    resp = _tweet(client, "same words")
    assert resp.status_code == 403
    assert resp.json() == {
        "title": "Forbidden", "status": 403, "type": "about:blank",
        "detail": "You are not allowed to create a Tweet with duplicate content.",
    }  # fmt: skip
    emu.faults.duplicate_rejection = False
    assert _tweet(client, "same words").status_code == 201


def test_lookup_takes_at_most_100_ids(x):
    _, client, _ = x
    ids = ",".join(str(i) for i in range(1, 102))
    resp = client.get("/2/tweets", params={"ids": ids})
    assert resp.status_code == 400
    assert "between 1 and 100" in resp.json()["errors"][0]["message"]
    assert client.get("/2/tweets", params={"ids": "1", "tweet.fields": "nope"}).status_code == 400


def test_user_timeline_is_newest_first_and_pages(x):
    emu, client, account = x
    ids = [emu.seed_tweet(account["user_id"], f"post {i}", age_s=100 - i) for i in range(12)]
    first = client.get(f"/2/users/{account['user_id']}/tweets", params={"max_results": 5}).json()
    assert [t["id"] for t in first["data"]] == ids[::-1][:5]
    token = first["meta"]["next_token"]
    second = client.get(
        f"/2/users/{account['user_id']}/tweets",
        params={"max_results": 5, "pagination_token": token},
    ).json()
    assert [t["id"] for t in second["data"]] == ids[::-1][5:10]
    assert (
        client.get(f"/2/users/{account['user_id']}/tweets", params={"max_results": 101}).status_code
        == 400
    )
    missing = client.get("/2/users/1/tweets").json()
    assert missing["errors"][0]["title"] == "Not Found Error"


def test_search_by_conversation_returns_replies_with_authors(x):
    emu, client, _ = x
    root = _tweet(client, "what do you think?").json()["data"]["id"]
    emu.add_reply(root, "alice", "love it")
    emu.add_reply(root, "bob", "meh")
    resp = client.get("/2/tweets/search/recent", params={
        "query": f"conversation_id:{root}", "expansions": "author_id",
        "tweet.fields": "author_id,created_at"})  # fmt: skip
    body = resp.json()
    assert sorted(t["text"] for t in body["data"]) == ["love it", "meh"]
    assert sorted(u["username"] for u in body["includes"]["users"]) == ["alice", "bob"]
    assert client.get("/2/tweets/search/recent").status_code == 400


def test_users_me_has_public_metrics(x):
    _, client, account = x
    body = client.get("/2/users/me", params={"user.fields": "public_metrics"}).json()
    assert body["data"]["id"] == account["user_id"]
    assert body["data"]["username"] == "acme"
    assert "followers_count" in body["data"]["public_metrics"]


# --- media -------------------------------------------------------------------------


def test_image_upload_and_alt_text(x):
    emu, client, _ = x
    resp = client.post(
        "/2/media/upload",
        files={"media": ("a.png", PNG, "image/png")},
        data={"media_category": "tweet_image"},
    )
    media_id = resp.json()["data"]["id"]
    meta = client.post(
        "/2/media/metadata", json={"id": media_id, "metadata": {"alt_text": {"text": "a red dot"}}}
    )
    assert meta.status_code == 200
    assert _tweet(client, "pic", media={"media_ids": [media_id]}).status_code == 201
    assert emu.snapshot()["tweets"][0]["alt_texts"] == ["a red dot"]
    not_image = client.post("/2/media/upload", files={"media": ("a.png", b"hello", "image/png")})
    assert not_image.status_code == 400


def test_video_chunked_upload_with_processing(x):
    emu, client, _ = x
    emu.video_polls_needed = 2
    body = {"media_type": "video/mp4", "total_bytes": len(MP4), "media_category": "tweet_video"}
    init = client.post("/2/media/upload/initialize", json=body)
    media_id = init.json()["data"]["id"]
    for index, chunk in enumerate((MP4[:3000], MP4[3000:])):
        resp = client.post(
            f"/2/media/upload/{media_id}/append",
            files={"media": ("c", chunk)},
            data={"segment_index": str(index)},
        )
        assert resp.status_code == 200
    final = client.post(f"/2/media/upload/{media_id}/finalize").json()["data"]
    assert final["processing_info"]["state"] == "pending"
    assert _tweet(client, "too early", media={"media_ids": [media_id]}).status_code == 400
    states = [
        client.get("/2/media/upload", params={"command": "STATUS", "media_id": media_id}).json()[
            "data"
        ]["processing_info"]["state"]
        for _ in range(2)
    ]
    assert states == ["in_progress", "succeeded"]
    assert _tweet(client, "clip", media={"media_ids": [media_id]}).status_code == 201


# --- faults, limits and errors --------------------------------------------------------


def test_every_answer_has_rate_limit_headers(x):
    _, client, _ = x
    for resp in (
        client.get("/2/users/me"),
        _tweet(client, ""),
        client.get("/2/users/me", headers={"Authorization": "Bearer nope"}),
    ):
        assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= set(
            resp.headers
        )


def test_throttle_points_reset_ahead_and_has_no_retry_after(x):
    emu, client, _ = x
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 30
    resp = _tweet(client, "hi")
    assert resp.status_code == 429
    assert "retry-after" not in resp.headers
    assert resp.headers["x-rate-limit-remaining"] == "0"
    assert 28 <= int(resp.headers["x-rate-limit-reset"]) - time.time() <= 31
    assert resp.json()["title"] == "Too Many Requests"
    assert emu.snapshot()["tweets"] == []


def test_server_errors_store_nothing(x):
    emu, client, _ = x
    emu.faults.error_rate = 1.0
    resp = _tweet(client, "hi")
    assert resp.status_code == 503
    assert resp.json()["status"] == 503
    assert emu.snapshot()["tweets"] == []


def test_drop_after_write_keeps_the_tweet(x):
    emu, client, _ = x
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.TransportError):
        _tweet(client, "did it land?")
    assert [t["text"] for t in emu.snapshot()["tweets"]] == ["did it land?"]


def test_expired_and_invalid_tokens_are_unauthorized(x):
    emu, client, _ = x
    emu.tokens.expire_all()
    resp = client.get("/2/users/me")
    assert resp.status_code == 401
    assert resp.json()["title"] == "Unauthorized"
    assert client.get("/2/users/me", headers={"Authorization": ""}).status_code == 401


def test_latency_fault_still_answers(x):
    emu, client, _ = x
    emu.faults.latency_s = 0.05
    assert client.get("/2/users/me").status_code == 200


# --- OAuth 2.0 with PKCE ------------------------------------------------------------------


def _authorize(client: httpx.Client, challenge: str, **overrides) -> httpx.Response:
    params = {
        "response_type": "code", "client_id": "cn", "redirect_uri": "http://127.0.0.1:9/cb",
        "scope": "tweet.read tweet.write users.read offline.access media.write",
        "state": "st4te", "code_challenge": challenge, "code_challenge_method": "S256",
        **overrides,
    }  # fmt: skip
    return client.get("/i/oauth2/authorize", params=params)


def _exchange(client: httpx.Client, code: str, verifier: str) -> httpx.Response:
    return client.post("/2/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
        "redirect_uri": "http://127.0.0.1:9/cb", "client_id": "cn"})  # fmt: skip


def test_pkce_code_exchange_and_refresh_rotation(sandbox):
    emu = sandbox.emulator("x")
    emu.consent_handle = "brand"
    verifier = "v" * 50
    with httpx.Client(base_url=sandbox.base_url("x")) as client:
        resp = _authorize(client, _challenge(verifier))
        assert resp.status_code == 302
        query = parse_qs(urlparse(resp.headers["location"]).query)
        assert query["state"] == ["st4te"]
        tokens = _exchange(client, query["code"][0], verifier).json()
        assert tokens["expires_in"] == 7200 and tokens["token_type"] == "bearer"
        assert _exchange(client, query["code"][0], verifier).status_code == 400  # single use
        me = client.get(
            "/2/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ).json()
        assert me["data"]["username"] == "brand"
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "cn",
        }
        fresh = client.post("/2/oauth2/token", data=form).json()
        assert fresh["refresh_token"] != tokens["refresh_token"]
        again = client.post("/2/oauth2/token", data=form)
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_request"


def test_wrong_verifier_and_bad_requests_are_refused(sandbox):
    with httpx.Client(base_url=sandbox.base_url("x")) as client:
        code = parse_qs(
            urlparse(_authorize(client, _challenge("a" * 43)).headers["location"]).query
        )["code"][0]
        assert _exchange(client, code, "b" * 43).status_code == 400
        assert _authorize(client, "c", code_challenge_method="plain").status_code == 400
        assert _authorize(client, "c", scope="tweet.read everything").status_code == 400
        resp = client.post("/2/oauth2/token", json={"grant_type": "refresh_token"})
        assert resp.status_code == 400


def test_consent_deny_and_never(sandbox):
    emu = sandbox.emulator("x")
    with httpx.Client(base_url=sandbox.base_url("x")) as client:
        emu.faults.consent = "deny"
        resp = _authorize(client, "c")
        assert resp.status_code == 302
        assert parse_qs(urlparse(resp.headers["location"]).query) == {
            "error": ["access_denied"], "state": ["st4te"]}  # fmt: skip
        emu.faults.consent = "never"
        resp = _authorize(client, "c")
        assert resp.status_code == 200 and "location" not in resp.headers


def test_missing_scope_is_forbidden(sandbox):
    emu = sandbox.emulator("x")
    verifier = "r" * 43
    with httpx.Client(base_url=sandbox.base_url("x")) as client:
        resp = _authorize(client, _challenge(verifier), scope="tweet.read users.read")
        code = parse_qs(urlparse(resp.headers["location"]).query)["code"][0]
        tokens = _exchange(client, code, verifier).json()
        assert "refresh_token" not in tokens  # no offline.access
        resp = client.post(
            "/2/tweets",
            json={"text": "hi"},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert resp.status_code == 403
    assert emu.snapshot()["tweets"] == []


def test_spent_window_is_throttled_until_its_reset(x):
    emu, client, account = x
    window = emu._window("users:me", account["user_id"])
    window.remaining = 0
    resp = client.get("/2/users/me")
    assert resp.status_code == 429
    assert resp.headers["x-rate-limit-reset"] == str(window.reset_at)
    assert resp.headers["x-rate-limit-remaining"] == "0"

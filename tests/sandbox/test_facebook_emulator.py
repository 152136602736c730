"""The Facebook emulator speaks the documented Graph API shapes, over real HTTP."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

V = "v21.0"
REDIRECT = "http://127.0.0.1:9/cb"
METRICS = "reactions.summary(total_count),comments.summary(total_count),shares"


@pytest.fixture
def emu(sandbox):
    return sandbox.emulator("facebook")


@pytest.fixture
def base(sandbox):
    return sandbox.base_url("facebook")


@pytest.fixture
def acme(emu):
    return emu.seed_account("acme", pages=["Acme", "Beta"])


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as client:
        yield client


def feed_post(http, base, acct, message="Hello Page", **extra):
    return http.post(
        f"{base}/{V}/{acct['page_id']}/feed",
        data={"message": message, "access_token": acct["access_token"], **extra},
    )


def error(resp):
    return resp.json()["error"]


# --- login and page tokens ------------------------------------------------------------


def test_login_code_long_lived_token_and_page_tokens(http, base, emu, acme):
    dialog = http.get(
        f"{base}/{V}/dialog/oauth",
        params={"client_id": "app", "redirect_uri": REDIRECT, "state": "st"},
    )
    query = parse_qs(urlparse(dialog.headers["location"]).query)
    assert dialog.status_code == 302 and query["state"] == ["st"]
    app = {"client_id": "app", "client_secret": "sec"}
    short = http.get(
        f"{base}/{V}/oauth/access_token",
        params={**app, "redirect_uri": REDIRECT, "code": query["code"][0]},
    ).json()
    assert short["expires_in"] <= 7200
    long = http.get(
        f"{base}/{V}/oauth/access_token",
        params={
            **app,
            "grant_type": "fb_exchange_token",
            "fb_exchange_token": short["access_token"],
        },
    ).json()
    assert long["expires_in"] > 50 * 86400
    pages = http.get(
        f"{base}/{V}/me/accounts", headers={"Authorization": f"Bearer {long['access_token']}"}
    ).json()["data"]
    assert [(p["id"], p["name"]) for p in pages] == [(p["id"], p["name"]) for p in acme["pages"]]
    assert all(p["access_token"] and "CREATE_CONTENT" in p["tasks"] for p in pages)
    assert emu.tokens.access[pages[0]["access_token"]].expires_at is None  # never expires


def test_consent_deny_and_never(http, base, emu):
    emu.faults.consent = "deny"
    params = {"client_id": "app", "redirect_uri": REDIRECT, "state": "x"}
    query = parse_qs(
        urlparse(http.get(f"{base}/dialog/oauth", params=params).headers["location"]).query
    )
    assert query["error"] == ["access_denied"] and query["state"] == ["x"]
    emu.faults.consent = "never"
    assert http.get(f"{base}/dialog/oauth", params=params).status_code == 200


def test_any_version_prefix_is_accepted_and_nonsense_is_not(http, base, acme):
    ok = http.get(f"{base}/v19.0/me", params={"access_token": acme["access_token"]})
    assert ok.json()["id"] == acme["page_id"]
    bad = http.get(f"{base}/latest/me", params={"access_token": acme["access_token"]})
    assert bad.status_code == 400 and error(bad)["type"] == "OAuthException"


# --- publishing -------------------------------------------------------------------------


def test_feed_post_needs_the_page_token(http, base, emu, acme):
    resp = http.post(
        f"{base}/{V}/{acme['page_id']}/feed",
        json={"message": "hi", "access_token": acme["user_access_token"]},
    )
    assert resp.status_code == 403 and error(resp)["code"] == 200
    made = feed_post(http, base, acme)
    assert made.json()["id"].startswith(acme["page_id"] + "_")
    assert "call_count" in json.loads(made.headers["x-app-usage"])


def test_photo_unpublished_then_attached(http, base, emu, acme):
    photo = http.post(
        f"{base}/{V}/{acme['page_id']}/photos",
        json={"url": "https://cdn.example/a.jpg", "published": False},
        headers={"Authorization": f"Bearer {acme['access_token']}"},
    ).json()["id"]
    made = feed_post(
        http, base, acme, "With photo", attached_media=json.dumps([{"media_fbid": photo}])
    )
    assert made.status_code == 200
    assert emu.snapshot()["posts"][0]["attached_media"] == [photo]
    again = feed_post(http, base, acme, "Reuse", attached_media=json.dumps([{"media_fbid": photo}]))
    assert again.status_code == 400 and error(again)["code"] == 100


def test_duplicate_message_is_code_506(http, base, emu, acme):
    feed_post(http, base, acme, "Same")
    dup = feed_post(http, base, acme, "Same")
    assert dup.status_code == 400 and error(dup)["code"] == 506
    assert error(dup)["message"] == "Duplicate status message" and error(dup)["fbtrace_id"]
    emu.faults.duplicate_rejection = False
    assert feed_post(http, base, acme, "Same").status_code == 200


def test_message_length_and_emptiness(http, base, acme):
    assert error(feed_post(http, base, acme, ""))["code"] == 100
    assert error(feed_post(http, base, acme, "x" * 63207))["code"] == 100


# --- reading ----------------------------------------------------------------------------


def test_metrics_fields_grow_and_feed_finds_posts(http, base, emu, acme):
    post_id = feed_post(http, base, acme).json()["id"]
    token = {"access_token": acme["access_token"]}
    fresh = http.get(f"{base}/{V}/{post_id}", params={"fields": METRICS, **token}).json()
    assert "shares" not in fresh  # left out while nobody shared
    emu.posts[post_id]["created"] -= 7200
    later = http.get(f"{base}/{V}/{post_id}", params={"fields": METRICS, **token}).json()
    assert (
        later["reactions"]["summary"]["total_count"] > fresh["reactions"]["summary"]["total_count"]
    )
    assert later["comments"]["summary"]["total_count"] >= 1 and later["shares"]["count"] > 0
    feed = http.get(f"{base}/{V}/{acme['page_id']}/feed", params={"fields": "id,message", **token})
    assert feed.json()["data"] == [{"id": post_id, "message": "Hello Page"}]
    many = http.get(f"{base}/{V}/", params={"ids": post_id, "fields": METRICS, **token}).json()
    assert set(many) == {post_id}
    insights = http.get(
        f"{base}/{V}/{post_id}/insights", params={"metric": "post_impressions", **token}
    )
    assert insights.json()["data"][0]["values"][0]["value"] > 0


def test_comments_get_and_post(http, base, acme):
    post_id = feed_post(http, base, acme).json()["id"]
    token = {"access_token": acme["access_token"]}
    made = http.post(f"{base}/{V}/{post_id}/comments", data={"message": "Thanks!", **token})
    assert made.status_code == 200 and made.json()["id"]
    listed = http.get(f"{base}/{V}/{post_id}/comments", params=token).json()["data"]
    assert listed[-1]["message"] == "Thanks!" and listed[-1]["from"]["name"] == "Acme"


def test_unknown_object_and_field(http, base, acme):
    token = {"access_token": acme["access_token"]}
    assert error(http.get(f"{base}/{V}/999_999", params=token))["code"] == 100
    post_id = feed_post(http, base, acme).json()["id"]
    bad = http.get(f"{base}/{V}/{post_id}", params={"fields": "nonsense", **token})
    assert error(bad)["code"] == 100


# --- faults ------------------------------------------------------------------------------


def test_tokens_invalid_and_expired_are_190(http, base, emu, acme):
    assert error(http.get(f"{base}/{V}/me", params={"access_token": "junk"}))["code"] == 190
    emu.tokens.expire_all()
    expired = feed_post(http, base, acme)
    assert error(expired)["code"] == 190 and error(expired)["error_subcode"] == 463


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_throttle_codes_with_usage_headers(http, base, emu, acme, code):
    emu.faults.rate_limit_rate = 1.0
    emu.faults.rate_limit_reset_s = 120
    emu.throttle_code = code
    resp = feed_post(http, base, acme)
    assert resp.status_code in (400, 403) and error(resp)["code"] == code
    usage = json.loads(resp.headers["x-business-use-case-usage"])
    assert usage[acme["page_id"]][0]["estimated_time_to_regain_access"] == 2
    assert json.loads(resp.headers["x-app-usage"])["call_count"] == 100
    assert emu.snapshot()["posts"] == []


def test_throttle_codes_rotate_when_not_pinned(http, base, emu, acme):
    emu.faults.rate_limit_rate = 1.0
    codes = {error(feed_post(http, base, acme))["code"] for _ in range(5)}
    assert codes == {4, 17, 32, 613, 80001}


def test_5xx_drop_and_latency(http, base, emu, acme):
    emu.faults.error_rate = 1.0
    failed = feed_post(http, base, acme)
    assert failed.status_code == 503 and error(failed)["is_transient"] is True
    emu.faults.error_rate = 0.0
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.TransportError):
        feed_post(http, base, acme, "Dropped")
    assert [p["message"] for p in emu.snapshot()["posts"]] == ["Dropped"]
    emu.faults.drop_after_write = 0.0
    emu.faults.latency_s = 0.05
    assert feed_post(http, base, acme, "Slow").status_code == 200

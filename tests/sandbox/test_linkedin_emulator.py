"""The LinkedIn emulator speaks the documented Posts API shapes, over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest

from clientnest_cli.sandbox.linkedin import render_little

REDIRECT = "http://127.0.0.1:9/cb"
VERSION_HEADERS = {"LinkedIn-Version": "202503", "X-Restli-Protocol-Version": "2.0.0"}


@pytest.fixture
def emu(sandbox):
    return sandbox.emulator("linkedin")


@pytest.fixture
def base(sandbox):
    return sandbox.base_url("linkedin")


@pytest.fixture
def member(emu):
    return emu.seed_account("ann", "Ann Lee")


@pytest.fixture
def http():
    with httpx.Client(timeout=5) as client:
        yield client


def headers(member, **extra):
    return {"Authorization": f"Bearer {member['access_token']}", **VERSION_HEADERS, **extra}


def post_body(member, commentary="Hello LinkedIn", **extra):
    return {
        "author": member["author_urn"],
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        **extra,
    }


def create(http, base, member, commentary="Hello LinkedIn", **extra):
    return http.post(
        f"{base}/rest/posts", json=post_body(member, commentary, **extra), headers=headers(member)
    )


def authorize(http, base, state="s1"):
    params = {
        "response_type": "code",
        "client_id": "cid",
        "redirect_uri": REDIRECT,
        "state": state,
        "scope": "openid profile w_member_social",
    }
    return http.get(f"{base}/oauth/v2/authorization", params=params)


# --- OAuth --------------------------------------------------------------------------


def test_oauth_code_exchange_gives_sixty_day_token_without_refresh(http, base, emu, member):
    location = authorize(http, base).headers["location"]
    query = parse_qs(urlparse(location).query)
    assert location.startswith(REDIRECT) and query["state"] == ["s1"]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT,
        "client_id": "cid",
        "client_secret": "sec",
    }
    token = http.post(f"{base}/oauth/v2/accessToken", data=form).json()
    assert token["expires_in"] == 5184000 and "refresh_token" not in token
    info = http.get(
        f"{base}/v2/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert info.json()["sub"] == member["user_id"] and info.json()["name"] == "Ann Lee"
    again = http.post(f"{base}/oauth/v2/accessToken", data=form)  # codes are single-use
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refresh = http.post(f"{base}/oauth/v2/accessToken", data={"grant_type": "refresh_token"})
    assert refresh.status_code == 400


def test_consent_deny_and_never(http, base, emu):
    emu.faults.consent = "deny"
    query = parse_qs(urlparse(authorize(http, base, "s2").headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s2"]
    emu.faults.consent = "never"
    page = authorize(http, base)
    assert page.status_code == 200 and "location" not in page.headers


def test_bad_token_is_65600_and_expired_is_401(http, base, emu, member):
    bad = http.get(f"{base}/v2/userinfo", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["serviceErrorCode"] == 65600
    emu.tokens.expire_all()
    expired = create(http, base, member)
    assert expired.status_code == 401 and expired.json()["serviceErrorCode"] == 65600
    assert emu.snapshot()["posts"] == []


# --- posts -----------------------------------------------------------------------------


def test_create_post_returns_urn_in_header_and_can_be_found_again(http, base, emu, member):
    resp = create(http, base, member)
    urn = resp.headers["x-restli-id"]
    assert resp.status_code == 201 and urn.startswith("urn:li:share:")
    got = http.get(f"{base}/rest/posts/{quote(urn, safe='')}", headers=headers(member)).json()
    assert got["commentary"] == "Hello LinkedIn" and got["author"] == member["author_urn"]
    found = http.get(
        f"{base}/rest/posts",
        params={"q": "author", "author": member["author_urn"]},
        headers=headers(member),
    ).json()
    assert [e["id"] for e in found["elements"]] == [urn]


@pytest.mark.parametrize(
    ("missing", "code"),
    [
        ("LinkedIn-Version", "VERSION_MISSING"),
        ("X-Restli-Protocol-Version", "INVALID_PROTOCOL_VERSION"),
    ],
)
def test_version_headers_are_required(http, base, member, missing, code):
    sent = {k: v for k, v in headers(member).items() if k != missing}
    resp = http.post(f"{base}/rest/posts", json=post_body(member), headers=sent)
    assert resp.status_code == 400 and resp.json()["code"] == code


def test_author_must_be_the_token_member(http, base, member):
    resp = http.post(
        f"{base}/rest/posts",
        json={**post_body(member), "author": "urn:li:person:someoneelse"},
        headers=headers(member),
    )
    assert resp.status_code == 403 and resp.json()["serviceErrorCode"] == 100


def test_unescaped_reserved_character_silently_cuts_the_post(http, base, emu, member):
    assert create(http, base, member, "Launch (beta) #today").status_code == 201
    assert create(http, base, member, r"Launch \(beta\) \#today").status_code == 201
    texts = [p["text"] for p in emu.snapshot()["posts"]]
    assert texts == ["Launch ", "Launch (beta) #today"]


def test_little_format_templates():
    kept, shown = render_little(r"Hi @[Ann](urn:li:person:a1) {hashtag|\#|Launch} a\_b * end")
    assert shown == "Hi Ann #Launch a_b " and kept.endswith("a\\_b ")


def test_commentary_over_3000_characters_is_rejected(http, base, member):
    resp = create(http, base, member, "é" * 3001)
    assert resp.status_code == 422 and "3000" in resp.json()["message"]
    assert create(http, base, member, "é" * 3000).status_code == 201


def test_duplicate_commentary_is_422_naming_the_first_post(http, base, emu, member):
    urn = create(http, base, member, "Same words").headers["x-restli-id"]
    dup = create(http, base, member, "Same words")
    assert dup.status_code == 422
    assert dup.json() == {
        "message": f"Content is a duplicate of {urn}",
        "serviceErrorCode": 0,
        "status": 422,
        "code": "DUPLICATE_POST",
    }
    emu.faults.duplicate_rejection = False
    assert create(http, base, member, "Same words").status_code == 201


def test_image_upload_then_post_with_media(http, base, emu, member):
    init = http.post(
        f"{base}/rest/images?action=initializeUpload",
        json={"initializeUploadRequest": {"owner": member["author_urn"]}},
        headers=headers(member),
    ).json()["value"]
    image = init["image"]
    early = create(http, base, member, "Too soon", content={"media": {"id": image}})
    assert early.status_code == 422  # bytes not uploaded yet
    put = http.put(
        init["uploadUrl"],
        content=b"\x89PNG....",
        headers={"Authorization": f"Bearer {member['access_token']}"},
    )
    assert put.status_code == 201
    resp = create(http, base, member, "With picture", content={"media": {"id": image}})
    assert resp.status_code == 201
    assert emu.snapshot()["posts"][0]["content"] == {"media": {"id": image}}


# --- social actions -------------------------------------------------------------------


def test_social_actions_grow_and_comments_can_be_added(http, base, emu, member):
    urn = create(http, base, member).headers["x-restli-id"]
    path = f"{base}/rest/socialActions/{quote(urn, safe='')}"
    fresh = http.get(path, headers=headers(member)).json()
    emu.posts[urn]["created"] -= 3600  # an hour later
    later = http.get(path, headers=headers(member)).json()
    assert later["likesSummary"]["totalLikes"] > fresh["likesSummary"]["totalLikes"]
    count = later["commentsSummary"]["totalFirstLevelComments"]
    body = {"actor": member["author_urn"], "object": urn, "message": {"text": "Thanks all"}}
    made = http.post(f"{path}/comments", json=body, headers=headers(member))
    assert made.status_code == 201 and made.json()["$URN"].startswith("urn:li:comment:(")
    listed = http.get(f"{path}/comments", headers=headers(member)).json()["elements"]
    assert len(listed) == count + 1 and listed[-1]["message"]["text"] == "Thanks all"


def test_unknown_post_is_404(http, base, member):
    resp = http.get(f"{base}/rest/socialActions/urn%3Ali%3Ashare%3A1", headers=headers(member))
    assert resp.status_code == 404 and resp.json()["status"] == 404


# --- faults -----------------------------------------------------------------------------


def test_faults_5xx_and_bare_429(http, base, emu, member):
    emu.faults.error_rate = 1.0
    assert create(http, base, member).status_code == 503
    emu.faults.error_rate = 0.0
    emu.faults.rate_limit_rate = 1.0
    limited = create(http, base, member)
    assert limited.status_code == 429 and limited.json()["status"] == 429
    assert not any(h.lower().startswith(("x-ratelimit", "retry-after")) for h in limited.headers)
    assert emu.snapshot()["posts"] == []


def test_drop_after_write_stores_the_post(http, base, emu, member):
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.TransportError):
        create(http, base, member, "Dropped")
    assert [p["text"] for p in emu.snapshot()["posts"]] == ["Dropped"]


def test_latency_is_added(http, base, emu, member):
    emu.faults.latency_s = 0.05
    assert create(http, base, member).status_code == 201

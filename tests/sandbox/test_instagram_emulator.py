"""The Instagram emulator speaks the Graph content-publishing API (raw HTTP)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.media_host import JPEG_BYTES, MP4_HEAD, MediaHost

REDIRECT = "http://127.0.0.1:8765/cb"


@pytest.fixture
def host(tmp_path: Path):
    with MediaHost(tmp_path) as media_host:
        media_host.add("a.jpg", JPEG_BYTES)
        media_host.add("b.jpg", JPEG_BYTES)
        media_host.add("not-jpeg.png", b"\x89PNG\r\n\x1a\n")
        media_host.add("clip.mp4", MP4_HEAD + b"\x00" * 64)
        yield media_host


@pytest.fixture
def ig(sandbox):
    emu = sandbox.emulator("instagram")
    emu.processing_s = 0.05
    account = emu.seed_account("acme")
    client = httpx.Client(
        base_url=sandbox.base_url("instagram"),
        headers={"Authorization": f"Bearer {account['access_token']}"},
    )
    yield client, emu, account
    client.close()


def container(client, user: str, **params) -> str:
    resp = client.post(f"/v21.0/{user}/media", data=params)
    assert resp.status_code == 200, resp.text
    return resp.json()["id"]


def status(client, cid: str) -> str:
    return client.get(f"/{cid}", params={"fields": "status_code"}).json()["status_code"]


def ready(client, cid: str) -> None:
    deadline = time.time() + 3
    while status(client, cid) == "IN_PROGRESS" and time.time() < deadline:
        time.sleep(0.02)


def error(resp: httpx.Response) -> dict:
    return resp.json()["error"]


def test_container_lifecycle_and_publish(ig, host):
    client, emu, acc = ig
    emu.processing_s = 3600  # held in progress until the test ages it: no race with a busy machine
    cid = container(client, acc["user_id"], image_url=f"{host.url}/a.jpg", caption="hi #tag")
    assert status(client, cid) == "IN_PROGRESS"
    early = client.post(f"/{acc['user_id']}/media_publish", params={"creation_id": cid})
    assert early.status_code == 400 and error(early)["code"] == 9007
    emu.age_container(cid, 3600)
    assert status(client, cid) == "FINISHED"
    media_id = client.post(f"/{acc['user_id']}/media_publish", params={"creation_id": cid}).json()[
        "id"
    ]
    assert status(client, cid) == "PUBLISHED"
    twice = client.post(f"/{acc['user_id']}/media_publish", params={"creation_id": cid})
    assert error(twice)["error_subcode"] == 2207008
    listed = client.get(f"/{acc['user_id']}/media", params={"fields": "id,caption,permalink"})
    assert listed.json()["data"][0]["id"] == media_id
    assert listed.json()["data"][0]["permalink"].startswith("https://www.instagram.com/p/")
    assert len(emu.snapshot()["posts"]) == 1


def test_media_is_really_fetched(ig, host):
    client, _, acc = ig
    bad = [
        container(client, acc["user_id"], image_url=f"{host.url}/missing.jpg"),
        container(client, acc["user_id"], image_url=f"{host.url}/not-jpeg.png"),
    ]
    for cid in bad:
        ready(client, cid)
        node = client.get(f"/{cid}", params={"fields": "status_code,status"}).json()
        assert node["status_code"] == "ERROR" and node["status"].startswith("Error:")
    reel = container(client, acc["user_id"], video_url=f"{host.url}/clip.mp4", media_type="REELS")
    ready(client, reel)
    assert status(client, reel) == "FINISHED"


def test_validation_errors(ig, host):
    client, _, acc = ig
    url = f"{host.url}/a.jpg"
    cases = [
        {"caption": "text only"},
        {"image_url": url, "caption": "x" * 2201},
        {"image_url": url, "caption": " ".join(f"#t{i}" for i in range(31))},
        {"media_type": "CAROUSEL", "children": container(client, acc["user_id"], image_url=url)},
        {"media_type": "REELS"},
    ]
    for params in cases:
        resp = client.post(f"/{acc['user_id']}/media", data=params)
        assert resp.status_code == 400 and error(resp)["code"] == 100, params
        assert error(resp)["type"] == "IGApiException"
    exactly_2200 = client.post(
        f"/{acc['user_id']}/media", data={"image_url": url, "caption": "é" * 2200}
    )
    assert exactly_2200.status_code == 200


def test_carousel(ig, host):
    client, emu, acc = ig
    kids = [
        container(client, acc["user_id"], image_url=f"{host.url}/{n}", is_carousel_item="true")
        for n in ("a.jpg", "b.jpg")
    ]
    parent = container(client, acc["user_id"], media_type="CAROUSEL", children=",".join(kids))
    ready(client, parent)
    client.post(f"/{acc['user_id']}/media_publish", params={"creation_id": parent})
    [post] = emu.snapshot()["posts"]
    assert post["media_type"] == "CAROUSEL_ALBUM" and len(post["children"]["data"]) == 2
    alone = client.post(f"/{acc['user_id']}/media_publish", params={"creation_id": kids[0]})
    assert alone.status_code == 400


def test_containers_expire(ig, host):
    client, emu, acc = ig
    cid = container(client, acc["user_id"], image_url=f"{host.url}/a.jpg")
    emu.age_container(cid, 25 * 3600)
    assert status(client, cid) == "EXPIRED"


def test_insights_grow_and_comments(ig, host):
    client, emu, acc = ig
    cid = container(client, acc["user_id"], image_url=f"{host.url}/a.jpg")
    ready(client, cid)
    mid = client.post(f"/{acc['user_id']}/media_publish", params={"creation_id": cid}).json()["id"]
    metric = "views,reach,likes,comments,shares,saved,total_interactions"

    def values() -> dict:
        data = client.get(f"/{mid}/insights", params={"metric": metric}).json()["data"]
        return {row["name"]: row["values"][0]["value"] for row in data}

    emu.age_post(mid, 600)
    first = values()
    emu.age_post(mid, 6000)
    emu.add_comment(mid, "fan", "wow")
    later = values()
    assert later["views"] > first["views"] and later["comments"] == 1
    bad = client.get(f"/{mid}/insights", params={"metric": "impressions_2019"})
    assert error(bad)["code"] == 100
    comments = client.get(f"/{mid}/comments", params={"fields": "id,text,username"}).json()
    assert comments["data"][0]["username"] == "fan"
    me = client.get("/me", params={"fields": "user_id,username,followers_count,media_count"})
    assert me.json()["media_count"] == 1 and me.json()["username"] == "acme"
    limit = client.get(f"/{acc['user_id']}/content_publishing_limit").json()["data"][0]
    assert limit == {"quota_usage": 1, "config": {"quota_total": 100, "quota_duration": 86400}}


def test_oauth_exchange_and_refresh_rules(sandbox):
    emu = sandbox.emulator("instagram")
    base = sandbox.base_url("instagram")
    with httpx.Client(base_url=base) as http:
        loc = http.get(
            "/oauth/authorize",
            params={
                "client_id": "c",
                "redirect_uri": REDIRECT,
                "response_type": "code",
                "state": "s",
            },
        ).headers["location"]
        code = parse_qs(urlparse(loc).query)["code"][0]
        form = {
            "client_id": "c",
            "client_secret": "sec",
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
            "code": code,
        }
        short = http.post("/oauth/access_token", data=form).json()
        assert http.post("/oauth/access_token", data=form).status_code == 400  # used once
        params = {"grant_type": "ig_exchange_token", "client_secret": "sec"}
        long = http.get("/access_token", params={**params, "access_token": short["access_token"]})
        assert long.json()["expires_in"] > 59 * 86400
        token = long.json()["access_token"]
        refresh = {"grant_type": "ig_refresh_token", "access_token": token}
        young = http.get("/refresh_access_token", params=refresh)
        assert young.status_code == 400 and "24 hours" in error(young)["message"]
        emu.age_token(token, 86400 + 1)
        fresh = http.get("/refresh_access_token", params=refresh).json()
        assert fresh["access_token"] != token and fresh["token_type"] == "bearer"


@pytest.mark.parametrize("consent", ["approve", "deny", "never"])
def test_consent_switch(sandbox, consent):
    sandbox.emulator("instagram").faults.consent = consent
    resp = httpx.get(
        f"{sandbox.base_url('instagram')}/oauth/authorize",
        params={"client_id": "c", "redirect_uri": REDIRECT, "response_type": "code", "state": "s"},
    )
    if consent == "never":
        assert resp.status_code == 200
        return
    query = parse_qs(urlparse(resp.headers["location"]).query)
    assert query["state"] == ["s"]
    assert ("code" in query) == (consent == "approve")
    assert (query.get("error") == ["access_denied"]) == (consent == "deny")


def test_faults(ig, host):
    client, emu, acc = ig
    emu.faults.error_rate = 1.0
    resp = client.get("/me")
    assert resp.status_code == 503 and error(resp)["is_transient"] is True
    emu.faults.error_rate = 0.0
    emu.faults.rate_limit_rate = 1.0
    resp = client.get("/me")
    assert resp.status_code == 400 and error(resp)["code"] in {4, 17, 32, 613}
    usage = json.loads(resp.headers["x-business-use-case-usage"])
    assert next(iter(usage.values()))[0]["estimated_time_to_regain_access"] >= 1
    emu.faults.rate_limit_rate = 0.0
    cid = container(client, acc["user_id"], image_url=f"{host.url}/a.jpg")
    ready(client, cid)
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.TransportError):
        client.post(f"/{acc['user_id']}/media_publish", params={"creation_id": cid})
    emu.faults.drop_after_write = 0.0
    assert status(client, cid) == "PUBLISHED" and len(emu.snapshot()["posts"]) == 1
    emu.tokens.expire_all()
    resp = client.get("/me")
    assert error(resp)["code"] == 190 and error(resp)["type"] == "OAuthException"
    bad = httpx.get(f"{client.base_url}me", headers={"Authorization": "Bearer nope"})
    assert error(bad)["code"] == 190

"""The Threads emulator speaks graph.threads.net v1.0 (raw HTTP)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clientnest_cli.sandbox.threads import threads_length, unique_links
from tests.media_host import JPEG_BYTES, MediaHost

REDIRECT = "http://127.0.0.1:8765/cb"


@pytest.fixture
def th(sandbox):
    emu = sandbox.emulator("threads")
    emu.processing_s = 0.0
    account = emu.seed_account("acme")
    client = httpx.Client(
        base_url=sandbox.base_url("threads"),
        headers={"Authorization": f"Bearer {account['access_token']}"},
    )
    yield client, emu, account["user_id"]
    client.close()


def create(client, user: str, **params) -> httpx.Response:
    return client.post(f"/v1.0/{user}/threads", data=params)


def publish(client, user: str, **params) -> str:
    cid = create(client, user, **params).json()["id"]
    resp = client.post(f"/v1.0/{user}/threads_publish", params={"creation_id": cid})
    assert resp.status_code == 200, resp.text
    return resp.json()["id"]


def test_counting_is_threads_own():
    assert threads_length("hello") == 5
    assert threads_length("😀") == 4  # emoji count as their UTF-8 bytes
    assert threads_length("👍🏽") == 8
    assert threads_length("é") == 1
    assert len(unique_links("see https://a.com and a.com/ and www.b.org/x")) == 2


def test_text_limits(th):
    client, _, user = th
    assert create(client, user, media_type="TEXT", text="a" * 500).status_code == 200
    assert create(client, user, media_type="TEXT", text="😀" * 125).status_code == 200
    too_long = create(client, user, media_type="TEXT", text="😀" * 126)
    assert too_long.status_code == 400 and "too long" in too_long.json()["error"]["message"]
    links = create(client, user, media_type="TEXT", text=" ".join(f"s{i}.com" for i in range(6)))
    assert "THREADS_API__LINK_LIMIT_EXCEEDED" in links.json()["error"]["message"]
    assert create(client, user, media_type="TEXT").status_code == 400
    assert create(client, user, media_type="POLL", text="x").status_code == 400
    assert create(client, user, media_type="TEXT", text="x", reply_to_id="999").status_code == 400


def test_publish_thread_and_find_again(th):
    client, emu, user = th
    root = publish(client, user, media_type="TEXT", text="root")
    reply = publish(client, user, media_type="TEXT", text="reply", reply_to_id=root)
    tops = client.get(f"/v1.0/{user}/threads", params={"fields": "id,text,permalink"}).json()
    assert [t["id"] for t in tops["data"]] == [root]
    assert tops["data"][0]["permalink"].startswith("https://www.threads.net/@acme/post/")
    mine = client.get(f"/v1.0/{user}/replies", params={"fields": "id,text"}).json()["data"]
    assert [r["id"] for r in mine] == [reply]
    emu.add_comment(root, "someone", "hi")
    under = client.get(f"/v1.0/{root}/replies", params={"fields": "id,text,username"}).json()
    assert [r["text"] for r in under["data"]] == ["reply", "hi"]
    node = client.get(f"/v1.0/{reply}", params={"fields": "id,replied_to,root_post,is_reply"})
    assert node.json()["replied_to"] == {"id": root} and node.json()["is_reply"] is True


def test_container_status_and_double_publish(th, tmp_path: Path):
    client, emu, user = th
    emu.processing_s = 5.0
    with MediaHost(tmp_path) as host:
        host.add("a.jpg", JPEG_BYTES)
        cid = create(client, user, media_type="IMAGE", image_url=f"{host.url}/a.jpg").json()["id"]
        broken = create(client, user, media_type="IMAGE", image_url=f"{host.url}/x.jpg").json()
    assert client.get(f"/v1.0/{cid}", params={"fields": "status"}).json()["status"] == "IN_PROGRESS"
    emu.age_container(cid, 10)
    assert client.get(f"/v1.0/{cid}", params={"fields": "status"}).json()["status"] == "FINISHED"
    node = client.get(f"/v1.0/{broken['id']}", params={"fields": "status,error_message"}).json()
    assert node["status"] == "ERROR" and node["error_message"].startswith("FAILED_DOWNLOADING")
    client.post(f"/v1.0/{user}/threads_publish", params={"creation_id": cid})
    assert client.get(f"/v1.0/{cid}", params={"fields": "status"}).json()["status"] == "PUBLISHED"
    again = client.post(f"/v1.0/{user}/threads_publish", params={"creation_id": cid})
    assert again.status_code == 400
    assert len(emu.snapshot()["posts"]) == 1


def test_insights_quota_and_followers(th):
    client, emu, user = th
    emu.publish_quota = 1
    media = publish(client, user, media_type="TEXT", text="one")
    emu.age_post(media, 3600)
    metric = "views,likes,replies,reposts,quotes,shares"
    data = client.get(f"/v1.0/{media}/insights", params={"metric": metric}).json()["data"]
    values = {row["name"]: row["values"][0]["value"] for row in data}
    assert set(values) == set(metric.split(",")) and values["views"] > 0
    cid = create(client, user, media_type="TEXT", text="two").json()["id"]
    over = client.post(f"/v1.0/{user}/threads_publish", params={"creation_id": cid})
    assert over.json()["error"]["code"] == 9
    publish(client, user, media_type="TEXT", text="replies have their own quota", reply_to_id=media)
    limit = client.get(f"/v1.0/{user}/threads_publishing_limit").json()["data"][0]
    assert limit["quota_usage"] == 1 and limit["reply_quota_usage"] == 1
    followers = client.get(f"/v1.0/{user}/threads_insights", params={"metric": "followers_count"})
    assert followers.json()["data"][0]["total_value"]["value"] > 0


def test_oauth_short_long_and_refresh(sandbox):
    emu = sandbox.emulator("threads")
    with httpx.Client(base_url=sandbox.base_url("threads")) as http:
        loc = http.get(
            "/oauth/authorize",
            params={"client_id": "c", "redirect_uri": REDIRECT, "response_type": "code"},
        ).headers["location"]
        code = parse_qs(urlparse(loc).query)["code"][0]
        short = http.post(
            "/oauth/access_token",
            data={
                "client_id": "c",
                "client_secret": "s",
                "grant_type": "authorization_code",
                "redirect_uri": REDIRECT,
                "code": code,
            },
        ).json()["access_token"]
        exchange = {"grant_type": "th_exchange_token", "client_secret": "s"}
        wrong = http.get("/access_token", params={**exchange, "grant_type": "ig_exchange_token"})
        assert wrong.status_code == 400
        refresh_short = http.get(
            "/refresh_access_token",
            params={"grant_type": "th_refresh_token", "access_token": short},
        )
        assert refresh_short.status_code == 400
        long = http.get("/access_token", params={**exchange, "access_token": short}).json()
        emu.age_token(long["access_token"], 2 * 86400)
        fresh = http.get(
            "/refresh_access_token",
            params={"grant_type": "th_refresh_token", "access_token": long["access_token"]},
        )
        assert fresh.status_code == 200 and fresh.json()["expires_in"] > 59 * 86400


def test_faults(th):
    client, emu, user = th
    emu.faults.error_rate = 1.0
    assert client.get("/v1.0/me").status_code == 503
    emu.faults.error_rate = 0.0
    emu.faults.rate_limit_rate = 1.0
    assert client.get("/v1.0/me").json()["error"]["code"] in {4, 17, 32, 613}
    emu.faults.rate_limit_rate = 0.0
    cid = create(client, user, media_type="TEXT", text="dropped").json()["id"]
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.TransportError):
        client.post(f"/v1.0/{user}/threads_publish", params={"creation_id": cid})
    emu.faults.drop_after_write = 0.0
    assert len(emu.snapshot()["posts"]) == 1
    emu.tokens.expire_all()
    assert client.get("/v1.0/me").json()["error"]["code"] == 190

"""The TikTok emulator speaks the Content Posting API v2 (raw HTTP)."""

from __future__ import annotations

import base64
import hashlib
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from clientnest_cli.sandbox.tiktok_rules import chunk_layout_error
from tests.media_host import JPEG_BYTES, MP4_HEAD, MediaHost

MB = 1024 * 1024
REDIRECT = "http://127.0.0.1:8765/cb"
VIDEO = MP4_HEAD + b"\x00" * 1000


@pytest.fixture
def tt(sandbox):
    emu = sandbox.emulator("tiktok")
    emu.processing_s = 0.05
    account = emu.seed_account("acme.tt")
    client = httpx.Client(
        base_url=sandbox.base_url("tiktok"),
        headers={"Authorization": f"Bearer {account['access_token']}"},
    )
    yield client, emu
    client.close()


def init(client, size: int, chunk: int, total: int, privacy: str = "SELF_ONLY") -> httpx.Response:
    return client.post(
        "/v2/post/publish/video/init/",
        json={
            "post_info": {"title": "clip", "privacy_level": privacy},
            "source_info": {
                "source": "FILE_UPLOAD",
                "video_size": size,
                "chunk_size": chunk,
                "total_chunk_count": total,
            },
        },
    )


def put(url: str, body: bytes, first: int, total: int, ctype: str = "video/mp4") -> httpx.Response:
    last = first + len(body) - 1
    headers = {"Content-Type": ctype, "Content-Range": f"bytes {first}-{last}/{total}"}
    return httpx.put(url, content=body, headers=headers)


def status(client, publish_id: str) -> dict:
    return client.post("/v2/post/publish/status/fetch/", json={"publish_id": publish_id}).json()


def settle(client, publish_id: str) -> dict:
    deadline = time.time() + 3
    while time.time() < deadline:
        data = status(client, publish_id)["data"]
        if data["status"] in {"PUBLISH_COMPLETE", "FAILED"}:
            return data
        time.sleep(0.05)
    raise AssertionError("never settled")


def test_chunk_layout_rules():
    assert chunk_layout_error(1000, 1000, 1) == ""
    assert chunk_layout_error(12 * MB, 5 * MB, 2) == ""
    assert chunk_layout_error(20 * MB, 20 * MB, 1) == ""
    assert "single chunk" in chunk_layout_error(4 * MB, 2 * MB, 2)
    assert "rounded down" in chunk_layout_error(12 * MB, 5 * MB, 3)
    assert "between 5 MB and 64 MB" in chunk_layout_error(200 * MB, 100 * MB, 2)
    assert "several chunks" in chunk_layout_error(70 * MB, 70 * MB, 1)


def test_video_upload_lifecycle(tt):
    client, emu = tt
    info = client.post("/v2/post/publish/creator_info/query/", json={}).json()
    assert info["error"]["code"] == "ok" and "SELF_ONLY" in info["data"]["privacy_level_options"]
    body = init(client, len(VIDEO), len(VIDEO), 1).json()
    publish_id, url = body["data"]["publish_id"], body["data"]["upload_url"]
    assert status(client, publish_id)["data"]["status"] == "PROCESSING_UPLOAD"
    wrong = put(url, VIDEO[:10], 0, len(VIDEO))
    assert wrong.status_code == 416
    assert put(url, VIDEO, 0, len(VIDEO), ctype="text/plain").status_code == 400
    assert put(url, VIDEO, 0, len(VIDEO)).status_code == 201
    data = settle(client, publish_id)
    assert data["status"] == "PUBLISH_COMPLETE"
    [video_id] = data["publicaly_available_post_id"]
    query = client.post(
        "/v2/video/query/",
        params={"fields": "id,like_count,comment_count,share_count,view_count"},
        json={"filters": {"video_ids": [str(video_id)]}},
    ).json()
    assert query["data"]["videos"][0]["id"] == str(video_id)
    listed = client.post("/v2/video/list/", params={"fields": "id,title"}, json={"max_count": 5})
    assert listed.json()["data"]["videos"] == [{"id": str(video_id), "title": "clip"}]
    assert len(emu.snapshot()["posts"]) == 1


def test_multi_chunk_upload(tt):
    client, _ = tt
    size = 11 * MB
    data = MP4_HEAD + b"\x00" * (size - len(MP4_HEAD))
    body = init(client, size, 5 * MB, 2).json()["data"]
    assert put(body["upload_url"], data[: 5 * MB], 0, size).status_code == 206
    assert put(body["upload_url"], data[5 * MB :], 5 * MB, size).status_code == 201
    assert settle(client, body["publish_id"])["status"] == "PUBLISH_COMPLETE"


def test_not_a_video_fails_with_a_reason(tt):
    client, _ = tt
    junk = b"hello, world" * 10
    body = init(client, len(junk), len(junk), 1).json()["data"]
    put(body["upload_url"], junk, 0, len(junk))
    data = settle(client, body["publish_id"])
    assert data == {
        "status": "FAILED",
        "fail_reason": "file_format_check_failed",
        "uploaded_bytes": 120,
    }


def test_photo_post_pulls_urls(tt, tmp_path: Path):
    client, emu = tt
    with MediaHost(tmp_path) as host:
        host.add("a.jpg", JPEG_BYTES)

        def photo(urls: list[str]) -> str:
            resp = client.post(
                "/v2/post/publish/content/init/",
                json={
                    "post_info": {"title": "pics", "privacy_level": "SELF_ONLY"},
                    "source_info": {"source": "PULL_FROM_URL", "photo_images": urls},
                    "post_mode": "DIRECT_POST",
                    "media_type": "PHOTO",
                },
            )
            return resp.json()["data"]["publish_id"]

        good = photo([f"{host.url}/a.jpg"])
        bad = photo([f"{host.url}/missing.jpg"])
    assert settle(client, good)["status"] == "PUBLISH_COMPLETE"
    assert settle(client, bad)["fail_reason"] == "photo_pull_failed"
    assert len(emu.snapshot()["posts"]) == 1


def test_validation_errors_use_the_envelope(tt):
    client, _ = tt
    cases = [
        init(client, 1000, 500, 2),
        init(client, 1000, 1000, 1, privacy="EVERYONE"),
        client.post(
            "/v2/post/publish/video/init/", content=b"{}", headers={"Content-Type": "text/plain"}
        ),
        client.post(
            "/v2/video/query/",
            params={"fields": "id"},
            json={"filters": {"video_ids": [str(i) for i in range(21)]}},
        ),
        client.post("/v2/video/query/", params={"fields": "id,secret"}, json={"filters": {}}),
        client.post("/v2/post/publish/status/fetch/", json={"publish_id": "nope"}),
    ]
    for resp in cases:
        assert resp.status_code == 400
        error = resp.json()["error"]
        assert error["code"] == "invalid_params" and error["log_id"] and error["message"]
        assert resp.json()["data"] == {}


def test_rate_windows(tt):
    client, _ = tt
    codes = [init(client, 1000, 1000, 1).status_code for _ in range(7)]
    assert codes == [200] * 6 + [429]
    assert init(client, 1000, 1000, 1).json()["error"]["code"] == "rate_limit_exceeded"
    publish_id = "whatever"
    statuses = [
        client.post("/v2/post/publish/status/fetch/", json={"publish_id": publish_id}).status_code
        for _ in range(31)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:30]


def test_user_info(tt):
    client, _ = tt
    user = client.get("/v2/user/info/", params={"fields": "open_id,username,follower_count"})
    assert set(user.json()["data"]["user"]) == {"open_id", "username", "follower_count"}


def test_oauth_pkce_and_rotation(sandbox):
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    with httpx.Client(base_url=sandbox.base_url("tiktok")) as http:
        authorize = {
            "client_key": "k",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "user.info.basic,video.publish",
            "state": "s",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
        }
        assert (
            http.get("/v2/auth/authorize/", params={**authorize, "code_challenge": ""}).status_code
            == 400
        )
        loc = http.get("/v2/auth/authorize/", params=authorize).headers["location"]
        code = parse_qs(urlparse(loc).query)["code"][0]
        form = {
            "client_key": "k",
            "client_secret": "sec",
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
        tokens = http.post("/v2/oauth/token/", data=form).json()
        assert tokens["expires_in"] == 86400 and tokens["refresh_expires_in"] > 300 * 86400
        assert tokens["scope"] == "user.info.basic,video.publish"
        assert http.post("/v2/oauth/token/", data=form).json()["error"] == "invalid_grant"
        refresh = {
            "client_key": "k",
            "client_secret": "sec",
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
        }
        rotated = http.post("/v2/oauth/token/", data=refresh).json()
        assert rotated["refresh_token"] != tokens["refresh_token"]
        assert http.post("/v2/oauth/token/", data=refresh).status_code == 400
        no_scope = http.post(
            "/v2/video/list/",
            params={"fields": "id"},
            json={},
            headers={"Authorization": f"Bearer {rotated['access_token']}"},
        )
        assert (
            no_scope.status_code == 401
            and no_scope.json()["error"]["code"] == "scope_not_authorized"
        )


@pytest.mark.parametrize("consent", ["deny", "never"])
def test_consent_switch(sandbox, consent):
    sandbox.emulator("tiktok").faults.consent = consent
    resp = httpx.get(
        f"{sandbox.base_url('tiktok')}/v2/auth/authorize/",
        params={
            "client_key": "k",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "code_challenge": "abc",
            "code_challenge_method": "S256",
        },
    )
    if consent == "never":
        assert resp.status_code == 200
    else:
        assert "error=access_denied" in resp.headers["location"]


def test_faults(tt):
    client, emu = tt
    emu.faults.error_rate = 1.0
    resp = client.post("/v2/post/publish/creator_info/query/", json={})
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "internal_error"
    emu.faults.error_rate = 0.0
    emu.faults.rate_limit_rate = 1.0
    resp = client.post("/v2/post/publish/creator_info/query/", json={})
    assert resp.status_code == 429 and resp.json()["error"]["code"] == "rate_limit_exceeded"
    emu.faults.rate_limit_rate = 0.0
    body = init(client, len(VIDEO), len(VIDEO), 1).json()["data"]
    emu.faults.drop_after_write = 1.0
    with pytest.raises(httpx.TransportError):
        put(body["upload_url"], VIDEO, 0, len(VIDEO))
    emu.faults.drop_after_write = 0.0
    assert settle(client, body["publish_id"])["status"] == "PUBLISH_COMPLETE"
    emu.tokens.expire_all()
    resp = client.post("/v2/post/publish/creator_info/query/", json={})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "access_token_invalid"

"""The Meta (Facebook, Instagram, Threads), LinkedIn and TikTok emulators
against the JSON examples on the platforms' own documentation pages.

No maintained reference client fits these APIs, so each documented example
(tests/contract/doc_examples.py, with its page) is a fixture: the emulator's
answer to the same request must carry every key of the example with the same
JSON type, recursively, and the values the page fixes (enums, statuses).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.contract.doc_examples import EXAMPLES, KNOWN_DIFFERENCES, VALUES
from tests.contract.shapes import differences, value_at
from tests.media_host import JPEG_BYTES, MP4_HEAD, MediaHost

GRAPH = "/v21.0"
BAD_TOKEN = {"Authorization": "Bearer not-a-token"}
LINKEDIN_HEADERS = {"LinkedIn-Version": "202501", "X-Restli-Protocol-Version": "2.0.0"}


# --- producing each answer from the emulators ---------------------------------------


def _tiktok(sandbox, name: str) -> Any:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("tiktok").seed_account("creator")
    base = sandbox.base_url("tiktok")
    headers = {
        "Authorization": f"Bearer {seeded['access_token']}",
        "Content-Type": "application/json; charset=UTF-8",
    }
    post_info = {"title": "Doc example", "privacy_level": "SELF_ONLY"}
    if name == "tiktok.error":
        return httpx.post(f"{base}/v2/post/publish/creator_info/query/", headers=BAD_TOKEN)
    if name == "tiktok.user_info":
        fields = {"fields": "open_id,union_id,avatar_url,display_name"}
        return httpx.get(f"{base}/v2/user/info/", headers=headers, params=fields)
    if name == "tiktok.creator_info":
        return httpx.post(f"{base}/v2/post/publish/creator_info/query/", headers=headers)
    if name == "tiktok.token":
        form = {
            "client_key": "doc-client",
            "client_secret": "doc-secret",
            "grant_type": "refresh_token",
            "refresh_token": seeded["refresh_token"],
        }
        return httpx.post(f"{base}/v2/oauth/token/", data=form)
    if name == "tiktok.photo_init":
        body = {
            "post_info": post_info,
            "source_info": {
                "source": "PULL_FROM_URL",
                "photo_images": ["https://media.example/a.jpg"],
                "photo_cover_index": 0,
            },
            "post_mode": "DIRECT_POST",
            "media_type": "PHOTO",
        }
        return httpx.post(f"{base}/v2/post/publish/content/init/", headers=headers, json=body)
    source = {
        "source": "FILE_UPLOAD",
        "video_size": 1000,
        "chunk_size": 1000,
        "total_chunk_count": 1,
    }
    init = httpx.post(
        f"{base}/v2/post/publish/video/init/",
        headers=headers,
        json={"post_info": post_info, "source_info": source},
    )
    if name == "tiktok.video_init":
        return init
    publish_id = init.json()["data"]["publish_id"]
    if name == "tiktok.status_fetch":
        return httpx.post(
            f"{base}/v2/post/publish/status/fetch/",
            headers=headers,
            json={"publish_id": publish_id},
        )
    upload = init.json()["data"]["upload_url"]
    video = MP4_HEAD + b"\0" * (1000 - len(MP4_HEAD))
    range_ = "bytes 0-999/1000"
    httpx.put(upload, content=video, headers={"Content-Type": "video/mp4", "Content-Range": range_})
    video_id = _wait_for_video(base, headers, publish_id)
    fields = "id,like_count,comment_count,share_count,view_count"
    return httpx.post(
        f"{base}/v2/video/query/?fields={fields}",
        headers=headers,
        json={"filters": {"video_ids": [video_id]}},
    )


def _wait_for_video(base: str, headers: dict[str, str], publish_id: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        data = httpx.post(
            f"{base}/v2/post/publish/status/fetch/",
            headers=headers,
            json={"publish_id": publish_id},
        ).json()["data"]
        if data["status"] == "PUBLISH_COMPLETE":
            return str(data["publicaly_available_post_id"][0])
        assert data["status"] != "FAILED", data
        time.sleep(0.05)
    raise AssertionError("the upload never completed")


def _facebook(sandbox, name: str, image_url: str) -> Any:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("facebook").seed_account("acme", pages=["Acme"])
    base = sandbox.base_url("facebook") + GRAPH
    page = {"Authorization": f"Bearer {seeded['access_token']}"}
    if name == "facebook.error":
        return httpx.get(f"{base}/me/accounts", headers=BAD_TOKEN)
    if name == "facebook.long_lived_token":
        params = {
            "grant_type": "fb_exchange_token",
            "client_id": "doc-app",
            "client_secret": "doc-secret",
            "fb_exchange_token": seeded["user_access_token"],
        }
        return httpx.get(f"{base}/oauth/access_token", params=params)
    if name == "facebook.me_accounts":
        user = {"Authorization": f"Bearer {seeded['user_access_token']}"}
        return httpx.get(f"{base}/me/accounts", headers=user)
    if name == "facebook.photo_unpublished":
        return httpx.post(
            f"{base}/{seeded['page_id']}/photos",
            headers=page,
            data={"url": image_url, "published": "false"},
        )
    if name == "facebook.photo_published":
        return httpx.post(
            f"{base}/{seeded['page_id']}/photos", headers=page, data={"url": image_url}
        )
    created = httpx.post(
        f"{base}/{seeded['page_id']}/feed", headers=page, data={"message": "Doc example"}
    )
    post_id = created.json()["id"]
    if name == "facebook.post_reactions_summary":
        return httpx.get(
            f"{base}/{post_id}", headers=page, params={"fields": "reactions.summary(total_count)"}
        )
    if name == "facebook.post_insights":
        return httpx.get(
            f"{base}/{post_id}/insights", headers=page, params={"metric": "post_impressions"}
        )
    if name == "facebook.delete_post":
        return httpx.delete(f"{base}/{post_id}", headers=page)
    return created


def _container_flow(sandbox, name: str, image_url: str) -> Any:  # type: ignore[no-untyped-def]
    platform, step = name.split(".")
    if step == "refresh_token":  # a long-lived token at least a day old may be refreshed
        old = sandbox.emulator(platform).seed_account("acme", token_age_s=2 * 86400)
        grant = "ig_refresh_token" if platform == "instagram" else "th_refresh_token"
        params = {"grant_type": grant, "access_token": old["access_token"]}
        return httpx.get(f"{sandbox.base_url(platform)}/refresh_access_token", params=params)
    seeded = sandbox.emulator(platform).seed_account("acme")
    base = sandbox.base_url(platform) + (GRAPH if platform == "instagram" else "/v1.0")
    headers = {"Authorization": f"Bearer {seeded['access_token']}"}
    user = seeded["user_id"]
    if step == "publishing_limit":
        edge = "content_publishing_limit" if platform == "instagram" else "threads_publishing_limit"
        return httpx.get(
            f"{base}/{user}/{edge}", headers=headers, params={"fields": "quota_usage,config"}
        )
    edge = "media" if platform == "instagram" else "threads"
    data = (
        {"image_url": image_url, "caption": "Doc example"}
        if platform == "instagram"
        else {"media_type": "TEXT", "text": "Doc example"}
    )
    created = httpx.post(f"{base}/{user}/{edge}", headers=headers, data=data)
    if step == "create_container":
        return created
    container = created.json()["id"]
    field = "status_code" if platform == "instagram" else "status"
    deadline = time.monotonic() + 30
    while True:
        status = httpx.get(f"{base}/{container}", headers=headers, params={"fields": field})
        if status.json().get(field) == "FINISHED" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if step == "container_status":
        return status
    published = httpx.post(
        f"{base}/{user}/{edge}_publish", headers=headers, data={"creation_id": container}
    )
    if step in ("media_publish", "publish"):
        return published
    media = published.json()["id"]
    if step == "delete":
        return httpx.delete(f"{base}/{media}", headers=headers)
    return httpx.get(f"{base}/{media}/insights", headers=headers, params={"metric": "likes"})


def _linkedin(sandbox, name: str) -> Any:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("linkedin").seed_account("ann", "Ann Lee")
    base = sandbox.base_url("linkedin")
    headers = {"Authorization": f"Bearer {seeded['access_token']}", **LINKEDIN_HEADERS}
    if name == "linkedin.error":
        return httpx.get(f"{base}/v2/userinfo", headers=BAD_TOKEN)
    if name == "linkedin.access_token":
        return _linkedin_code_flow(base)
    if name == "linkedin.userinfo":
        return httpx.get(f"{base}/v2/userinfo", headers=headers)
    if name == "linkedin.images_initialize_upload":
        body = {"initializeUploadRequest": {"owner": seeded["author_urn"]}}
        return httpx.post(f"{base}/rest/images?action=initializeUpload", headers=headers, json=body)
    post = {
        "author": seeded["author_urn"],
        "commentary": "Sample text Post",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    created = httpx.post(f"{base}/rest/posts", headers=headers, json=post)
    assert created.status_code == 201 and created.content == b""  # the URN is in a header
    urn = quote(created.headers["x-restli-id"], safe="")
    path = "/rest/posts/" if name == "linkedin.get_post" else "/rest/socialActions/"
    return httpx.get(f"{base}{path}{urn}", headers=headers)


def _linkedin_code_flow(base: str) -> Any:
    from urllib.parse import parse_qs, urlsplit

    redirect = "http://127.0.0.1/callback"
    consent = httpx.get(
        f"{base}/oauth/v2/authorization",
        params={
            "response_type": "code",
            "client_id": "doc-app",
            "redirect_uri": redirect,
            "scope": "openid profile w_member_social",
            "state": "doc",
        },
    )
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": "doc-app",
        "client_secret": "doc-secret",
        "redirect_uri": redirect,
    }
    return httpx.post(f"{base}/oauth/v2/accessToken", data=form)


@pytest.fixture
def image_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    with MediaHost(tmp_path) as host:
        host.add("doc.jpg", JPEG_BYTES)
        yield host.url + "/doc.jpg"


def produce(sandbox, name: str, image_url: str) -> Any:  # type: ignore[no-untyped-def]
    producers: dict[str, Callable[[], Any]] = {
        "tiktok": lambda: _tiktok(sandbox, name),
        "facebook": lambda: _facebook(sandbox, name, image_url),
        "instagram": lambda: _container_flow(sandbox, name, image_url),
        "threads": lambda: _container_flow(sandbox, name, image_url),
        "linkedin": lambda: _linkedin(sandbox, name),
    }
    response = producers[name.split(".")[0]]()
    if name.endswith(".error"):
        assert response.status_code in (400, 401), f"{name}: HTTP {response.status_code}"
    else:
        assert response.status_code < 300, f"{name}: HTTP {response.status_code} {response.text}"
    return response.json()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_answer_matches_the_documented_example(sandbox, image_url: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page, example = EXAMPLES[name]
    body = produce(sandbox, name, image_url)
    found = [
        d
        for d in differences(example, body)
        if d.split(":")[0] not in KNOWN_DIFFERENCES.get(name, set())
    ]
    assert found == [], f"{name} differs from the example on {page}: {found}"
    for path, documented in VALUES.get(name, {}).items():
        assert value_at(body, path) == documented, f"{name} {path} per {page}"


def test_the_comparison_finds_missing_keys_and_wrong_types() -> None:
    example = {"data": [{"id": "1", "n": 2, "ok": True}], "paging": {"next": "u"}}
    actual = {"data": [{"id": 1, "n": 2.5, "ok": 1}], "extra": None}
    assert differences(example, actual) == [
        "$.data[0].id: documented str, emulator number",
        "$.data[0].ok: documented boolean, emulator number",
        "$.paging: missing",
    ]

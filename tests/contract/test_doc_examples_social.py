"""Comments, replies, profiles and video lists against the platforms' docs.

Both sides of each documented example (tests/contract/doc_examples_social.py,
each with its page):

- the emulator's answer to the documented request carries every key of the
  page's example body, with the same JSON type, in every item of a list;
- the request our adapter sends for the same thing keeps to the documented
  method, path and parameters (and asks only for documented fields).

LinkedIn organisation statistics have no fixture: neither our adapter nor our
emulator calls them (see doc_examples_social.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
import pytest

from clientnest_cli.domain.outgoing import Credentials, OutgoingPost, PublishedRef
from clientnest_cli.platforms.base import AccountContext
from clientnest_cli.platforms.http import make_client
from clientnest_cli.platforms.registry import get_adapter_class
from tests.contract.doc_examples_social import EXAMPLES, REQUESTS, VALUES, DocRequest
from tests.contract.shapes import differences, value_at
from tests.contract.test_doc_examples import LINKEDIN_HEADERS, _container_flow, _tiktok
from tests.media_host import JPEG_BYTES, MediaHost

GRAPH = {"facebook": "/v21.0", "instagram": "/v21.0", "threads": "/v1.0"}


@pytest.fixture
def image_url(tmp_path: Path) -> Iterator[str]:
    with MediaHost(tmp_path) as host:
        host.add("doc.jpg", JPEG_BYTES)
        yield host.url + "/doc.jpg"


# --- the emulators' answers to the documented requests -------------------------------


def _graph(sandbox, platform: str, token: str) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return sandbox.base_url(platform) + GRAPH[platform], {"Authorization": f"Bearer {token}"}


def facebook_answers(sandbox, image_url: str) -> dict[str, httpx.Response]:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("facebook").seed_account("acme", pages=["Acme"])
    base, page = _graph(sandbox, "facebook", seeded["access_token"])
    post = httpx.post(f"{base}/{seeded['page_id']}/feed", headers=page, data={"message": "Hi"})
    post_id = post.json()["id"]
    made = httpx.post(f"{base}/{post_id}/comments", headers=page, data={"message": "Thanks!"})
    return {
        "facebook.comment_create": made,
        "facebook.comments": httpx.get(f"{base}/{post_id}/comments", headers=page),
    }


def instagram_answers(sandbox, image_url: str) -> dict[str, httpx.Response]:  # type: ignore[no-untyped-def]
    media = _container_flow(sandbox, "instagram.media_publish", image_url).json()["id"]
    emu = sandbox.emulator("instagram")
    seeded = emu.seed_account("acme")
    emu.add_comment(media, "fan_1", "This is awesome!")
    base, headers = _graph(sandbox, "instagram", seeded["access_token"])
    made = httpx.post(f"{base}/{media}/comments", headers=headers, data={"message": "Thanks!"})
    profile = {"fields": "biography,id,username,website"}
    return {
        "instagram.comment_create": made,
        "instagram.comments": httpx.get(f"{base}/{media}/comments", headers=headers),
        "instagram.profile": httpx.get(f"{base}/me", headers=headers, params=profile),
    }


def _publish_thread(base: str, headers: dict[str, str], user: str, data: dict) -> tuple:
    container = httpx.post(f"{base}/{user}/threads", headers=headers, data=data)
    box = container.json()["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = httpx.get(f"{base}/{box}", headers=headers, params={"fields": "status"})
        if status.json().get("status") == "FINISHED":
            break
        time.sleep(0.05)
    published = httpx.post(
        f"{base}/{user}/threads_publish", headers=headers, data={"creation_id": box}
    )
    return container, published


def threads_answers(sandbox, image_url: str) -> dict[str, httpx.Response]:  # type: ignore[no-untyped-def]
    root = _container_flow(sandbox, "threads.publish", image_url).json()["id"]
    emu = sandbox.emulator("threads")
    seeded = emu.seed_account("acme")
    base, headers = _graph(sandbox, "threads", seeded["access_token"])
    reply = {"media_type": "TEXT", "text": "First Reply", "reply_to_id": root}
    container, published = _publish_thread(base, headers, seeded["user_id"], reply)
    emu.add_comment(root, "someone", "Second reply")
    fields = (
        "id,text,timestamp,media_product_type,media_type,shortcode,has_replies,root_post,"
        "replied_to,is_reply,hide_status"
    )
    profile = "id,username,name,threads_profile_picture_url,threads_biography"
    return {
        "threads.reply_container": container,
        "threads.reply_publish": published,
        "threads.replies": httpx.get(
            f"{base}/{root}/replies", headers=headers, params={"fields": fields}
        ),
        "threads.profile": httpx.get(f"{base}/me", headers=headers, params={"fields": profile}),
    }


def linkedin_answers(sandbox, image_url: str) -> dict[str, httpx.Response]:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("linkedin").seed_account("ann", "Ann Lee")
    base = sandbox.base_url("linkedin")
    headers = {"Authorization": f"Bearer {seeded['access_token']}", **LINKEDIN_HEADERS}
    urn = _linkedin_post(base, headers, seeded["author_urn"])
    path = f"{base}/rest/socialActions/{quote(urn, safe='')}/comments"
    body = {"actor": seeded["author_urn"], "object": urn, "message": {"text": "Hello world!"}}
    return {
        "linkedin.comment_create": httpx.post(path, headers=headers, json=body),
        "linkedin.comments": httpx.get(path, headers=headers),
    }


def _linkedin_post(base: str, headers: dict[str, str], author: str) -> str:
    post = {
        "author": author,
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
    assert created.status_code == 201, created.text
    return created.headers["x-restli-id"]


def tiktok_answers(sandbox, image_url: str) -> dict[str, httpx.Response]:  # type: ignore[no-untyped-def]
    assert _tiktok(sandbox, "tiktok.video_query").status_code == 200  # one published video
    seeded = sandbox.emulator("tiktok").seed_account("creator")
    headers = {
        "Authorization": f"Bearer {seeded['access_token']}",
        "Content-Type": "application/json; charset=UTF-8",
    }
    listed = httpx.post(
        f"{sandbox.base_url('tiktok')}/v2/video/list/?fields=cover_image_url,id,title",
        headers=headers,
        json={"max_count": 20},
    )
    return {"tiktok.video_list": listed}


ANSWERS: dict[str, Callable[..., dict[str, httpx.Response]]] = {
    "facebook": facebook_answers,
    "instagram": instagram_answers,
    "threads": threads_answers,
    "linkedin": linkedin_answers,
    "tiktok": tiktok_answers,
}


@pytest.mark.parametrize("platform", sorted(ANSWERS))
def test_answers_match_the_documented_examples(sandbox, image_url: str, platform: str) -> None:  # type: ignore[no-untyped-def]
    answers = ANSWERS[platform](sandbox, image_url)
    names = sorted(n for n in EXAMPLES if n.startswith(platform + "."))
    assert sorted(answers) == names  # every example of the platform is produced
    for name in names:
        page, example = EXAMPLES[name]
        response = answers[name]
        assert response.status_code < 300, f"{name}: HTTP {response.status_code} {response.text}"
        body = response.json()
        assert differences(example, body) == [], f"{name} differs from the example on {page}"
        for path, documented in VALUES.get(name, {}).items():
            assert value_at(body, path) == documented, f"{name} {path} per {page}"


def test_threads_replies_say_they_are_replies(sandbox, image_url: str) -> None:  # type: ignore[no-untyped-def]
    body = threads_answers(sandbox, image_url)["threads.replies"].json()
    assert len(body["data"]) == 2  # ours and someone else's
    for reply in body["data"]:
        assert reply["is_reply"] is True and reply["media_product_type"] == "THREADS"
        assert reply["hide_status"] == "NOT_HUSHED"


# --- what our adapters send -----------------------------------------------------------


class Recorder:
    """Every request an adapter's client sends, grouped by the call that sent it."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    @contextmanager
    def during(self) -> Iterator[list[httpx.Request]]:
        start = len(self.requests)
        window: list[httpx.Request] = []
        yield window
        window.extend(self.requests[start:])


def params_of(request: httpx.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.url.params)
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        params.update(json.loads(request.content or b"{}"))
    elif kind.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(request.content.decode()))
    return params


def field_names(raw: str) -> set[str]:
    """``reactions.summary(total_count),from{name}`` -> {reactions, from}."""
    names, depth, current = set(), 0, ""
    for char in raw + ",":
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif char == "," and depth == 0:
            names.add(current.split(".")[0].strip())
            current = ""
            continue
        if depth == 0 and char not in ")}":
            current += char
    return {n for n in names if n}


def request_problems(doc: DocRequest, request: httpx.Request) -> list[str]:
    params = params_of(request)
    found = [f"missing {p}" for p in sorted(doc.required - set(params))]
    found += [f"undocumented parameter {p}" for p in sorted(set(params) - doc.allowed)]
    if doc.fields and "fields" in params:
        found += [
            f"undocumented field {f}" for f in sorted(field_names(params["fields"]) - doc.fields)
        ]
    return found


def _adapter(sandbox, platform: str, seeded: dict, recorder: Recorder, **extra):  # type: ignore[no-untyped-def]
    context = AccountContext(
        handle=seeded.get("handle") or "acme",
        base_url=sandbox.base_url(platform),
        credentials=Credentials(access_token=seeded["access_token"], extra=extra),
        platform_user_id=seeded.get("page_id") or seeded["user_id"],
        settings={"poll_interval_s": "0.05", "poll_timeout_s": "10"},
    )
    client = make_client(timeout=10, event_hooks={"request": [recorder]})
    return get_adapter_class(platform)(context, client)


def facebook_calls(sandbox, image_url: str, recorder: Recorder) -> dict[str, Callable]:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("facebook").seed_account("acme", pages=["Acme"])
    extra = {"page_id": seeded["page_id"], "page_name": seeded["page_name"]}
    adapter = _adapter(sandbox, "facebook", seeded, recorder, **extra)
    ref = adapter.publish(OutgoingPost(text="Doc example", idempotency_key="k1"))
    return {
        "facebook.comments": lambda: adapter.fetch_comments(ref),
        "facebook.comment_create": lambda: adapter.reply(ref, "Thanks!"),
    }


def instagram_calls(sandbox, image_url: str, recorder: Recorder) -> dict[str, Callable]:  # type: ignore[no-untyped-def]
    media = _container_flow(sandbox, "instagram.media_publish", image_url).json()["id"]
    adapter = _adapter(
        sandbox, "instagram", sandbox.emulator("instagram").seed_account("acme"), recorder
    )
    ref = PublishedRef(media, "")
    return {
        "instagram.comments": lambda: adapter.fetch_comments(ref),
        "instagram.comment_create": lambda: adapter.reply(ref, "Thanks!"),
        "instagram.profile": adapter.account_info,
    }


def threads_calls(sandbox, image_url: str, recorder: Recorder) -> dict[str, Callable]:  # type: ignore[no-untyped-def]
    root = _container_flow(sandbox, "threads.publish", image_url).json()["id"]
    adapter = _adapter(
        sandbox, "threads", sandbox.emulator("threads").seed_account("acme"), recorder
    )
    ref = PublishedRef(root, "")
    return {
        "threads.replies": lambda: adapter.fetch_comments(ref),
        "threads.reply_container threads.reply_publish": lambda: adapter.reply(ref, "Thanks!"),
        "threads.profile": adapter.account_info,
    }


def linkedin_calls(sandbox, image_url: str, recorder: Recorder) -> dict[str, Callable]:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("linkedin").seed_account("ann", "Ann Lee")
    adapter = _adapter(sandbox, "linkedin", seeded, recorder, author_urn=seeded["author_urn"])
    ref = adapter.publish(OutgoingPost(text="Doc example", idempotency_key="k1"))
    return {
        "linkedin.comments": lambda: adapter.fetch_comments(ref),
        "linkedin.comment_create": lambda: adapter.reply(ref, "Thanks!"),
    }


def tiktok_calls(sandbox, image_url: str, recorder: Recorder) -> dict[str, Callable]:  # type: ignore[no-untyped-def]
    seeded = sandbox.emulator("tiktok").seed_account("creator")
    adapter = _adapter(sandbox, "tiktok", seeded, recorder)
    return {
        "tiktok.video_list": lambda: adapter.search(OutgoingPost(text="x", idempotency_key="k")),
        "tiktok.video_query": lambda: adapter.fetch_metrics(
            [PublishedRef("7080217258529732865", "")]
        ),
    }


CALLS: dict[str, Callable[..., dict[str, Callable]]] = {
    "facebook": facebook_calls,
    "instagram": instagram_calls,
    "threads": threads_calls,
    "linkedin": linkedin_calls,
    "tiktok": tiktok_calls,
}


@pytest.mark.parametrize("platform", sorted(CALLS))
def test_adapter_requests_keep_to_the_documented_ones(
    sandbox, image_url: str, platform: str
) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    calls = CALLS[platform](sandbox, image_url, recorder)
    covered = sorted(n for names in calls for n in names.split())
    assert covered == sorted(n for n in REQUESTS if n.startswith(platform + "."))
    for names, call in calls.items():
        with recorder.during() as sent:
            call()
        for name in names.split():
            doc = REQUESTS[name]
            matching = [r for r in sent if doc.matches(r.method, r.url.path)]
            assert matching, (
                f"{name}: no {doc.method} {doc.path} among {[str(r.url) for r in sent]}"
            )
            for request in matching:
                problems = request_problems(doc, request)
                assert problems == [], f"{name} ({request.url}) per {doc.page}: {problems}"


def test_the_request_check_finds_undocumented_parameters() -> None:
    doc = DocRequest(
        "page", "GET", r"/v1/x", allowed=frozenset({"fields"}), fields=frozenset({"id"})
    )
    request = httpx.Request("GET", "http://h/v1/x?fields=id,from{name},secret&limit=5")
    assert doc.matches(request.method, request.url.path)
    assert request_problems(doc, request) == [
        "undocumented parameter limit",
        "undocumented field from",
        "undocumented field secret",
    ]

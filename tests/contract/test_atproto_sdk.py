"""The atproto SDK (``atproto.Client``) against the Bluesky emulator: login,
posts, replies, images with alt text, likes and reposts (and listing them),
timeline, author feed, delete and server description, as the SDK's own examples do them."""

from __future__ import annotations

import pytest

from tests.contract.conftest import PNG_1X1

atproto = pytest.importorskip("atproto")
models = atproto.models


@pytest.fixture
def account(sandbox) -> dict:  # type: ignore[no-untyped-def]
    return sandbox.emulator("bluesky").seed_account("olivia.test")


@pytest.fixture
def client(sandbox, account):  # type: ignore[no-untyped-def]
    client = atproto.Client(base_url=sandbox.base_url("bluesky") + "/xrpc")
    profile = client.login(account["handle"], account["app_password"])
    assert profile.handle == "olivia.test"
    return client


def test_describe_server(sandbox) -> None:  # type: ignore[no-untyped-def]
    client = atproto.Client(base_url=sandbox.base_url("bluesky") + "/xrpc")
    info = client.com.atproto.server.describe_server()
    assert info.did.startswith("did:web:") and info.available_user_domains


def test_post_read_back_reply_and_delete(client, account) -> None:  # type: ignore[no-untyped-def]
    post = client.send_post("Hello from the atproto SDK")
    got = client.get_posts([post.uri]).posts[0]
    assert got.record.text == "Hello from the atproto SDK"
    assert got.author.did == account["did"]

    root = models.create_strong_ref(post)
    reply = client.send_post(
        "A reply", reply_to=models.AppBskyFeedPost.ReplyRef(parent=root, root=root)
    )
    thread = client.get_post_thread(post.uri).thread
    assert [r.post.uri for r in thread.replies] == [reply.uri]

    assert client.delete_post(reply.uri) is True
    assert client.get_posts([reply.uri]).posts == []
    assert client.delete_post(reply.uri) is True  # already gone: still fine


def test_image_with_alt_text_is_sniffed(client) -> None:  # type: ignore[no-untyped-def]
    post = client.send_image("A picture", image=PNG_1X1, image_alt="A grey pixel")
    view = client.get_posts([post.uri]).posts[0]
    image = view.record.embed.images[0]
    assert image.alt == "A grey pixel"
    assert image.image.mime_type == "image/png"  # uploaded as */*, sniffed by the PDS


def test_likes_reposts_and_timeline(client, sandbox) -> None:  # type: ignore[no-untyped-def]
    emulator = sandbox.emulator("bluesky")
    post = client.send_post("Something to like")
    before = client.get_posts([post.uri]).posts[0]
    like = client.like(post.uri, post.cid)
    repost = client.repost(post.uri, post.cid)
    after = client.get_posts([post.uri]).posts[0]
    # counts also grow with the post's age, so compare at least, and count the records
    assert after.like_count >= before.like_count + 1
    assert after.repost_count >= before.repost_count + 1
    assert emulator.subject_count("app.bsky.feed.like", post.uri) == 1
    assert client.unlike(like.uri) is True
    assert client.unrepost(repost.uri) is True
    assert emulator.subject_count("app.bsky.feed.like", post.uri) == 0
    assert emulator.subject_count("app.bsky.feed.repost", post.uri) == 0

    feed = client.get_timeline(limit=10).feed
    assert feed[0].post.uri == post.uri
    mine = client.get_author_feed(client.me.did, limit=10).feed
    assert [item.post.uri for item in mine] == [post.uri]


def test_list_records_of_likes_and_reposts(client, account) -> None:  # type: ignore[no-untyped-def]
    first = client.send_post("First")
    second = client.send_post("Second")
    likes = [client.like(p.uri, p.cid) for p in (first, second)]
    repost = client.repost(first.uri, first.cid)

    listed = client.app.bsky.feed.like.list(account["did"])
    assert set(listed.records) == {like.uri for like in likes}
    assert {r.subject.uri for r in listed.records.values()} == {first.uri, second.uri}
    reposts = client.app.bsky.feed.repost.list(account["did"])
    assert list(reposts.records) == [repost.uri]
    assert reposts.records[repost.uri].subject.cid == first.cid

    page = client.app.bsky.feed.like.list(account["did"], limit=1)  # newest first, a cursor
    assert list(page.records) == [likes[1].uri] and page.cursor
    rest = client.app.bsky.feed.like.list(account["did"], limit=1, cursor=page.cursor)
    assert list(rest.records) == [likes[0].uri] and rest.cursor is None

    client.unlike(likes[0].uri)
    assert list(client.app.bsky.feed.like.list(account["did"]).records) == [likes[1].uri]
    posts = client.app.bsky.feed.post.list(account["did"])
    assert set(posts.records) == {first.uri, second.uri}  # posts are still listed

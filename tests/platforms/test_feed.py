"""The local feed target writes RSS 2.0 / JSON Feed 1.1 files, atomically and once per key."""

from __future__ import annotations

import hashlib
import json
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from clientnest_cli.domain.outgoing import Credentials, MediaItem, OutgoingPost
from clientnest_cli.errors import BadInput, PlatformError
from clientnest_cli.platforms.base import AccountContext, ConnectRequest
from clientnest_cli.platforms.feed import FeedAdapter
from clientnest_cli.platforms.feed_formats import MEDIA_NS
from clientnest_cli.platforms.registry import get_adapter_class

MEDIA_BASE = "https://cdn.acme.example/media"


def connect(path: Path, title: str = "Acme news", **settings: str) -> FeedAdapter:
    connected = FeedAdapter.connect(ConnectRequest(base_url="", path=str(path), identifier=title))
    return FeedAdapter(
        AccountContext(title, connected.base_url, connected.credentials, settings=settings)
    )


def post(text: str, key: str, **kwargs) -> OutgoingPost:
    return OutgoingPost(text=text, idempotency_key=key, **kwargs)


def image(tmp_path: Path) -> MediaItem:
    data = b"\x89PNG fake image"
    path = tmp_path / "chart.png"
    path.write_bytes(data)
    return MediaItem(path, "image/png", len(data), hashlib.sha256(data).hexdigest(), "A chart")


def test_registered_as_a_file_target():
    assert get_adapter_class("feed") is FeedAdapter
    caps = FeedAdapter.capabilities
    assert caps.auth == "file" and not caps.threads and not caps.metrics


def test_connect_creates_an_empty_rss_feed(tmp_path):
    path = tmp_path / "feed.xml"
    connected = FeedAdapter.connect(ConnectRequest(base_url="", path=str(path), identifier="Acme"))
    assert connected.credentials.extra == {"path": str(path)}
    root = ET.parse(path).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.findtext("channel/title") == "Acme" and root.findall("channel/item") == []
    assert connected.info.posts == 0


def test_connect_refuses_a_missing_folder(tmp_path):
    missing = tmp_path / "nope" / "feed.xml"
    with pytest.raises(BadInput) as err:
        FeedAdapter.connect(ConnectRequest(base_url="", path=str(missing)))
    assert err.value.message == f"folder {missing.parent} does not exist" and err.value.hint


def test_connect_refuses_unknown_extension_and_foreign_file(tmp_path):
    with pytest.raises(BadInput):
        FeedAdapter.connect(ConnectRequest(base_url="", path=str(tmp_path / "feed.txt")))
    foreign = tmp_path / "notes.json"
    foreign.write_text('{"hello": 1}')
    with pytest.raises(BadInput) as err:
        FeedAdapter.connect(ConnectRequest(base_url="", path=str(foreign)))
    assert "not a valid JSON Feed" in err.value.message
    assert foreign.read_text() == '{"hello": 1}'  # never clobbered


def test_rss_round_trip_with_enclosure(tmp_path):
    adapter = connect(tmp_path / "feed.rss", media_base_url=MEDIA_BASE + "/")
    adapter.publish(post("First post\nsecond line", "k1"))
    ref = adapter.publish(post("Second <b>post</b> & more", "k2", media=(image(tmp_path),)))
    assert ref.platform_post_id == "k2" and ref.url.endswith("#k2")
    channel = ET.parse(tmp_path / "feed.rss").getroot().find("channel")
    items = channel.findall("item")
    assert [i.findtext("guid") for i in items] == ["k2", "k1"]  # newest first
    assert items[0].find("guid").get("isPermaLink") == "false"
    assert "Second &lt;b&gt;post&lt;/b&gt; &amp; more" in items[0].findtext("description")
    assert items[1].findtext("title") == "First post"
    enclosure = items[0].find("enclosure")
    assert enclosure.get("type") == "image/png"
    assert enclosure.get("url") == f"{MEDIA_BASE}/chart.png"
    assert items[0].find(f"{{{MEDIA_NS}}}content/{{{MEDIA_NS}}}description").text == "A chart"
    assert channel.findtext("pubDate") is None and channel.findtext("lastBuildDate")


def test_json_feed_round_trip_with_attachment(tmp_path):
    adapter = connect(tmp_path / "feed.json", media_base_url=MEDIA_BASE)
    adapter.publish(post("Hello JSON", "k1", media=(image(tmp_path),)))
    doc = json.loads((tmp_path / "feed.json").read_text())
    assert doc["version"] == "https://jsonfeed.org/version/1.1" and doc["title"] == "Acme news"
    [item] = doc["items"]
    assert item["id"] == "k1" and item["content_text"] == "Hello JSON"
    assert item["attachments"][0]["mime_type"] == "image/png"
    assert item["attachments"][0]["url"] == f"{MEDIA_BASE}/chart.png"
    assert item["attachments"][0]["title"] == "A chart"


@pytest.mark.parametrize("name", ["feed.xml", "feed.json"])
def test_publishing_twice_never_duplicates_and_find_is_certain(tmp_path, name):
    adapter = connect(tmp_path / name)
    assert adapter.find_existing(post("once", "k1")).state == "absent"
    first = adapter.publish(post("once", "k1"))
    again = adapter.publish(post("once", "k1"))
    assert first == again and adapter.account_info().posts == 1
    found = adapter.find_existing(post("once", "k1"))
    assert found.state == "found" and found.ref == first


@pytest.mark.parametrize("name", ["feed.xml", "feed.json"])
def test_concurrent_publishes_keep_every_entry(tmp_path, name):
    path = tmp_path / name
    connect(path)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        adapter = FeedAdapter(AccountContext("t", "", Credentials(extra={"path": str(path)})))
        try:
            for i in range(5):
                adapter.publish(post(f"thread {n} post {i}", f"k-{n}-{i}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    adapter = FeedAdapter(AccountContext("t", "", Credentials(extra={"path": str(path)})))
    assert adapter.account_info().posts == 40
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_corrupt_feed_is_permanent_and_unknown_for_find(tmp_path):
    path = tmp_path / "feed.xml"
    adapter = connect(path)
    path.write_text("<rss><channel>")
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("x", "k1"))
    assert err.value.kind == "permanent" and "not a valid RSS 2.0" in err.value.message
    assert adapter.find_existing(post("x", "k1")).state == "unknown"


def test_existing_feed_is_kept_on_reconnect(tmp_path):
    path = tmp_path / "feed.xml"
    connect(path).publish(post("keep me", "k1"))
    again = connect(path)
    assert again.find_existing(post("keep me", "k1")).state == "found"


def test_settings_path_and_validate(tmp_path):
    path = tmp_path / "feed.json"
    connect(path)
    adapter = FeedAdapter(AccountContext("t", "", Credentials(), settings={"path": str(path)}))
    adapter.publish(post("via settings", "k1"))
    assert adapter.account_info().posts == 1
    assert adapter.validate(post("x" * 100_000, "k2")) == []


def test_missing_path_setting_is_reported():
    adapter = FeedAdapter(AccountContext("t", "", Credentials()))
    with pytest.raises(PlatformError) as err:
        adapter.publish(post("x", "k1"))
    assert "no feed file" in err.value.message


@pytest.mark.parametrize("name", ["feed.xml", "feed.json"])
def test_no_local_path_in_the_feed_without_a_media_base_url(tmp_path, name):
    """Issue 15: the feed held file:///…/media/<sha>.png, leaking local paths."""
    adapter = connect(tmp_path / name)
    adapter.publish(post("With a picture", "k1", media=(image(tmp_path),)))
    data = (tmp_path / name).read_bytes()
    assert b"file:" not in data and str(tmp_path).encode() not in data
    assert b"chart.png" not in data  # left out, not linked locally
    assert b"With a picture" in data


@pytest.mark.parametrize("name", ["feed.xml", "feed.json"])
def test_a_killed_write_leaves_no_temp_file_after_the_next_one(tmp_path, name):
    """Issue 15: kill -9 mid write left .feed.*.tmp behind for good."""
    adapter = connect(tmp_path / name)
    stale = tmp_path / f".{name}.k9x2abcd.tmp"
    stale.write_bytes(b"half a feed")
    other = tmp_path / ".other.xml.k9x2abcd.tmp"  # another feed's temp file is not ours
    other.write_bytes(b"x")
    adapter.publish(post("after the crash", "k1"))
    assert not stale.exists() and other.exists()
    assert adapter.account_info().posts == 1

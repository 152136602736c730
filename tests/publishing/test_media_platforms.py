"""Platforms that fetch media from a URL, end to end: the sandbox serves the store's media."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, init_store, ok

# A 1×1 baseline JPEG (Instagram takes JPEG images only).
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////"
    "////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAA"
    "AAAAAP/aAAgBAQABPxA="
)


def jpeg(path: Path) -> Path:
    path.write_bytes(TINY_JPEG)
    return path


@pytest.fixture
def media_served(home: Path, sandbox: SandboxServer) -> Path:
    folder = home / "data" / "media"
    sandbox.static["/media"] = folder
    yield folder
    sandbox.static.pop("/media", None)


def test_instagram_post_with_image_goes_out_through_the_sandbox(
    media_served: Path, sandbox: SandboxServer, browser: object, tmp_path: Path
) -> None:
    init_store()
    account = ok(
        "accounts", "connect", "instagram", "--server", sandbox.base_url("instagram"),
        "--timeout", "10", "--json",
    ).json()  # fmt: skip
    shown = ok("accounts", "show", account["ref"], "--json").json()
    assert shown["status"] == "active"
    text_only = cli("post", "create", "No picture", "--to", account["ref"])
    assert text_only.exit_code == 2 and "Instagram" in text_only.stderr
    post = ok(
        "post", "create", "Fresh beans today", "--to", account["ref"],
        "--media", str(jpeg(tmp_path / "beans.jpg")), "--alt", "A bag of coffee beans", "--json",
    ).json()[0]  # fmt: skip
    ok("publish", "now", str(post["id"]))
    published = ok("post", "show", str(post["id"]), "--json").json()
    assert published["status"] == "published" and published["platform_url"]
    snap = sandbox.emulator("instagram").snapshot()
    media = snap.get("media") or snap.get("posts") or []
    assert [m.get("caption") for m in media if m.get("caption")] == ["Fresh beans today"]

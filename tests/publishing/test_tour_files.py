"""The README tour's content-as-files steps, then `publish due` (issue 10, case 1).

Before: `post import posts/*.md` on the tour's own export created copies of every
post, and `publish due` sent them twice. Now: export → edit one file → import →
import again → publish due gives 0 new posts, 1 updated, the rest left as they
were, and one create request per post at the emulators.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import ok
from tests.publishing.conftest import Accounts, texts_on

README = (Path(__file__).parents[2] / "README.md").read_text()


def make_due() -> list[int]:
    """Every scheduled post becomes due a second ago (the tour's times are in the future)."""
    from sqlmodel import select

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post
    from clientnest_cli.store.types import utcnow

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            due = list(session.exec(select(Post).where(Post.status == "scheduled")).all())
            for post in due:
                post.scheduled_at = utcnow() - timedelta(seconds=1)
                session.add(post)
            return [p.id or 0 for p in due]
    finally:
        ctx.close()


def all_posts() -> list[dict]:
    return ok("post", "list", "--limit", "1000", "--json").json()


def test_tour_export_edit_import_twice_then_publish_sends_each_post_once(
    accounts: Accounts, sandbox: SandboxServer, tmp_path: Path, monkeypatch
) -> None:
    for line in (
        "clientnest post export --format md --output posts/",
        "clientnest post import posts/*.md",
        "remove `id:` to make a new post",
    ):
        assert line in README, line
    monkeypatch.chdir(tmp_path)
    examples = Path(__file__).parents[2] / "examples"
    shutil.copytree(examples, tmp_path / "examples")
    # the tour's posts, as the README creates them
    ok("post", "create", "Our autumn latte is back ☕ https://acme.example/latte",
       "--to", accounts.x, "--to", accounts.bluesky, "--to", accounts.feed,
       "--media", "examples/latte.png", "--alt", "A latte with leaf art", "--hashtag", "coffee",
       "--at", "tomorrow 9am")  # fmt: skip
    ok(
        "post",
        "create",
        "--file",
        "examples/thread.md",
        "--to",
        accounts.x,
        "--thread",
        "--numbering",
    )
    ok("post", "create", "Cold brew is back on tap", "--to", accounts.bluesky)
    ok("post", "schedule", "4", "--at", "next monday 18:00")
    ok("slots", "add", accounts.bluesky, "--days", "mon-fri", "--times", "09:00,13:00")
    ok("post", "queue", "8")
    before = all_posts()
    assert len(before) == 8  # three cross-posts, a thread of four, one queued post

    ok("post", "export", "--format", "md", "--output", "posts/")
    files = sorted((tmp_path / "posts").glob("*.md"))
    assert len(files) == 5  # one per post; thread parts travel with their first post
    bluesky_file = next(
        f
        for f in files
        if "is back ☕" in f.read_text() and f"to: {accounts.bluesky}" in f.read_text()
    )
    edited = bluesky_file.read_text().replace("is back", "is back, with oat milk")
    bluesky_file.write_text(edited)

    first = ok("post", "import", *map(str, files)).stdout
    said = "Imported: 0 created, 1 updated, 4 left as they were, 0 skipped."
    assert said in first and said in " ".join(README.split())  # as the README states
    again = ok("post", "import", *map(str, files))
    assert "Imported: 0 created, 0 updated, 5 left as they were, 0 skipped." in again.stdout
    after = all_posts()
    assert len(after) == len(before)  # no new post
    assert sorted(p["id"] for p in after) == sorted(p["id"] for p in before)
    assert {p["status"] for p in after} == {"scheduled"}

    due = make_due()
    assert len(due) == 8
    ok("publish", "due")
    assert {p["status"] for p in all_posts()} == {"published"}
    # one create request per post, counted at the emulators
    assert sandbox.emulator("x").calls["POST /2/tweets"] == 5  # type: ignore[attr-defined]
    creates = sandbox.emulator("bluesky").calls["com.atproto.repo.createRecord"]  # type: ignore[attr-defined]
    assert creates == 2
    bluesky_texts = texts_on(sandbox, "bluesky")
    assert sum("with oat milk" in text for text in bluesky_texts) == 1
    feed = json.loads(accounts.feed_path.read_text())
    assert len(feed["items"]) == 1 and "file:" not in accounts.feed_path.read_text()
    # the published posts' files, exported again, re-import as they are: nothing to do
    ok("post", "export", "--format", "md", "--output", "posts/")
    files = sorted((tmp_path / "posts").glob("*.md"))
    assert len(files) == 5
    later = ok("post", "import", *map(str, files)).stdout
    assert "Imported: 0 created, 0 updated, 5 left as they were, 0 skipped." in later

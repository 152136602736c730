"""Bad input to the post commands: one line (plus violations), exit 2, nothing written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.posts_support import create, png_bytes, refused, setup_store, snapshot, write_png
from tests.helpers import ok, seed_account


@pytest.fixture
def store(home: Path) -> Path:
    setup_store()
    seed_account("mastodon", "twin", base_url="https://one.example")
    seed_account("mastodon", "twin", base_url="https://two.example")
    create("An existing post", "--to", "x:acme")
    return home


def _unchanged(run, *args: str, input: str | None = None) -> str:  # type: ignore[no-untyped-def]
    before = snapshot()
    stderr = run(*args, input=input)
    assert snapshot() == before
    return stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("post", "create", "Hi", "--to", "x:nobody"), "no account 'x:nobody'"),
        (("post", "create", "Hi", "--to", "twin"), "'twin' matches 2 accounts"),
        (("post", "create", "Hi", "--to", "mastodon:twin"), "matches 2 accounts"),
        (("post", "create", "Hi"), "no target account"),
        (("post", "create", "Hi", "--to", "x:acme", "--to", "x:acme"), "named twice"),
        (
            ("post", "create", "Hi", "--to", "x:acme", "--at", "blorp next fleem"),
            "cannot understand the time",
        ),
        (("post", "create", "Hi", "--to", "x:acme", "--at", "2020-01-01 09:00"), "in the past"),
        (("post", "create", "Hi", "--to", "x:acme", "--at", "yesterday"), "in the past"),
        (
            ("post", "create", "Hi", "--to", "x:acme", "--at", "2027-03-28 02:30"),
            "2027-03-28 02:30 does not exist in Europe/Berlin",
        ),
        (
            ("post", "create", "Hi", "--to", "x:acme", "--at", "2027-10-31 02:30"),
            "2027-10-31 02:30 happens twice in Europe/Berlin",
        ),
        (
            ("post", "create", "Hi", "--to", "x:acme", "--media", "/nonexistent/pic.png"),
            "not found",
        ),
        (
            ("post", "create", "Hi", "--to", "x:acme", "--variant", "bluesky:other"),
            "not among the targets",
        ),
        (("post", "create", "Hi", "--to", "x:acme", "--hashtag", "no-dashes"), "not a hashtag"),
        (
            ("post", "create", "Hi", "--to", "x:acme", "--every", "mon 09:00"),
            "--every needs --until",
        ),
        (
            (
                "post",
                "create",
                "Hi",
                "--to",
                "x:acme",
                "--every",
                "funday 09:00",
                "--until",
                "2030-01-01",
            ),
            "unknown weekday",
        ),
        (("post", "schedule", "1", "--at", "2027-03-28 02:30"), "does not exist"),
        (("post", "schedule", "1", "--at", "2027-10-31 02:30"), "happens twice"),
        (("post", "schedule", "1", "--at", "last week"), "in the past"),
        (("post", "schedule", "99", "--at", "2030-01-01 09:00"), "no post with id 99"),
        (("post", "schedule", "abc", "--at", "2030-01-01 09:00"), "not a post id"),
        (("post", "unschedule", "1"), "cannot become draft: it is already a draft"),
        (("post", "edit", "1", "--text", "x" * 300), "length — 300/280"),
        (("post", "list", "--status", "sent"), "unknown post status"),
        (("post", "list", "--sort", "likes"), "unknown sort"),
        (("post", "list", "--account", "x:nobody"), "no account"),
        (("post", "queue", "1"), "x:acme has no posting slots"),
        (("slots", "add", "x:acme", "--days", "funday", "--times", "09:00"), "unknown weekday"),
        (("slots", "add", "x:acme", "--times", "25:00"), "not a time of day"),
        (("post", "reject", "1", "--reason", "  "), "needs a reason"),
        (("post", "approve", "1"), "does not need approval"),
        (("calendar", "--week", "--month"), "not both"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    store: Path, args: tuple[str, ...], message: str
) -> None:
    stderr = _unchanged(refused, *args)
    assert message in stderr
    if "length" not in message:
        assert len(stderr.strip().splitlines()) == 1, stderr


def test_too_long_for_one_of_several_targets_lists_every_violation(store: Path) -> None:
    text = "word " * 70  # 349 characters: too long for X and Bluesky, fine on Mastodon
    stderr = _unchanged(
        refused,
        "post", "create", text, "--to", "mastodon:acme",
        "--to", "x:acme", "--to", "bluesky:acme.bsky.social",
    )  # fmt: skip
    first, *violations = stderr.strip().splitlines()
    assert "breaks 2 rule(s) on 2 of 3 target(s)" in first
    assert "--thread" in first
    assert violations == [
        "  x:acme: length — 349/280 weighted characters, 69 over",
        "  bluesky:acme.bsky.social: length — 349/300 graphemes, 49 over",
    ]


def test_media_of_a_wrong_type_is_refused(store: Path, tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not an image")
    stderr = _unchanged(
        refused, "post", "create", "Hi", "--to", "x:acme", "--media", str(text_file)
    )
    assert "not an image or video" in stderr
    liar = tmp_path / "photo.jpg"
    liar.write_bytes(png_bytes())
    stderr = _unchanged(refused, "post", "create", "Hi", "--to", "x:acme", "--media", str(liar))
    assert "named image/jpeg but its content is image/png" in stderr


def test_media_too_large_for_one_target(store: Path, tmp_path: Path) -> None:
    big = write_png(tmp_path / "big.png", pad=2_100_000)  # over Bluesky's 2,000,000 bytes
    stderr = _unchanged(
        refused,
        "post", "create", "Hi", "--to", "x:acme", "--to", "bluesky:acme.bsky.social",
        "--media", str(big),
    )  # fmt: skip
    lines = stderr.strip().splitlines()
    assert (
        len(lines) == 2 and "bluesky:acme.bsky.social: media_size — big.png is 2.0 MB" in lines[1]
    )


def test_too_many_media_and_more_alts_than_media(store: Path, tmp_path: Path) -> None:
    pics = [write_png(tmp_path / f"p{i}.png", pad=i) for i in range(5)]
    args = [a for p in pics for a in ("--media", str(p))]
    stderr = _unchanged(refused, "post", "create", "Hi", "--to", "x:acme", *args)
    assert "media_count — 5 media files, X allows at most 4" in stderr
    stderr = _unchanged(refused, "post", "create", "Hi", "--to", "x:acme", "--alt", "lonely")
    assert "1 --alt texts for 0 --media files" in stderr


def test_editing_or_deleting_a_published_post_is_refused(store: Path, home: Path) -> None:
    db = home / "data" / "clientnest.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE post SET status = 'published' WHERE id = 1")
    stderr = _unchanged(refused, "post", "edit", "1", "--text", "new")
    assert "post 1 cannot be edited: it is already published" in stderr
    stderr = _unchanged(refused, "post", "delete", "1")
    assert "post 1 is published" in stderr and "delete it on the platform" in stderr
    stderr = _unchanged(refused, "post", "cancel", "1")
    assert "already published" in stderr
    stderr = _unchanged(refused, "post", "schedule", "1", "--at", "2030-01-01 09:00")
    assert "cannot become scheduled" in stderr
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE post SET status = 'publishing' WHERE id = 1")
    stderr = _unchanged(refused, "post", "edit", "1", "--category", "x")
    assert "being sent right now" in stderr


def test_approving_as_an_editor_is_refused(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok("policy", "set", "approval.editors", "true")
    ok("users", "add", "ed@acme.test", "--role", "editor")
    made = ok(
        "--as", "ed@acme.test", "post", "create", "Needs a look", "--to", "x:acme", "--json"
    ).json()
    pid = str(made[0]["id"])
    ok("--as", "ed@acme.test", "post", "submit", pid)
    stderr = _unchanged(refused, "--as", "ed@acme.test", "post", "approve", pid)
    assert "ed@acme.test is editor; approving posts needs admin or above" in stderr
    stderr = _unchanged(refused, "--as", "ed@acme.test", "post", "reject", pid, "--reason", "no")
    assert "needs admin" in stderr


def test_viewers_change_nothing(store: Path) -> None:
    ok("users", "add", "vi@acme.test", "--role", "viewer")
    for args in (
        ("post", "create", "Hi", "--to", "x:acme"),
        ("post", "schedule", "1", "--at", "2030-01-01 09:00"),
        ("post", "delete", "1"),
        ("slots", "add", "x:acme", "--times", "09:00"),
    ):
        stderr = _unchanged(refused, "--as", "vi@acme.test", *args)
        assert "needs editor" in stderr
    ok("--as", "vi@acme.test", "post", "list")

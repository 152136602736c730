"""`post create`: targets, variants, hashtags, sanitising, threads, media, recurrence."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.cli.posts_support import (
    audit_actions,
    create,
    posts_json,
    refused,
    setup_store,
    write_png,
)
from tests.helpers import ok, seed_account


@pytest.fixture
def accounts(home: Path) -> dict[str, int]:
    return setup_store()


def test_cross_post_makes_one_post_per_account_in_one_group(accounts: dict[str, int]) -> None:
    made = create("Launch day!", "--to", "x:acme", "--to", "bluesky:acme.bsky.social")
    assert [p["account"] for p in made] == ["x:acme", "bluesky:acme.bsky.social"]
    assert {p["status"] for p in made} == {"draft"}
    assert made[0]["group_id"] == made[1]["group_id"]
    assert [p["id"] for p in posts_json()] == [made[1]["id"], made[0]["id"]]
    assert audit_actions().count("post.create") == 2


def test_text_output_names_each_post(accounts: dict[str, int]) -> None:
    run = ok("post", "create", "Hello", "--to", "x:acme", "--at", "2030-06-01 09:00")
    assert "Created post 1 for x:acme (scheduled" in run.stdout
    assert "2030-06-01 09:00 CEST (07:00 UTC)" in run.stdout


def test_variants_hashtags_and_category(accounts: dict[str, int]) -> None:
    made = create(
        "Big news",
        "--to", "x:acme", "--to", "mastodon:acme",
        "--variant", "mastodon:Big news, fediverse edition",
        "--hashtag", "launch", "--hashtag", "#News",
        "--category", "announcements",
    )  # fmt: skip
    by = {p["account"]: p for p in made}
    assert by["x:acme"]["content"] == "Big news #launch #News"
    assert by["mastodon:acme"]["content"] == "Big news, fediverse edition #launch #News"
    assert by["x:acme"]["hashtags"] == ["launch", "News"]
    assert by["x:acme"]["category"] == "announcements"


def test_hashtag_already_in_text_is_not_repeated(accounts: dict[str, int]) -> None:
    (post,) = create("We #Launch today", "--to", "x:acme", "--hashtag", "launch")
    assert post["content"] == "We #Launch today"
    assert post["hashtags"] == ["launch"]


def test_text_is_normalised_and_html_stripped(accounts: dict[str, int]) -> None:
    text = "Cafe\u0301 <b>bold</b> &amp; <script>alert(1)</script>done\x1b[31m red\x07"
    (post,) = create(text, "--to", "x:acme")
    assert post["content"] == "Café bold & done red"


def test_linkedin_text_is_not_escaped_at_compose_time(home: Path) -> None:
    setup_store()
    seed_account("linkedin", "acme-co")
    (post,) = create("Hello (world) #tag", "--to", "linkedin:acme-co")
    assert post["content"] == "Hello (world) #tag"


def test_text_from_file_and_stdin(accounts: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "post.txt"
    path.write_text("From a file\n", encoding="utf-8")
    (a,) = create("--file", str(path), "--to", "x:acme")
    (b,) = ok("post", "create", "-", "--to", "x:acme", "--json", input="From stdin\n").json()
    assert (a["content"], b["content"]) == ("From a file", "From stdin")


def test_explicit_thread_with_separator_lines(accounts: dict[str, int]) -> None:
    made = create("First part\n---\nSecond part\n---\nThird", "--to", "x:acme", "--thread")
    lead, *parts = made
    assert lead["content"] == "First part" and lead["thread_parent_id"] is None
    assert [(p["content"], p["thread_parent_id"], p["thread_position"]) for p in parts] == [
        ("Second part", lead["id"], 1),
        ("Third", lead["id"], 2),
    ]
    assert {p["group_id"] for p in made} == {lead["group_id"]}
    keys = {p["id"]: p for p in made}
    assert len(keys) == 3


def test_automatic_thread_split_with_numbering_per_platform(accounts: dict[str, int]) -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(30))
    made = create(text, "--to", "x:acme", "--to", "mastodon:acme", "--thread", "--numbering")
    x_parts = [p for p in made if p["account"] == "x:acme"]
    m_parts = [p for p in made if p["account"] == "mastodon:acme"]
    assert len(x_parts) > len(m_parts) >= 2
    assert x_parts[0]["content"].endswith(f" 1/{len(x_parts)}")
    assert x_parts[-1]["content"].endswith(f" {len(x_parts)}/{len(x_parts)}")
    assert all(p["content"].rstrip().split()[-1].count("/") == 1 for p in made)


def test_mastodon_instance_limit_comes_from_account_settings(home: Path) -> None:
    setup_store()
    seed_account("mastodon", "big", base_url="https://big.example", max_characters="1000")
    long = "a" * 700
    (post,) = create(long, "--to", "mastodon:big")
    assert len(post["content"]) == 700
    stderr = refused("post", "create", long, "--to", "mastodon:acme")
    assert "700/500" in stderr


def test_media_is_checked_hashed_and_copied_privately(
    accounts: dict[str, int], tmp_path: Path, home: Path
) -> None:
    image = write_png(tmp_path / "pic.png")
    digest = hashlib.sha256(image.read_bytes()).hexdigest()
    (post,) = create("Look", "--to", "x:acme", "--media", str(image), "--alt", "A tiny pixel")
    shown = ok("post", "show", str(post["id"]), "--json").json()
    (media,) = shown["media"]
    assert (media["sha256"], media["media_type"], media["alt_text"]) == (
        digest,
        "image/png",
        "A tiny pixel",
    )
    stored = home / "data" / "media" / f"{digest}.png"
    assert stored.read_bytes() == image.read_bytes()
    assert stat.S_IMODE(os.stat(stored.parent).st_mode) == 0o700
    image.write_bytes(b"changed later")  # the post keeps its own copy
    assert stored.read_bytes() != image.read_bytes()
    assert shown["violations"] == []


def test_media_pairs_alt_texts_in_order(accounts: dict[str, int], tmp_path: Path) -> None:
    a = write_png(tmp_path / "a.png")
    b = write_png(tmp_path / "b.png", pad=10)
    (post,) = create(
        "Two", "--to", "x:acme", "--media", str(a), "--alt", "first", "--media", str(b)
    )
    media = ok("post", "show", str(post["id"]), "--json").json()["media"]
    assert [(m["original_name"], m["alt_text"]) for m in media] == [
        ("a.png", "first"),
        ("b.png", ""),
    ]


def test_recurrence_makes_one_scheduled_post_per_occurrence(accounts: dict[str, int]) -> None:
    until = (date.today() + timedelta(days=70)).isoformat()
    made = create(
        "Weekly tip", "--to", "x:acme", "--to", "mastodon:acme",
        "--every", "mon 09:00", "--until", until,
    )  # fmt: skip
    assert 2 * 9 <= len(made) <= 2 * 11
    assert len({p["group_id"] for p in made}) == 1
    assert {p["status"] for p in made} == {"scheduled"}
    assert {p["recurrence"] for p in made} == {"mon 09:00"}
    assert {p["scheduled_local"][10:] for p in made} <= {"T09:00:00+01:00", "T09:00:00+02:00"}
    local_days = {datetime.fromisoformat(p["scheduled_local"]).weekday() for p in made}
    assert local_days == {0}
    shown = ok("post", "show", str(made[0]["id"]), "--json").json()
    assert [s["account"] for s in shown["siblings"]] == ["mastodon:acme"]  # same occurrence


def test_recurrence_is_capped(accounts: dict[str, int]) -> None:
    stderr = refused(
        "post", "create", "x", "--to", "x:acme", "--every", "daily 09:00", "--until", "2035-01-01"
    )
    assert "more than 366" in stderr


def test_ai_generated_flag_through_the_service(accounts: dict[str, int]) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.posts import ComposeRequest, create_posts

    ctx = AppContext()
    try:
        (post,) = create_posts(ctx, ComposeRequest("Written by AI", ["x:acme"], ai_generated=True))
    finally:
        ctx.close()
    assert post.ai_generated and post.id
    assert posts_json()[0]["ai_generated"] is True


def test_outgoing_for_builds_the_adapter_value(
    accounts: dict[str, int], tmp_path: Path, home: Path
) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.posts import outgoing_for
    from clientnest_cli.store.post_repos import Posts

    image = write_png(tmp_path / "pic.png")
    (made,) = create("Out", "--to", "x:acme", "--media", str(image), "--alt", "alt")
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            post = Posts(session).by_id(made["id"])
            assert post is not None
            out = outgoing_for(post, Posts(session).media(made["id"]))
    finally:
        ctx.close()
    assert out.text == "Out" and out.idempotency_key == post.idempotency_key
    (item,) = out.media
    assert item.path.read_bytes() == image.read_bytes() and item.path.is_relative_to(home)
    assert (item.mime_type, item.alt_text) == ("image/png", "alt")
    assert out.created_at == post.created_at

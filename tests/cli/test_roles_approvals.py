"""Approvals mean what they say, and policy lives in the store (issue 14).

Each "Tried" bullet of the issue is a test here: refused with one line and
exit 2, or done the right way, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli, init_store, ok

ED = ("--as", "ed@acme.test")
AD = ("--as", "ad@acme.test")
FEED = ""  # the feed account's reference, set by the fixture


@pytest.fixture
def team(home: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An owner, an admin and an editor; approvals on for editors; a feed account."""
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    ok("users", "add", "ed@acme.test", "--role", "editor", "--name", "Ed Editor")
    ok("users", "add", "ad@acme.test", "--role", "admin")
    ok("users", "add", "view@acme.test", "--role", "viewer")
    ok("policy", "set", "approval.editors", "true")
    feed = tmp_path / "feed.json"
    ref = ok("accounts", "connect", "feed", "--path", str(feed), "--json").json()["ref"]
    monkeypatch.setattr(f"{__name__}.FEED", ref)
    return feed


def refused(*args: str, input: str | None = None) -> str:
    run = cli(*args, input=input)
    assert run.exit_code == 2, (args, run.exit_code, run.stdout, run.stderr)
    assert run.stderr.count("\n") == 1, run.stderr  # one line
    return run.stderr


def post(pid: str) -> dict[str, Any]:
    return ok("post", "show", pid, "--json").json()


def feed_texts(feed: Path) -> list[str]:
    if not feed.exists():
        return []
    return [item["content_text"] for item in json.loads(feed.read_text())["items"]]


def owner_post(text: str, *extra: str) -> str:
    made = ok("post", "create", text, "--to", FEED, *extra, "--json").json()
    return str(made[0]["id"])


def test_editor_edit_of_an_owners_post_needs_approval_before_it_goes_out(team: Path) -> None:
    pid = owner_post("Owner text")
    assert post(pid)["approval_status"] == "not_required"
    ok(*ED, "post", "edit", pid, "--text", "Editor text")
    assert post(pid)["approval_status"] == "required"  # whoever created it
    stderr = refused(*ED, "publish", "now", pid)
    assert "needs approval" in stderr
    assert feed_texts(team) == []
    ok(*ED, "post", "submit", pid)
    assert "waiting for approval" in refused(*ED, "publish", "now", pid)
    ok(*AD, "post", "approve", pid)
    ok(*ED, "publish", "now", pid)
    assert feed_texts(team) == ["Editor text"]


def test_an_editors_reschedule_or_hashtag_also_needs_a_new_approval(team: Path) -> None:
    pid = owner_post("Owner text", "--at", "2030-01-01 09:00")
    ok(*ED, "post", "schedule", pid, "--at", "2030-01-02 09:00")
    assert post(pid)["approval_status"] == "required"
    ok("post", "approve", pid)
    ok(*ED, "post", "edit", pid, "--add-hashtag", "coffee")
    assert post(pid)["approval_status"] == "required"
    ok("post", "approve", pid)
    ok(*AD, "post", "edit", pid, "--text", "Admin text")  # admins need none by default
    assert post(pid)["approval_status"] == "approved"


def test_the_engine_skips_an_unapproved_due_post(team: Path, database_url: str) -> None:
    from sqlalchemy import create_engine, text

    pid = owner_post("Owner text", "--at", "2030-01-01 09:00")
    ok(*ED, "post", "edit", pid, "--text", "Sneaky editor text")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE post SET scheduled_at = '2020-01-01 00:00:00+00:00'"))
    engine.dispose()
    ok("publish", "due")
    assert feed_texts(team) == [] and post(pid)["status"] == "scheduled"
    ok("post", "approve", pid)
    ok("publish", "due")
    assert feed_texts(team) == ["Sneaky editor text"]


def test_policy_in_the_environment_is_refused_with_a_pointer(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (
        ("CLIENTNEST_PUBLISHING__REQUIRE_APPROVAL_FOR_EDITORS", "false"),
        ("CLIENTNEST_TIERS", '{"free": {"accounts": 1000}}'),
        ("CLIENTNEST_TIERS__FREE__ACCOUNTS", "1000"),  # one key: no "Field required" crash
    ):
        monkeypatch.setenv(name, value)
        stderr = refused(*ED, "post", "create", "Skip approval?", "--to", FEED)
        assert name in stderr and "policy set" in stderr and "Field required" not in stderr
        monkeypatch.delenv(name)
    assert ok("post", "list", "--json").json() == []


def test_policy_in_config_toml_is_refused_with_file_and_line(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = home / "config.toml"
    config.write_text('log_level = "INFO"\n\n[tiers.free]\naccounts = 1000\n')
    stderr = refused("users", "list")
    assert f"{config}:3" in stderr and "policy set tiers.free.accounts" in stderr
    config.write_text("[publishing]\nrequire_approval_for_editors = false\n")
    assert "policy set approval.editors" in refused("users", "list")


def test_policy_set_is_for_owners_and_admins_and_audited(team: Path) -> None:
    assert "changing policy needs admin" in refused(*ED, "policy", "set", "approval.editors", "0")
    assert "unknown policy key 'tiers.gold.accounts'" in refused(
        "policy", "set", "tiers.gold.accounts", "3"
    )
    assert "is a whole number" in refused("policy", "set", "tiers.free.accounts", "lots")
    assert "true or false" in refused("policy", "set", "approval.editors", "maybe")
    ok(*AD, "policy", "set", "tiers.free.scheduled_posts", "1")
    shown = {r["key"]: r for r in ok(*ED, "policy", "show", "--json").json()}
    assert shown["tiers.free.scheduled_posts"]["value"] == "1"
    assert shown["approval.editors"]["value"] == "true"
    [event] = [e for e in ok("audit", "list", "--json").json() if e["action"] == "policy.set"][:1]
    assert event["details"]["new"] == "1" and event["object"] == "policy:tiers.free.scheduled_posts"
    owner_post("One", "--at", "2030-01-01 09:00")
    assert "allows 1 scheduled posts" in refused(
        "post", "create", "Two", "--to", FEED, "--at", "2030-01-01 10:00"
    )


def test_existing_users_follow_tier_changes_at_once(team: Path) -> None:
    ok("users", "set-tier", "ed@acme.test", "starter")
    ok("policy", "set", "tiers.starter.ai_tokens_per_month", "1234")
    assert ok("users", "show", "ed@acme.test", "--json").json()["ai_tokens_limit"] == 1234
    ok("policy", "set", "tiers.free.accounts", "1")  # the owner's tier; one is connected
    stderr = refused("accounts", "connect", "feed", "--path", str(team.with_name("b.json")))
    assert "allows 1 connected accounts" in stderr


def test_ai_key_needs_admin(team: Path) -> None:
    assert "needs admin" in refused(*ED, "ai", "key", "set", input="sk-editor-key-123\n")
    assert "needs admin" in refused(*ED, "ai", "key", "clear")
    ok(*AD, "ai", "key", "set", input="sk-admin-key-123\n")
    ok(*AD, "ai", "key", "clear")
    actions = [e["action"] for e in ok("audit", "list", "--json").json()]
    assert actions[:2] == ["ai.key_clear", "ai.key_set"]


def test_with_approval_for_admins_an_admin_cannot_approve(team: Path) -> None:
    ok("policy", "set", "approval.admins", "true")
    pid = owner_post("Owner text", "--at", "2030-01-01 09:00")
    ok(*AD, "post", "edit", pid, "--text", "Admin text")
    assert post(pid)["approval_status"] == "required"
    assert "needs owner" in refused(*AD, "post", "approve", pid)
    ok("post", "approve", pid)  # the owner
    assert post(pid)["approval_status"] == "approved"


def test_an_editors_import_of_an_approved_post_needs_a_new_approval(
    team: Path, tmp_path: Path
) -> None:
    pid = owner_post("Owner text")
    assert post(pid)["approval_status"] == "not_required"
    folder = tmp_path / "posts"
    ok("post", "export", "--format", "md", "--output", str(folder))
    (exported,) = folder.glob("*.md")
    exported.write_text(exported.read_text().replace("Owner text", "Editor text"))
    ok(*ED, "post", "import", str(exported))

    assert post(pid)["content"] == "Editor text"
    assert post(pid)["approval_status"] == "required"
    assert "needs approval" in refused(*ED, "publish", "now", pid)
    assert feed_texts(team) == []
    ok(*AD, "post", "approve", pid)
    ok(*ED, "publish", "now", pid)
    assert feed_texts(team) == ["Editor text"]

"""list, show, edit, delete, duplicate and approvals, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.posts_support import audit_actions, create, posts_json, setup_store
from tests.helpers import cli, ok


@pytest.fixture
def accounts(home: Path) -> dict[str, int]:
    return setup_store()


def test_list_filters_sort_and_limit(accounts: dict[str, int]) -> None:
    a = create("Alpha coffee", "--to", "x:acme", "--at", "2030-05-02 09:00")[0]
    b = create("Beta tea", "--to", "bluesky:acme.bsky.social", "--at", "2030-05-01 09:00")[0]
    c = create("Gamma coffee", "--to", "x:acme")[0]
    assert [p["id"] for p in posts_json()] == [c["id"], b["id"], a["id"]]
    assert [p["id"] for p in posts_json("--sort", "scheduled")] == [b["id"], a["id"], c["id"]]
    assert [p["id"] for p in posts_json("--status", "draft")] == [c["id"]]
    assert [p["id"] for p in posts_json("--status", "draft,scheduled", "--limit", "2")] == [
        c["id"],
        b["id"],
    ]
    assert [p["id"] for p in posts_json("--account", "x:acme")] == [c["id"], a["id"]]
    assert [p["id"] for p in posts_json("--search", "COFFEE")] == [c["id"], a["id"]]
    assert [p["id"] for p in posts_json("--search", "%")] == []
    assert [p["id"] for p in posts_json("--from", "2030-05-02")] == [a["id"]]
    assert [p["id"] for p in posts_json("--to", "2030-05-01")] == [b["id"]]
    table = ok("post", "list").stdout
    assert table.splitlines()[0].split("\t") == [
        "id", "account", "status", "when", "approval", "thread", "text",
    ]  # fmt: skip
    assert "2030-05-02 09:00" in table  # local time (Europe/Berlin)


def test_list_by_client(accounts: dict[str, int]) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import SocialAccount

    ok("clients", "add", "Acme")
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            row = session.get(SocialAccount, accounts["bluesky"])
            assert row is not None
            row.client_id = 1
            session.add(row)
    finally:
        ctx.close()
    create("Mine", "--to", "bluesky:acme.bsky.social")
    create("Other", "--to", "x:acme")
    assert [p["content"] for p in posts_json("--client", "acme")] == ["Mine"]


def test_show_has_siblings_schedule_validation_and_reason(accounts: dict[str, int]) -> None:
    made = create(
        "Hello", "--to", "x:acme", "--to", "mastodon:acme",
        "--variant", "mastodon:Hello fediverse", "--at", "2030-07-01 09:00",
    )  # fmt: skip
    run = ok("post", "show", str(made[0]["id"]))
    out = run.stdout
    assert "Post 1 for x:acme: scheduled" in out
    assert "2030-07-01 09:00 CEST (Europe/Berlin)" in out
    assert "2030-07-01 07:00 UTC" in out
    assert "publishable    yes" in out
    assert "--- mastodon:acme (post 2, scheduled) ---\nHello fediverse" in out
    assert "Validation: ok" in out
    data = ok("post", "show", "1", "--json").json()
    assert data["publishable"] is True and data["attempts"] == []
    ok("post", "unschedule", "1")
    data = ok("post", "show", "1", "--json").json()
    assert "draft" in data["not_publishable_because"]


def test_show_lists_publish_attempts_cleaned(accounts: dict[str, int]) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import PublishAttempt

    create("Hi", "--to", "x:acme")
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            session.add(
                PublishAttempt(
                    post_id=1,
                    daemon_id="d1",
                    outcome="retryable",
                    http_status=503,
                    error="busy\x1b[2J",
                )
            )
    finally:
        ctx.close()
    out = ok("post", "show", "1").stdout
    assert "retryable HTTP 503 (d1) — busy" in out and "\x1b" not in out


def test_edit_with_flags_revalidates_and_audits(accounts: dict[str, int]) -> None:
    create("Old text", "--to", "x:acme")
    run = ok("post", "edit", "1", "--text", "New text", "--add-hashtag", "fresh",
             "--category", "tips", "--at", "2030-01-10 10:00")  # fmt: skip
    assert "Updated post 1 (text, hashtags, category, schedule)" in run.stdout
    assert "2030-01-10 10:00 CET (09:00 UTC)" in run.stdout
    (post,) = posts_json()
    assert (post["content"], post["hashtags"], post["category"], post["status"]) == (
        "New text #fresh",
        ["fresh"],
        "tips",
        "scheduled",
    )
    assert audit_actions()[0] == "post.edit"


def test_edit_opens_the_editor_without_flags(
    accounts: dict[str, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / "fake-editor.sh"
    script.write_text('#!/bin/sh\nprintf "Edited in the editor\\n" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.setenv("VISUAL", str(script))
    create("Draft", "--to", "x:acme")
    ok("post", "edit", "1")
    assert posts_json()[0]["content"] == "Edited in the editor"


def test_delete_thread_and_duplicate(accounts: dict[str, int], tmp_path: Path) -> None:
    from tests.cli.posts_support import write_png

    pic = write_png(tmp_path / "p.png")
    made = create("One\n---\nTwo", "--to", "x:acme", "--thread", "--media", str(pic))
    copy = ok("post", "duplicate", "1", "--json").json()
    assert copy["status"] == "draft" and copy["group_id"] != made[0]["group_id"]
    rows = posts_json()
    assert len(rows) == 4
    shown = ok("post", "show", str(copy["id"]), "--json").json()
    assert [p["content"] for p in shown["parts"]] == ["Two"]
    assert len(shown["media"]) == 1
    keys = {r["id"]: r for r in rows}
    assert len(keys) == 4
    refused = cli("post", "delete", "2")
    assert refused.exit_code == 2 and "use post 1" in refused.stderr
    assert "and its 1 thread part(s)" in ok("post", "delete", "1").stdout
    assert sorted(p["id"] for p in posts_json()) == sorted([copy["id"], shown["parts"][0]["id"]])
    assert audit_actions()[:2] == ["post.delete", "post.duplicate"]


def test_approval_flow(accounts: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    ok("policy", "set", "approval.editors", "true")
    ok("users", "add", "ed@acme.test", "--role", "editor")
    ok("users", "add", "ad@acme.test", "--role", "admin")
    ed = ("--as", "ed@acme.test")
    made = ok(*ed, "post", "create", "Please ok", "--to", "x:acme", "--at", "2030-02-01 09:00",
              "--json").json()  # fmt: skip
    pid = str(made[0]["id"])
    assert made[0]["approval_status"] == "required"

    def reason() -> str | None:
        return ok("post", "show", pid, "--json").json()["not_publishable_because"]

    assert "needs approval" in (reason() or "")
    ok(*ed, "post", "submit", pid)
    assert "waiting for approval" in (reason() or "")
    ok("--as", "ad@acme.test", "post", "reject", pid, "--reason", "Add a link")
    assert reason() == "it was rejected: Add a link"
    assert "rejected by ad@acme.test: Add a link" in ok("post", "show", pid).stdout
    ok(*ed, "post", "submit", pid)
    ok("post", "approve", pid)  # the owner
    assert reason() is None
    ok(*ed, "post", "edit", pid, "--text", "Please ok, changed")
    assert "needs approval" in (reason() or "")  # an editor's change needs a new look
    # the owner's own posts need no approval
    assert create("Owner post", "--to", "x:acme")[0]["approval_status"] == "not_required"
    assert [a for a in audit_actions() if a.startswith("post.")][:6] == [
        "post.create", "post.edit", "post.approve", "post.submit", "post.reject", "post.submit",
    ]  # fmt: skip

"""An editor's `ai reply --send` waits for an admin when approvals are on (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.ai_helpers import rows
from tests.cli.test_ai_features import _published_mastodon_post
from tests.helpers import cli, init_store, ok

pytest_plugins = ["tests.cli.ai_fixtures"]


@pytest.fixture
def ai(ai_env: Any, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The AI emulator and an initialised store, on SQLite and on PostgreSQL."""
    monkeypatch.setenv("CLIENTNEST_DATABASE_URL", database_url)
    init_store()
    return ai_env


def _replies_to(sandbox: Any, status_id: str) -> list[dict[str, Any]]:
    posts = sandbox.emulator("mastodon").snapshot()["posts"]
    return [s for s in posts if s.get("in_reply_to_id") == status_id]


def test_an_editors_reply_is_queued_until_an_admin_approves(ai: Any, sandbox: Any) -> None:
    from clientnest_cli.store.models import Comment

    ok("users", "add", "ed@acme.test", "--role", "editor")
    ok("policy", "set", "approval.editors", "true")
    comment_id, _post_id, status_id = _published_mastodon_post(sandbox)
    run = ok("--as", "ed@acme.test", "ai", "reply", str(comment_id), "--send", "1", "--json")
    data = run.json()
    assert data["sent"] is None and data["queued"] == 1
    assert _replies_to(sandbox, status_id) == []  # nobody reviewed it: nothing public
    [pending] = ok("ai", "replies", "pending", "--json").json()
    assert pending["reply"] == data["replies"][0] and pending["requested_by"] == "ed@acme.test"
    refused = cli("--as", "ed@acme.test", "ai", "replies", "approve", "1")
    assert refused.exit_code == 2 and "approving replies needs admin" in refused.stderr
    ok("ai", "replies", "approve", "1")
    assert len(_replies_to(sandbox, status_id)) == 1
    assert ok("ai", "replies", "pending", "--json").json() == []
    [row] = rows(Comment, id=comment_id)
    assert row.our_reply == data["replies"][0]
    again = cli("ai", "replies", "approve", "1")
    assert again.exit_code == 2 and "already sent" in again.stderr


def test_without_the_policy_an_editors_reply_goes_out(ai: Any, sandbox: Any) -> None:
    ok("users", "add", "ed@acme.test", "--role", "editor")
    comment_id, _post_id, status_id = _published_mastodon_post(sandbox)
    data = ok("--as", "ed@acme.test", "ai", "reply", str(comment_id), "--send", "1", "--json")
    assert data.json()["queued"] is None and len(_replies_to(sandbox, status_id)) == 1

"""Hostile text from users, files and platforms never drives the terminal.

A corpus of hostile strings goes through every table, record and error path
(post list/show, metrics comments, accounts list, AI outputs, an AI and a
platform error body from the sandbox's fault switches), once on a forced
terminal (the Rich path) and once into a pipe; the bytes written are checked.
``--json`` keeps the full text, with the dangerous characters JSON-escaped.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from clientnest_cli.cli import output
from clientnest_cli.cli.main import app
from clientnest_cli.domain.text import MAX_COMBINING
from clientnest_cli.sandbox.framework import SandboxServer
from tests.cli.ai_helpers import add_rows
from tests.helpers import ok, seed_account

pytest_plugins = ["tests.cli.ai_fixtures"]

C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n")
C1 = "".join(chr(c) for c in range(0x7F, 0xA0))
OSC8 = "\x1b]8;;https://evil.example/login\x1b\\Verify your account\x1b]8;;\x1b\\"
OSC52 = "\x1b]52;c;cm0gLXJmIH4vKg==\x07"
TITLE = "\x1b]0;OWNED-TITLE\x07\x1b[2J\x1b[H"
BIDI = "\u202eevil.exe\u202c \u2066isolate\u2069 \u202dltr\u202c \u200f\u200e\u061c"
LINK = "[link=https://evil.example/login]Verify your account[/link]"
ZALGO = "e" + "\u0301" * 10_000

HOSTILE = {
    "oops": "[/oops]",
    "items": "items[/2] and [/quote]",
    "c0": f"c0<{C0}>",
    "c1": f"c1<{C1}>",
    "csi": "csi<\x1b[31mred\x1b[0m\x1b[2J\x9b2J\x1b[?1049h>",
    "osc8": f"osc8<{OSC8}>",
    "osc52": f"osc52<{OSC52}>",
    "title": f"title<{TITLE}>",
    "bel": "bel<\x07\x07>",
    "dcs": "dcs<\x1bPq#0;2;0;0;0\x1b\\\x90junk\x9c>",
    "bidi": f"bidi<{BIDI}>",
    "link": LINK,
    "zalgo": ZALGO,
}
ALL = " ".join(HOSTILE.values())
SHORT = "acme[/oops]\x1b]0;T\x07\u202e"  # for fields with a small length limit

SGR = re.compile(r"\x1b\[[0-9;]*m")
BIDI_CHARS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def longest_mark_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        longest = max(longest, run)
    return longest


def assert_safe(raw: bytes, *, terminal: bool) -> str:
    """The bytes a terminal would get hold nothing it acts on; returns the text."""
    text = raw.decode("utf-8")
    if terminal:
        text = SGR.sub("", text)  # Rich's own colours are the only escapes allowed
    bad = sorted(
        {
            f"U+{ord(ch):04X}"
            for ch in text
            if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F or ch in BIDI_CHARS
        }
    )
    assert not bad, f"control/bidi characters reached the terminal: {bad}"
    assert longest_mark_run(text) <= MAX_COMBINING
    content = re.sub(r"[\s\u2500-\u257f]", "", text)  # leave out table borders and padding
    assert len(content) < 30_000  # 10,000 combining marks are not printed in full
    return text


@pytest.fixture(params=["terminal", "pipe"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "terminal":
        monkeypatch.setattr(output, "is_terminal", lambda: True)
        monkeypatch.setenv("COLUMNS", "3000")
        monkeypatch.setenv("TERM", "xterm-256color")
    return str(request.param)


def run(mode: str, *args: str, code: int = 0, input: str | None = None) -> tuple[str, str]:
    """Invoke the CLI with colour allowed (so Click strips nothing for us)."""
    result = CliRunner().invoke(app, list(args), input=input, color=True, catch_exceptions=False)
    assert result.exit_code == code, (result.exit_code, result.stderr[-2000:])
    terminal = mode == "terminal"
    return (
        assert_safe(result.stdout_bytes, terminal=terminal),
        assert_safe(result.stderr_bytes, terminal=terminal),
    )


def assert_markup_shown_as_written(text: str) -> None:
    assert "\x1b]8" not in text  # no hyperlink was made
    for literal in (LINK, "[/oops]", "items[/2] and [/quote]"):
        assert literal in text, literal


def _hostile_post(account_id: int, content: str = ALL, **extra: Any) -> int:
    from clientnest_cli.store.models import Post

    [post_id] = add_rows(Post(account_id=account_id, content=content, last_error=ALL, **extra))
    return post_id


def _hostile_comments(post_id: int) -> None:
    from clientnest_cli.store.models import Comment

    add_rows(
        *[
            Comment(post_id=post_id, platform_comment_id=name, author=SHORT, text=text)
            for name, text in HOSTILE.items()
        ]
    )


# --- tables and records -------------------------------------------------------------------


def test_posts_and_comments(ai: Any, mode: str) -> None:
    post_id = _hostile_post(seed_account("mastodon", "acme"))
    _hostile_comments(post_id)

    listed, _ = run(mode, "post", "list")
    assert "[/oops] items[/2] and [/quote]" in listed  # shown as text, without a crash
    shown, _ = run(mode, "post", "show", str(post_id))
    assert_markup_shown_as_written(shown)
    assert "OWNED-TITLE" not in shown and "…" in shown  # the combining run was cut

    when = datetime(2030, 3, 6, 9, 0, tzinfo=UTC)
    _hostile_post(seed_account("x", SHORT), status="scheduled", scheduled_at=when)
    for view in ("--week", "--month"):
        drawn, _ = run(mode, "calendar", view, "--date", "2030-03-06")
        assert "[/oops]" in drawn and "\x1b]8" not in drawn

    comments, _ = run(mode, "metrics", "comments")
    assert_markup_shown_as_written(comments)
    if mode == "pipe":  # one row a line, whatever the text held
        assert len(comments.strip("\n").split("\n")) == 1 + len(HOSTILE)


def test_accounts_list(ai: Any, mode: str) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import SocialAccount

    account_id = seed_account("mastodon", SHORT, base_url="https://m.example/" + LINK)
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            account = session.get(SocialAccount, account_id)
            assert account is not None
            account.status, account.status_reason = "needs_reauth", ALL[:500]
            session.add(account)
    finally:
        ctx.close()
    shown, _ = run(mode, "accounts", "list")
    assert "acme[/oops]" in shown and LINK in shown


def test_json_keeps_the_full_text_escaped(ai: Any) -> None:
    post_id = _hostile_post(seed_account("mastodon", "acme"))
    _hostile_comments(post_id)
    for args in (["post", "show", str(post_id)], ["metrics", "comments"]):
        result = CliRunner().invoke(app, [*args, "--json"], color=True)
        assert result.exit_code == 0
        raw = result.stdout_bytes.decode("utf-8")
        assert not {ch for ch in raw if 0x7F <= ord(ch) <= 0x9F or ch in BIDI_CHARS}
        assert "\x1b" not in raw and "\x07" not in raw
        data = json.loads(raw)
        if args[0] == "post":
            assert data["content"] == ALL and data["last_error"] == ALL  # nothing lost
        else:
            assert {c["platform_comment_id"]: c["text"] for c in data} == HOSTILE


# --- AI outputs and AI errors -------------------------------------------------------------


def test_ai_outputs(ai: Any, mode: str) -> None:
    post_id = _hostile_post(seed_account("linkedin", "acme"), ALL[:2900])
    shown, _ = run(mode, "ai", "optimize", str(post_id))
    assert "[/oops]" in shown and "\x1b]8" not in shown
    run(mode, "ai", "hashtags", ALL[:1500])
    run(mode, "ai", "generate", "--topic", HOSTILE["link"] + HOSTILE["title"], "--platform", "x")


def test_an_ai_error_body_is_cleaned(ai: Any, mode: str) -> None:
    ai.ai_faults.update(fail_next=1, fail_status=400, fail_message=ALL)
    _, err = run(mode, "ai", "hashtags", "tea", code=1)
    [line] = err.strip("\n").split("\n")  # one line, however many lines the body had
    assert line.startswith("Error: the AI provider refused the request (HTTP 400)")
    assert "[/oops]" in line and "…" in line  # bounded with an ellipsis


# --- platform error bodies ----------------------------------------------------------------


def test_a_platform_error_body_is_cleaned(
    ai: Any, mode: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord = sandbox.emulator("discord")
    hook = discord.create_webhook(name=SHORT)
    url = sandbox.base_url("discord") + hook["path"]
    run(mode, "accounts", "connect", "discord", input=url + "\n")
    [account] = ok("accounts", "list", "--json").json()
    created = ok("post", "create", "hello", "--to", account["ref"], "--json").json()
    post_id = str(created["posts"][0]["id"] if "posts" in created else created[0]["id"])

    discord.faults.update({"error_rate": 1.0, "error_status": 400, "error_message": ALL})
    _, err = run(mode, "publish", "now", post_id, code=1)
    assert "[/oops]" in err and "post " + post_id + " failed" in err
    shown, _ = run(mode, "post", "show", post_id)
    assert "[/oops]" in shown

    slack = sandbox.emulator("slack")
    slack_hook = slack.create_webhook()
    slack.faults.update({"error_rate": 1.0, "error_status": 404, "error_message": TITLE * 3})
    _, err = run(
        mode,
        "accounts",
        "connect",
        "slack",
        code=2,
        input=sandbox.base_url("slack") + slack_hook["path"] + "\n",
    )
    assert err.startswith("Error: the Slack webhook does not exist")


# --- the daemon's log -------------------------------------------------------------------------


def test_daemon_log_lines_are_cleaned_and_the_file_keeps_everything() -> None:
    import logging

    from clientnest_cli.scheduler.logs import JsonLines, TerminalLines

    record = logging.makeLogRecord(
        {"msg": "publish failed: %s", "args": (ALL,), "levelname": "WARNING", "name": "cn"}
    )
    line = TerminalLines("%(levelname)s %(message)s").format(record)
    assert_safe(line.encode(), terminal=False)
    assert line.startswith("WARNING publish failed: [/oops]")
    stored = JsonLines().format(record)
    assert not {ch for ch in stored if 0x7F <= ord(ch) <= 0x9F or ch in BIDI_CHARS}
    assert "\x1b" not in stored and json.loads(stored)["message"] == "publish failed: " + ALL

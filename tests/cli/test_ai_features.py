"""optimize, hashtags, thread, reply (and sending one), plan, usage and doctor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from clientnest_cli.domain.rules import fits_length
from tests.cli.ai_helpers import add_rows, logs, owner, posts, rows
from tests.helpers import cli, ok, seed_account

pytest_plugins = ["tests.cli.ai_fixtures"]


def _draft(account_id: int, text: str, **extra: Any) -> int:
    from clientnest_cli.store.models import Post

    [post_id] = add_rows(Post(account_id=account_id, content=text, **extra))
    return post_id


# --- optimize -------------------------------------------------------------------------------


def test_optimize_json_and_plain_side_by_side(ai: Any) -> None:
    post_id = _draft(seed_account("linkedin", "acme"), "We have a new espresso blend. Try it.")
    data = ok("ai", "optimize", str(post_id), "--goal", "more clicks", "--json").json()
    assert data["original"] == "We have a new espresso blend. Try it."
    assert data["text"] and data["explanation"] and data["improvements"]
    assert data["platform"] == "linkedin" and data["cut"] is False
    request = ai.snapshot()["requests"][0]
    assert request["json_mode"] and "Goal: more clicks" in request["messages"][1]["content"]
    assert "No Markdown" in request["messages"][0]["content"]  # LinkedIn's rule injected
    plain = ok("ai", "optimize", str(post_id)).stdout
    assert plain.index("Original:") < plain.index("Optimised:") < plain.index("Why:")
    assert "espresso blend" in plain
    assert posts()[0].content == "We have a new espresso blend. Try it."  # untouched


def test_optimize_too_long_is_cut_and_flagged(ai: Any) -> None:
    post_id = _draft(seed_account("x", "acme"), "Short post about tea.")
    ai.ai_faults["mode"] = "too_long"
    run = ok("ai", "optimize", str(post_id), "--json")
    data = run.json()
    assert data["cut"] is True and fits_length("x", data["text"])
    assert "cut at a sentence boundary" in run.stderr
    assert len(ai.snapshot()["requests"]) == 2


# --- hashtags and threads ------------------------------------------------------------------------


def test_hashtags(ai: Any) -> None:
    data = ok("ai", "hashtags", "home coffee roasting tips", "--count", "4", "--json").json()
    tags = data["hashtags"]
    assert len(tags) == 4 and all(t.startswith("#") and " " not in t for t in tags)
    assert "#Coffee" in tags
    plain = ok("ai", "hashtags", "home coffee roasting tips", "--platform", "instagram").stdout
    assert plain.strip().startswith("#")


def test_thread_parts_fit_and_long_ones_are_split(ai: Any) -> None:
    data = ok("ai", "thread", "why we moved to bikes", "--platform", "bluesky", "--json").json()
    assert len(data["parts"]) == 4 and not data["split"]
    ai.ai_faults["mode"] = "too_long"
    run = ok("ai", "thread", "why we moved to bikes", "--platform", "x", "--parts", "2", "--json")
    data = run.json()
    assert data["split"] is True and len(data["parts"]) > 2
    assert all(fits_length("x", part) for part in data["parts"])
    assert "split into more parts" in run.stderr


# --- replies ---------------------------------------------------------------------------------------


def _published_mastodon_post(sandbox: Any) -> tuple[int, int, str]:
    """A Mastodon account with its token in the keyring, a published post and a comment."""
    from clientnest_cli.domain.outgoing import Credentials
    from clientnest_cli.services import credentials
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Comment, SocialAccount

    emu = sandbox.emulator("mastodon")
    seeded = emu.seed_account("acme")
    import httpx

    base = sandbox.base_url("mastodon")
    headers = {"Authorization": f"Bearer {seeded['access_token']}"}
    status = httpx.post(f"{base}/api/v1/statuses", data={"status": "New blend!"}, headers=headers)
    status.raise_for_status()
    status_id = status.json()["id"]
    account_id = seed_account("mastodon", "acme", base_url=base)
    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            account = session.get(SocialAccount, account_id)
            assert account is not None
            account.platform_user_id = seeded["user_id"]
            session.add(account)
            credentials.save(ctx.secrets, account, Credentials(access_token=seeded["access_token"]))
    finally:
        ctx.close()
    post_id = _draft(
        account_id, "New blend!", status="published", platform_post_id=status_id,
        platform_url=f"{base}/@acme/{status_id}",
    )  # fmt: skip
    [comment_id] = add_rows(
        Comment(post_id=post_id, platform_comment_id="c1", author="bob", text="Is it decaf?\x1b[2J")
    )
    return comment_id, post_id, status_id


def test_reply_suggestions_and_sending_one(ai: Any, sandbox: Any) -> None:
    from clientnest_cli.store.models import Comment

    comment_id, _post_id, status_id = _published_mastodon_post(sandbox)
    data = ok("ai", "reply", str(comment_id), "--tone", "friendly", "--json").json()
    assert len(data["replies"]) == 3 and data["platform"] == "mastodon"
    assert all(fits_length("mastodon", r) for r in data["replies"])
    request = ai.snapshot()["requests"][0]
    assert "Is it decaf?" in request["messages"][1]["content"]
    assert "New blend!" in request["messages"][1]["content"]  # our post as context
    plain = ok("ai", "reply", str(comment_id)).stdout
    assert "\x1b" not in plain and plain.startswith("bob: Is it decaf?")
    sent = ok("ai", "reply", str(comment_id), "--send", "2", "--json").json()
    assert sent["sent"] == sent["replies"][1] and sent["replied_at"]
    replies = [
        s
        for s in sandbox.emulator("mastodon").snapshot()["posts"]
        if s.get("in_reply_to_id") == status_id
    ]
    assert len(replies) == 1
    [row] = rows(Comment, id=comment_id)
    assert row.our_reply == sent["sent"] and row.replied_at is not None


def test_send_needs_a_valid_number(ai: Any, sandbox: Any) -> None:
    comment_id, _, _ = _published_mastodon_post(sandbox)
    run = cli("ai", "reply", str(comment_id), "--send", "4")
    assert run.exit_code == 2 and "--send must be from 1 to 3" in run.stderr and ai.calls == 0


# --- plan -------------------------------------------------------------------------------------------


def test_plan_refuses_an_account_without_slots(ai: Any) -> None:
    seed_account("x", "acme")
    run = cli("ai", "plan", "--topic", "tea week", "--to", "x:acme")
    assert run.exit_code == 2 and "no posting slots" in run.stderr
    assert "clientnest slots add" in run.stderr and ai.calls == 0


def test_plan_fills_each_days_first_free_slot(ai: Any) -> None:
    from clientnest_cli.store.models import PostingSlot

    account_id = seed_account("x", "acme")
    add_rows(
        *[PostingSlot(account_id=account_id, weekday=d, local_time="23:58") for d in range(7)],
        *[PostingSlot(account_id=account_id, weekday=d, local_time="23:59") for d in range(7)],
    )
    zone = ZoneInfo("Europe/Berlin")  # the owner's timezone (init_store)
    tomorrow = (datetime.now(UTC).astimezone(zone) + timedelta(days=1)).date()
    taken = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 23, 58, tzinfo=zone)
    _draft(account_id, "Already planned.", status="scheduled", scheduled_at=taken.astimezone(UTC))
    data = ok("ai", "plan", "--topic", "tea week", "--to", "x:acme", "--days", "3", "--json").json()
    drafts = data["drafts"]
    assert 2 <= len(drafts) <= 3  # today's slots may have passed already
    times = [datetime.fromisoformat(d["scheduled_at"]).astimezone(zone) for d in drafts]
    assert len({t.date() for t in times}) == len(times)  # one a day
    by_date = {t.date(): t for t in times}
    assert by_date[tomorrow].strftime("%H:%M") == "23:59"  # 23:58 was taken
    saved = [p for p in posts() if p.content != "Already planned."]
    assert len(saved) == len(drafts)
    assert all(p.ai_generated and p.status == "draft" and p.scheduled_at for p in saved)
    assert {p.group_id for p in saved} == {data["group_id"]}
    assert all(fits_length("x", p.content) for p in saved)
    assert [log.purpose for log in logs()] == ["plan"]


# --- usage and doctor -------------------------------------------------------------------------------


def test_usage_per_user_and_purpose(ai: Any) -> None:
    ok("users", "add", "ed@acme.test", "--role", "editor", "--tier", "starter")
    ok("ai", "hashtags", "tea")
    ok("--as", "ed@acme.test", "ai", "hashtags", "coffee")
    ok("--as", "ed@acme.test", "ai", "generate", "--topic", "cake", "--platform", "x")
    ai.faults.error_rate = 1.0
    cli("--as", "ed@acme.test", "ai", "generate", "--topic", "cake", "--platform", "x")
    report = ok("ai", "usage", "--json").json()
    table = {(r["user"], r["purpose"]): r for r in report["usage"]}
    assert set(table) == {
        ("owner@acme.test", "hashtags"),
        ("ed@acme.test", "hashtags"),
        ("ed@acme.test", "generate"),
    }
    assert (
        table["ed@acme.test", "generate"]["requests"],
        table["ed@acme.test", "generate"]["failed"],
    ) == (2, 1)
    assert all(r["cost"] > 0 for r in table.values())
    only = ok("ai", "usage", "--user", "ed@acme.test", "--json").json()
    assert {r["user"] for r in only["usage"]} == {"ed@acme.test"}
    assert [b["tokens_limit"] for b in only["budgets"]] == [200_000]
    assert ok("ai", "usage", "--month", "2000-01", "--json").json()["usage"] == []
    plain = ok("ai", "usage").stdout
    assert "ed@acme.test\tgenerate\t2\t1" in plain


def test_doctor_passes_and_fails(ai: Any, monkeypatch: Any) -> None:
    data = ok("ai", "doctor", "--json").json()
    assert [(c["check"], c["ok"]) for c in data] == [
        ("key", True),
        ("base_url", True),
        ("model", True),
    ]
    assert [log.purpose for log in logs()] == ["doctor"]
    assert owner().ai_tokens_used == 0  # not counted against the budget
    monkeypatch.setenv("CLIENTNEST_AI__MODEL", "gpt-9")
    run = cli("ai", "doctor")
    assert run.exit_code == 1 and "FAIL" in run.stdout and "no model 'gpt-9'" in run.stdout
    monkeypatch.delenv("CLIENTNEST_AI_API_KEY")
    data = cli("ai", "doctor", "--json").json()
    assert [c["ok"] for c in data] == [False, True, False]


def test_doctor_works_before_init(ai_env: Any) -> None:
    data = ok("ai", "doctor", "--json").json()
    assert all(c["ok"] for c in data)

"""`accounts backfill` for Instagram, Threads and TikTok against their emulators'
seeded histories, requests counted; LinkedIn says precisely why it cannot."""

from __future__ import annotations

from pathlib import Path

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import cli, init_store, ok


def connect(platform: str, sandbox: SandboxServer) -> str:
    return ok(
        "accounts", "connect", platform, "--server", sandbox.base_url(platform),
        "--timeout", "10", "--json",
    ).json()["ref"]  # fmt: skip


def graph_user(sandbox: SandboxServer, platform: str, ref: str) -> str:
    handle = ref.split(":", 1)[1]
    users = sandbox.emulator(platform).snapshot()["users"]
    return next(u["id"] for u in users if u["username"] == handle)


def media_types(ref: str) -> set[str]:
    rows = ok("analytics", "export", "--account", ref, "--period", "120d", "--json").json()
    return {row["media_type"] for row in rows}


def backfill_twice(ref: str, posts: int) -> None:
    report = ok("accounts", "backfill", ref, "--since", "120d", "--json").json()
    assert (report["fetched"], report["created"]) == (posts, posts)
    again = ok("accounts", "backfill", ref, "--since", "120d", "--json").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, posts)


def test_instagram_backfill_lists_media_100_a_page_then_insights(
    home: Path, sandbox: SandboxServer, browser: object
) -> None:
    init_store(tz="UTC")
    ref = connect("instagram", sandbox)
    emulator = sandbox.emulator("instagram")
    emulator.seed_history(graph_user(sandbox, "instagram", ref), seed=61, posts=130, days=90)
    lists = emulator.hit_count("GET", r"/(v[\d.]+/)?\w+/media")
    insights = emulator.hit_count("GET", r"/(v[\d.]+/)?\w+/insights")
    ok("accounts", "backfill", ref, "--since", "120d", "--json")
    assert emulator.hit_count("GET", r"/(v[\d.]+/)?\w+/media") - lists == 2  # ⌈130 / 100⌉
    assert emulator.hit_count("GET", r"/(v[\d.]+/)?\w+/insights") - insights == 130
    again = ok("accounts", "backfill", ref, "--since", "120d", "--json").json()
    assert (again["created"], again["unchanged"]) == (0, 130)
    block = ok("analytics", "overview", "--account", ref, "--period", "120d", "--json").json()
    block = block["accounts"][0]
    assert block["posts"] == 130 and block["rate_basis"] == "impressions"
    top = ok("analytics", "top", "--account", ref, "--period", "120d", "--json").json()
    assert top[0]["interactions"] > 0
    kinds = media_types(ref)
    assert kinds <= {"photo", "video", "carousel"} and "video" in kinds


def test_threads_backfill_and_the_since_cut(
    home: Path, sandbox: SandboxServer, browser: object
) -> None:
    init_store(tz="UTC")
    ref = connect("threads", sandbox)
    emulator = sandbox.emulator("threads")
    emulator.seed_history(graph_user(sandbox, "threads", ref), seed=71, posts=120, days=90)
    before = emulator.hit_count("GET", r"/v1\.0/\w+/threads")
    backfill_twice(ref, 120)
    assert emulator.hit_count("GET", r"/v1\.0/\w+/threads") - before == 4  # 2 per backfill
    shorter = ok("accounts", "backfill", ref, "--since", "30d", "--json").json()
    assert 0 < shorter["fetched"] < 120 and shorter["created"] == 0
    block = ok("analytics", "overview", "--account", ref, "--period", "120d", "--json").json()
    assert block["accounts"][0]["impressions"] > 0


def test_tiktok_backfill_reads_video_list_20_a_page(
    home: Path, sandbox: SandboxServer, browser: object
) -> None:
    init_store(tz="UTC")
    ref = connect("tiktok", sandbox)
    emulator = sandbox.emulator("tiktok")
    handle = ref.split(":", 1)[1]
    open_id = next(u["open_id"] for u in emulator.snapshot()["users"] if u["username"] == handle)
    emulator.seed_history(open_id, seed=81, posts=50, days=90)
    before = emulator.hit_count("POST", "/v2/video/list/")
    report = ok("accounts", "backfill", ref, "--since", "120d", "--json").json()
    assert (report["fetched"], report["created"]) == (50, 50)
    assert emulator.hit_count("POST", "/v2/video/list/") - before == 3  # ⌈50 / 20⌉
    assert emulator.hit_count("POST", "/v2/video/query/") == 0  # the counts came with the list
    top = ok("analytics", "top", "--account", ref, "--period", "120d", "--json").json()
    assert top[0]["interactions"] > 0
    assert media_types(ref) == {"photo", "video"}


def test_linkedin_says_precisely_why_it_cannot_backfill(
    home: Path, sandbox: SandboxServer, browser: object
) -> None:
    init_store()
    ref = ok(
        "accounts", "connect", "linkedin", "--server", sandbox.base_url("linkedin"),
        "--timeout", "10", "--json",
    ).json()["ref"]  # fmt: skip
    before = sum(sandbox.emulator("linkedin").hits.values())
    run = cli("accounts", "backfill", ref)
    assert run.exit_code == 2
    (line,) = run.stderr.strip().splitlines()[:1]
    assert "LinkedIn cannot backfill" in line and "r_member_social" in line
    assert "r_organization_social" in line
    assert sum(sandbox.emulator("linkedin").hits.values()) == before  # nothing asked

"""The README's "What works for my accounts?" walk-through, on the Bluesky emulator's history."""

from __future__ import annotations

from pathlib import Path

from clientnest_cli.sandbox.framework import SandboxServer
from tests.helpers import init_store, ok


def test_walk_through_on_sandbox_history(home: Path, sandbox: SandboxServer) -> None:
    init_store(tz="UTC")
    emulator = sandbox.emulator("bluesky")
    seeded = emulator.seed_account("demo.bsky.sandbox")
    emulator.seed_history("demo.bsky.sandbox", seed=21, posts=240, days=120)
    ref = ok(
        "accounts", "connect", "bluesky", "--server", sandbox.base_url("bluesky"),
        "--handle", "demo.bsky.sandbox", "--app-password", "--json",
        input=seeded["app_password"] + "\n",
    ).json()["ref"]  # fmt: skip
    ok("accounts", "backfill", ref, "--since", "150d")
    ok("analytics", "model", "train", "--account", ref)
    ev = ok("analytics", "model", "evaluate", "--json").json()
    assert ev["posts"] == 240 and ev["holdout"] == 48
    assert ev["chosen"] in ("model", "global_median", "account_median", "recent_median")
    assert "predicts with" in ok("analytics", "model", "show").stdout
    answer = ok(
        "analytics", "predict", "--text", "Our autumn roast is here", "--to", ref,
        "--media", "video", "--at", "tomorrow 9am", "--json",
    ).json()[0]  # fmt: skip
    assert answer["low"] <= answer["expected"] <= answer["high"]
    found = ok("analytics", "recommend", ref, "--json").json()[0]
    assert found["posts"] == 240
    assert any(f["dimension"] == "hour" for f in found["advice"] + found["no_evidence_yet"])

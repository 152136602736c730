"""B11: `clientnest publish now ID` of one Bluesky post to the emulator, with a
stored session, next to `python -c "import typer"`, once per keyring backend.

The Bluesky emulator runs in this process (a server thread; this process only
waits on the subprocesses while they run). The account is connected once with
an app password, so each timed run reuses the stored session. Before every
timed run a fresh draft is made (untimed) for it to publish.
"""

from __future__ import annotations

import json
import os
import subprocess

from benchmarks import setup
from benchmarks.common import CLIENTNEST, TYPER_FLOOR, Row, log, paired

RUNS = 9
LIMIT = 8.0
HANDLE = "bench.bsky.sandbox"


def _connect(h: setup.Home, base: str, password: str) -> str:
    args = ["connect", "bluesky", "--server", base, "--handle", HANDLE, "--app-password"]
    done = subprocess.run(
        [*CLIENTNEST, "accounts", *args, "--json"],
        env=h.env,
        input=password + "\n",
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"connect bluesky: {done.stderr[-800:]}")
    return json.loads(done.stdout)["ref"]


def _secret_service_running() -> bool:
    """A Secret Service on the session bus (gnome-keyring), as `keyring` would find it."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        from keyring.backends.SecretService import Keyring

        return Keyring.priority > 0  # type: ignore[operator]
    except Exception:
        return False


def one_backend(backend: str) -> Row:
    from clientnest_cli.sandbox.catalog import build
    from clientnest_cli.sandbox.framework import SandboxServer

    workload = f"`publish now ID`, one Bluesky post, stored session, {backend} keyring"
    with SandboxServer([build("bluesky")]) as server, setup.home() as h:
        if backend != "encrypted file":
            h.env.pop("CLIENTNEST_SECRETS_PASSPHRASE", None)
            h.env["CLIENTNEST_SECRETS__BACKEND"] = "auto"
        seeded = server.emulator("bluesky").seed_account(HANDLE)
        ref = _connect(h, server.base_url("bluesky"), seeded["app_password"])
        count = 0

        def fresh_post() -> list[str]:
            nonlocal count
            count += 1
            made = h.cli("post", "create", f"B11 post {count}", "--to", ref, "--json")
            return [str(json.loads(made.stdout)[0]["id"])]

        log(f"B11: {backend}")
        result = paired(TYPER_FLOOR, [*CLIENTNEST, "publish", "now"], RUNS, h.env, fresh_post)
        published = setup.count(h, "SELECT count(*) FROM post WHERE status='published'")[0][0]
        if published != RUNS + 1:
            raise RuntimeError(f"B11 {backend}: {published} published, want {RUNS + 1}")
    row = result.row("B11", workload, LIMIT)
    row.notes.append(
        f"B11 {backend} ratio per pair: " + ", ".join(f"{r:.2f}" for r in result.ratios)
    )
    return row


def run() -> list[Row]:
    rows = [one_backend("encrypted file")]
    if _secret_service_running():
        rows.append(one_backend("gnome-keyring (Secret Service)"))
    else:
        rows.append(
            Row(
                "B11",
                "`publish now ID`, one Bluesky post, gnome-keyring (Secret Service)",
                "not run: no Secret Service is running in this session",
                target=f"ratio ≤ {LIMIT}",
            )
        )
    return rows

"""Running the CLI in-process the way a user would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner

from clientnest_cli.cli.main import app


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli(*args: str, input: str | None = None) -> Run:
    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def entry_point(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, in its own process (the entry point applies
    cli/startup.py's trims and its exit, which CliRunner does not see)."""
    return subprocess.run(
        [sys.executable, "-m", "clientnest_cli", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )


def ok(*args: str, input: str | None = None) -> Run:
    run = cli(*args, input=input)
    assert run.exit_code == 0, f"{args} failed ({run.exit_code}): {run.stderr}{run.stdout}"
    return run


def init_store(email: str = "owner@acme.test", tz: str = "Europe/Berlin") -> Run:
    return ok("init", "--email", email, "--name", "Olivia Owner", "--timezone", tz)


def seed_account(platform: str, handle: str, *, base_url: str = "", **settings: str) -> int:
    """Insert a connected-looking account row directly (no platform, no secret).

    For tests of posts and scheduling that never talk to a platform; tests of
    connecting and publishing go through `accounts connect` and the sandbox.
    """
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import SocialAccount

    ctx = AppContext()
    try:
        with ctx.store.session() as session:
            account = SocialAccount(
                platform=platform,
                handle=handle,
                platform_user_id=f"{platform}-{handle}",
                instance_url=base_url,
                settings=dict(settings),
            )
            session.add(account)
            session.flush()
            return account.id or 0
    finally:
        ctx.close()


class FakeBrowser:
    """Follows a consent URL like a browser: emulator → 302 → our loopback listener."""

    def __init__(self, tamper_state: bool = False, stray_first: bool = False) -> None:
        self.tamper_state = tamper_state
        self.stray_first = stray_first  # a forged redirect reaches the listener first
        self.visited: list[str] = []
        self.answers: list[Any] = []  # what the listener answered, in order

    def __call__(self, url: str, *args: object, **kwargs: object) -> bool:
        import httpx

        self.visited.append(url)
        consent = httpx.get(url, follow_redirects=False, timeout=10)
        if consent.status_code != 302:
            return True  # a consent page that never redirects: the user walked away
        location = consent.headers["location"]
        if self.stray_first:
            stray = re.sub(r"state=[^&]*", "state=forged", location)
            self.answers.append(httpx.get(stray.replace("code=", "code=forged"), timeout=10))
        if self.tamper_state:
            location = location.replace("state=", "state=evil")
        self.answers.append(httpx.get(location, timeout=10))
        return True

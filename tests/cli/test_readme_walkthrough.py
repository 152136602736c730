"""The README's sandbox walk-through, run as a user would: real processes, real ports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

README = (Path(__file__).parents[2] / "README.md").read_text()


def clientnest(*args: str, env: dict[str, str], input: str | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "clientnest_cli", *args],
        env=env, input=input, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, f"{args}: {proc.stderr}"
    return proc.stdout


@pytest.mark.skipif(
    shutil.which("curl") is None, reason="the walk-through uses curl as the browser"
)
def test_sandbox_walkthrough_works_as_written(home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "BROWSER": "curl -sfLo /dev/null %s"}
    assert "clientnest sandbox serve" in README and 'BROWSER="curl -sfLo /dev/null %s"' in README
    clientnest(
        "init",
        "--email",
        "you@example.com",
        "--name",
        "You",
        "--timezone",
        "Europe/Berlin",
        env=env,
    )
    serve = subprocess.Popen(
        [sys.executable, "-m", "clientnest_cli", "sandbox", "serve", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = serve.stdout.readline() if serve.stdout else ""
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        banner = "".join(lines)
        base = re.search(r"on (http://127\.0\.0\.1:\d+)", banner).group(1)  # type: ignore[union-attr]
        # the commands the README shows, with the port and password serve printed
        clientnest("accounts", "connect", "x", "--server", f"{base}/x", "--timeout", "20", env=env)
        bluesky = re.search(r"echo '([^']+)' \| clientnest accounts connect bluesky", banner)
        assert bluesky, banner
        clientnest(
            "accounts", "connect", "bluesky", "--server", f"{base}/bluesky",
            "--handle", "demo.bsky.sandbox", "--app-password", env=env, input=bluesky.group(1) + "\n",
        )  # fmt: skip
        clientnest(
            "accounts",
            "connect",
            "linkedin",
            "--server",
            f"{base}/linkedin",
            "--timeout",
            "20",
            env=env,
        )
        feed = tmp_path / "acme-feed.xml"
        clientnest("accounts", "connect", "feed", "--path", str(feed), env=env)
        accounts = json.loads(clientnest("accounts", "list", "--json", env=env))
        assert sorted(a["platform"] for a in accounts) == ["bluesky", "feed", "linkedin", "x"]
        assert all(a["status"] == "active" for a in accounts)
        platforms = json.loads(clientnest("platforms", "list", "--json", env=env))
        assert len(platforms) == 11
    finally:
        serve.terminate()
        serve.wait(10)

"""The README's `sh` blocks, run as written: one bash session, like a user typing
them into a terminal, in a throwaway HOME, against `clientnest sandbox serve`.

What the runner adds, and nothing else:
- the "machine": a fresh HOME, no CLIENTNEST_* variables, curl as the browser
  (`BROWSER`, as the README suggests for machines without one), the project's
  `clientnest` on PATH, and a copy of `examples/` in the working folder;
- the README's long-running commands (`sandbox serve`, `daemon run`, marked
  "leave it running") are started in the background, as the other terminals
  the README names; the runner waits for the sandbox's banner;
- a free port instead of 8765, so parallel runs do not collide.

A block whose first line is `# not run by the README test: REASON` is skipped;
the list of those is pinned below so that it stays short and deliberate.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()
SKIP = "# not run by the README test:"
BLOCKS = re.findall(r"^```sh\n(.*?)^```", README, flags=re.S | re.M)

SESSION_TIMEOUT = 1200  # seconds; the tour takes under a minute on a quiet machine

# the blocks that cannot run here, and why (keep this short)
SKIPPED = {
    "it is the test suite and the demo themselves",
    "needs your AI provider's key",
    "needs your AI provider's key and accounts named acme",
    "needs your PostgreSQL server",
    "an interactive screen (tests/tui drives it with Pilot)",
}

PRELUDE = r"""
set -euo pipefail
trap 'echo "README command failed (exit $?): $BASH_COMMAND" >&2' ERR
clientnest() {
  case "${1:-} ${2:-}" in
    "sandbox serve")  # terminal 1 of the README
      command clientnest "$@" --port "$README_PORT" >"$README_WORK/serve.log" 2>&1 &
      echo $! >>"$README_WORK/pids"
      for _ in $(seq 600); do
        grep -q "Press Ctrl-C" "$README_WORK/serve.log" && return 0
        kill -0 "$!" 2>/dev/null || break
        sleep 0.1
      done
      cat "$README_WORK/serve.log" >&2; return 1 ;;
    "daemon run")  # another terminal of the README
      command clientnest "$@" >"$README_WORK/daemon.log" 2>&1 &
      echo $! >>"$README_WORK/pids"; return 0 ;;
  esac
  command clientnest "$@"
}
"""


def _runnable() -> list[str]:
    return [b for b in BLOCKS if not b.startswith(SKIP)]


def test_only_the_listed_blocks_are_skipped() -> None:
    reasons = {b.splitlines()[0][len(SKIP) :].strip() for b in BLOCKS if b.startswith(SKIP)}
    assert reasons == SKIPPED
    assert len(_runnable()) >= 3 and len(SKIPPED) <= len(BLOCKS) // 2


def test_the_tour_uses_no_files_nobody_has() -> None:
    assert (ROOT / "examples" / "latte.png").read_bytes().startswith(b"\x89PNG")
    assert (ROOT / "examples" / "thread.md").read_text().count("\n---\n") == 3  # four parts
    assert "--media examples/latte.png" in README and "--file examples/thread.md" in README
    assert "CLIENTNEST_SECRETS_PASSPHRASE" in _runnable()[0]
    assert "--no-browser" in README and "blocks until that URL is opened" in README


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(pids: Path) -> None:
    import contextlib

    for line in pids.read_text().split() if pids.exists() else []:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(line), signal.SIGTERM)


def _run_session(script: str, work: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """The bash session's exit code and output. It runs in its own process group:
    when it outlasts ``SESSION_TIMEOUT`` (a README command that hangs), the whole
    group is killed, so a command still holding the output pipes cannot keep the
    test waiting, and the test fails with what the session printed last."""
    proc = subprocess.Popen(
        ["bash", "-c", script],
        cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=SESSION_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(
            f"the README's commands did not finish in {SESSION_TIMEOUT} s; they printed "
            f"last:\n{out[-2000:]}\n{err[-2000:]}"
        )
    return proc.returncode, out, err


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl plays the browser")
def test_readme_blocks_run_as_written(tmp_path: Path) -> None:
    port = _free_port()
    work, home = tmp_path / "work", tmp_path / "home"
    home.mkdir()
    shutil.copytree(ROOT / "examples", work / "examples")
    script = "\n".join(_runnable())
    script = script.replace("127.0.0.1:8765", f"127.0.0.1:{port}").replace("(port 8765)", "")
    assert "8765" not in script
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLIENTNEST_", "XDG_")) and k not in ("BROWSER", "NO_COLOR")
    }
    env.update(
        HOME=str(home),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        BROWSER="curl -sfLo /dev/null %s",
        README_PORT=str(port),
        README_WORK=str(tmp_path),
    )
    try:
        code, out, err = _run_session(PRELUDE + script, work, env)
    finally:
        _stop(tmp_path / "pids")
    assert code == 0, (out[-3000:], err[-3000:])
    # what the tour promises, checked in what it printed
    assert "Connected x:sandbox_user" in out and "Connected bluesky:demo.bsky.sandbox" in out
    assert "Created post 1 for x:sandbox_user" in out
    assert "Created post 4 for x:sandbox_user (draft, thread of 4)" in out
    assert "Created post 8 for bluesky:demo.bsky.sandbox" in out
    assert "published 1, failed 0" in out  # publish now 1
    assert "No metrics for post 1" not in out
    assert not (ROOT / "posts").exists()  # the export went to the throwaway folder
    assert any((work / "posts").iterdir())

"""Real `clientnest daemon run` subprocesses for the reliability tests.

The daemons are separate processes (so ``kill -9`` is a real crash) that reach
the test process's sandbox emulators over 127.0.0.1. They inherit the test's
``CLIENTNEST_*`` environment (the ``home`` fixture sets it with monkeypatch)
plus small timings, so leases expire and retries happen within a test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

REPO = Path(__file__).resolve().parents[2]

# Short leases so a killed daemon's posts are taken over within a test. The lease must
# outlast one request plus the fencing margin (config.py), and a reconciler waits
# lease end + HTTP timeout + margin (here 15 + 6 + 2 s) before it takes a post over.
# The timeout is long enough that a busy machine does not turn slow answers into
# "no answer" (which is safe, but slow: such posts wait in `checking`).
FAST_SETTINGS = {
    "CLIENTNEST_PUBLISHING__LEASE_SECONDS": "15",
    "CLIENTNEST_PUBLISHING__HTTP_TIMEOUT_SECONDS": "6",
    "CLIENTNEST_PUBLISHING__FENCE_MARGIN_SECONDS": "2",
    "CLIENTNEST_PUBLISHING__CHECK_WAIT_SECONDS": "0.5",
    "CLIENTNEST_PUBLISHING__CHECK_WAIT_MAX_SECONDS": "3",
    "CLIENTNEST_PUBLISHING__MAX_CHECKS": "30",
    "CLIENTNEST_PUBLISHING__BACKOFF_BASE_SECONDS": "0.05",
    "CLIENTNEST_PUBLISHING__BACKOFF_MAX_SECONDS": "0.2",
    "CLIENTNEST_PUBLISHING__MAX_ATTEMPTS": "20",
    "CLIENTNEST_DAEMON__DISPATCH_INTERVAL_SECONDS": "0.2",
    # a dead publisher's posts are taken over (and `checking` posts asked about) as
    # soon as lease end + HTTP timeout + margin has passed, not up to 10 s later
    "CLIENTNEST_DAEMON__RECONCILE_INTERVAL_SECONDS": "0.5",
    "CLIENTNEST_LOG_LEVEL": "INFO",
}
SETTLED = ("published", "failed", "canceled", "unconfirmed")


@dataclass
class DaemonProcess:
    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


class Daemons:
    """Start, SIGKILL and SIGTERM daemon subprocesses; any left alive die on exit."""

    def __init__(self, log_dir: Path, **settings: str) -> None:
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.settings = {**FAST_SETTINGS, **settings}
        self.started: list[DaemonProcess] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.settings)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        env.pop("CLIENTNEST_TEST_KEYRING", None)
        return env

    def start(
        self,
        name: str | None = None,
        env: dict[str, str] | None = None,
        freeze_before: tuple[str, Path] | None = None,
        warm: bool = False,
    ) -> DaemonProcess:
        """Start one daemon; ``env`` overrides variables for it alone (e.g. another
        home); ``freeze_before=(path, marker)`` makes it SIGSTOP itself right before
        its first POST to ``path`` (tests/publishing/freeze_hook.py); ``warm`` makes
        it import everything and then wait for ``release`` (tests/publishing/warm_start.py)."""
        name = name or f"d{len(self.started)}"
        log_path = self.log_dir / f"{name}.log"
        env = {**self.env(), **(env or {})}
        module = "tests.publishing.warm_start" if warm else "clientnest_cli"
        if freeze_before is not None:
            module = "tests.publishing.freeze_hook"
            env["CLIENTNEST_TEST_FREEZE_PATH"] = freeze_before[0]
            env["CLIENTNEST_TEST_FREEZE_MARKER"] = str(freeze_before[1])
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", module, "daemon", "run", "--id", name],
                env=env,
                cwd=REPO,
                stdin=subprocess.PIPE if warm else subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        daemon = DaemonProcess(name, proc, log_path)
        self.started.append(daemon)
        return daemon

    def release(self, daemon: DaemonProcess) -> None:
        """Let a warm daemon (started with ``warm=True``) run."""
        assert daemon.proc.stdin is not None, f"{daemon.name} was not started warm"
        daemon.proc.stdin.write(b"go\n")
        daemon.proc.stdin.close()

    def one_after_another(self, names: Iterable[str]) -> Iterator[DaemonProcess]:
        """Daemons to run in turn: each is released when asked for, and the next one is
        started warm at once, so its Python start-up overlaps this one's work."""
        names = list(names)
        waiting = self.start(names[0], warm=True)
        for following in [*names[1:], None]:
            current = waiting
            self.release(current)
            if following is not None:
                waiting = self.start(following, warm=True)
            yield current

    def kill(self, daemon: DaemonProcess) -> None:
        """kill -9: no handler runs, claims stay `publishing` until their lease ends."""
        if daemon.alive:
            daemon.proc.send_signal(signal.SIGKILL)
        daemon.proc.wait(10)

    def has_started(self, daemon: DaemonProcess) -> bool:
        """It logged "daemon starting" (anywhere in its log), which it does once its
        signal handlers are in."""
        try:
            return "daemon starting" in daemon.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return False

    def wait_started(self, daemon: DaemonProcess, timeout: float = 180.0) -> None:
        wait_for(lambda: self.has_started(daemon), timeout, f"{daemon.name} to start", self)

    def stop(self, daemon: DaemonProcess, timeout: float = 30.0) -> int:
        """SIGTERM once it is running, then wait for the clean shutdown (SIGKILL if it
        never comes). A daemon signalled while still importing dies of the signal
        (-15), which says nothing about its shutdown: a busy machine makes that likely
        for a daemon released just before the test's last wait."""

        def started_or_gone() -> bool:
            # no check_alive (daemons=None): daemons this test stopped already are not alive
            return not daemon.alive or self.has_started(daemon)

        wait_for(started_or_gone, 180, f"{daemon.name} to start before SIGTERM")
        if daemon.alive:
            daemon.proc.send_signal(signal.SIGTERM)
        try:
            return daemon.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(daemon)
            raise AssertionError(f"daemon {daemon.name} ignored SIGTERM for {timeout} s") from None

    def close(self) -> None:
        for daemon in self.started:
            if daemon.alive:
                daemon.proc.send_signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                daemon.proc.wait(10)

    def check_alive(self) -> None:
        for daemon in self.started:
            code = daemon.proc.poll()
            if code is not None and code != -signal.SIGKILL:
                raise AssertionError(
                    f"daemon {daemon.name} exited on its own ({code}):\n{self.log_tail(daemon)}"
                )

    def log_tail(self, daemon: DaemonProcess, lines: int = 40) -> str:
        try:
            text = daemon.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def logs(self, lines: int = 15) -> str:
        return "\n".join(f"--- {d.name}\n{self.log_tail(d, lines)}" for d in self.started)

    def __enter__(self) -> Daemons:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- the store, read from the test process ---------------------------------------


@dataclass(frozen=True)
class Row:
    id: int
    status: str
    last_error: str
    attempts: int
    lease_owner: str


def rows(ids: Iterable[int] | None = None) -> dict[int, Row]:
    """Status of posts straight from the store (fast enough to poll)."""
    from sqlalchemy import select

    from clientnest_cli.services.context import AppContext
    from clientnest_cli.store.models import Post

    ctx = AppContext()
    try:  # a read-only session: on SQLite it does not wait for the write lock
        with ctx.store.session(readonly=True) as session:
            found = session.execute(
                select(Post.id, Post.status, Post.last_error, Post.attempts, Post.lease_owner)
            ).all()
    finally:
        ctx.close()
    wanted = set(ids) if ids is not None else None
    return {r[0]: Row(*r) for r in found if wanted is None or r[0] in wanted}


def status_counts(ids: Iterable[int] | None = None) -> Counter[str]:
    return Counter(r.status for r in rows(ids).values())


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, daemons: Daemons | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if daemons is not None:
            daemons.check_alive()
        if predicate():
            return
        if time.monotonic() > deadline:
            logs = daemons.logs() if daemons is not None else ""
            raise AssertionError(
                f"timed out after {timeout} s waiting for {what}: {predicate}\n{logs}"
            )
        time.sleep(0.2)


class all_settled:  # a predicate: wait_for(all_settled(ids), …)
    """True once every post is published, failed or canceled; says what is left."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.wanted = list(ids)
        self.left: list[Row] = []

    def __call__(self) -> bool:
        current = rows(self.wanted)
        self.left = [r for r in current.values() if r.status not in SETTLED]
        return len(current) == len(self.wanted) and not self.left

    def __str__(self) -> str:
        counts = Counter(r.status for r in self.left)
        return f"{len(self.left)} unsettled {dict(counts)}, e.g. {self.left[:3]}"

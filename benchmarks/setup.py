"""Seeding: throwaway stores, accounts with keyring credentials, the X emulator.

A store is made by ``clientnest init`` in a temporary ``CLIENTNEST_HOME``,
then filled by bulk INSERTs (SQLAlchemy core executemany) from a generator
with a fixed seed. Credentials go through ``services.credentials.save`` into
the encrypted-file keyring. Saving one entry costs an Argon2 derivation
(about a second here), so the secrets file of N benchmark accounts is written
once per machine and copied into each home; the emulator's tokens for those
accounts are fixed strings (see ``benchmarks/emulator.py``), so the copy stays
valid across emulator restarts.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import CLIENTNEST, PYTHON, ROOT, SEED, log

PASSPHRASE = "bench-only-passphrase"
OWNER = "owner@bench.example"
SECRETS_CACHE = Path(tempfile.gettempdir()) / "clientnest-bench-secrets"
WORDS = [
    "coffee",
    "launch",
    "spring",
    "sale",
    "new",
    "menu",
    "weekend",
    "team",
    "hiring",
    "event",
    "tips",
    "behind",
    "the",
    "scenes",
    "customer",
    "story",
    "product",
    "update",
    "roastery",
    "bikes",
    "local",
    "community",
    "thanks",
    "today",
]


@dataclass
class EmulatorProc:
    proc: subprocess.Popen[str]
    port: int
    accounts: list[dict[str, Any]]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def x_base(self) -> str:
        return f"{self.base}/x"

    def state(self) -> dict[str, Any]:
        import httpx

        return httpx.get(f"{self.base}/_sandbox/x/state", timeout=120).json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def emulator(accounts: int, tweets_per_account: int = 0) -> Iterator[EmulatorProc]:
    """The X emulator in its own process with ``accounts`` benchmark users."""
    with tempfile.TemporaryDirectory(prefix="cn-emu-") as tmp:
        out = Path(tmp) / "accounts.json"
        cmd = [PYTHON, "-m", "benchmarks.emulator", "--accounts", str(accounts)]
        cmd += ["--tweets-per-account", str(tweets_per_account), "--out", str(out)]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            if not line:
                raise RuntimeError("the X emulator did not start")
            port = json.loads(line)["port"]
            emu = EmulatorProc(proc, port, json.loads(out.read_text()))
            yield emu
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@dataclass
class Home:
    """A throwaway CLIENTNEST_HOME with an initialised store."""

    path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.path / "data" / "clientnest.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*CLIENTNEST, *args], env=self.env, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise RuntimeError(f"clientnest {' '.join(args)}: {done.stderr[-800:]}")
        return done

    def engine(self) -> Any:
        from clientnest_cli.store.db import make_engine

        return make_engine(self.url)


@contextmanager
def home(prefix: str = "cn-bench-", config: str = "") -> Iterator[Home]:
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    env = os.environ.copy()
    env.update(
        CLIENTNEST_HOME=str(tmp / "home"),
        CLIENTNEST_SECRETS_PASSPHRASE=PASSPHRASE,
        CLIENTNEST_USER=OWNER,
        CLIENTNEST_LOG_LEVEL="WARNING",
    )
    h = Home(tmp / "home", env)
    if config:
        (h.path).mkdir(parents=True, exist_ok=True)
        (h.path / "config.toml").write_text(config)
    h.cli("init", "--email", OWNER, "--name", "Bench Owner", "--timezone", "UTC")
    try:
        yield h
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- rows ------------------------------------------------------------------------


def account_rows(count: int, *, base_url: str = "", users: list[dict[str, Any]] | None = None):
    """SocialAccount rows for ``bench000``… (X); ``users`` from the emulator, if any."""
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        handle = f"bench{i:03d}"
        user_id = users[i]["user_id"] if users else str(1000 + i)
        rows.append(
            dict(
                platform="x",
                handle=handle,
                platform_user_id=user_id,
                instance_url=base_url,
                display_name=handle.title(),
                client_id=None,
                status="active",
                status_reason="",
                secret_key=f"account:bench-{handle}",
                token_expires_at=None,
                followers=100 + i,
                following=10,
                post_count=0,
                engagement_rate=0.0,
                settings={},
                connected_by=None,
                created_at=now,
                last_synced_at=None,
            )
        )
    return rows


def post_row(account_id: int, content: str, created: datetime, **values: Any) -> dict[str, Any]:
    row = dict(
        account_id=account_id,
        content=content,
        hashtags=[],
        category="",
        ai_generated=False,
        group_id=uuid.uuid4().hex,
        variant="",
        thread_parent_id=None,
        thread_position=0,
        status="draft",
        scheduled_at=None,
        published_at=None,
        platform_post_id="",
        platform_url="",
        platform_extra={},
        resume_token="",
        attempts=0,
        next_attempt_at=None,
        last_error="",
        idempotency_key=uuid.uuid4().hex,
        lease_owner="",
        lease_expires_at=None,
        approval_status="not_required",
        approved_by=None,
        approved_at=None,
        rejection_reason="",
        recurrence="",
        recurrence_until=None,
        source_file="",
        created_by=1,
        created_at=created,
        updated_at=created,
    )
    row.update(values)
    return row


def text(rng: random.Random, prefix: str, n: int) -> str:
    return f"{prefix} #{n} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18)))


def insert(h: Home, accounts: list[dict[str, Any]], posts_for: Any) -> list[int]:
    """Insert accounts, then the posts ``posts_for(account_ids)`` yields; returns account ids."""
    from clientnest_cli.store.models import Post, SocialAccount

    engine = h.engine()
    try:
        with engine.begin() as conn:
            conn.execute(SocialAccount.__table__.insert(), accounts)  # type: ignore[attr-defined]
            ids = [
                r[0] for r in conn.exec_driver_sql("SELECT id FROM socialaccount ORDER BY id").all()
            ]
        batch: list[dict[str, Any]] = []
        with engine.begin() as conn:
            for row in posts_for(ids):
                batch.append(row)
                if len(batch) >= 20_000:
                    conn.execute(Post.__table__.insert(), batch)  # type: ignore[attr-defined]
                    batch = []
            if batch:
                conn.execute(Post.__table__.insert(), batch)  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    return ids


def b2_posts(ids: list[int], total: int = 100_000) -> Iterator[dict[str, Any]]:
    """100,000 posts over the accounts: a realistic mix of states and times."""
    rng = random.Random(SEED)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    statuses = ["published"] * 6 + ["scheduled"] * 2 + ["draft", "failed"]
    for n in range(total):
        created = start + timedelta(minutes=5 * n)
        status = rng.choice(statuses)
        extra: dict[str, Any] = {"status": status, "category": rng.choice(("promo", "news", ""))}
        if status in ("published", "scheduled", "failed"):
            extra["scheduled_at"] = created + timedelta(hours=rng.randint(1, 72))
        if status == "published":
            extra["published_at"] = extra["scheduled_at"]
            extra["platform_post_id"] = str(1_800_000_000_000_000_000 + n)
        yield post_row(ids[n % len(ids)], text(rng, "b2", n), created, **extra)


def due_posts(
    ids: list[int], per_account: int, prefix: str, first_due: datetime, spacing_s: float = 0.0
) -> Iterator[dict[str, Any]]:
    """``per_account`` scheduled posts per account, due from ``first_due``,
    interleaved across accounts, ``spacing_s`` apart (0: all due at once)."""
    rng = random.Random(SEED)
    created = datetime.now(UTC) - timedelta(hours=1)
    n = 0
    for _ in range(per_account):
        for account_id in ids:
            due = first_due + timedelta(seconds=spacing_s * n)
            yield post_row(
                account_id, text(rng, prefix, n), created, status="scheduled", scheduled_at=due
            )
            n += 1


# --- credentials -----------------------------------------------------------------


def install_credentials(h: Home, accounts: int) -> None:
    """Put the keyring entries of ``bench000``… into the home (saved once, then copied)."""
    size = max(accounts, 100)  # one file of 100 serves every workload up to 100 accounts
    cached = SECRETS_CACHE / f"v3-{size}.json"  # v3: clientnest-secrets/1 (secretfile.py)
    if not cached.exists():
        SECRETS_CACHE.mkdir(parents=True, exist_ok=True, mode=0o700)
        log(f"saving {size} credentials to the encrypted keyring (once per machine)…")
        _save_credentials(cached, size)
    target = h.path / "data" / "secrets.json"
    shutil.copyfile(cached, target)
    os.chmod(target, 0o600)


def _save_credentials(path: Path, accounts: int) -> None:
    from benchmarks.emulator import handle, token
    from clientnest_cli.domain.outgoing import Credentials
    from clientnest_cli.security.secrets import PASSPHRASE_ENV, Secrets
    from clientnest_cli.services import credentials
    from clientnest_cli.store.models import SocialAccount

    old = os.environ.get(PASSPHRASE_ENV)
    os.environ[PASSPHRASE_ENV] = PASSPHRASE
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    try:
        secrets = Secrets("file", partial)
        for i in range(accounts):
            h = handle(i)
            account = SocialAccount(platform="x", handle=h, secret_key=f"account:bench-{h}")
            credentials.save(secrets, account, Credentials(access_token=token(h)))
        partial.rename(path)
    finally:
        if old is None:
            os.environ.pop(PASSPHRASE_ENV, None)
        else:
            os.environ[PASSPHRASE_ENV] = old


def count(h: Home, sql: str) -> Any:
    import sqlite3

    with sqlite3.connect(h.db) as conn:
        return conn.execute(sql).fetchall()


# --- the daemon ------------------------------------------------------------------


@contextmanager
def daemon(h: Home) -> Iterator[subprocess.Popen[bytes]]:
    """`clientnest daemon run` in its own process; SIGTERM (a clean stop) on exit."""
    log_file = open(h.path / "daemon.out", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [*CLIENTNEST, "daemon", "run", "--id", "bench"],
        env=h.env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log_file.close()


def rss_mb(pid: int) -> float | None:
    """VmRSS of a process in MB (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def utc(value: str | None) -> datetime | None:
    """A datetime column as SQLite stores it (naive UTC text) → aware UTC."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None

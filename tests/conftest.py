"""Shared fixtures: a real sandbox server on loopback, an isolated home."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clientnest_cli.sandbox.catalog import available, build
from clientnest_cli.sandbox.faults import Faults
from clientnest_cli.sandbox.framework import SandboxServer

# `make test` runs the suite on several pytest-xdist workers (--dist loadgroup).
# Tests that share something outside their own tmp folder run in one group each,
# one after another on one worker: the slow exactly-once suites (so each keeps the
# machine's spare cores for its daemons), the one Secret Service, and the
# PostgreSQL group roles that `db roles --apply` creates for the whole server.
SERIAL_GROUPS = {
    "tests/security/test_secrets.py": "secret-service",
    "tests/store/test_pg_roles.py": "pg-group-roles",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the serial groups before pytest-xdist's own hook (registered on a worker
    after this conftest, so called before it unless this one goes first) turns the
    marks into the ``@group`` suffix of the node ids that --dist loadgroup
    schedules by."""
    for item in items:
        group = SERIAL_GROUPS.get(item.nodeid.split("::", 1)[0])
        if item.get_closest_marker("slow"):
            group = "slow"
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """Stop at once when a worker's tests come back without their groups.

    pytest 9.2 keeps node ids where pytest-xdist 3.8 no longer writes them
    (pytest-dev/pytest-xdist#1386): the groups were silently ignored, and the
    group-role and Secret Service tests ran side by side and failed now and then.
    pyproject.toml holds pytest below 9.2; this makes any such break loud."""
    lost = [i for i in ids if i.split("::", 1)[0] in SERIAL_GROUPS and "@" not in i]
    if lost:
        pytest.exit(
            f"pytest-xdist did not group {len(lost)} tests (e.g. {lost[0]}): this pytest "
            "and pytest-xdist do not work together for --dist loadgroup; install the "
            "versions pyproject.toml asks for (make .venv/.installed)",
            returncode=3,
        )


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """Every emulator in this build, on one 127.0.0.1 port, for the whole run."""
    server = SandboxServer([build(name) for name in available()])
    with server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """The shared server with every emulator's state and faults reset."""
    for emu in sandbox_server.emulators.values():
        emu.start_over()
        emu.faults = Faults(seed=1234)
    yield sandbox_server


# --- real parts: PostgreSQL and the keyring ---------------------------------
import os  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402


def _missing_real_part(what: str) -> None:
    """Skip locally; fail in CI, where a skipped real-part test would hide a gap."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not available in CI: `make test` must start it")
    pytest.skip(f"{what} not available (run through `make test`)")


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    url = os.environ.get("CLIENTNEST_TEST_PG_URL")
    if not url:
        _missing_real_part("PostgreSQL (CLIENTNEST_TEST_PG_URL)")
    return url  # type: ignore[return-value]


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A brand-new PostgreSQL database for one test, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(pg_base_url)
    name = f"cn_{uuid.uuid4().hex[:12]}"
    dsn = f"host={base.host} port={base.port} user={base.username} dbname={base.database}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield base.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        (tmp_path / "store").mkdir(exist_ok=True)  # a database_url's folder must exist
        return f"sqlite:///{tmp_path / 'store' / 'clientnest.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def secret_service() -> None:
    """A real Secret Service (gnome-keyring under dbus-run-session, as `make test` runs)."""
    if not os.environ.get("CLIENTNEST_TEST_KEYRING") or not os.environ.get(
        "DBUS_SESSION_BUS_ADDRESS"
    ):
        _missing_real_part("a Secret Service (gnome-keyring under dbus-run-session)")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated CLIENTNEST_HOME with the encrypted-file keyring; SQLite store."""
    root = tmp_path / "home"
    root.mkdir()
    for key in list(os.environ):
        if key.startswith("CLIENTNEST_") and not key.startswith("CLIENTNEST_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CLIENTNEST_HOME", str(root))
    monkeypatch.setenv("CLIENTNEST_SECRETS_PASSPHRASE", "test-passphrase")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return root


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """webbrowser.open plays the browser against the sandbox's consent pages."""
    import webbrowser

    from tests.helpers import FakeBrowser

    fake = FakeBrowser()
    monkeypatch.setattr(webbrowser, "open", fake)
    return fake

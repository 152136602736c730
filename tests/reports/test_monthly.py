"""The daemon's monthly reports: each client's page for the month just ended, once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reports.conftest import Client


def test_monthly_reports_written_once_with_a_notification(
    client: Client, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clientnest_cli.services import notify
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.report_monthly import monthly_reports

    out = tmp_path / "reports"
    (home / "config.toml").write_text(
        f'[report]\nmonthly = true\nfolder = "{out}"\n[notifications]\ndesktop = false\n'
    )
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        notify, "notify", lambda _ctx, title, message: sent.append((title, message))
    )
    ctx = AppContext()
    try:
        first = monthly_reports(ctx, now=datetime(2026, 11, 1, 6, tzinfo=UTC))
        again = monthly_reports(ctx, now=datetime(2026, 11, 1, 7, tzinfo=UTC))
    finally:
        ctx.close()
    assert first == [out / "acme-co-2026-10.html"]
    assert "October 2026" in first[0].read_text()
    assert again == []
    assert sent == [("ClientNest: 1 client report(s) for 2026-10", f"Written to {out}")]


def test_monthly_reports_off_by_default(client: Client) -> None:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.report_monthly import monthly_reports

    ctx = AppContext()
    try:
        assert monthly_reports(ctx, now=datetime(2026, 11, 1, 6, tzinfo=UTC)) == []
    finally:
        ctx.close()


def test_daemon_schedules_monthly_reports_when_enabled(client: Client, home: Path) -> None:
    from clientnest_cli.scheduler.daemon import Daemon
    from clientnest_cli.services.context import AppContext

    (home / "config.toml").write_text("[report]\nmonthly = true\n")
    ctx = AppContext()
    daemon = Daemon(ctx, "test-worker")
    try:
        daemon._start_scheduler()
        job = daemon._scheduler.get_job("monthly reports")
        assert job is not None and job.next_run_time is not None
    finally:
        daemon._scheduler.shutdown(wait=False)
        ctx.close()

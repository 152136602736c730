"""The dashboard's first paint pays for Textual and the thin store only (B9): opening
the TUI on its dashboard, figures filled from the store, imports no ORM and no
pydantic. Run as a whole process; only which modules were imported is checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.cli.test_startup_budget import denied
from tests.helpers import ok

DENY_FIRST_PAINT = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "clientnest_cli.store.models",
    "pydantic",
    "pydantic_settings",
)

PROBE = """
import asyncio, json, sys
from clientnest_cli.services.context import AppContext
from clientnest_cli.tui.app import ClientNestApp

async def main():
    ctx = AppContext()
    app = ClientNestApp(ctx, poll_seconds=0)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            while app.screen.query_one("#card-scheduled").value == "…":
                if app._notifications:  # the store could not be read: say why
                    raise SystemExit(str(list(app._notifications)[0].message))
                await pilot.pause(0.01)
            cards = {c.id: c.value for c in app.screen.query("Card")}
    finally:
        ctx.close()
    print(json.dumps({"cards": cards, "modules": sorted(sys.modules)}))

asyncio.run(main())
"""


def test_dashboard_first_paint_imports_no_orm(accounts) -> None:  # type: ignore[no-untyped-def]
    ok("post", "create", "Due soon", "--to", "x:acme", "--at", "2030-01-08 09:00")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=dict(os.environ)
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["cards"]["card-scheduled"] == "1"  # the figures really came from the store
    assert "textual" in found["modules"]
    assert denied(set(found["modules"]), DENY_FIRST_PAINT) == []

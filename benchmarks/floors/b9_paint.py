"""B9's probe, run as its own process: time to the TUI dashboard's first paint with data.

Prints JSON: ``import_s`` (importing the app), ``paint_s`` (from building the
app to the dashboard cards and tables filled from the store and rendered) and
``total_s`` (both), and ``paint_cpu_s``: the CPU the process used (all threads) while
painting, a figure a busy machine inflates far less than the wall time. Runs headless
through Textual's Pilot at 140×40.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time

GIVE_UP_S = 120.0


def cpu_s() -> float:
    """CPU seconds of this process, every thread (less sensitive than wall to a busy machine)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


async def main() -> None:
    start = time.perf_counter()
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.tui.app import ClientNestApp

    imported, imported_cpu = time.perf_counter(), cpu_s()
    ctx = AppContext()
    app = ClientNestApp(ctx, poll_seconds=0)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            deadline = time.perf_counter() + GIVE_UP_S
            while True:
                cards = {c.id: c.value for c in app.screen.query("Card")}
                if cards and cards.get("card-scheduled", "…") != "…":
                    break
                if time.perf_counter() > deadline:  # e.g. the store could not be opened
                    notices = [str(n.message) for n in app._notifications]
                    raise SystemExit(f"no figures after {GIVE_UP_S:.0f} s: {notices}")
                await pilot.pause(0.005)
            await pilot.pause()  # the filled screen rendered
            painted, painted_cpu = time.perf_counter(), cpu_s()
            scheduled = cards["card-scheduled"]
    finally:
        ctx.close()
    print(
        json.dumps(
            {
                "import_s": imported - start,
                "paint_s": painted - imported,
                "total_s": painted - start,
                "paint_cpu_s": painted_cpu - imported_cpu,
                "scheduled": scheduled,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())

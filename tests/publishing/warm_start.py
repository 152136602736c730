"""Loaded into a daemon subprocess by the kill -9 tests (tests/publishing/daemon_runner.py).

Python's start-up (imports: SQLAlchemy, the models, the adapters) takes seconds on a
busy machine. A warm daemon pays it while the previous daemon is still at work,
then waits for one line on stdin before it runs ``clientnest daemon run`` as
usual, so the test does not wait for start-ups one after another. Nothing here
changes what the daemon does once it runs.
"""

from __future__ import annotations

import contextlib
import importlib
import sys

PRELOAD = (
    "clientnest_cli.cli.main",
    "clientnest_cli.cli.daemon",
    "clientnest_cli.scheduler.daemon",
    "clientnest_cli.services.context",
    "clientnest_cli.services.publisher",
    "clientnest_cli.services.accounts",
    "clientnest_cli.platforms.x",
    "clientnest_cli.platforms.bluesky",
    "clientnest_cli.platforms.mastodon",
    "clientnest_cli.platforms.feed",
    "apscheduler.schedulers.background",
    "psycopg",
)


def main() -> None:
    for name in PRELOAD:
        # e.g. no PostgreSQL driver: it is imported when needed
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    sys.stdin.readline()  # the test says go
    from clientnest_cli.cli.main import run

    run()


if __name__ == "__main__":
    main()

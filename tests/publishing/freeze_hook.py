"""Loaded into a daemon subprocess by the SIGSTOP test (tests/publishing/daemon_runner.py).

It wraps ``httpx.Client.send`` so that the first POST whose path ends with
``CLIENTNEST_TEST_FREEZE_PATH`` stops the whole process (SIGSTOP to the
sending thread itself, so the stop lands before the request goes any further)
right before the request goes out, after writing its pid to
``CLIENTNEST_TEST_FREEZE_MARKER``. The test resumes it with SIGCONT. Nothing here changes what
the daemon does otherwise; ``kill -USR1`` prints every thread's stack to the log.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path


def install() -> None:
    import faulthandler

    import httpx

    # `kill -USR1 PID` prints every thread's stack to the log (the test does it when
    # the daemon does not wake up as expected)
    faulthandler.register(signal.SIGUSR1, all_threads=True)

    path = os.environ["CLIENTNEST_TEST_FREEZE_PATH"]
    marker = Path(os.environ["CLIENTNEST_TEST_FREEZE_MARKER"])
    real_send = httpx.Client.send
    once = threading.Lock()
    frozen: list[bool] = []

    def send(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith(path):
            with once:
                first = not frozen
                frozen.append(True)
            if first:
                _say(f"freezing before {request.method} {request.url.path}")
                marker.write_text(str(os.getpid()))
                # SIGSTOP sent to *this* thread stops it before the call returns (the
                # whole process stops with it). A process-wide kill(getpid(), SIGSTOP)
                # is handled by the main thread, and on a busy machine this one ran on
                # into the request, past the fence's check, before the stop landed.
                signal.pthread_kill(threading.get_ident(), signal.SIGSTOP)
                _say("resumed; sending it now (the fence decides)")
                try:
                    response = real_send(self, request, **kwargs)  # type: ignore[arg-type]
                except BaseException as exc:
                    _say(f"the thawed request raised {type(exc).__name__}: {exc}")
                    raise
                _say(f"the thawed request went out: HTTP {response.status_code}")
                return response
        return real_send(self, request, **kwargs)  # type: ignore[arg-type]

    httpx.Client.send = send  # type: ignore[method-assign]


def _say(what: str) -> None:
    """A line in the daemon's log (stderr) about the frozen request."""
    import sys
    import time

    thread = threading.current_thread().name
    print(f"freeze hook [{thread}] at {time.monotonic():.3f}: {what}", file=sys.stderr, flush=True)


def main() -> None:
    install()
    from clientnest_cli.cli.main import run

    run()


if __name__ == "__main__":
    main()

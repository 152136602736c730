"""Loaded into a daemon subprocess by the SIGSTOP test (tests/publishing/daemon_runner.py).

It wraps ``httpx.Client.send`` so that the first POST whose path ends with
``CLIENTNEST_TEST_FREEZE_PATH`` stops the whole process (SIGSTOP to itself)
right before the request goes out, after writing its pid to
``CLIENTNEST_TEST_FREEZE_MARKER``. The test resumes it with SIGCONT. Nothing
here changes what the daemon does otherwise.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path


def install() -> None:
    import httpx

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
                marker.write_text(str(os.getpid()))
                os.kill(os.getpid(), signal.SIGSTOP)  # frozen here until SIGCONT
        return real_send(self, request, **kwargs)  # type: ignore[arg-type]

    httpx.Client.send = send  # type: ignore[method-assign]


def main() -> None:
    install()
    from clientnest_cli.cli.main import run

    run()


if __name__ == "__main__":
    main()

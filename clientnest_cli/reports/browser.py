"""Headless Chromium (Debian's `chromium`): print a report to PDF, screenshot it.

Run with no network of its own (background networking, component updates and
sync off) and a fresh profile each time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from clientnest_cli.errors import ClientNestError

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-extensions",
)
INSTALL = "install Chromium: `sudo apt-get install chromium` (Debian/Ubuntu), or `make system-deps`"


def find() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run(page: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Chromium on ``page`` (a local HTML file) with ``args``; raises when it is missing."""
    binary = find()
    if binary is None:
        raise ClientNestError("headless Chromium is not installed", hint=INSTALL)
    with tempfile.TemporaryDirectory(prefix="clientnest-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    return done


def print_pdf(page: Path, target: Path) -> Path:
    done = run(page, f"--print-to-pdf={target.resolve()}", "--no-pdf-header-footer")
    if not target.is_file():
        raise ClientNestError(
            f"Chromium could not print the report (exit {done.returncode})",
            hint="try --format html and print it from a browser",
        )
    return target


def screenshot(page: Path, target: Path, width: int = 1200, height: int = 2400) -> Path:
    run(page, f"--screenshot={target.resolve()}", f"--window-size={width},{height}")
    if not target.is_file():
        raise ClientNestError("Chromium could not take the screenshot")
    return target


def dump_dom(page: Path) -> str:
    return run(page, "--dump-dom").stdout


# Hosts Chromium itself calls (update checks, accounts) even with background
# networking off; a page's own requests are everything else that is not file:/data:.
CHROMIUM_OWN = (".google.com", ".googleapis.com", ".gstatic.com", ".googleusercontent.com")


def page_requests(net_log: Path) -> list[str]:
    """URLs in a Chromium NetLog (--log-net-log) other than file:, data: and Chromium's own."""
    import json
    from urllib.parse import urlsplit

    events = json.loads(net_log.read_text(encoding="utf-8")).get("events", [])
    urls = {e["params"]["url"] for e in events if "url" in e.get("params", {})}
    out = []
    for url in sorted(urls):
        parts = urlsplit(url)
        if parts.scheme in ("file", "data", "about", "chrome"):
            continue
        host = "." + (parts.hostname or "")
        if host.endswith(CHROMIUM_OWN):
            continue
        out.append(url)
    return out


def console_messages(stderr: str) -> list[str]:
    """Console lines (errors, CSP violations, logs) of a run with --enable-logging=stderr."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def inspect(page: Path, artefacts: Path) -> dict[str, object]:
    """Open ``page`` headless: its DOM, console messages, network requests, a screenshot."""
    artefacts.mkdir(parents=True, exist_ok=True)
    net_log = artefacts / f"{page.stem}-netlog.json"
    done = run(page, "--enable-logging=stderr", "--v=0", f"--log-net-log={net_log}", "--dump-dom")
    shot = screenshot(page, artefacts / f"{page.stem}.png")
    return {
        "dom": done.stdout,
        "console": console_messages(done.stderr),
        "requests": page_requests(net_log) if net_log.is_file() else None,
        "screenshot": shot,
    }

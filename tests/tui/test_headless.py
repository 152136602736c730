"""Headless use never pays for the UI: the daemon and every service import without textual."""

from __future__ import annotations

import subprocess
import sys

HEADLESS = [
    "clientnest_cli.scheduler.daemon",
    "clientnest_cli.services.publishing",
    "clientnest_cli.services.dashboard",
    "clientnest_cli.services.compose_preview",
    "clientnest_cli.services.posts_manage",
    "clientnest_cli.cli.tui",  # the command module itself imports textual only when run
]


def test_headless_modules_do_not_import_textual() -> None:
    probe = (
        "import importlib, sys\n"
        f"for name in {HEADLESS!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_the_tui_module_does_import_textual() -> None:
    """The probe above can see textual when it is there (so its silence means something)."""
    probe = "import sys, clientnest_cli.tui.app; print('textual' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "True"

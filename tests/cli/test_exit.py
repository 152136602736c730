"""The entry point's exit (``startup.before_exit``): nothing is lost.

It freezes the objects still alive so that the interpreter's teardown does
not collect over them; these run the real entry point in its own process
(CliRunner never reaches it) and check what a user and a script rely on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import cli, init_store

PROBE = """
import atexit, logging, sys
from clientnest_cli.cli import main
log = sys.argv[1]
handler = logging.FileHandler(log)
logging.getLogger("probe").addHandler(handler)
logging.getLogger("probe").warning("logged before exit")
atexit.register(lambda: print("atexit ran", file=sys.stderr))
sys.argv = ["clientnest", *sys.argv[2:]]
main.run()
"""


def probe(log: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(log), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )


def test_output_exit_codes_atexit_and_logs_survive_the_exit(home: Path) -> None:
    init_store()
    log = home / "probe.log"
    listed = probe(log, "users", "list", "--json")
    assert listed.returncode == 0
    assert json.loads(listed.stdout)[0]["email"] == "owner@acme.test"
    assert "atexit ran" in listed.stderr
    assert log.read_text() == "logged before exit\n"

    bad = probe(log, "post", "list", "--limit", "many")
    assert bad.returncode == 2 and "Invalid value for '--limit'" in bad.stderr
    missing = probe(log, "post", "show", "999999")
    assert missing.returncode == cli("post", "show", "999999").exit_code != 0
    assert "no post with id 999999" in missing.stderr
    assert "atexit ran" in bad.stderr and "atexit ran" in missing.stderr


def test_before_exit_freezes_the_live_objects() -> None:
    code = (
        "import gc; from clientnest_cli.cli import startup; "
        "startup.before_exit(); print(gc.get_freeze_count() > 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"

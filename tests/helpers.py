"""Running the CLI in-process the way a user would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner

from clientnest_cli.cli.main import app


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli(*args: str, input: str | None = None) -> Run:
    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def ok(*args: str, input: str | None = None) -> Run:
    run = cli(*args, input=input)
    assert run.exit_code == 0, f"{args} failed ({run.exit_code}): {run.stderr}{run.stdout}"
    return run


def init_store(email: str = "owner@acme.test", tz: str = "Europe/Berlin") -> Run:
    return ok("init", "--email", email, "--name", "Olivia Owner", "--timezone", tz)

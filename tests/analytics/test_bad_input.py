"""Every bad input to analytics is one line on stderr and exit 2."""

from __future__ import annotations

import pytest

from tests.analytics.conftest import UNTIL, Seeded
from tests.helpers import cli


def _one_line_exit_2(*args: str) -> str:
    run = cli(*args)
    assert run.exit_code == 2, (args, run.exit_code, run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("analytics", "overview", "--account", "x:nobody"), "no account"),
        (("analytics", "best-times", "x:nobody"), "no account"),
        (("analytics", "overview", "--client", "Nobody Inc"), "no client"),
        (("analytics", "overview", "--platform", "myspace"), "unknown platform"),
        (("analytics", "overview", "--period", "0d"), "empty"),
        (("analytics", "overview", "--period", "soon"), "period"),
        (("analytics", "overview", "--since", UNTIL, "--until", UNTIL), "empty"),
        (
            ("analytics", "overview", "--since", "2026-10-01", "--until", "2026-09-01"),
            "backwards",
        ),
        (("analytics", "overview", "--since", "2026-10-01", "--period", "30d"), "not both"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(seeded: Seeded, args: tuple, words: str) -> None:
    assert words in _one_line_exit_2(*args)


def test_analytics_help_loads_no_pandas() -> None:
    from tests.cli.test_fast_start import loaded_modules

    modules = loaded_modules("analytics", "--help")
    assert "clientnest_cli.cli.analytics" in modules
    assert not {"pandas", "numpy", "plotext", "vaderSentiment"} & modules

"""B1: `clientnest --help` next to `python -c "import typer"`."""

from __future__ import annotations

from benchmarks.common import CLIENTNEST, PYTHON, Row, interleaved, ratio_row

RUNS = 15


def run() -> Row:
    floor, figure = interleaved([PYTHON, "-c", "import typer"], [*CLIENTNEST, "--help"], RUNS)
    row = ratio_row("B1", "`clientnest --help`", figure, floor, 1.3)
    row.figure += f" (median of {RUNS})"
    return row

"""What every workload shares: the result row, timers, percentiles, subprocess runs."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLIENTNEST = [PYTHON, "-m", "clientnest_cli"]
SEED = 20250101  # the generator's fixed seed: every run measures the same work


@dataclass
class Row:
    """One line of the table. ``figure``/``floor`` are already formatted."""

    id: str
    workload: str
    figure: str
    floor: str = "—"
    ratio: str = "—"
    target: str = ""
    verdict: str = "—"  # ok | MISS | — (not judged)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        cells = [self.id, self.workload, self.figure, self.floor, self.ratio, self.target]
        return "| " + " | ".join([*cells, self.verdict]) + " |"


HEADER = (
    "| id | workload | figure | floor (same run) | ratio | target | result |\n"
    "| --- | --- | --- | --- | --- | --- | --- |"
)


def not_built(id_: str, workload: str, target: str, why: str) -> Row:
    return Row(id_, workload, "not built yet", target=target, notes=[f"{id_}: {why}"])


def ratio_row(
    id_: str, workload: str, figures: Sequence[float], floors: Sequence[float], limit: float
) -> Row:
    """A timed workload next to its floor: medians, ratio, verdict against ``limit``."""
    fig, flo = statistics.median(figures), statistics.median(floors)
    ratio = fig / flo if flo else math.inf
    return Row(
        id_,
        workload,
        f"{fig:.3f} s",
        f"{flo:.3f} s",
        f"{ratio:.2f}",
        f"ratio ≤ {limit}",
        "ok" if ratio <= limit else "MISS",
    )


def spread(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(cmd: Sequence[str], env: dict[str, str] | None = None, check: bool = True) -> float:
    """Wall time of one subprocess run (output discarded)."""
    start = time.perf_counter()
    done = subprocess.run(
        list(cmd), env=env or os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if check and done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-800:]}"
        )
    return elapsed


def median_wall(cmd: Sequence[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    return [timed(cmd, env) for _ in range(runs)]


def interleaved(
    a: Sequence[str], b: Sequence[str], runs: int, env: dict[str, str] | None = None
) -> tuple[list[float], list[float]]:
    """Run two commands alternately, so machine noise falls on both alike."""
    timed(a, env), timed(b, env)  # warm the page cache
    ta, tb = [], []
    for _ in range(runs):
        ta.append(timed(a, env))
        tb.append(timed(b, env))
    return ta, tb


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def bench_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for timed subprocesses: bytecode written, as a user's install has it."""
    out = dict(env or os.environ)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


TYPER_FLOOR = [PYTHON, "-c", "import typer"]


@dataclass
class Paired:
    """A and B run alternately; the ratio is taken pair by pair (machine drift cancels)."""

    figures: list[float]
    floors: list[float]

    @property
    def ratios(self) -> list[float]:
        return [f / b if b else math.inf for f, b in zip(self.figures, self.floors, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def row(self, id_: str, workload: str, limit: float) -> Row:
        fig, flo = statistics.median(self.figures), statistics.median(self.floors)
        return Row(
            id_,
            workload,
            f"{fig:.3f} s (median of {len(self.figures)})",
            f"{flo:.3f} s",
            f"{self.ratio:.2f}",
            f"ratio ≤ {limit}",
            "ok" if self.ratio <= limit else "MISS",
        )


def paired(
    floor: Sequence[str],
    figure: Sequence[str],
    runs: int,
    env: dict[str, str] | None = None,
    before: Callable[[], list[str]] | None = None,
) -> Paired:
    """Floor and figure alternately, ``runs`` pairs, after one warm-up of each.

    ``before`` (optional) is called untimed before each figure run and returns
    extra arguments for it (e.g. the id of a fresh post to publish)."""
    env = bench_env(env)

    def fig_cmd() -> list[str]:
        return [*figure, *(before() if before else [])]

    timed(floor, env), timed(fig_cmd(), env)  # warm the page cache and write bytecode
    floors, figures = [], []
    for _ in range(runs):
        floors.append(timed(floor, env))
        cmd = fig_cmd()
        figures.append(timed(cmd, env))
    return Paired(figures, floors)

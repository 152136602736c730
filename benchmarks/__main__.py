"""`make bench`: run every workload and print one Markdown table."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    id: str
    workload: str
    figure: float
    floor: float | None
    target: str

    def markdown(self) -> str:
        floor = f"{self.floor:.3f} s" if self.floor is not None else "—"
        ratio = f"{self.figure / self.floor:.2f}" if self.floor else "—"
        return f"| {self.id} | {self.workload} | {self.figure:.3f} s | {floor} | {ratio} | {self.target} |"


def median_wall(cmd: list[str], runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=os.environ)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def b1_help() -> Row:
    py = sys.executable
    floor = median_wall([py, "-c", "import typer"])
    figure = median_wall([py, "-m", "clientnest_cli", "--help"])
    return Row("B1", "`clientnest --help`", figure, floor, "ratio ≤ 1.3")


WORKLOADS: list[Callable[[], Row]] = [b1_help]


def main() -> None:
    rows = [w() for w in WORKLOADS]
    print(
        f"Benchmarks on {os.cpu_count()} cores, median of several runs; floor measured in the same run.\n"
    )
    print("| id | workload | figure | floor | ratio | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(row.markdown())
    print(
        "\nB2–B9: not implemented yet (they arrive with the posts, publishing, analytics and TUI work)."
    )


if __name__ == "__main__":
    main()

"""Where `post list --json` spends its start-up, step by step, in one process.

    CLIENTNEST_HOME=… python -m benchmarks.startup_steps [RUNS]

Each step is timed after the previous one, so a step's figure is what it adds
(shared imports are paid by the first step that needs them). A profiling aid
for issue 16, not a benchmark row: quote the steps relative to `import typer`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

from benchmarks.common import bench_env

STEPS = """
import os, time
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
marks = [("start", time.perf_counter())]
def mark(name): marks.append((name, time.perf_counter()))
import typer; mark("import typer")
import pydantic; mark("import pydantic")
import sqlalchemy; mark("import sqlalchemy (Core)")
import sqlalchemy.orm; mark("import sqlalchemy.orm")
import sqlmodel; mark("import sqlmodel")
import clientnest_cli.store.models; mark("store.models (SQLModel classes)")
from clientnest_cli.services.context import AppContext
import clientnest_cli.services.posts_manage; mark("services.posts_manage and the rest")
ctx = AppContext(); ctx.settings; mark("load settings (pydantic-settings)")
store = ctx.store; mark("engine + schema check")
from sqlalchemy.orm import configure_mappers; configure_mappers(); mark("configure mappers")
with store.session(readonly=True) as s: ctx.actor(s)
mark("first query (the acting user)")
import typer._adapters; mark("typer's pydantic coercion module")
ctx.close()
import json; print(json.dumps([(n, b - a) for (_, a), (n, b) in zip(marks, marks[1:])]))
"""


def main(runs: int) -> None:
    import json

    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", STEPS], env=bench_env(), capture_output=True, text=True
        )
        if out.returncode:
            sys.exit(out.stderr[-800:])
        for name, seconds in json.loads(out.stdout):
            samples.setdefault(name, []).append(seconds)
    typer_s = statistics.median(samples["import typer"])
    print("| step | median ms | × import typer |\n| --- | --- | --- |")
    for name, values in samples.items():
        ms = statistics.median(values) * 1000
        print(f"| {name} | {ms:.0f} | {ms / 1000 / typer_s:.2f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

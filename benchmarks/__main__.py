"""`make bench`: run every workload of shared/BENCH.md and print one Markdown table.

python -m benchmarks            # everything; the table also goes to benchmarks/RESULTS.md
python -m benchmarks B2 B3      # only these (RESULTS.md is left alone)
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    b1_help,
    b2_list,
    b3_publish,
    b4_lateness,
    b5_metrics,
    b6_analytics,
    b7_predict,
    b8_memory,
    b9_tui,
    b10_store,
    b11_publish_now,
)
from benchmarks.common import HEADER, Row, log

RESULTS = Path(__file__).parent / "RESULTS.md"


WORKLOADS: dict[str, Callable[[], Row | list[Row]]] = {
    "B1": b1_help.run,
    "B2": b2_list.run,
    "B3": b3_publish.run,
    "B4": b4_lateness.run,
    "B5": b5_metrics.run,
    "B6": b6_analytics.run,
    "B7": b7_predict.run,
    "B8": b8_memory.run,
    "B9": b9_tui.run,
    "B10": b10_store.run,
    "B11": b11_publish_now.run,
}


def _run(name: str) -> list[Row]:
    log(f"{name} …")
    start = time.monotonic()
    try:
        got = WORKLOADS[name]()
        rows = got if isinstance(got, list) else [got]
    except Exception as exc:  # one broken workload must not hide the others
        traceback.print_exc()
        rows = [Row(name, "(see notes)", "error", verdict="MISS", notes=[f"{name}: {exc}"])]
    log(f"{name} done in {time.monotonic() - start:.0f} s")
    return rows


def render(rows: list[Row], seconds: float, load: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Benchmarks of {stamp} on {os.cpu_count()} cores (load average before the run: "
        f"{load}); each figure next to its floor measured in the same run.",
        "",
        HEADER,
        *(row.markdown() for row in rows),
        "",
    ]
    notes = [n for row in rows for n in row.notes]
    if notes:
        lines += ["Notes:", "", *(f"- {n}" for n in notes), ""]
    lines.append(f"The whole run took {seconds / 60:.1f} min.")
    return "\n".join(lines) + "\n"


def _load() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str]) -> None:
    wanted = [a.upper() for a in argv] or list(WORKLOADS)
    unknown = [w for w in wanted if w not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workload(s): {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    load = _load()
    start = time.monotonic()
    rows = {name: _run(name) for name in wanted}
    ordered = [row for n in WORKLOADS if n in rows for row in rows[n]]
    text = render(ordered, time.monotonic() - start, load)
    print(text)
    if not argv:
        RESULTS.write_text("# Benchmark results\n\n`make bench` writes this file.\n\n" + text)


if __name__ == "__main__":
    main(sys.argv[1:])

"""The README says what `make demo` runs and what it leaves to the tour
(issue 17: "make demo runs exactly this walk-through" was not true). These
checks keep that paragraph true as scripts/demo.sh changes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
DEMO = (ROOT / "scripts" / "demo.sh").read_text()
README = (ROOT / "README.md").read_text()

# what the README says the demo does -> the command in scripts/demo.sh
RUNS = {
    "creates a store": r"cn init ",
    "a team": r"cn users add ",
    "a client": r"cn clients add ",
    "starts the sandbox": r"sandbox serve",
    "connects X": r"cn accounts connect x ",
    "Bluesky": r"accounts connect bluesky",
    "LinkedIn": r"cn accounts connect linkedin ",
    "a feed": r"cn accounts connect feed ",
    "alt text": r"--alt ",
    "AI emulator write a draft": r"cn ai generate .*--save-draft",
    "daemon publish": r"daemon run",
    "audit log": r"cn audit list",
    "backfills the Bluesky account's history": r"cn accounts backfill bluesky:",
    "trains the engagement model": r"cn analytics model train ",
    "predicts a post": r"cn analytics predict ",
    "says what works": r"cn analytics recommend ",
    "writes the client report": r"cn report client ",
}
# what the README says the demo does not run: only the tour does
LEFT_TO_THE_TOUR = {
    "slots": r"\bslots\b",
    "the queue": r"post queue",
    "export/import": r"\bcn (export|import)\b",
    "`publish now`": r"publish now",
    "`publish due`": r"publish due",
    "`doctor`": r"\bdoctor\b",
}


def _demo_paragraph() -> str:
    start = README.index("`make demo` (`scripts/demo.sh`)")
    return README[start : README.index("\n\n", start)]


def test_the_readme_names_what_the_demo_runs_and_it_does() -> None:
    said = " ".join(_demo_paragraph().split())
    for claim, command in RUNS.items():
        assert claim in said, claim
        assert re.search(command, DEMO), f"README says the demo {claim!r}; demo.sh lacks it"


def test_what_the_readme_leaves_to_the_tour_the_demo_does_not_run() -> None:
    said = " ".join(_demo_paragraph().split())
    for claim, command in LEFT_TO_THE_TOUR.items():
        assert claim in said, claim
        assert not re.search(command, DEMO), f"demo.sh runs {claim}; the README says it does not"

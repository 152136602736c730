"""Create requests counted at the emulators, for the exactly-once tests.

Every exactly-once test counts at the platform, never only final records:

* ``requests``: create requests the emulator received (faults included);
* ``stored``: the ones that stored a post;
* ``client gone``: the ones whose sender went away (kill -9) before the body was
  read, so nothing was stored;
* ``second sends``: a second send of a post the platform already held, which the
  platform's own protection hid (X's duplicate-content refusal, Bluesky's
  repeated rkey, Mastodon's Idempotency-Key replay).

Each test appends one JSON line to ``test-artefacts/reliability-counts.jsonl``
(``CLIENTNEST_TEST_RUN_LABEL`` names the run), so loaded runs can be compared.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from clientnest_cli.sandbox.framework import CLIENT_GONE, STORED, SandboxServer

CREATE_CALLS = {
    "x": "POST /2/tweets",
    "bluesky": "com.atproto.repo.createRecord",
    "mastodon": "POST /api/v1/statuses",
}
SECOND_SENDS = {
    "x": "POST /2/tweets: duplicate refused",
    "bluesky": "createRecord: repeated rkey",
    "mastodon": "POST /api/v1/statuses: idempotent replay",
}
COUNTS_FILE = Path(__file__).resolve().parents[2] / "test-artefacts" / "reliability-counts.jsonl"


def tally(sandbox: SandboxServer) -> dict[str, dict[str, int]]:
    """Per platform: requests, stored, client gone, second sends."""
    out = {}
    for platform, call in CREATE_CALLS.items():
        calls = sandbox.emulator(platform).calls  # type: ignore[attr-defined]
        out[platform] = {
            "requests": calls[call],
            "stored": calls[f"{call}: {STORED}"],
            "client gone": calls[f"{call}: {CLIENT_GONE}"],
            "second sends": calls[SECOND_SENDS[platform]],
        }
    return out


def record(
    test: str, posts: dict[str, int], counts: dict[str, dict[str, int]], **extra: object
) -> None:
    """Append this test's counts to the artefacts file (read by people, not asserted)."""
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "run": os.environ.get("CLIENTNEST_TEST_RUN_LABEL", ""),
        "loaded": bool(os.environ.get("CLIENTNEST_TEST_BURN")),
        "test": test,
        "posts": posts,
        "counts": counts,
        **extra,
    }
    with COUNTS_FILE.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def check_exactly_once_at_platform(
    sandbox: SandboxServer,
    posts: dict[str, int],
    test: str,
    context: str,
    *,
    cut_before_write: bool = False,
    faults: bool = False,
    **extra: object,
) -> dict[str, dict[str, int]]:
    """Every platform stored exactly one create per post and never saw a second send
    of a stored post. Create requests equal posts, except that where a sender can
    give up mid-request (``cut_before_write``: kill -9, an HTTP timeout) a request
    that stored nothing is counted as "client gone", and with injected faults (``faults``) requests
    answered 5xx/429 before any write add to the count."""
    counts = tally(sandbox)
    record(test, posts, counts, **extra)
    print(f"{context}: create requests at the platforms {counts} for posts {posts}")
    for platform, wanted in posts.items():
        got = counts[platform]
        where = f"{context}: {platform} {got} for {wanted} posts"
        assert got["stored"] == wanted, f"{where}: stored creates != posts"
        assert got["second sends"] == 0, f"{where}: a second send of a stored post arrived"
        if faults:
            continue
        explained = got["stored"] + (got["client gone"] if cut_before_write else 0)
        assert got["requests"] == explained, f"{where}: create requests not explained"
    return counts

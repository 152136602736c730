"""Fencing: no send after the lease can have passed.

A publisher owns a post through a lease (``lease_seconds``) in the store.
A lease alone cannot stop a process that stalls (a full pool, a slow
machine, a SIGSTOP) and wakes up after another publisher took the post over;
so both sides keep a distance of one HTTP request plus a margin:

* **The holder** renews its lease right before the send and then sends only
  while the renewed lease has at least ``http_timeout_seconds +
  fence_margin_seconds`` left. The check runs once after the renewal and
  again inside the HTTP client, right before each request of the send goes
  on the wire (an httpx request hook), so a process that was frozen between
  the renewal and the request finds its budget spent and sends nothing.
* **A reconciler** takes an expired lease over only after ``lease end +
  http_timeout_seconds + fence_margin_seconds``: a request its holder
  started just inside the budget has finished (or timed out) by then, so the
  lookup that follows sees it.

The budget is measured on the holder's monotonic clock from *before* the
renewal was written, so it always ends before the lease recorded in the
store. What no client-side rule can close is a freeze after the last check
and before the kernel sends the bytes (microseconds); there the platform's
own duplicate protection (Bluesky's record key, Mastodon's Idempotency-Key)
is the last line, and reconciliation still asks before anything is re-sent.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class LeaseLost(Exception):
    """Our claim was taken over, or its time ran short, before the send: send nothing."""


class Fence:
    """The send budget of the current thread's post (one publisher, many threads)."""

    def __init__(self, lease_s: float, http_timeout_s: float, margin_s: float) -> None:
        self.budget_s = lease_s - http_timeout_s - margin_s
        self.grace_s = http_timeout_s + margin_s
        self._local = threading.local()

    def arm(self, renewed_at: float) -> None:
        """After a renewal written at monotonic time ``renewed_at``: refuse if already spent."""
        self._local.deadline = renewed_at + self.budget_s
        self.check()

    def disarm(self) -> None:
        self._local.deadline = None

    def check(self) -> None:
        deadline = getattr(self._local, "deadline", None)
        if deadline is not None and time.monotonic() > deadline:
            raise LeaseLost("the lease had too little time left to send safely")

    def request_hook(self, _request: Any) -> None:
        """httpx ``event_hooks["request"]``: runs right before a request is sent."""
        self.check()

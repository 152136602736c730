"""What one publishing run did with each post it handled."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field, fields


def make_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Report:
    published: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    retrying: list[tuple[int, str]] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    lost_lease: list[int] = field(default_factory=list)
    checking: list[tuple[int, str]] = field(default_factory=list)
    unconfirmed: list[tuple[int, str]] = field(default_factory=list)  # may have gone out

    def add(self, other: Report) -> None:
        for f in fields(self):
            getattr(self, f.name).extend(getattr(other, f.name))

    @property
    def handled(self) -> int:
        """Posts this run settled one way or another (a lost lease is someone else's)."""
        return sum(len(getattr(self, f.name)) for f in fields(self) if f.name != "lost_lease")

"""Recording successful sends, and renewing leases right before sends: one writer
each, batched transactions.

Used by services/publisher.py; see ``Recorder``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from clientnest_cli.domain.outgoing import PublishedRef
from clientnest_cli.errors import StoreError

log = logging.getLogger("clientnest.publish")


class _Item(Protocol):
    done: bool
    error: StoreError | None
    ready: threading.Event


T = TypeVar("T", bound=_Item)


@dataclass
class Published:
    job: Any  # publisher._Job
    attempt_id: int
    ref: PublishedRef
    outcome: str
    done: bool = False
    error: StoreError | None = None
    ready: threading.Event = field(default_factory=threading.Event)


@dataclass
class Renewal:
    """A lease renewal asked for right before a send; ``renewed_at`` is the writer's
    monotonic time taken before the renewal was written (the fence's start)."""

    post_id: int
    renewed_at: float = 0.0
    done: bool = False
    error: StoreError | None = None
    ready: threading.Event = field(default_factory=threading.Event)


class Recorder(Generic[T]):
    """One writer for successful sends (and another for lease renewals).

    Sixteen sending threads each committing their own outcome queue on the
    store's write lock (SQLite has one) and convoy on the GIL. Senders hand
    their result here; one thread writes whatever has queued up in a single
    transaction. A batch of sends (``Publisher._send_all``) returns only after
    each of its posts is recorded, so nothing about exactly-once changes: a
    crash before the write leaves the post `publishing`, for reconciliation. While the store is away
    the batch is retried for ``patience`` seconds.
    """

    MAX_BATCH = 64

    def __init__(
        self,
        write: Callable[[list[T]], list[bool]],
        patience: float,
        stopping: threading.Event,
        name: str = "recorder",
    ) -> None:
        self._write = write
        self._patience = patience
        self._stopping = stopping
        self._queue: queue.Queue[T | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"publish-{name}", daemon=True)
        self._thread.start()

    def submit(self, item: T) -> T:
        """Queue ``item`` without waiting; ``item.ready`` is set once it is written."""
        self._queue.put(item)
        return item

    def record(self, item: T) -> bool:
        self.submit(item).ready.wait()
        if item.error is not None:
            raise item.error
        return item.done

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                batch.append(more)
            self._settle(batch)

    def _settle(self, batch: list[T]) -> None:
        deadline = time.monotonic() + self._patience
        while True:
            try:
                results = self._write(batch)
                break
            except StoreError as exc:
                if time.monotonic() > deadline or self._stopping.is_set():
                    for item in batch:
                        item.error = exc
                        item.ready.set()
                    return
                time.sleep(1.0)
            except Exception as exc:  # never leave a sender waiting forever
                log.exception("recording published posts failed")
                for item in batch:
                    item.error = StoreError(f"could not record the outcome: {exc}")
                    item.ready.set()
                return
        for item, done in zip(batch, results, strict=True):
            item.done = done
            item.ready.set()

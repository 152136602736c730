"""Recording successful sends: one writer, batched transactions.

Used by services/publisher.py; see ``Recorder``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clientnest_cli.domain.outgoing import PublishedRef
from clientnest_cli.errors import StoreError

log = logging.getLogger("clientnest.publish")


@dataclass
class Published:
    job: Any  # publisher._Job
    attempt_id: int
    ref: PublishedRef
    outcome: str
    done: bool = False
    error: StoreError | None = None
    ready: threading.Event = field(default_factory=threading.Event)


class Recorder:
    """One writer for successful sends.

    Sixteen sending threads each committing their own outcome queue on the
    store's write lock (SQLite has one) and convoy on the GIL. Senders hand
    their result here and wait; one thread writes whatever has queued up in a
    single transaction. A sender still returns only after its post is
    recorded, so nothing about exactly-once changes: a crash before the write
    leaves the post `publishing`, for reconciliation. While the store is away
    the batch is retried for ``patience`` seconds.
    """

    MAX_BATCH = 64

    def __init__(
        self,
        write: Callable[[list[Published]], list[bool]],
        patience: float,
        stopping: threading.Event,
    ) -> None:
        self._write = write
        self._patience = patience
        self._stopping = stopping
        self._queue: queue.Queue[Published | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="publish-recorder", daemon=True)
        self._thread.start()

    def record(self, item: Published) -> bool:
        self._queue.put(item)
        item.ready.wait()
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

    def _settle(self, batch: list[Published]) -> None:
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

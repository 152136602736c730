"""The faults an emulator can be told to inject: errors, throttling, latency,
dropped connections after the write, held requests (``POST /_sandbox/NAME/faults``)."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

HOLD_MAX_S = 60.0  # a held request goes on by itself after this long


@dataclass
class Faults:
    """Fault switches. Rates are probabilities per request (0..1)."""

    error_rate: float = 0.0  # 5xx before anything is written
    error_times: int = 0  # the next N requests: a 5xx before anything is written
    error_status: int = 503  # the status of those errors (e.g. 400 for a refusal)
    error_message: str = ""  # their message, in the platform's error format ("" = a default)
    rate_limit_rate: float = 0.0  # 429 (or the platform's throttle) before writing
    rate_limit_reset_s: float = 1.0  # how far ahead the reset header points
    latency_s: float = 0.0  # added to every request
    hold: bool = False  # requests wait (up to HOLD_MAX_S) until this is switched off
    drop_after_write: float = 0.0  # store the write, then cut the connection
    error_after_write: float = 0.0  # store the write, then answer 502 (a proxy in front)
    error_after_write_times: int = 0  # the next N writes: store, then answer 502
    wrong_status: int = 0  # answer writes with this status (e.g. 302, 202), storing nothing
    duplicate_rejection: bool = True  # the platform's own duplicate-content check
    consent: str = "approve"  # OAuth consent: approve | deny | never (no redirect)
    seed: int | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.holding = 0  # requests waiting on ``hold`` right now

    async def wait_while_held(self) -> None:
        """``hold``: keep a request on the wire until the test lets it go (bounded)."""
        if not self.hold:
            return
        self.holding += 1
        try:
            deadline = time.monotonic() + HOLD_MAX_S
            while self.hold and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        finally:
            self.holding -= 1

    def roll(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def take_error(self) -> bool:
        if self.error_times > 0:
            self.error_times -= 1
            return True
        return False

    def take_after_write(self) -> bool:
        if self.error_after_write_times > 0:
            self.error_after_write_times -= 1
            return True
        return False

    def update(self, values: dict[str, Any]) -> None:
        names = {f.name for f in fields(self)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        for key, value in values.items():
            setattr(self, key, value)
        if "seed" in values:
            self._rng = random.Random(self.seed)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # fields only (``holding`` is not one)

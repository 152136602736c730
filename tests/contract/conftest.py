"""Contract tests: the platforms' own reference clients against our emulators.

The emulators and the adapters were written from the same reading of the
docs; a library we did not write is the second opinion. Each test drives one
emulator (through the shared ``sandbox`` fixture) the way an ordinary user of
that library would.
"""

from __future__ import annotations

import base64

# A real 1x1 PNG: reference clients and servers sniff these bytes.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

"""Text hygiene: NFC, and no terminal control sequences in stored or shown text."""

from __future__ import annotations

import re
import unicodedata

# CSI / OSC / other ESC sequences, then any remaining C0/C1 control except \n and \t
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", _ANSI.sub("", text))


def normalise(text: str) -> str:
    """NFC, line endings unified, control characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_controls(unicodedata.normalize("NFC", text))

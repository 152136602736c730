"""Text hygiene: NFC, no terminal control sequences in stored or shown text.

``strip_controls`` is for text we keep (it only removes what no terminal or
platform needs). ``for_terminal`` is the stricter rule for anything shown: it
also neutralises bidi overrides (text that reads differently from how it is
stored), bounds runs of combining marks and the length, marking every cut with
an ellipsis. ``json_escape_invisible`` makes JSON text safe to print without
losing a character: the escapes decode back to the original.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
MAX_COMBINING = 8  # combining marks after one base character (real scripts use fewer)

# Escape sequences, 7-bit and 8-bit forms: CSI; OSC (OSC 8 links, OSC 52
# clipboard, titles) ended by BEL or ST; DCS/SOS/PM/APC strings ended by ST;
# any other ESC + intermediates + final byte. Whatever is left of a broken
# sequence is printable text once its control characters are gone.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
# C0 except tab and newline, DEL, C1
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embeddings, overrides and isolates, and the invisible direction marks
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What a JSON encoder leaves raw but a terminal may act on or render deceptively
_JSON_INVISIBLE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", _SEQUENCES.sub("", text))


def normalise(text: str) -> str:
    """NFC, line endings unified, control characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_controls(unicodedata.normalize("NFC", text))


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")


def bound_marks(text: str, limit: int = MAX_COMBINING) -> str:
    """Cut every run of more than ``limit`` combining marks, leaving an ellipsis."""
    if not any(_is_mark(ch) for ch in text):
        return text
    out: list[str] = []
    run = 0
    for ch in text:
        if _is_mark(ch):
            run += 1
            if run <= limit:
                out.append(ch)
            elif run == limit + 1:
                out.append(ELLIPSIS)
            continue
        run = 0
        out.append(ch)
    return "".join(out)


def bound_length(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def for_terminal(text: str, limit: int = 10_000, *, one_line: bool = False) -> str:
    """Outside text made safe to print: no escape sequences or control
    characters (tab and newline kept unless ``one_line``), no bidi overrides,
    combining-mark runs and length bounded with an ellipsis."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BIDI.sub("", strip_controls(text))
    if one_line:
        text = " ".join(text.split())
    return bound_length(bound_marks(text), limit)


def json_escape_invisible(encoded: str) -> str:
    """Escape DEL, C1, bidi and line-separator characters in JSON text as
    ``\\uXXXX`` (they only occur inside strings, so the JSON still decodes to
    the same values)."""
    return _JSON_INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)

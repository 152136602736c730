"""The pure sanitising rules behind the output layer."""

from __future__ import annotations

import json

import pytest

from clientnest_cli.domain.text import (
    ELLIPSIS,
    bound_marks,
    for_terminal,
    json_escape_invisible,
    normalise,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[31mb\x1b[0mc", "abc"),
        ("a\x9b2Jb", "ab"),  # 8-bit CSI
        ("a\x1b]0;title\x07b", "ab"),  # OSC ended by BEL
        ("a\x1b]8;;https://e.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8, ended by ST
        ("a\x9d52;c;Zm9v\x9cb", "ab"),  # 8-bit OSC 52
        ("a\x1bPq#0\x1b\\b", "ab"),  # DCS
        ("a\x1b]0;never ended", "a0;never ended"),  # a broken sequence is left as plain text
        ("a\x1bcb", "ab"),  # RIS
        ("a\rb\r\nc", "a\nb\nc"),  # no carriage return to overwrite a line
        ("\u202eevil\u202c \u2067x\u2069", "evil x"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("[/oops] [link=x]y[/link]", "[/oops] [link=x]y[/link]"),  # markup is Rich's concern
    ],
)
def test_for_terminal(raw: str, shown: str) -> None:
    assert for_terminal(raw) == shown


def test_nothing_a_terminal_acts_on_survives_any_byte() -> None:
    every = "".join(chr(c) for c in range(0x00, 0xA0))
    kept = for_terminal(every)
    assert kept == "\t\n\n" + "".join(chr(c) for c in range(0x20, 0x7F))  # CR became LF


def test_length_and_marks_are_bounded_with_an_ellipsis() -> None:
    assert for_terminal("x" * 50, 10) == "x" * 9 + ELLIPSIS
    zalgo = "e" + "\u0301" * 10_000 + "f"
    assert bound_marks(zalgo, 8) == "e" + "\u0301" * 8 + ELLIPSIS + "f"
    assert bound_marks("Việt Nam", 8) == "Việt Nam"  # real scripts untouched
    assert for_terminal("a  b\n c", one_line=True) == "a b c"


def test_json_escapes_decode_to_the_original() -> None:
    value = {"text": "\x1b]0;t\x07 \x85\x9b \u202e \u2028 ok"}
    encoded = json_escape_invisible(json.dumps(value, ensure_ascii=False))
    assert json.loads(encoded) == value
    assert not any(0x7F <= ord(ch) <= 0x9F or ch in "\u202e\u2028" for ch in encoded)


def test_normalise_for_storage_keeps_bidi_but_no_controls() -> None:
    assert normalise("a\x1b]0;x\x07b\u202e") == "ab\u202e"

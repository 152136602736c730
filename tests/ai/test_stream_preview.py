"""What the editor shows of a reply still streaming in: the partial JSON readers."""

from __future__ import annotations

import pytest

from clientnest_cli.services.ai_stream import field_preview, list_preview, partial_json, watcher


@pytest.mark.parametrize(
    ("prefix", "value"),
    [
        ('{"text": "Hel', {"text": "Hel"}),
        ('{"text": "a \\"q', {"text": 'a "q'}),
        ('{"text": "caf\\u00', {"text": "caf"}),
        ('{"text": "x\\', {"text": "x"}),
        ('{"text": "done", ', {"text": "done"}),
        ('{"text": "done", "expl', None),
        ('{"hashtags": ["#a", "#b', {"hashtags": ["#a", "#b"]}),
        ('{"n": ', {"n": None}),
        ('```json\n{"text": "fenced', {"text": "fenced"}),
        ("", None),
    ],
)
def test_partial_json_reads_what_has_come(prefix: str, value: object) -> None:
    assert partial_json(prefix) == value


def test_previews_pick_the_field_and_the_list() -> None:
    assert field_preview("text")('{"text": "New roa') == "New roa"
    assert field_preview("text")('{"other": 1') is None
    assert list_preview("hashtags")('{"hashtags": ["#Coffee", "#Ro') == "Coffee, Ro"


def test_watcher_tells_each_new_preview_once() -> None:
    told: list[str] = []
    on_piece = watcher(told.append, field_preview("text"))
    assert on_piece is not None
    for piece in ['{"te', 'xt": "', "Hi", " there", '", "x": ', "1}"]:
        on_piece(piece)
    assert told == ["Hi", "Hi there"]
    assert watcher(None, field_preview("text")) is None

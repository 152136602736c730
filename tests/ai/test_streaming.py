"""ChatClient streaming (``on_piece``) against the AI emulator's server-sent events."""

from __future__ import annotations

import pytest

from clientnest_cli.ai.streaming import sse_data
from clientnest_cli.errors import AIError
from tests.ai.test_client import JSON_MESSAGES, SECRET, TOPIC_MESSAGES, emu, make_client

__all__ = ["emu"]  # the fixture, shared with test_client


def test_a_streamed_reply_arrives_in_pieces_and_equals_the_whole_one(sandbox, emu):
    client = make_client(sandbox)
    whole = client.complete(TOPIC_MESSAGES, max_tokens=200)
    pieces: list[str] = []
    streamed = client.complete(TOPIC_MESSAGES, max_tokens=200, on_piece=pieces.append)
    recorded = emu.snapshot()["requests"][-1]
    assert recorded["stream"] is True
    assert len(pieces) > 3 and "".join(pieces) == streamed.text == whole.text
    assert (streamed.prompt_tokens, streamed.completion_tokens) == (
        whole.prompt_tokens,
        whole.completion_tokens,
    )
    assert streamed.completion_tokens == recorded["completion_tokens"]
    assert streamed.finish_reason == "stop" and not streamed.usage_estimated
    assert client.last_completion == streamed


def test_json_mode_streams_too(sandbox):
    client = make_client(sandbox)
    whole = client.complete(JSON_MESSAGES, max_tokens=300, json_mode=True)
    pieces: list[str] = []
    streamed = client.complete(
        JSON_MESSAGES, max_tokens=300, json_mode=True, on_piece=pieces.append
    )
    assert len(pieces) > 1 and streamed.text == whole.text


def test_a_stream_is_retried_before_its_first_piece(sandbox, emu):
    emu.ai_faults.update(fail_next=1, fail_status=503)
    pieces: list[str] = []
    make_client(sandbox).complete(TOPIC_MESSAGES, max_tokens=100, on_piece=pieces.append)
    assert "solar" in "".join(pieces)
    assert emu.calls == 2


def test_a_stream_cut_midway_is_an_error_and_is_not_sent_again(sandbox, emu):
    emu.faults.drop_after_write = 1.0
    client = make_client(sandbox)
    pieces: list[str] = []
    with pytest.raises(AIError, match="stream broke off") as caught:
        client.complete(TOPIC_MESSAGES, max_tokens=100, on_piece=pieces.append)
    assert len(pieces) == 2
    assert caught.value.kind == "retryable"
    assert client.last_completion is None  # nothing finished: nothing billed
    assert emu.calls == 1  # text was already shown: not silently re-sent


def test_a_rejected_key_fails_before_any_piece(sandbox):
    pieces: list[str] = []
    with pytest.raises(AIError) as caught:
        make_client(sandbox, key=SECRET).complete(
            TOPIC_MESSAGES, max_tokens=10, on_piece=pieces.append
        )
    assert caught.value.kind == "auth" and pieces == []
    assert SECRET not in caught.value.one_line()


def test_an_empty_stream_is_an_error_but_is_billed(sandbox, emu):
    emu.ai_faults["mode"] = "empty"
    client = make_client(sandbox)
    with pytest.raises(AIError, match="empty reply"):
        client.complete(TOPIC_MESSAGES, max_tokens=10, on_piece=lambda _p: None)
    assert client.last_completion is not None
    assert client.last_completion.prompt_tokens > 0


def test_sse_data_skips_comments_joins_lines_and_stops_at_done():
    lines = [
        ": keep-alive",
        "",
        'data: {"a":',
        "data: 1}",
        "",
        "event: x",
        "data: [DONE]",
        "",
        "data: late",
    ]
    assert list(sse_data(lines)) == ['{"a":\n1}']

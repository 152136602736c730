"""Reading a streamed reply: server-sent events of ``chat.completion.chunk`` objects.

With ``stream: true`` an OpenAI-compatible server answers with ``data:`` events,
each a chunk whose ``choices[0].delta.content`` is the next piece of text, and
ends with ``data: [DONE]``. With ``stream_options: {"include_usage": true}``
(OpenAI) the last chunk before ``[DONE]`` carries the usage of the whole call
and an empty ``choices``; DeepSeek puts the usage on its last chunk too.
Comment lines (``: keep-alive``) are skipped. A server without usage gets the
same estimate as a non-streamed reply.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from clientnest_cli.ai import failures
from clientnest_cli.ai.completion import Completion, Message, usage_or_estimate
from clientnest_cli.errors import AIError

if TYPE_CHECKING:
    import httpx

OnPiece = Callable[[str], None]


class _Reply:
    """What the chunks said so far: text pieces, model, finish reason, usage."""

    def __init__(self, model: str) -> None:
        self.parts: list[str] = []
        self.model = model
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] = {}

    def take(self, chunk: Any, base_url: str) -> str:
        """Absorb one chunk; the text it adds (maybe empty)."""
        if not isinstance(chunk, dict):
            raise failures.not_openai_compatible(base_url)
        if "error" in chunk:
            message, _ = failures.provider_message(chunk)
            raise AIError(
                f"the AI provider failed mid-reply: {failures.redact(message, None)}",
                kind="retryable",
                hint=failures.provider_down_hint(base_url),
            )
        self.model = str(chunk.get("model") or self.model)
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        added = []
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
            piece = (choice.get("delta") or {}).get("content")
            if isinstance(piece, str) and piece:
                added.append(piece)
        self.parts += added
        return "".join(added)


def read_stream(
    response: httpx.Response,
    *,
    messages: Sequence[Message],
    model: str,
    base_url: str,
    on_piece: OnPiece,
    started: float,
) -> Completion:
    """The whole reply of a streamed call, handing each piece to ``on_piece`` as it
    arrives. The response is closed however this ends; a connection that breaks
    off is an AIError (not retried: the pieces were already shown)."""
    import httpx

    reply = _Reply(model)
    try:
        for data in sse_data(response.iter_lines()):
            try:
                chunk = json.loads(data)
            except ValueError:
                raise failures.not_openai_compatible(base_url) from None
            piece = reply.take(chunk, base_url)
            if piece:
                on_piece(piece)
    except httpx.TransportError as exc:
        raise failures.stream_broke(base_url, exc) from None
    finally:
        response.close()
    text = "".join(reply.parts)
    prompt_tokens, completion_tokens, estimated = usage_or_estimate(reply.usage, messages, text)
    return Completion(
        text=text,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        model=reply.model,
        latency_s=time.monotonic() - started,
        finish_reason=reply.finish_reason,
        usage_estimated=estimated,
    )


def sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The data of each server-sent event, until ``[DONE]``.

    Comment lines and other fields are skipped; several ``data:`` lines of one
    event are joined with newlines, as the SSE format says.
    """
    buffer: list[str] = []
    for line in lines:
        if line.startswith("data:"):
            buffer.append(line[5:].removeprefix(" "))
            continue
        if line.strip() or not buffer:
            continue
        data, buffer = "\n".join(buffer), []
        if data.strip() == "[DONE]":
            return
        yield data
    if buffer and "\n".join(buffer).strip() != "[DONE]":
        yield "\n".join(buffer)

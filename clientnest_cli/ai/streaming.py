"""Streaming replies: server-sent events of chat.completion.chunk objects."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from clientnest_cli.ai import failures
from clientnest_cli.ai.completion import Completion, Message, usage_or_estimate
from clientnest_cli.errors import AIError

if TYPE_CHECKING:
    import httpx


class ChatStream(Iterator[str]):
    """An iterator of reply pieces; ``completion`` is set once it is exhausted
    (also when the reply was empty, which then raises AIError).

    The connection is closed when iteration ends, fails, or ``close()`` is
    called (breaking out of a ``for`` loop early: call ``close()``).
    """

    def __init__(
        self,
        *,
        open_response: Callable[[], httpx.Response],
        messages: Sequence[Message],
        model: str,
        base_url: str,
        on_done: Callable[[Completion], None] | None = None,
    ) -> None:
        self._messages = messages
        self._base_url = base_url
        self._on_done = on_done
        self.model = model
        self.finish_reason: str | None = None
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.completion: Completion | None = None
        self._parts: list[str] = []
        self._started = time.monotonic()
        self._pieces = self._run(open_response)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> str:
        return next(self._pieces)

    def close(self) -> None:
        self._pieces.close()

    def _run(self, open_response: Callable[[], httpx.Response]) -> Iterator[str]:
        import httpx

        response = open_response()
        try:
            for data in sse_data(response.iter_lines()):
                yield from self._take(data)
        except httpx.TransportError as exc:
            raise failures.stream_broke(self._base_url, exc) from None
        finally:
            response.close()
        self._finish()

    def _take(self, data: str) -> Iterator[str]:
        """Absorb one chunk; yield its text."""
        try:
            chunk = json.loads(data)
        except ValueError:
            raise failures.not_openai_compatible(self._base_url) from None
        if not isinstance(chunk, dict):
            raise failures.not_openai_compatible(self._base_url)
        if "error" in chunk:
            message, _ = failures.provider_message(chunk)
            raise AIError(
                f"the AI provider failed mid-reply: {failures.redact(message, None)}",
                kind="retryable",
                hint=failures.provider_down_hint(self._base_url),
            )
        self.model = str(chunk.get("model") or self.model)
        usage = chunk.get("usage")
        if isinstance(usage, dict) and usage.get("prompt_tokens") is not None:
            self.prompt_tokens = int(usage["prompt_tokens"])
            self.completion_tokens = int(usage.get("completion_tokens") or 0)
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
            piece = (choice.get("delta") or {}).get("content")
            if piece:
                self._parts.append(piece)
                yield piece

    def _finish(self) -> None:
        text = self.text
        usage = {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}
        prompt_tokens, completion_tokens, estimated = usage_or_estimate(usage, self._messages, text)
        self.completion = Completion(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            model=self.model,
            latency_s=time.monotonic() - self._started,
            finish_reason=self.finish_reason,
            usage_estimated=estimated,
        )
        if self._on_done is not None:
            self._on_done(self.completion)  # billed even when it turns out empty
        if not text.strip():
            raise failures.empty_reply(self.finish_reason)


def sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The data of each server-sent event, until ``[DONE]``.

    Comment lines (``: keep-alive``) and other fields are skipped; several
    ``data:`` lines of one event are joined with newlines, as SSE specifies.
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

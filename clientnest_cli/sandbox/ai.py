"""Emulator of an OpenAI-compatible chat-completions API (DeepSeek, OpenAI).

A test double, not a model: replies are built from the prompt itself (see
``ai_replies``), deterministic for the same prompt. Served under ``/ai``;
like DeepSeek it answers with and without ``/v1``, so a client's base URL is
``<sandbox>/ai/v1`` (or ``<sandbox>/ai``).

- ``POST /v1/chat/completions``: Bearer key check (401 with OpenAI's error
  body; a key flagged broke gets 402 "Insufficient Balance"), request
  validation (400 with ``param``; unknown model 404), JSON mode
  (``response_format: {"type": "json_object"}``; like OpenAI, the messages
  must mention JSON), ``max_tokens`` (the reply is cut, finish_reason
  "length"), ``usage``, and streaming as server-sent events ending in
  ``data: [DONE]`` with a usage chunk when ``stream_options.include_usage``.
- ``GET /v1/models``.

Faults: the framework's (5xx, 429 with Retry-After and retry-after-ms,
latency, drop after the reply was billed — a stream is cut after its second
word) plus ``ai_faults``:
``mode`` "" | "empty" | "malformed_json" | "too_long" (items longer than the
prompt allowed), ``fail_next`` (the next N calls fail with ``fail_status``,
for deterministic retry tests; ``fail_message`` replaces their message),
``reply`` (when set, every reply is this text, verbatim: for tests of what a
client does with hostile output).
"""

from __future__ import annotations

import json
import math
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from clientnest_cli.sandbox import ai_replies
from clientnest_cli.sandbox.framework import Emulator, bearer

DEFAULT_KEY = "sk-sandbox"
MODELS = ("deepseek-chat", "deepseek-reasoner", "gpt-4o-mini", "gpt-4o")
CONTEXT_LIMIT = 65_536
MAX_OUTPUT_TOKENS = 16_384
ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_balance",
    404: "invalid_request_error",
    429: "requests",
}


class RequestProblem(Exception):
    """A request the API refuses: status, message, param, code."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str = ""):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


class AIEmulator(Emulator):
    name = "ai"
    title = "AI chat completions (OpenAI-compatible) — a test double, not a real model"
    connect_hint = "ai.base_url = <sandbox>/ai/v1, key sk-sandbox"

    def reset(self) -> None:
        # A request still waiting out injected latency when a test resets the
        # emulator belongs to the old state: it must not touch the new one.
        self.generation = getattr(self, "generation", 0) + 1
        self.keys: set[str] = {DEFAULT_KEY}
        self.broke: set[str] = set()
        self.ai_faults: dict[str, Any] = {
            "mode": "",
            "fail_next": 0,
            "fail_status": 503,
            "fail_message": "",
            "reply": "",
        }
        self.calls = 0
        self.requests: list[dict[str, Any]] = []

    # --- Python controls for tests ---------------------------------------
    def add_key(self, key: str | None = None, *, broke: bool = False) -> list[str]:
        """Register ``key`` (a fresh one if None); returns every registered key."""
        with self.lock:
            key = key or f"sk-{secrets.token_hex(16)}"
            self.keys.add(key)
            if broke:
                self.broke.add(key)
            return sorted(self.keys)

    def set_broke(self, key: str, broke: bool = True) -> None:
        """A broke key authenticates but gets 402 Insufficient Balance."""
        with self.lock:
            (self.broke.add if broke else self.broke.discard)(key)

    def snapshot(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "requests": list(self.requests),
            "prompt_tokens": sum(r["prompt_tokens"] for r in self.requests),
            "completion_tokens": sum(r["completion_tokens"] for r in self.requests),
        }

    # --- HTTP --------------------------------------------------------------
    def routes(self) -> list[Route]:
        routes = []
        for prefix in ("/v1", ""):
            routes.append(Route(f"{prefix}/chat/completions", self.chat, methods=["POST"]))
            routes.append(Route(f"{prefix}/models", self.models, methods=["GET"]))
        return routes

    def error(
        self, status: int, message: str, code: str = "", param: str | None = None
    ) -> Response:
        kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        body = {"error": {"message": message, "type": kind, "param": param, "code": code or None}}
        return JSONResponse(body, status_code=status)

    def throttle(self) -> Response:
        reset_s = max(0.0, self.faults.rate_limit_reset_s)
        response = self.error(
            429, "Rate limit reached for requests. Please try again later.", "rate_limit_exceeded"
        )
        response.headers["Retry-After"] = str(math.ceil(reset_s))
        response.headers["retry-after-ms"] = str(int(reset_s * 1000))
        response.headers["x-ratelimit-remaining-requests"] = "0"
        response.headers["x-ratelimit-reset-requests"] = f"{reset_s:g}s"
        return response

    async def models(self, request: Request) -> Response:
        fault = await self.before_write()
        if fault is not None:
            return fault
        refused = self._check_key(bearer(request))
        if refused is not None:
            return refused
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "sandbox"} for m in MODELS]
        return JSONResponse({"object": "list", "data": data})

    async def chat(self, request: Request) -> Response:
        with self.lock:
            self.calls += 1
            generation = self.generation
        fault = await self.before_write()
        if generation != self.generation:
            return self.error(503, "The sandbox was reset while this request waited.")
        fault = fault or self._forced_failure()
        if fault is not None:
            return fault
        refused = self._check_key(bearer(request))
        if refused is not None:
            return refused
        try:
            body = await self._json_body(request)
            prompt_tokens = self._validate(body)
        except RequestProblem as problem:
            return self.error(problem.status, problem.message, problem.code, problem.param)
        result = self._reply(body, prompt_tokens)
        if body.get("stream"):
            drop = self.faults.roll(self.faults.drop_after_write)
            events = self._sse(body, result, drop_midway=drop)
            return StreamingResponse(events, media_type="text/event-stream")
        return self.maybe_drop(JSONResponse(self._completion_body(body, result)))

    # --- checks --------------------------------------------------------------
    def _forced_failure(self) -> Response | None:
        with self.lock:
            if self.ai_faults.get("fail_next", 0) <= 0:
                return None
            self.ai_faults["fail_next"] -= 1
            status = int(self.ai_faults.get("fail_status") or 503)
            message = str(self.ai_faults.get("fail_message") or "")
        if status == 429:
            return self.throttle()
        return self.error(status, message or "The server is overloaded, please try again later.")

    def _check_key(self, key: str | None) -> Response | None:
        if not key or key not in self.keys:
            shown = f"{key[:3]}****{key[-4:]}" if key and len(key) > 8 else "****"
            return self.error(
                401,
                f"Incorrect API key provided: {shown}. You can find your API key in the "
                "provider's console.",
                "invalid_api_key",
            )
        if key in self.broke:
            return self.error(402, "Insufficient Balance", "insufficient_balance")
        return None

    async def _json_body(self, request: Request) -> dict[str, Any]:
        if "application/json" not in request.headers.get("content-type", ""):
            raise RequestProblem(400, "Content-Type must be application/json.")
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise RequestProblem(400, "We could not parse the JSON body of your request.") from None
        if not isinstance(body, dict):
            raise RequestProblem(400, "The request body must be a JSON object.")
        return body

    def _validate(self, body: dict[str, Any]) -> int:
        """Raise RequestProblem for a request the API refuses; the prompt tokens."""
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise RequestProblem(400, "you must provide a model parameter", "model")
        if model not in MODELS:
            raise RequestProblem(
                404, f"The model `{model}` does not exist.", "model", "model_not_found"
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise RequestProblem(400, "'messages' must be a non-empty array.", "messages")
        for i, message in enumerate(messages):
            _check_message(i, message)
        _check_number(body, "max_tokens", int, 1, MAX_OUTPUT_TOKENS)
        _check_number(body, "temperature", (int, float), 0, 2)
        _check_streaming(body)
        if _json_mode(body) and "json" not in ai_replies.read_prompt(messages).everything.lower():
            raise RequestProblem(
                400,
                "'messages' must contain the word 'json' in some form, to use "
                "'response_format' of type 'json_object'.",
                "messages",
            )
        prompt_tokens = ai_replies.count_prompt_tokens(messages)
        if prompt_tokens > CONTEXT_LIMIT:
            raise RequestProblem(
                400,
                f"This model's maximum context length is {CONTEXT_LIMIT} tokens. However, "
                f"your messages resulted in {prompt_tokens} tokens.",
                "messages",
                "context_length_exceeded",
            )
        return prompt_tokens

    # --- the reply -----------------------------------------------------------
    def _reply(self, body: dict[str, Any], prompt_tokens: int) -> dict[str, Any]:
        mode = str(self.ai_faults.get("mode") or "")
        fixed = str(self.ai_faults.get("reply") or "")
        text = fixed or ai_replies.compose(body["messages"], json_mode=_json_mode(body), mode=mode)
        text, cut = ai_replies.cut_to_tokens(text, body.get("max_tokens") or MAX_OUTPUT_TOKENS)
        result = {
            "id": f"chatcmpl-{secrets.token_hex(12)}",
            "created": int(time.time()),
            "text": text,
            "finish_reason": "length" if cut else "stop",
            "prompt_tokens": prompt_tokens,
            "completion_tokens": ai_replies.count_tokens(text),
        }
        with self.lock:
            self.requests.append(
                {
                    "model": body["model"],
                    "stream": bool(body.get("stream")),
                    "json_mode": _json_mode(body),
                    "max_tokens": body.get("max_tokens"),
                    "messages": body["messages"],
                    "text": text,
                    "finish_reason": result["finish_reason"],
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": result["completion_tokens"],
                }
            )
        return result

    def _completion_body(self, body: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": result["id"],
            "object": "chat.completion",
            "created": result["created"],
            "model": body["model"],
            "system_fingerprint": "fp_sandbox",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result["text"]},
                    "logprobs": None,
                    "finish_reason": result["finish_reason"],
                }
            ],
            "usage": _usage(result),
        }

    async def _sse(
        self, body: dict[str, Any], result: dict[str, Any], *, drop_midway: bool = False
    ) -> AsyncIterator[bytes]:
        """The reply as chat.completion.chunk events, word by word; with
        ``drop_midway`` the connection is cut after the second word.

        As OpenAI documents ``stream_options.include_usage``: every chunk then
        has ``"usage": null`` and one more chunk before ``[DONE]`` has the
        usage of the whole call and an empty ``choices``."""
        with_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
            chunk = {
                "id": result["id"],
                "object": "chat.completion.chunk",
                "created": result["created"],
                "model": body["model"],
                "system_fingerprint": "fp_sandbox",
                "choices": choices,
                **({"usage": None} if with_usage else {}),
                **extra,
            }
            return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()

        def delta(content: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
            return [{"index": 0, "delta": content, "logprobs": None, "finish_reason": finish}]

        yield b": keep-alive\n\n"
        yield event(delta({"role": "assistant", "content": ""}))
        for number, piece in enumerate(_words(result["text"])):
            if drop_midway and number == 2:
                raise ConnectionAbortedError("sandbox: stream dropped midway")
            yield event(delta({"content": piece}))
        yield event(delta({}, result["finish_reason"]))
        if with_usage:
            yield event([], usage=_usage(result))
        yield b"data: [DONE]\n\n"


def _usage(result: dict[str, Any]) -> dict[str, int]:
    return {
        "prompt_tokens": result["prompt_tokens"],
        "completion_tokens": result["completion_tokens"],
        "total_tokens": result["prompt_tokens"] + result["completion_tokens"],
    }


def _words(text: str) -> list[str]:
    """Split keeping every character: each piece is a word and its trailing space."""
    pieces: list[str] = []
    for word in text.split(" "):
        pieces.append(word + " ")
    if pieces:
        pieces[-1] = pieces[-1][:-1]
    return [p for p in pieces if p]


def _json_mode(body: dict[str, Any]) -> bool:
    return (body.get("response_format") or {}).get("type") == "json_object"


def _check_message(index: int, message: Any) -> None:
    param = f"messages[{index}]"
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        raise RequestProblem(
            400, f"Invalid value for '{param}.role': expected one of {sorted(ROLES)}.", param
        )
    content = message.get("content")
    if not isinstance(content, str | list) and not (
        message["role"] == "assistant" and content is None
    ):
        raise RequestProblem(400, f"Invalid type for '{param}.content'.", f"{param}.content")


def _check_number(body: dict[str, Any], key: str, kind: Any, low: float, high: float) -> None:
    if key not in body or body[key] is None:
        return
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
        raise RequestProblem(
            400, f"Invalid '{key}': expected a number from {low} to {high}, got {value!r}.", key
        )


def _check_streaming(body: dict[str, Any]) -> None:
    if "stream" in body and not isinstance(body["stream"], bool):
        raise RequestProblem(400, "Invalid 'stream': expected a boolean.", "stream")
    if body.get("stream_options") is not None and not body.get("stream"):
        raise RequestProblem(
            400,
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            "stream_options",
        )
    format_ = body.get("response_format")
    if format_ is not None and (
        not isinstance(format_, dict) or format_.get("type") not in ("text", "json_object")
    ):
        raise RequestProblem(
            400,
            "Invalid 'response_format': type must be 'text' or 'json_object'.",
            "response_format",
        )

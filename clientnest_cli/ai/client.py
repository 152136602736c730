"""A client for the OpenAI chat-completions protocol, over httpx.

DeepSeek is the default provider; any compatible server works by changing
``base_url`` and ``model`` alone. ``base_url`` is used as given and
``/chat/completions`` is appended (nothing else, no ``/v1`` is added):

==========  ===============================  =================
provider    base_url                         model (example)
==========  ===============================  =================
DeepSeek    https://api.deepseek.com         deepseek-chat
OpenAI      https://api.openai.com/v1        gpt-4o-mini
Ollama      http://localhost:11434/v1        llama3.2
llama.cpp   http://localhost:8080/v1         (any)
vLLM        http://localhost:8000/v1         (the served model)
==========  ===============================  =================

Local servers that need no key still need *some* key set (any text will do).
Transient failures (429, 5xx, timeouts, refused connections) are retried
with exponential backoff and jitter, honouring Retry-After; everything else
becomes an ``AIError`` at once. The key is only ever put in the
Authorization header: never in a message, a log line or ``repr``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clientnest_cli import __version__
from clientnest_cli.ai import failures
from clientnest_cli.ai.completion import Completion, Message, parse_json_reply, usage_or_estimate
from clientnest_cli.ai.streaming import OnPiece, read_stream
from clientnest_cli.errors import AIError

if TYPE_CHECKING:
    import httpx

__all__ = ["ChatClient", "Completion", "parse_json_reply"]

USER_AGENT = f"ClientNest/{__version__}"

log = logging.getLogger("clientnest.ai")


class ChatClient:
    """Chat completions against one provider, one model.

    ``max_retries`` counts retries after the first attempt. ``backoff_s`` is
    the first backoff (doubled each retry, up to ``max_backoff_s``, jittered);
    a Retry-After longer than ``max_retry_after_s`` is not waited for.
    ``timeout`` applies to every request, also through a supplied ``http``.
    ``last_completion`` holds the newest reply (for usage accounting), set
    even when that reply was then refused as empty or not JSON.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None,
        timeout: float = 60.0,
        max_retries: int = 3,
        http: httpx.Client | None = None,
        *,
        backoff_s: float = 1.0,
        max_backoff_s: float = 20.0,
        max_retry_after_s: float = 60.0,
    ) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.model = model
        self._api_key = (api_key or "").strip()
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_retry_after_s = max_retry_after_s
        self._http = http
        self._owns_http = http is None
        self.last_completion: Completion | None = None

    def __repr__(self) -> str:
        return f"ChatClient(base_url={failures.display_url(self.base_url)!r}, model={self.model!r})"

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    # --- public calls ------------------------------------------------------
    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float = 0.7,
        json_mode: bool = False,
        on_piece: OnPiece | None = None,
    ) -> Completion:
        """One reply. Raises AIError on failure or an empty reply.

        With ``on_piece`` the reply is streamed (``stream: true``, usage asked
        for with ``stream_options.include_usage``) and each piece of text is
        handed to it as it arrives; the Completion returned is the same as
        without. Failures before the first piece are retried like any call;
        a stream that breaks off midway is an AIError, not re-sent.
        """
        stream = on_piece is not None
        payload = self._payload(messages, max_tokens, temperature, json_mode, stream=stream)
        started = time.monotonic()
        response = self._post(payload, stream=stream)
        if on_piece is not None:
            completion = read_stream(
                response,
                messages=messages,
                model=self.model,
                base_url=self.base_url,
                on_piece=on_piece,
                started=started,
            )
        else:
            completion = self._parse_completion(response, messages, time.monotonic() - started)
        self.last_completion = completion  # billed even when it turns out empty
        if not completion.text.strip():
            raise failures.empty_reply(completion.finish_reason)
        return completion

    def complete_json(
        self, messages: Sequence[Message], *, max_tokens: int, temperature: float = 0.7
    ) -> dict[str, Any]:
        """A JSON-mode reply parsed into a dict (usage in ``last_completion``)."""
        completion = self.complete(
            messages, max_tokens=max_tokens, temperature=temperature, json_mode=True
        )
        return parse_json_reply(completion)

    def close(self) -> None:
        if self._owns_http and self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- request -----------------------------------------------------------
    def _payload(
        self,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
        json_mode: bool,
        *,
        stream: bool = False,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if json_mode:
            payload["response_format"] = {"type": "json_object"}
        if stream:
            payload["stream"] = True
            payload["stream_options"] = {"include_usage": True}
        return payload

    def _check_ready(self) -> None:
        """Refuse before sending anything: no key, an unsendable key, a bad URL."""
        if not self._api_key:
            raise failures.missing_key()
        if not all(32 < ord(ch) < 127 for ch in self._api_key):
            raise failures.unusable_key()
        if not self.base_url.startswith(("http://", "https://")):
            raise failures.bad_base_url(self.base_url)
        _check_transport(self.url)

    def _client(self) -> httpx.Client:
        if self._http is None:
            import httpx

            self._http = httpx.Client(
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
                headers={"User-Agent": USER_AGENT},
                follow_redirects=False,
                event_hooks={"request": [lambda request: _check_transport(str(request.url))]},
            )
        return self._http

    def _post(self, payload: dict[str, Any], *, stream: bool = False) -> httpx.Response:
        """POST with retries; a 2xx response (its body unread when streaming) or AIError."""
        import httpx

        self._check_ready()
        http = self._client()
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Accept": "text/event-stream" if stream else "application/json",
        }
        from clientnest_cli.domain.retry import retrying

        def once() -> httpx.Response:
            request = http.build_request(
                "POST", self.url, json=payload, headers=headers, timeout=self.timeout
            )
            try:
                response = http.send(request, stream=stream)
            except httpx.UnsupportedProtocol:
                raise failures.bad_base_url(self.base_url) from None
            except httpx.TransportError as exc:
                raise failures.unreachable(self.base_url, exc) from exc
            if response.is_success:
                return response
            raise self._failure(response)

        def note(state: Any) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            message = getattr(error, "message", error)
            log.info("AI call failed (%s); retry %d in %.2f s", message, state.attempt_number, wait)

        policy = retrying(
            tries=self.max_retries + 1,
            base=self.backoff_s,
            cap=self.max_backoff_s,
            retry_on=lambda exc: isinstance(exc, AIError) and exc.kind == "retryable",
            max_asked=self.max_retry_after_s,
            before_sleep=note,
            sleep=self._sleep,
        )
        return policy(once)

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def _failure(self, response: httpx.Response) -> AIError:
        """Read and close an error response; the error, carrying any Retry-After."""
        try:
            response.read()
            body: Any = response.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        finally:
            response.close()
        retry_after = _retry_after(response.headers)
        error = failures.for_status(
            response.status_code,
            body,
            base_url=self.base_url,
            model=self.model,
            api_key=self._api_key,
            retry_after=retry_after,
        )
        error.retry_after = retry_after  # read by the retry policy
        return error

    # --- response ----------------------------------------------------------
    def _parse_completion(
        self, response: httpx.Response, messages: Sequence[Message], latency_s: float
    ) -> Completion:
        try:
            body = response.json()
            choice = body["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise failures.not_openai_compatible(self.base_url) from None
        usage = body.get("usage") or {}
        prompt_tokens, completion_tokens, estimated = usage_or_estimate(usage, messages, text)
        return Completion(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            model=str(body.get("model") or self.model),
            latency_s=latency_s,
            finish_reason=choice.get("finish_reason"),
            usage_estimated=estimated,
        )


def _check_transport(url: str) -> None:
    """Every request carries the key: https, or plain http to this machine only."""
    from clientnest_cli.domain.transport import LOCAL_HTTP_HINT, credential_refusal

    refusal = credential_refusal(url)
    if refusal is not None:
        raise AIError(f"{refusal} (ai.base_url)", kind="permanent", hint=LOCAL_HTTP_HINT)


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait: ``retry-after-ms`` (OpenAI) or ``Retry-After`` seconds."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return max(0.0, float(raw) * scale)
        except ValueError:
            continue  # an HTTP date: fall back to our own backoff
    return None

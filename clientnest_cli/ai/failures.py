"""Turn what an AI provider answered (or failed to) into ``AIError``.

One line a person understands, a hint saying what to do, and a ``kind`` as
for platform errors: "retryable" (429, 5xx, timeouts, connection refused),
"auth" (the key was rejected), "permanent" (everything retrying will not fix).
Nothing here ever puts the API key in a message: provider messages are
redacted before they are quoted.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from clientnest_cli.errors import AIError

KEY_HINT = "`clientnest ai key set` or CLIENTNEST_AI_API_KEY"
KNOWN_BASE_URLS = (
    "DeepSeek https://api.deepseek.com, OpenAI https://api.openai.com/v1, "
    "Ollama http://localhost:11434/v1"
)

# Things that look like API keys, in case a provider echoes one (OpenAI's 401
# message quotes a masked key; a proxy might quote a whole one).
_KEYLIKE = re.compile(r"\b(?:sk|pk|rk|key)[-_][A-Za-z0-9_\-*.]{4,}", re.IGNORECASE)
MAX_QUOTED_CHARS = 200


def display_url(url: str) -> str:
    """``url`` without user:password, query or fragment (safe to print)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def redact(text: str, api_key: str | None) -> str:
    """``text`` on one line, without the key or anything key-like, cut short."""
    if api_key:
        text = text.replace(api_key, "[redacted]")
    text = _KEYLIKE.sub("[redacted]", text)
    text = " ".join(text.split())
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 1] + "…"
    return text


def provider_message(body: Any) -> tuple[str, str]:
    """(message, code) from an error body.

    OpenAI and DeepSeek send {"error": {"message", "type", "code"}}; Ollama
    and some proxies send {"error": "text"}.
    """
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error", body)
    if isinstance(error, str):
        return error, ""
    if isinstance(error, dict):
        return str(error.get("message") or ""), str(error.get("code") or error.get("type") or "")
    return "", ""


def provider_down_hint(base_url: str) -> str:
    return f"check ai.base_url (now {display_url(base_url)}) or try again later"


def missing_key() -> AIError:
    return AIError("no AI API key is set", kind="permanent", hint=KEY_HINT)


def unusable_key() -> AIError:
    return AIError(
        "the AI API key contains characters that cannot be sent (a space or line break?)",
        kind="permanent",
        hint=f"set it again with {KEY_HINT}",
    )


def bad_base_url(base_url: str) -> AIError:
    return AIError(
        f"ai.base_url is not an http(s) URL: {display_url(base_url)!r}",
        kind="permanent",
        hint=f"set ai.base_url, e.g. {KNOWN_BASE_URLS}",
    )


def unreachable(base_url: str, exc: Exception) -> AIError:
    """A timeout, refused connection or broken connection before an answer."""
    name = type(exc).__name__
    if "Timeout" in name:
        what = "did not answer in time"
    elif "Connect" in name:
        what = "could not be reached"
    else:
        what = "dropped the connection before answering"
    return AIError(
        f"the AI provider {what} ({name})",
        kind="retryable",
        hint=provider_down_hint(base_url),
    )


def stream_broke(base_url: str, exc: Exception) -> AIError:
    return AIError(
        f"the AI reply stream broke off ({type(exc).__name__})",
        kind="retryable",
        hint=provider_down_hint(base_url),
    )


def not_openai_compatible(base_url: str) -> AIError:
    return AIError(
        "the AI provider's answer is not an OpenAI-compatible chat completion",
        kind="permanent",
        hint=f"check ai.base_url (now {display_url(base_url)}); known ones: {KNOWN_BASE_URLS}",
    )


def for_status(
    status: int,
    body: Any,
    *,
    base_url: str,
    model: str,
    api_key: str | None,
    retry_after: float | None = None,
) -> AIError:
    """The AIError for an HTTP error answer."""
    raw_message, code = provider_message(body)
    quoted = redact(raw_message, api_key)
    if status == 401:
        return AIError(
            "the AI provider rejected the API key",
            kind="auth",
            hint="set it with `clientnest ai key set`",
        )
    if status == 402 or code == "insufficient_quota":
        return AIError(
            "the AI provider reports insufficient balance on this account",
            kind="permanent",
            hint="top up the account at the provider (or use another one via ai.base_url)",
        )
    if status == 429:
        wait = f"in {retry_after:.0f} s" if retry_after else "in a minute"
        return AIError(
            "the AI provider is rate limiting requests",
            kind="retryable",
            hint=f"try again {wait}",
        )
    if status >= 500 or status in (408, 409):
        return AIError(
            f"the AI provider is down or overloaded (HTTP {status})",
            kind="retryable",
            hint=provider_down_hint(base_url),
        )
    if status == 404:
        return AIError(
            f"the AI provider has no model {model!r} or no chat endpoint at this address",
            kind="permanent",
            hint=f"check ai.model and ai.base_url ({KNOWN_BASE_URLS})",
        )
    if status == 403:
        return AIError(
            f"the AI provider refused access{': ' + quoted if quoted else ''}",
            kind="permanent",
            hint="check the account's permissions at the provider",
        )
    hint = "shorten the text" if "context" in (code + raw_message).lower() else None
    return AIError(
        f"the AI provider refused the request (HTTP {status}){': ' + quoted if quoted else ''}",
        kind="permanent",
        hint=hint,
    )


def empty_reply(finish_reason: str | None) -> AIError:
    if finish_reason == "content_filter":
        return AIError(
            "the AI provider withheld its reply (content filter)",
            kind="permanent",
            hint="rephrase the request",
        )
    return AIError(
        "the AI provider returned an empty reply",
        kind="retryable",
        hint="try again; if it keeps happening, try another ai.model",
    )


def malformed_json(finish_reason: str | None) -> AIError:
    if finish_reason == "length":
        return AIError(
            "the AI reply was cut off at max_tokens before its JSON was complete",
            kind="permanent",
            hint="allow more tokens for this request",
        )
    return AIError(
        "the AI reply was not the JSON object that was asked for",
        kind="retryable",
        hint="try again; if it keeps happening, choose a model with JSON output (ai.model)",
    )

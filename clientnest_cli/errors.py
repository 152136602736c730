"""One error tree for the whole program.

Every expected failure is a ``ClientNestError``. The CLI turns one into a
single line on stderr (reason, then a hint) and an exit code: 2 for bad input
or usage, 1 for an operation that failed. Nothing in a message may carry a
secret.
"""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


class ClientNestError(Exception):
    """Base of every expected failure."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


# --- bad input (exit 2) -------------------------------------------------------


class BadInput(ClientNestError):
    """The user asked for something malformed or impossible."""

    exit_code = EXIT_BAD_INPUT


class ConfigError(BadInput):
    """config.toml or the environment is unreadable or invalid."""


class NotFound(BadInput):
    """A named object (user, client, account, post) does not exist."""


class ValidationFailed(BadInput):
    """Content breaks a platform's rules; ``violations`` lists each one."""

    def __init__(self, message: str, violations: list[str] | None = None, hint: str | None = None):
        super().__init__(message, hint)
        self.violations = violations or []


class PermissionDenied(BadInput):
    """The acting user's role does not allow the action."""


class LimitReached(BadInput):
    """A tier limit (accounts, scheduled posts, AI tokens) would be exceeded."""


class NotInitialised(BadInput):
    """The store has not been created yet."""


# --- failed operations (exit 1) ----------------------------------------------


class StoreError(ClientNestError):
    """The database is unreachable, read-only, or at the wrong schema."""


class SecretsError(ClientNestError):
    """The keyring is unusable or a secret is missing."""


class PlatformError(ClientNestError):
    """A platform API call failed. ``kind`` says what the engine should do next.

    kind: "retryable" (timeouts before a response, 429, 5xx), "permanent"
    (validation, permission, duplicates not recognised as ours), "auth"
    (token expired/invalid: refresh once, then needs_reauth), "unknown"
    (the request may have been applied: reconcile, never resend blindly).

    ``nothing_sent``: the adapter knows the failing step came before any request
    that creates something (e.g. a read of settings before the upload), so even a
    5xx is an ordinary retryable error, not a send that may have landed.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "permanent",
        platform: str = "",
        status: int | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
        nothing_sent: bool = False,
    ) -> None:
        super().__init__(message, hint)
        self.kind = kind
        self.platform = platform
        self.status = status
        self.retry_after = retry_after
        self.nothing_sent = nothing_sent


class AIError(ClientNestError):
    """The AI provider failed or refused; ``kind`` as for PlatformError."""

    retry_after: float | None = None  # seconds the provider asked us to wait

    def __init__(self, message: str, *, kind: str = "permanent", hint: str | None = None):
        super().__init__(message, hint)
        self.kind = kind

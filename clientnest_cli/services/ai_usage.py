"""The AI key, the client, and metered calls: budget first, then a log row.

Key lookup order: the ``CLIENTNEST_AI_API_KEY`` environment variable, then
the keyring entry ``ai:api_key`` (`clientnest ai key set`). The environment
wins so a script or CI job can use another key without touching the
keyring.

Every call through ``Meter`` is checked against the acting user's monthly
token budget *before* anything is sent: the prompt estimate plus
``max_tokens`` is reserved with one conditional UPDATE (so two processes
cannot both spend the last tokens), then replaced by what the provider
reported. A failed call gives its reservation back: the user's budget only
counts calls that produced something. Every call, failed or not, writes an
``AIRequestLog`` row with the provider's token counts, the cost from
``ai.prices``, latency, outcome and the (already redacted) error text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clientnest_cli.ai.failures import KEY_HINT, redact
from clientnest_cli.ai.pricing import cost, estimate_tokens
from clientnest_cli.domain.ai_month import current_month, month_bounds, tokens_used
from clientnest_cli.errors import AIError, BadInput, ConfigError, LimitReached, NotFound
from clientnest_cli.store.ai_repos import AIUsage
from clientnest_cli.store.models import AIRequestLog
from clientnest_cli.store.repos import Users

if TYPE_CHECKING:
    from clientnest_cli.ai.client import ChatClient, Completion
    from clientnest_cli.services.context import AppContext

KEY_NAME = "ai:api_key"
KEY_ENV = "CLIENTNEST_AI_API_KEY"
BUDGET_HINT = (
    "wait for next month (budgets reset on the 1st, UTC) or move to a bigger tier "
    "(`clientnest users set-tier EMAIL TIER`)"
)
MAX_ERROR_CHARS = 1000
ENV_KEY_HINT = f"{KEY_ENV} is set and is used before the keyring: fix it or unset it"


# --- the key ------------------------------------------------------------------


def api_key(ctx: AppContext) -> tuple[str | None, str]:
    """(key, where it came from: "env", "keyring" or "")."""
    from_env = os.environ.get(KEY_ENV, "").strip()
    if from_env:
        return from_env, "env"
    stored = ctx.secrets.get(KEY_NAME)
    if stored and stored.strip():
        return stored.strip(), "keyring"
    return None, ""


def set_key(ctx: AppContext, key: str) -> None:
    key = key.strip()
    if not key:
        raise BadInput("no key was given", hint="paste the key at the prompt, or pipe it in")
    if not all(32 < ord(ch) < 127 for ch in key):
        raise BadInput(
            "the key contains spaces, line breaks or non-ASCII characters",
            hint="copy the key again from the provider's console",
        )
    actor = _key_admin(ctx, "setting the AI key")
    ctx.secrets.set(KEY_NAME, key)
    _key_audit(ctx, actor, "ai.key_set")


def clear_key(ctx: AppContext) -> bool:
    """Forget the stored key; False when there was none."""
    actor = _key_admin(ctx, "clearing the AI key")
    existed = bool(ctx.secrets.get(KEY_NAME))
    ctx.secrets.delete(KEY_NAME)
    _key_audit(ctx, actor, "ai.key_clear")
    return existed


def _key_admin(ctx: AppContext, doing: str) -> str:
    """The team's AI key is an admin's to change (it spends everyone's budget)."""
    from clientnest_cli.domain.enums import Role

    with ctx.store.session() as session:
        return ctx.require(session, Role.ADMIN, doing).email


def _key_audit(ctx: AppContext, actor: str, action: str) -> None:
    with ctx.store.session() as session:
        ctx.audit(session, actor, action, "ai_key", KEY_NAME)


def make_client(ctx: AppContext, *, require_key: bool = True) -> ChatClient:
    from clientnest_cli.ai.client import ChatClient

    key, _ = api_key(ctx)
    if require_key and not key:
        raise ConfigError("no AI API key is set", hint=KEY_HINT)
    settings = ctx.settings.ai
    return ChatClient(
        settings.base_url,
        settings.model,
        key,
        timeout=settings.timeout_seconds,
        max_retries=settings.max_retries,
    )


# --- metered calls --------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who pays for a call (plain values: safe to carry across sessions)."""

    user_id: int
    email: str


class Meter:
    """Metered AI calls on behalf of one user, through one client."""

    def __init__(self, ctx: AppContext, actor: Actor, client: ChatClient | None = None) -> None:
        self.ctx = ctx
        self.actor = actor
        self._client = client

    @property
    def client(self) -> ChatClient:
        if self._client is None:
            self._client = make_client(self.ctx)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(
        self,
        purpose: str,
        messages: Sequence[dict[str, Any]],
        *,
        max_tokens: int,
        json_mode: bool = False,
        check: Callable[[Completion, dict[str, Any] | None], None] | None = None,
        on_piece: Callable[[str], None] | None = None,
    ) -> tuple[Completion, dict[str, Any] | None]:
        """One reply (and its JSON object in JSON mode); AIError or LimitReached.

        ``check`` may refuse a reply of the wrong shape (raising AIError): the
        call is then logged as failed and not counted against the budget.
        ``on_piece`` streams the reply (the TUI): each piece is handed to it as
        it arrives; budget, log and result are the same as without.
        """
        from clientnest_cli.ai.completion import parse_json_reply

        client = self.client  # a missing key is refused before the budget is touched
        reserved, month = self._reserve(purpose, messages, max_tokens)
        client.last_completion = None
        started = time.monotonic()
        try:
            completion = client.complete(
                messages,
                max_tokens=max_tokens,
                temperature=self.ctx.settings.ai.temperature,
                json_mode=json_mode,
                on_piece=on_piece,
            )
            data = parse_json_reply(completion) if json_mode else None
            if check is not None:
                check(completion, data)
        except BaseException as exc:
            self._settle(purpose, reserved, month, client.last_completion, started, exc)
            if isinstance(exc, AIError) and exc.kind == "auth" and api_key(self.ctx)[1] == "env":
                raise AIError(exc.message, kind="auth", hint=ENV_KEY_HINT) from None
            raise
        self._settle(purpose, reserved, month, completion, started, None)
        return completion, data

    # --- budget and log ---------------------------------------------------------
    def _reserve(
        self, purpose: str, messages: Sequence[dict[str, Any]], max_tokens: int
    ) -> tuple[int, str]:
        need = estimate_tokens(messages) + max_tokens
        month = current_month()
        with self.ctx.store.session() as session:
            usage = AIUsage(session)
            usage.start_month(self.actor.user_id, month)
            if usage.reserve(self.actor.user_id, month, need):
                return need, month
            refusal = self._refusal(session, need, "this request")
        self._log(purpose, None, 0, outcome="refused", error=refusal.message)
        raise refusal

    def _refusal(self, session: Any, need: int, what: str) -> LimitReached:
        user = Users(session).by_id(self.actor.user_id)
        if user is None:
            raise NotFound(f"user {self.actor.email} no longer exists")
        left = max(0, user.ai_tokens_limit - user.ai_tokens_used)
        return LimitReached(
            f"{user.email} has {left:,} of {user.ai_tokens_limit:,} AI tokens left this "
            f"month ({user.tier} tier); {what} needs up to {need:,}",
            hint=BUDGET_HINT,
        )

    def ensure_room(
        self, purpose: str, messages: Sequence[dict[str, Any]], max_tokens: int, calls: int
    ) -> None:
        """Refuse (logged, nothing sent) unless the budget left covers ``calls`` such
        requests: for work worth nothing half done (the variants of an A/B test)."""
        need = calls * (estimate_tokens(messages) + max_tokens)
        with self.ctx.store.session() as session:
            usage = AIUsage(session)
            usage.start_month(self.actor.user_id, current_month())
            user = Users(session).by_id(self.actor.user_id)
            if user is not None and user.ai_tokens_used + need <= user.ai_tokens_limit:
                return
            refusal = self._refusal(session, need, f"these {calls} requests")
        self._log(purpose, None, 0, outcome="refused", error=refusal.message)
        raise refusal

    def _settle(
        self,
        purpose: str,
        reserved: int,
        month: str,
        completion: Completion | None,
        started: float,
        error: BaseException | None,
    ) -> None:
        """Give back the reservation, count what was used (only when it worked), log."""
        latency_ms = int(
            (completion.latency_s if completion else time.monotonic() - started) * 1000
        )
        used = completion.total_tokens if completion is not None and error is None else 0
        if isinstance(error, AIError):
            outcome, text = f"failed:{error.kind}", error.one_line()
        elif error is not None:
            outcome, text = "failed:error", f"{type(error).__name__}: {error}"
        else:
            outcome, text = "ok", ""
        key, _ = api_key(self.ctx)
        with self.ctx.store.session() as session:
            AIUsage(session).settle(self.actor.user_id, month, reserved, used)
        self._log(purpose, completion, latency_ms, outcome=outcome, error=redact(text, key))

    def _log(
        self,
        purpose: str,
        completion: Completion | None,
        latency_ms: int,
        *,
        outcome: str,
        error: str = "",
    ) -> None:
        model = completion.model if completion else self.ctx.settings.ai.model
        prompt = completion.prompt_tokens if completion else 0
        output = completion.completion_tokens if completion else 0
        with self.ctx.store.session() as session:
            AIUsage(session).log(
                AIRequestLog(
                    user_id=self.actor.user_id,
                    purpose=purpose[:50],
                    model=model[:100],
                    prompt_tokens=prompt,
                    completion_tokens=output,
                    cost=cost(model, prompt, output, self.ctx.settings.ai.prices),
                    latency_ms=latency_ms,
                    outcome=outcome[:50],
                    error=error[:MAX_ERROR_CHARS],
                )
            )


# --- the usage report -------------------------------------------------------------


def usage_report(
    ctx: AppContext, *, email: str | None = None, month: str | None = None
) -> dict[str, Any]:
    """Tokens, cost and requests per user and purpose in one month (default: this one)."""
    month = month or current_month()
    start, end = month_bounds(month)
    with ctx.store.session() as session:
        ctx.actor(session)
        users = Users(session)
        only = None
        if email:
            user = users.by_email(email)
            if user is None:
                raise NotFound(f"no user with email {email}", hint="see `clientnest users list`")
            only = user.id
        people = {u.id: u for u in users.all()}
        rows = AIUsage(session).summary(start, end, only)
    entries = []
    for user_id, purpose, requests, failed, prompt, output, dollars in rows:
        person = people.get(user_id)
        entries.append(
            {
                "user": person.email if person else "(removed user)",
                "purpose": purpose,
                "requests": requests,
                "failed": failed,
                "prompt_tokens": prompt,
                "completion_tokens": output,
                "total_tokens": prompt + output,
                "cost": round(dollars, 6),
            }
        )
    budgets = []  # the counters only know the current month
    if month == current_month():
        for person in people.values():
            if only is not None and person.id != only:
                continue
            budgets.append(
                {
                    "user": person.email,
                    "tier": person.tier,
                    "tokens_used": tokens_used(person, month),
                    "tokens_limit": person.ai_tokens_limit,
                }
            )
    return {"month": month, "usage": entries, "budgets": budgets}


# --- doctor -------------------------------------------------------------------------


def doctor(ctx: AppContext) -> list[dict[str, Any]]:
    """Checks of key, base URL and model, the last one with one tiny request.

    Each check is {"check", "ok", "detail"}. The request is logged (purpose
    "doctor") when a store exists; it is not counted against a budget.
    """
    from clientnest_cli.ai.client import ChatClient
    from clientnest_cli.ai.failures import display_url

    settings = ctx.settings.ai
    checks: list[dict[str, Any]] = []
    key, source = api_key(ctx)
    where = {"env": f"from {KEY_ENV}", "keyring": f"from the keyring ({KEY_NAME})"}
    checks.append(
        {
            "check": "key",
            "ok": bool(key),
            "detail": where.get(source, f"not set — {KEY_HINT}"),
        }
    )
    url_ok = settings.base_url.startswith(("http://", "https://"))
    checks.append(
        {
            "check": "base_url",
            "ok": url_ok,
            "detail": display_url(settings.base_url)
            if url_ok
            else f"{display_url(settings.base_url)} is not an http(s) URL",
        }
    )
    if not key or not url_ok:
        checks.append({"check": "model", "ok": False, "detail": f"{settings.model}: not tried"})
        return checks
    client = ChatClient(
        settings.base_url, settings.model, key, timeout=settings.timeout_seconds, max_retries=0
    )
    messages = [{"role": "user", "content": "Reply with the single word: OK"}]
    started = time.monotonic()
    error: AIError | None = None
    try:
        completion = client.complete(messages, max_tokens=5, temperature=0)
        detail = f"{completion.model} answered in {completion.latency_s * 1000:.0f} ms"
    except AIError as exc:
        error, detail = exc, f"{settings.model}: {exc.one_line()}"
    finally:
        client.close()
    checks.append({"check": "model", "ok": error is None, "detail": redact(detail, key)})
    _log_doctor(ctx, client.last_completion, started, error, key)
    return checks


def _log_doctor(
    ctx: AppContext,
    completion: Completion | None,
    started: float,
    error: AIError | None,
    key: str,
) -> None:
    from clientnest_cli.errors import ClientNestError

    try:
        with ctx.store.session() as session:
            user = ctx.actor(session)
            actor = Actor(user.id or 0, user.email)
    except ClientNestError:
        return  # no store yet: doctor still works, it just cannot log
    latency = completion.latency_s if completion else time.monotonic() - started
    Meter(ctx, actor)._log(
        "doctor",
        completion,
        int(latency * 1000),
        outcome=f"failed:{error.kind}" if error else "ok",
        error=redact(error.one_line(), key) if error else "",
    )

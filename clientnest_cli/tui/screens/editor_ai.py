"""The editor's AI keys: write from a topic, optimise the text, suggest hashtags.

Each goes through the same ``services.ai_content`` function as `clientnest ai
generate` / `ai optimize` / `ai hashtags` (same roles, budget and platform
checks). The answer streams into the editor as it arrives: the service tells
a callback on the worker thread what the reply says so far, which posts an
``AIStreamed`` message; the finished, checked answer then replaces it
(``AIFilled``). Streamed text is cleaned by the output layer's rule and handed
to widgets as plain values, never markup. The acting user's token budget is
shown and refreshed after every call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, SelectionList, Static, TextArea

from clientnest_cli.tui.text import editable, plain

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from clientnest_cli.services.ai_editor import Budget
    from clientnest_cli.services.ai_stream import OnText

AI_BINDINGS = [
    Binding("ctrl+g", "ai_generate", "AI write"),
    Binding("ctrl+o", "ai_optimize", "AI optimise"),
    Binding("ctrl+b", "ai_hashtags", "AI hashtags"),
]


class AIFilled(Message):
    """An AI answer is in the editor (``what``: generate, optimize or hashtags)."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what


class AIStreamed(Message):
    """More of an AI answer arrived while it streams (``text``: all of it so far, raw:
    shown only after the output layer's cleaning)."""

    def __init__(self, what: str, text: str, call: object = None) -> None:
        super().__init__()
        self.what = what
        self.text = text
        self.call = call  # which request it belongs to


class TopicPrompt(ModalScreen[str]):
    """Ask what the AI should write about (enter: go, escape: cancel)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="topic-prompt"):
            yield Label("What should the post be about? (enter: write, escape: cancel)")
            yield Input(placeholder="e.g. our autumn latte is back", id="topic")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss("")


class EditorAI:
    """Mixed into the editor screen (which provides ``ctx``, ``background``, ``notify``)."""

    def compose_ai(self) -> ComposeResult:
        yield Label("AI", classes="section")
        yield Static("", id="ai-budget")

    def load_budget(self) -> None:
        from clientnest_cli.services.ai_editor import budget

        ctx = self.ctx  # type: ignore[attr-defined]
        self.background(lambda: budget(ctx), self.show_budget, group="budget")  # type: ignore[attr-defined]

    def show_budget(self, left: Budget) -> None:
        from rich.text import Text

        text = Text(left.line(), style="red" if left.left == 0 else "")
        text.append("\nctrl+g write · ctrl+o optimise · ctrl+b hashtags", style="dim")
        self.query_one("#ai-budget", Static).update(text)  # type: ignore[attr-defined]

    def _targets(self) -> list[str]:
        return list(self.query_one("#targets", SelectionList).selected)  # type: ignore[attr-defined]

    def _text(self) -> TextArea:
        return self.query_one("#text", TextArea)  # type: ignore[attr-defined,no-any-return]

    def _ask(self, what: str, job: Callable[[OnText], Any], done: Callable[[Any], None]) -> None:
        """Run ``job(on_text)`` on a worker; ``on_text`` (called on the worker thread) posts
        each preview as AIStreamed. Previews of a call that has ended are ignored (the
        finished answer may already be shown); a failed call puts the field back."""
        self.notify("asking the AI…", timeout=3)  # type: ignore[attr-defined]
        before, call = self._field(what), object()
        self._ai_call = call

        def on_text(text: str) -> None:
            self.post_message(AIStreamed(what, text, call))  # type: ignore[attr-defined]

        def finished(result: Any) -> None:
            self._ai_call = None
            done(result)

        def failed(_message: str) -> None:
            self._ai_call = None
            self._set_field(what, before)
            self.load_budget()

        self.background(lambda: job(on_text), finished, group="ai", failed=failed)  # type: ignore[attr-defined]

    def on_aistreamed(self, event: AIStreamed) -> None:
        if event.call is getattr(self, "_ai_call", None):
            self._set_field(event.what, event.text)

    def _field(self, what: str) -> str:
        if what == "hashtags":
            return str(self.query_one("#hashtags", Input).value)  # type: ignore[attr-defined]
        return self._text().text

    def _set_field(self, what: str, text: str) -> None:
        if what == "hashtags":
            self.query_one("#hashtags", Input).value = plain(text, 600)  # type: ignore[attr-defined]
        else:
            self._text().text = editable(text)

    def _filled(self, what: str, warnings: list[str], cut: bool = False) -> None:
        if cut:
            self.notify("the AI's text was too long and was cut at a sentence boundary")  # type: ignore[attr-defined]
        for warning in warnings:
            self.notify(plain(warning, 300), severity="warning")  # type: ignore[attr-defined]
        self.load_budget()
        self.post_message(AIFilled(what))  # type: ignore[attr-defined]

    # --- generate ------------------------------------------------------------------
    def action_ai_generate(self) -> None:
        self.app.push_screen(TopicPrompt(), self._generate)  # type: ignore[attr-defined]

    def _generate(self, topic: str | None) -> None:
        if not topic:
            return
        from clientnest_cli.services.ai_content import GenerateRequest, generate

        ctx, request = self.ctx, GenerateRequest(topic=topic, targets=self._targets())  # type: ignore[attr-defined]

        def done(result: Any) -> None:
            draft = result.variants[0]
            self._text().text = editable(draft.text)
            self._filled("generate", draft.warnings, draft.cut)

        self._ask("generate", lambda on_text: generate(ctx, request, on_text=on_text), done)

    # --- optimise ------------------------------------------------------------------
    def action_ai_optimize(self) -> None:
        from clientnest_cli.services.ai_content import need_text, optimize_text
        from clientnest_cli.services.ai_editor import strictest_platform

        ctx, text, targets = self.ctx, self._text().text, self._targets()  # type: ignore[attr-defined]

        def job(on_text: OnText) -> Any:
            original = need_text(text, "text")
            return optimize_text(ctx, original, strictest_platform(targets), on_text=on_text)

        def done(result: Any) -> None:
            self._text().text = editable(result.text)
            if result.explanation:
                self.notify(plain(result.explanation, 300), title="Why", timeout=10)  # type: ignore[attr-defined]
            self._filled("optimize", result.warnings, result.cut)

        self._ask("optimize", job, done)

    # --- hashtags ------------------------------------------------------------------
    def action_ai_hashtags(self) -> None:
        from clientnest_cli.services.ai_content import suggest_hashtags
        from clientnest_cli.services.ai_editor import strictest_platform

        ctx, text, targets = self.ctx, self._text().text, self._targets()  # type: ignore[attr-defined]

        def job(on_text: OnText) -> list[str]:
            platform = strictest_platform(targets) if targets else None
            return suggest_hashtags(ctx, text, platform, on_text=on_text)

        def done(tags: list[str]) -> None:
            field = self.query_one("#hashtags", Input)  # type: ignore[attr-defined]
            field.value = ", ".join(plain(t.lstrip("#"), 60) for t in tags)
            self._filled("hashtags", [])

        self._ask("hashtags", job, done)

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

    def __init__(self, what: str, text: str) -> None:
        super().__init__()
        self.what = what
        self.text = text


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

    def _ask(self, job: Any, done: Any) -> None:
        self.notify("asking the AI…", timeout=3)  # type: ignore[attr-defined]
        self.background(job, done, group="ai", failed=lambda _m: self.load_budget())  # type: ignore[attr-defined]

    def _stream(self, what: str) -> Callable[[str], None]:
        """Called on the worker thread with each new preview: post it (thread-safe)."""

        def on_text(text: str) -> None:
            self.post_message(AIStreamed(what, text))  # type: ignore[attr-defined]

        return on_text

    def on_aistreamed(self, event: AIStreamed) -> None:
        if event.what == "hashtags":
            self.query_one("#hashtags", Input).value = plain(event.text, 600)  # type: ignore[attr-defined]
        else:
            self._text().text = editable(event.text)

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

        on_text = self._stream("generate")

        def done(result: Any) -> None:
            draft = result.variants[0]
            self._text().text = editable(draft.text)
            self._filled("generate", draft.warnings, draft.cut)

        self._ask(lambda: generate(ctx, request, on_text=on_text), done)

    # --- optimise ------------------------------------------------------------------
    def action_ai_optimize(self) -> None:
        from clientnest_cli.services.ai_content import need_text, optimize_text
        from clientnest_cli.services.ai_editor import strictest_platform

        ctx, text, targets = self.ctx, self._text().text, self._targets()  # type: ignore[attr-defined]
        on_text = self._stream("optimize")

        def job() -> Any:
            original = need_text(text, "text")
            return optimize_text(ctx, original, strictest_platform(targets), on_text=on_text)

        def done(result: Any) -> None:
            self._text().text = editable(result.text)
            if result.explanation:
                self.notify(plain(result.explanation, 300), title="Why", timeout=10)  # type: ignore[attr-defined]
            self._filled("optimize", result.warnings, result.cut)

        self._ask(job, done)

    # --- hashtags ------------------------------------------------------------------
    def action_ai_hashtags(self) -> None:
        from clientnest_cli.services.ai_content import suggest_hashtags
        from clientnest_cli.services.ai_editor import strictest_platform

        ctx, text, targets = self.ctx, self._text().text, self._targets()  # type: ignore[attr-defined]
        on_text = self._stream("hashtags")

        def job() -> list[str]:
            platform = strictest_platform(targets) if targets else None
            return suggest_hashtags(ctx, text, platform, on_text=on_text)

        def done(tags: list[str]) -> None:
            field = self.query_one("#hashtags", Input)  # type: ignore[attr-defined]
            field.value = ", ".join(plain(t.lstrip("#"), 60) for t in tags)
            self._filled("hashtags", [])

        self._ask(job, done)

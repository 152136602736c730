"""Editor: write a post with live per-target counts and the CLI's own validation.

Saving goes through the same service as `clientnest post create`, so a post made
here and one made on the command line are the same rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static, TextArea

from clientnest_cli.tui.screens.base import BaseScreen
from clientnest_cli.tui.screens.editor_ai import AI_BINDINGS, EditorAI
from clientnest_cli.tui.screens.editor_predict import EditorPrediction
from clientnest_cli.tui.text import plain

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from clientnest_cli.services.compose_preview import Preview
    from clientnest_cli.services.posts import ComposeRequest


class PostSaved(Message):
    """Posts were written (ids of every row made, thread parts included)."""

    def __init__(self, post_ids: list[int], action: str) -> None:
        super().__init__()
        self.post_ids = post_ids
        self.action = action


class Confirm(ModalScreen[bool]):
    """Yes / no, for actions that reach an audience."""

    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Label(self.question)
            with Horizontal():
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class EditorScreen(EditorAI, EditorPrediction, BaseScreen):
    BINDINGS = [
        Binding("ctrl+s", "save('draft')", "Save draft"),
        Binding("ctrl+t", "save('schedule')", "Schedule"),
        Binding("ctrl+r", "save('submit')", "Submit for approval"),
        Binding("ctrl+n", "clear", "New"),
        *AI_BINDINGS,
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Horizontal(id="editor"):
            with Vertical(id="editor-main"):
                yield TextArea(id="text", soft_wrap=True, show_line_numbers=False)
                with Horizontal(classes="fields"):
                    yield Input(placeholder="when: 'tomorrow 9am', ISO…", id="at")
                    yield Input(placeholder="category", id="category")
                    yield Input(placeholder="hashtags, comma separated", id="hashtags")
                with Horizontal(classes="fields"):
                    yield Input(placeholder="media file path", id="media")
                    yield Input(placeholder="alt text for the media", id="alt")
                    yield Checkbox("thread", id="thread")
                yield Static("", id="when")
                with Horizontal(id="editor-buttons"):
                    yield Button("Save draft", id="draft")
                    yield Button("Schedule", id="schedule", variant="primary")
                    yield Button("Submit for approval", id="submit")
                    yield Button("Publish now", id="publish", variant="error")
            with Vertical(id="editor-side"):
                yield Label("Targets", classes="section")
                yield SelectionList[str](id="targets")
                yield Label("Counts", classes="section")
                yield Static("", id="counts")
                yield Label("Checks", classes="section")
                yield Static("", id="checks")
                yield from self.compose_prediction()
                yield from self.compose_ai()
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#text", TextArea).focus()
        self.load_targets()
        self.load_budget()

    def load_targets(self) -> None:
        from clientnest_cli.services.account_refs import list_accounts

        self.background(lambda: list(list_accounts(self.ctx)), self.show_targets, group="targets")

    def show_targets(self, accounts: list) -> None:  # type: ignore[type-arg]
        targets = self.query_one("#targets", SelectionList)
        targets.clear_options()
        for account in accounts:
            ref = f"{account.platform}:{account.handle}"
            targets.add_option((plain(ref, 60), ref))

    # --- the draft -----------------------------------------------------------------
    def draft(self, with_time: bool = True) -> ComposeRequest:
        from pathlib import Path

        from clientnest_cli.services.posts import ComposeRequest

        media = self.query_one("#media", Input).value.strip()
        tags = self.query_one("#hashtags", Input).value
        at = self.query_one("#at", Input).value.strip()
        return ComposeRequest(
            text=self.query_one("#text", TextArea).text,
            targets=list(self.query_one("#targets", SelectionList).selected),
            media=[(Path(media).expanduser(), self.query_one("#alt", Input).value)]
            if media
            else [],
            thread=self.query_one("#thread", Checkbox).value,
            category=self.query_one("#category", Input).value,
            hashtags=[t.strip().lstrip("#") for t in tags.split(",") if t.strip()],
            at=(at or None) if with_time else None,
        )

    def refresh_data(self) -> None:
        """Re-check the draft (called as the user types)."""
        from clientnest_cli.services.compose_preview import preview

        draft, ctx = self.draft(), self.ctx
        self.background_latest(lambda: preview(ctx, draft), self.show_preview, group="preview")
        self.load_prediction()

    def show_preview(self, result: Preview) -> None:
        from rich.text import Text

        counts = Text()
        for count in result.counts:
            limit = f"/{count.limit}" if count.limit else ""
            parts = f" · {count.parts} parts" if count.parts > 1 else ""
            counts.append(
                f"{plain(count.label, 40)}: {count.length}{limit} {count.unit}{parts}\n",
                style="bold red" if count.over else "",
            )
        self.query_one("#counts", Static).update(counts or Text("pick one or more targets"))
        checks = Text()
        if result.problem:
            checks.append(plain(result.problem, 300) + "\n", style="yellow")
        for violation in result.violations:
            checks.append("✗ " + plain(violation, 300) + "\n", style="red")
        if result.ok and result.counts:
            checks.append("✓ fits every target", style="green")
        self.query_one("#checks", Static).update(checks)
        self.query_one("#when", Static).update(Text(plain(result.when or "no time: a draft")))

    def on_text_area_changed(self, _event: TextArea.Changed) -> None:
        self.refresh_data()

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.refresh_data()

    def on_selection_list_selected_changed(self, _event: SelectionList.SelectedChanged) -> None:
        self.refresh_data()

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self.refresh_data()

    # --- saving --------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "publish":
            self.app.push_screen(
                Confirm("Publish this post now to every target?"),
                lambda yes: self.action_save("publish") if yes else None,
            )
        elif event.button.id in ("draft", "schedule", "submit"):
            self.action_save(event.button.id)

    def action_save(self, action: str) -> None:
        draft = self.draft(with_time=action != "draft")
        if action in ("schedule", "submit") and not draft.at:
            self.notify("give a time first (the 'when' field)", severity="warning")
            return
        ctx = self.ctx

        def save() -> list[int]:
            from clientnest_cli.services.posts import create_posts

            posts = create_posts(ctx, draft)
            lead_ids = [p.id or 0 for p in posts if p.thread_parent_id is None]
            if action == "submit":
                from clientnest_cli.services.posts_manage import submit_post

                for post_id in lead_ids:
                    submit_post(ctx, post_id)
            if action == "publish":
                from clientnest_cli.services.publishing import publish_now

                for post_id in lead_ids:
                    publish_now(ctx, post_id)
            return [p.id or 0 for p in posts]

        self.background(save, lambda ids: self.saved(ids, action), group="save")

    def saved(self, post_ids: list[int], action: str) -> None:
        words = {
            "draft": "saved as draft",
            "schedule": "scheduled",
            "submit": "submitted for approval",
            "publish": "published",
        }
        first = min(post_ids) if post_ids else 0
        self.notify(f"post {first} {words[action]} ({len(post_ids)} rows)")
        self.post_message(PostSaved(post_ids, action))
        self.action_clear()

    def action_clear(self) -> None:
        self.query_one("#text", TextArea).text = ""
        for field_id in ("#at", "#category", "#hashtags", "#media", "#alt"):
            self.query_one(field_id, Input).value = ""

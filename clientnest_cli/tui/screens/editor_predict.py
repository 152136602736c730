"""The editor's predicted engagement: expected interactions with the 80% interval.

The same service as `clientnest analytics predict --text … --to …`
(``insight_predict``), re-asked as the text, targets, time or category change,
coalesced so that typing runs one prediction at a time. Without a trained
model it says what to run.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.message import Message
from textual.widgets import Label, Static

from clientnest_cli.tui.text import plain

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from clientnest_cli.services.insight_predict import DraftPrediction
    from clientnest_cli.services.posts import ComposeRequest


class PredictionShown(Message):
    """The prediction pane was updated (tests wait on it)."""

    def __init__(self, prediction: DraftPrediction) -> None:
        super().__init__()
        self.prediction = prediction


def media_kind(request: ComposeRequest) -> str:
    """The predictor's media feature from the draft's first file."""
    if not request.media:
        return "text"
    kind = mimetypes.guess_type(str(request.media[0][0]))[0] or ""
    return "video" if kind.startswith("video/") else "photo"


def render_prediction(prediction: DraftPrediction) -> Text:
    if not prediction.answers:
        return Text(plain(prediction.note, 300), style="dim")
    out = Text()
    for a in prediction.answers:
        out.append(f"{plain(a['account'], 40)}: ", style="bold")
        out.append(f"~{a['expected']:,.0f}")
        out.append(f" (80%: {a['low']:,.0f}–{a['high']:,.0f})\n")
        typical = "unknown" if a["typical"] is None else f"{a['typical']:,.0f}"
        by = "model" if a["by"] == "model" else str(a["by"]).replace("_", " ")
        out.append(f"  typical {typical} · by {by}\n", style="dim")
    return out


class EditorPrediction:
    """Mixed into the editor screen (which provides ``ctx``, ``draft``, ``background_latest``)."""

    def compose_prediction(self) -> ComposeResult:
        yield Label("Predicted engagement", classes="section")
        yield Static("", id="prediction")

    def load_prediction(self) -> None:
        from clientnest_cli.services.insight_predict import predict_draft

        ctx, draft = self.ctx, self.draft()  # type: ignore[attr-defined]
        media = media_kind(draft)

        def job() -> Any:
            return predict_draft(
                ctx, draft.text, draft.targets, at=draft.at, media=media, category=draft.category
            )

        self.background_latest(job, self.show_prediction, group="prediction")  # type: ignore[attr-defined]

    def show_prediction(self, prediction: DraftPrediction) -> None:
        self.query_one("#prediction", Static).update(render_prediction(prediction))  # type: ignore[attr-defined]
        self.post_message(PredictionShown(prediction))  # type: ignore[attr-defined]

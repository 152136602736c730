"""`analytics model …`, `analytics predict` and `analytics recommend`.

Registered on the `analytics` noun by ``register(app)``; pandas and
scikit-learn are imported inside the commands (through services).
"""

from __future__ import annotations

from typing import Any

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

model_app = typer.Typer(no_args_is_help=True, help="The engagement predictor: train, evaluate.")

JSON = typer.Option(False, "--json", help="Print JSON.")
NAMES = {
    "model": "the model",
    "global_median": "global median",
    "account_median": "account median",
    "recent_median": "median of the last 10 posts",
}


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


@model_app.command("train")
def train(
    ctx: typer.Context,
    account: list[str] = typer.Option(
        None, "--account", "-a", help="Learn from this account only (repeat for more)."
    ),
    client: str | None = typer.Option(None, "--client", help="Learn from this client's accounts."),
    everything: bool = typer.Option(False, "--all", help="Learn from every account (default)."),
    until: str | None = typer.Option(None, "--until", help="Only posts before this time."),
    as_json: bool = JSON,
) -> None:
    """Train on the history, evaluate on the latest 20% of posts, keep both."""
    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.insight import train as run

    if everything and (account or client):
        raise BadInput("give --all, or --account/--client, not both")
    data = run(state(ctx), accounts=account or None, client=client, until=until)
    if as_json:
        output.emit_json(data)
        return
    _say_evaluation(data["evaluation"])
    n = len(data["scope"]["accounts"])
    output.done(f"Model kept ({n} account{'' if n == 1 else 's'}).")


def _say_evaluation(ev: dict[str, Any]) -> None:
    best = ev["best_baseline"]
    if ev.get("sampled", ev["posts"]) < ev["posts"]:
        output.done(
            f"Learnt from a fixed-seed sample of {ev['sampled']:,} of the {ev['posts']:,} "
            "posts with figures (spread over all of time; the holdout is its latest 20%)."
        )
    if ev["chosen"] == "model":
        output.done(
            f"The model beats the best baseline ({NAMES[best]}) on the latest "
            f"{ev['holdout']} of {ev.get('sampled', ev['posts'])} posts; below {ev['min_history']} posts of "
            f"history an account is predicted by the baseline (not enough history)."
        )
    else:
        output.warn(
            f"The model does not beat the {NAMES[best]} on the latest {ev['holdout']} of "
            f"{ev.get('sampled', ev['posts'])} posts: predictions use that baseline and its interval instead."
        )


@model_app.command("evaluate")
def evaluate(ctx: typer.Context, as_json: bool = JSON) -> None:
    """The kept model against the baselines on its time-ordered holdout."""
    from clientnest_cli.services.insight import check_version, header

    data = header(state(ctx))
    check_version(data)
    ev = data["evaluation"]
    if as_json:
        output.emit_json(ev)
        return
    _say_evaluation(ev)
    rows = [("model", ev["model"], ev["coverage"]["model"])]
    rows += [(name, ev["baselines"][name], ev["coverage"][name]) for name in ev["baselines"]]
    output.table(
        f"Holdout: {ev['holdout']} posts ({ev['holdout_from'][:10]} → {ev['holdout_until'][:10]})",
        ["predictor", "MAE (log)", "MAE (interactions)", "inside 80% interval", "chosen"],
        [
            (NAMES[n], f"{s['mae_log']:.3f}", _num(s["mae"]), f"{c:.0%}", "✓" * (n == ev["chosen"]))
            for n, s, c in rows
        ],
    )
    output.table(
        "What matters (permutation importance: MAE (log) lost when shuffled)",
        ["feature", "importance"],
        [(f["name"], f"{f['importance']:.4f}") for f in ev["features"][:10]],
    )


@model_app.command("show")
def show(ctx: typer.Context, as_json: bool = JSON) -> None:
    """When and on what the kept model was trained."""
    from clientnest_cli.services.insight import header, sklearn_version

    data = header(state(ctx))
    ev = data["evaluation"]
    info = {
        "trained_at": data["trained_at"],
        "sklearn": data["sklearn"],
        "sklearn_installed": sklearn_version(),
        "accounts": data["scope"]["accounts"],
        "client": data["scope"]["client"],
        "until": data["scope"]["until"],
        "posts": ev["posts"],
        "holdout": ev["holdout"],
        "chosen": ev["chosen"],
        "min_history": ev["min_history"],
    }
    if as_json:
        output.emit_json(info)
        return
    output.fields(
        {
            "trained": info["trained_at"][:19].replace("T", " ") + " UTC",
            "on": f"{info['posts']} posts of {', '.join(info['accounts'])}",
            "holdout": f"the latest {info['holdout']} posts",
            "predicts with": NAMES[info["chosen"]],
            "minimum history": info["min_history"],
            "scikit-learn": info["sklearn"],
        }
    )
    if info["sklearn"] != info["sklearn_installed"]:
        output.warn(
            f"scikit-learn is now {info['sklearn_installed']}: "
            "retrain with `analytics model train`."
        )


def predict(
    ctx: typer.Context,
    post_id: int | None = typer.Argument(None, help="A stored post's id."),
    text: str | None = typer.Option(None, "--text", help="A post not written yet."),
    to: list[str] = typer.Option(None, "--to", help="The account it is for (repeat)."),
    at: str | None = typer.Option(None, "--at", help="When it would go out (default: now)."),
    media: str | None = typer.Option(None, "--media", help="text, photo, video, link, carousel."),
    category: str = typer.Option("", "--category", help="Its category."),
    as_json: bool = JSON,
) -> None:
    """Expected interactions with the 80% interval, against the account's typical post."""
    from clientnest_cli.errors import BadInput
    from clientnest_cli.services.insight_predict import predict_post, predict_text

    if (post_id is None) == (text is None):
        raise BadInput("give a post id or --text, not both and not neither")
    if post_id is not None:
        if to or at or media or category:
            raise BadInput("--to, --at, --media and --category go with --text")
        answers: Any = predict_post(state(ctx), post_id)
        shown = [answers]
    else:
        answers = predict_text(
            state(ctx), text or "", to or [], at=at, media=media, category=category
        )
        shown = answers
    if as_json:
        output.emit_json(answers)
        return
    for a in shown:
        _say_prediction(a)


def _say_prediction(a: dict[str, Any]) -> None:
    by = "the model" if a["by"] == "model" else f"the {NAMES[a['by']]} ({a['reason']})"
    output.done(
        f"{a['account']}: about {a['expected']:,.0f} interactions "
        f"(80% interval {a['low']:,.0f}–{a['high']:,.0f}); typical post "
        f"{_num(a['typical'])}; by {by}."
    )
    for d in a["drivers"]:
        v = d["value"]
        value = _num(v) if v is None or isinstance(v, float) else (str(v) or "—")
        output.done(f"  {d['name']} = {value}: {d['effect']:+,.1f} against a typical value")


def recommend(
    ctx: typer.Context,
    ref: str | None = typer.Argument(None, help="The account (default: every account)."),
    as_json: bool = JSON,
) -> None:
    """What works for an account, from its own history: effects with 95% intervals."""
    from clientnest_cli.services.insight import recommend as compute

    results = compute(state(ctx), ref)
    if as_json:
        output.emit_json(results)
        return
    for block in results:
        if not block["advice"] and not block["no_evidence_yet"]:
            output.warn(f"{block['account']}: not enough posts with figures to tell yet.")
            continue
        output.table(
            f"What works for {block['account']} ({block['posts']} posts)",
            ["", "effect", "95% interval", "posts", "e.g. posts"],
            [_finding_row(f) for f in block["advice"]]
            + [
                (
                    f"{f['dimension']}: {f['level']}",
                    "no evidence yet",
                    f"{f['low']:+.0%} to {f['high']:+.0%}",
                    f"{f['posts']} vs {f['others']}",
                    "",
                )
                for f in block["no_evidence_yet"][:5]
            ],
        )


def _finding_row(f: dict[str, Any]) -> tuple[str, ...]:
    more = "more" if f["effect"] > 0 else "fewer"
    return (
        f"{f['dimension']}: {f['level']}",
        f"{abs(f['effect']):.0%} {more} interactions",
        f"{f['low']:+.0%} to {f['high']:+.0%}",
        f"{f['posts']} vs {f['others']}",
        ", ".join(f"#{i}" for i in f["examples"]),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
    app.command("predict")(predict)
    app.command("recommend")(recommend)

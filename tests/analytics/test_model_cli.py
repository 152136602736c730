"""`analytics model train/evaluate/show` and `analytics predict` through the CLI."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from clientnest_cli.sandbox.insight_history import InsightSpec, no_signal
from tests.helpers import cli, entry_point, init_store, ok, seed_account

UNTIL = "2026-11-01T00:00:00+00:00"
SPECS = {
    "x:acme": InsightSpec(seed=1, posts=800, timezone="Europe/Berlin"),
    "bluesky:acme.bsky.social": InsightSpec(
        seed=2, posts=800, platform="bluesky", base=25.0, timezone="America/New_York"
    ),
}


def _seed(specs: dict[str, InsightSpec]) -> dict[str, list[int]]:
    from clientnest_cli.services.context import AppContext
    from clientnest_cli.services.insight_seed import seed_insight

    init_store()
    ids = {ref: seed_account(*ref.split(":", 1), timezone=s.timezone) for ref, s in specs.items()}
    ctx = AppContext()
    try:
        with ctx.store.engine.begin() as conn:
            return {ref: seed_insight(conn, ids[ref], spec) for ref, spec in specs.items()}
    finally:
        ctx.close()


def _model_file(home: Path) -> Path:
    return home / "data" / "engagement-model.bin"


def test_planted_history_model_is_chosen_and_predicts_with_an_interval(home: Path) -> None:
    posts = _seed(SPECS)
    assert "Model kept (2 accounts)." in ok("analytics", "model", "train", "--all").stdout
    path = _model_file(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ev = ok("analytics", "model", "evaluate", "--json").json()
    assert ev["posts"] == 1600 and ev["holdout"] == 320 and ev["chosen"] == "model"
    for name in ("global_median", "account_median", "recent_median"):
        assert ev["model"]["mae_log"] < ev["baselines"][name]["mae_log"]
        assert set(ev["baselines"][name]) >= {"mae_log", "mae"}
    assert 0.75 <= ev["coverage_80"] <= 0.85
    assert {"name", "importance"} <= set(ev["features"][0])
    shown = ok("analytics", "model", "show", "--json").json()
    assert shown["accounts"] == sorted(SPECS) and shown["posts"] == 1600
    assert "MAE (log)" in ok("analytics", "model", "evaluate").stdout

    one = ok("analytics", "predict", str(posts["x:acme"][-1]), "--json").json()
    assert one["by"] == "model" and one["low"] <= one["expected"] <= one["high"]
    assert one["typical"] > 0 and 1 <= len(one["drivers"]) <= 3

    base = ["analytics", "predict", "--text", "New roast today", "--to", "x:acme"]
    video = ok(*base, "--media", "video", "--at", "2026-11-02T18:10", "--json").json()[0]
    plain = ok(*base, "--media", "text", "--at", "2026-11-02T12:10", "--json").json()[0]
    assert set(video) >= {"expected", "low", "high", "by", "typical"}
    assert video["by"] == "model" and video["expected"] > plain["expected"]
    text = ok(*base, "--media", "video").stdout
    assert "80% interval" in text and "typical post" in text
    drivers = [line for line in text.splitlines() if "against a typical value" in line]
    shown = [re.fullmatch(r"  \w+ = (.+): [+-][\d,.]+ against a typical value", d) for d in drivers]
    assert drivers and all(shown), drivers
    for value in (m.group(1) for m in shown if m):
        assert value.strip() and not re.fullmatch(r"[\d,]*\.\d{2,}", value), drivers

    # as its own process (OpenMP started on one thread, the exit without collections):
    # the same answer, and the exit codes
    at = ["--media", "video", "--at", "2026-11-02T18:10", "--json"]
    alone = entry_point(*base, *at)
    assert alone.returncode == 0 and json.loads(alone.stdout) == ok(*base, *at).json()
    bad = entry_point(*base, "--media", "hologram")
    assert bad.returncode == cli(*base, "--media", "hologram").exit_code != 0
    assert "unknown media type" in bad.stderr


def test_no_signal_the_baseline_predicts(home: Path) -> None:
    specs = {ref: no_signal(s) for ref, s in SPECS.items()}
    specs = {ref: InsightSpec(**{**s.__dict__, "posts": 500}) for ref, s in specs.items()}
    posts = _seed(specs)
    ok(
        "analytics",
        "model",
        "train",
        "--account",
        "x:acme",
        "--account",
        "bluesky:acme.bsky.social",
    )
    ev = ok("analytics", "model", "evaluate", "--json").json()
    assert ev["chosen"] != "model" and ev["beats_baseline"] is False
    run = ok("analytics", "model", "evaluate")
    assert "does not beat" in run.stderr
    answer = ok("analytics", "predict", str(posts["x:acme"][-1]), "--json").json()
    assert answer["by"] == ev["chosen"] and answer["low"] <= answer["expected"] <= answer["high"]
    assert answer["drivers"] == []


def test_a_model_from_another_scikit_learn_version_is_refused(home: Path) -> None:
    _seed({"x:acme": InsightSpec(seed=3, posts=120)})
    ok("analytics", "model", "train")
    path = _model_file(home)
    head, _rest = path.read_bytes().split(b"\n", 1)
    data = json.loads(head)
    data["sklearn"] = "0.0.1"
    path.write_bytes(json.dumps(data).encode() + b"\n" + b"not a pickle")
    for args in (("analytics", "predict", "1"), ("analytics", "model", "evaluate")):
        run = cli(*args)
        assert run.exit_code == 2 and "retrain with `analytics model train`" in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("analytics", "model", "evaluate"), "no engagement model yet"),
        (("analytics", "model", "show"), "no engagement model yet"),
        (("analytics", "model", "train", "--all", "--client", "Acme"), "not both"),
        (("analytics", "predict"), "give a post id or --text"),
        (("analytics", "predict", "1", "--text", "hi"), "give a post id or --text"),
    ],
)
def test_bad_input(home: Path, args: tuple[str, ...], message: str) -> None:
    init_store()
    run = cli(*args)
    assert run.exit_code == 2 and message in run.stderr


def test_too_little_history_to_train(home: Path) -> None:
    _seed({"x:acme": InsightSpec(seed=4, posts=20)})
    run = cli("analytics", "model", "train")
    assert run.exit_code == 2 and "not enough history" in run.stderr


def test_predict_bad_input_with_a_model(home: Path) -> None:
    _seed({"x:acme": InsightSpec(seed=3, posts=120)})
    assert "Model kept (1 account)." in ok("analytics", "model", "train").stdout
    for args, message in (
        (("--text", "hi", "--to", "x:acme", "--media", "gif"), "unknown media type"),
        (("--text", "hi"), "--to"),
        (("--text", "hi", "--to", "x:nobody"), "x:nobody"),
        (("999999",), "no post with id 999999"),
    ):
        run = cli("analytics", "predict", *args)
        assert run.exit_code == 2 and message in run.stderr, (args, run.stderr)


def test_post_create_and_show_print_a_prediction_line_when_a_model_is_kept(home: Path) -> None:
    _seed({"x:acme": InsightSpec(seed=3, posts=120)})
    created = ok("post", "create", "Fresh roast today", "--to", "x:acme", "--json").json()
    quiet = ok("post", "show", str(created[0]["id"])).stdout
    assert "Prediction" not in quiet  # no model kept: no line
    ok("analytics", "model", "train")
    made = ok("post", "create", "Fresh roast today", "--to", "x:acme", "--at", "2030-01-07T18:00")
    assert "Prediction: about" in made.stdout and "interactions (80%:" in made.stdout
    shown = ok("post", "show", str(created[0]["id"])).stdout
    assert "Prediction: about" in shown and "typical" in shown


def test_predict_imports_no_pandas_numpy_or_scikit_learn(home: Path) -> None:
    """The kept models are compiled to plain Python (analytics/forest.py) and one
    post is read and featured without pandas: `analytics predict` loads none of
    them (importing them cost it most of a second), nor the ORM."""
    from tests.cli.test_startup_budget import denied, imported_modules

    _seed({"x:acme": InsightSpec(seed=3, posts=120)})
    ok("analytics", "model", "train")
    for args in (("--text", "New roast", "--to", "x:acme", "--media", "photo"), ("1",)):
        modules = imported_modules("analytics", "predict", *args, "--json")
        heavy = ("pandas", "numpy", "sklearn", "scipy", "sqlalchemy", "sqlmodel")
        assert denied(modules, heavy) == [], args
        assert "clientnest_cli.analytics.forest" in modules  # the model really was loaded


def test_the_installed_scikit_learn_version_is_read_without_importing_it() -> None:
    import sklearn

    from clientnest_cli.services.insight import sklearn_version

    assert sklearn_version() == sklearn.__version__


def test_an_account_driver_names_the_account_by_its_ref() -> None:
    """The model knows an account by its id; the answer names it as people do."""
    from datetime import UTC, datetime

    from clientnest_cli.services.insight_predict import _answer

    class Model:
        def predict_one(self, values: dict) -> dict:
            drivers = [
                {"name": "account", "value": values["account"], "effect": 3.0},
                {"name": "hour", "value": values["hour"], "effect": 1.0},
            ]
            return {"expected": 9.0, "low": 5.0, "high": 14.0, "by": "model", "drivers": drivers}

    when = datetime(2026, 11, 2, 17, 10, tzinfo=UTC)
    post = {"post_id": -1, "account_id": 7, "platform": "x", "timezone": "Europe/Berlin"}
    post |= {"published_at": when, "content": "Hi", "media_type": "text", "category": ""}
    past = [(datetime(2026, 11, 1, tzinfo=UTC), 4.0)]
    got = _answer(Model(), past, post, "x:acme")  # type: ignore[arg-type]
    assert [d["value"] for d in got["drivers"]] == ["x:acme", 18.0]
    assert got["account"] == "x:acme" and got["typical"] == 4.0 and got["history"] == 1


def test_a_published_post_without_a_time_is_left_out_of_the_history(home: Path) -> None:
    from clientnest_cli.services.context import AppContext

    posts = _seed({"x:acme": InsightSpec(seed=3, posts=120)})
    ok("analytics", "model", "train")
    ask = ("analytics", "predict", "--text", "Hi", "--to", "x:acme", "--json")
    before = ok(*ask).json()[0]["history"]
    ctx = AppContext()
    try:
        with ctx.store.engine.begin() as conn:
            conn.exec_driver_sql(
                f"UPDATE post SET published_at = NULL WHERE id = {posts['x:acme'][3]}"
            )
    finally:
        ctx.close()
    assert ok(*ask).json()[0]["history"] == before - 1

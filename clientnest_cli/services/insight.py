"""The engagement predictor against the store: load posts, train, keep, predict.

The training frame is one query (newest snapshot per post picked in SQL);
features and models are in ``analytics/``. The model file lives in the data
folder (0600): a one-line JSON header (format, scikit-learn version, when, on
what, the evaluation) and then the pickled predictor, its models compiled to
plain Python (analytics/forest.py), so loading it imports no scikit-learn. The
header is read first; a file of another format or written by another
scikit-learn version is refused before anything in it is unpickled (the
daemon's retrain job replaces it). Only our own file is ever unpickled.
`analytics predict` reads one post in plain Python (``shape_post``, see
insight_predict.py); training reads frames (``shape``).
"""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientnest_cli.errors import BadInput, NotFound
from clientnest_cli.services.analytics import Scope, _read, scope
from clientnest_cli.services.insight_model import model_path
from clientnest_cli.store.lite import utc_datetime

if TYPE_CHECKING:
    import pandas as pd

    from clientnest_cli.analytics.predictor import Predictor
    from clientnest_cli.services.context import AppContext

FORMAT = 2  # 2: the models compiled (analytics/forest.py); 1 kept scikit-learn's
RETRAIN = "retrain with `analytics model train`"

POST_COLUMNS = """
SELECT p.id AS post_id, p.account_id, p.published_at, p.scheduled_at, p.status, p.content,
       p.hashtags, p.media_type, p.category, p.ai_generated, p.platform_extra,
       p.followers_at_post,
       CASE WHEN p.thread_parent_id IS NOT NULL
            OR EXISTS (SELECT 1 FROM post c WHERE c.thread_parent_id = p.id)
            THEN 1 ELSE 0 END AS thread,
       (SELECT count(*) FROM postmedia pm WHERE pm.post_id = p.id) AS media_rows,
       s.likes, s.comments, s.shares
"""
NEWEST = """
FROM post p
LEFT JOIN postmetricssnapshot s ON s.id = (
    SELECT m.id FROM postmetricssnapshot m WHERE m.post_id = p.id
    ORDER BY m.captured_at DESC, m.id DESC LIMIT 1
)
"""
POSTS_SQL = (
    POST_COLUMNS
    + NEWEST
    + "WHERE p.account_id IN :ids AND (p.status = 'published' OR p.id IN :extra)"
)
# what the history features need of an account's other posts (``analytics predict``)
HISTORY_SQL = (
    "SELECT p.id AS post_id, p.account_id, p.published_at, s.likes, s.comments, s.shares"
    + NEWEST
    + "WHERE p.account_id IN :ids AND p.status = 'published'"
)
ID_CHUNK = 5_000  # post ids per `IN (…)` when reading the sampled posts in full


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _media_count(media_type: str, rows: int) -> float:
    """Attached files; for an imported post with media but no files here: unknown."""
    if rows:
        return float(rows)
    return 0.0 if media_type in ("", "text", "link") else math.nan


def shape(frame: pd.DataFrame, sc: Scope, now: datetime) -> pd.DataFrame:
    """Raw rows → the input of ``analytics.features.features``."""
    import pandas as pd

    frame = frame.drop_duplicates("post_id", keep="last").copy()
    for name in ("published_at", "scheduled_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601").astype(
            "datetime64[ns, UTC]"
        )
    planned = frame["published_at"].isna()
    frame.loc[planned, "published_at"] = frame.loc[planned, "scheduled_at"].fillna(
        pd.Timestamp(now).as_unit("ns")
    )
    for name in ("likes", "comments", "shares"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    frame["interactions"] = frame[["likes", "comments", "shares"]].sum(axis=1, min_count=1)
    frame.loc[frame["status"] != "published", "interactions"] = math.nan
    frame["hashtags"] = frame["hashtags"].map(_json)
    extra = frame["platform_extra"].map(_json)
    frame["paid"] = extra.map(lambda e: e.get("paid") if isinstance(e, dict) else None)
    frame["media_type"] = frame["media_type"].fillna("")
    frame["media_count"] = [
        _media_count(m, int(r))
        for m, r in zip(frame["media_type"], frame["media_rows"], strict=True)
    ]
    frame["thread"] = frame["thread"].astype(bool)
    frame["ai_generated"] = frame["ai_generated"].astype(bool)
    frame["followers_at_post"] = pd.to_numeric(frame["followers_at_post"], errors="coerce")
    ids = frame["account_id"].astype(int)
    for name in ("platform", "timezone", "account"):
        frame[name] = ids.map({a: label[name] for a, label in sc.labels.items()})
    return frame.sort_values(["published_at", "post_id"]).reset_index(drop=True)


def shape_post(raw: dict[str, Any], label: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One raw row (``POST_COLUMNS``) → what ``shape`` makes of it, in plain Python
    (`analytics predict` reads one post without pandas); ``label``: its account's
    entry in ``Scope.labels``."""
    media_type = raw["media_type"] or ""
    extra = _json(raw["platform_extra"])
    return {
        **raw,
        "published_at": utc_datetime(raw["published_at"])
        or utc_datetime(raw["scheduled_at"])
        or now,
        "interactions": interactions_of(raw) if raw["status"] == "published" else math.nan,
        "hashtags": _json(raw["hashtags"]),
        "paid": extra.get("paid") if isinstance(extra, dict) else None,
        "media_type": media_type,
        "media_count": _media_count(media_type, int(raw["media_rows"] or 0)),
        "thread": bool(raw["thread"]),
        "ai_generated": bool(raw["ai_generated"]),
        "followers_at_post": raw["followers_at_post"],
        "platform": label["platform"],
        "timezone": label["timezone"],
        "account": label["account"],
    }


def interactions_of(raw: dict[str, Any]) -> float:
    """likes + comments + shares of a raw row, those known; NaN when none is."""
    known = [
        float(v)
        for v in (raw["likes"], raw["comments"], raw["shares"])
        if v is not None and not (isinstance(v, float) and math.isnan(v))
    ]
    return sum(known) if known else math.nan


def load_frame(
    ctx: AppContext, sc: Scope, extra: list[int] | None = None, now: datetime | None = None
) -> pd.DataFrame:
    raw = _read(ctx, POSTS_SQL, ids=sc.account_ids or [-1], extra=extra or [-1])
    return shape(raw, sc, now or datetime.now(UTC))


def load_post(ctx: AppContext, sc: Scope, post_id: int, now: datetime) -> pd.DataFrame:
    """One stored post (any status) shaped like ``load_frame``'s rows."""
    raw = _read(ctx, POST_COLUMNS + NEWEST + "WHERE p.id = :id", id=post_id)
    return shape(raw, sc, now)


def load_posts(ctx: AppContext, sc: Scope, post_ids: list[int], now: datetime) -> pd.DataFrame:
    """These posts in full (any status), shaped like ``load_frame``'s rows."""
    import pandas as pd

    parts = [
        _read(ctx, POST_COLUMNS + NEWEST + "WHERE p.id IN :ids", ids=post_ids[i : i + ID_CHUNK])
        for i in range(0, len(post_ids), ID_CHUNK)
    ]
    return shape(pd.concat(parts, ignore_index=True), sc, now)


def load_history(ctx: AppContext, account_ids: list[int]) -> pd.DataFrame:
    """The accounts' published posts with only what the history features need:
    post_id, account_id, published_at (aware UTC) and interactions."""
    import pandas as pd

    frame = _read(ctx, HISTORY_SQL, ids=account_ids or [-1])
    frame["published_at"] = pd.to_datetime(
        frame["published_at"], utc=True, format="ISO8601"
    ).astype("datetime64[ns, UTC]")
    for name in ("likes", "comments", "shares"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    frame["interactions"] = frame[["likes", "comments", "shares"]].sum(axis=1, min_count=1)
    return frame[["post_id", "account_id", "published_at", "interactions"]]


def training_scope(
    ctx: AppContext, *, accounts: list[str] | None, client: str | None, until: str | None
) -> Scope:
    return scope(ctx, accounts=accounts, client=client, until=until, default_period="3650d")


# --- the model file --------------------------------------------------------------


def sklearn_version() -> str:
    """The installed scikit-learn's version, without importing it (a prediction does
    not need it: the kept models are compiled, see analytics/forest.py): the name of
    its ``dist-info`` folder beside the package; else importlib.metadata's answer
    (10 ms more)."""
    from importlib.util import find_spec

    spec = find_spec("sklearn")
    if spec is not None and spec.origin:
        found = list(Path(spec.origin).parent.parent.glob("scikit_learn-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix("scikit_learn-").removesuffix(".dist-info")
    from importlib.metadata import version

    return version("scikit-learn")


def save(ctx: AppContext, predictor: Predictor, about: dict[str, Any]) -> dict[str, Any]:
    import pickle

    from clientnest_cli.paths import ensure_private_dir

    header = {
        "format": FORMAT,
        "sklearn": sklearn_version(),
        "trained_at": datetime.now(UTC).isoformat(),
        **about,
        "evaluation": predictor.evaluation,
    }
    path = model_path(ctx)
    ensure_private_dir(path.parent)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(json.dumps(header, default=str).encode() + b"\n")
        handle.write(pickle.dumps(predictor, protocol=pickle.HIGHEST_PROTOCOL))
    os.chmod(temp, 0o600)
    os.replace(temp, path)
    return header


def header(ctx: AppContext, *, any_format: bool = False) -> dict[str, Any]:
    """The model file's header; NotFound when there is none, BadInput when unreadable
    or (unless ``any_format``) of another format than this version writes."""
    path = model_path(ctx)
    if not path.exists():
        raise NotFound("no engagement model yet", hint="train one with `analytics model train`")
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        data = json.loads(first)
    except ValueError:
        raise BadInput(f"the model file {path} is not one of ours", hint=RETRAIN) from None
    if not isinstance(data, dict) or (data.get("format") != FORMAT and not any_format):
        raise BadInput(f"the model file {path} has an unknown format", hint=RETRAIN)
    return data


def check_version(data: dict[str, Any]) -> None:
    installed = sklearn_version()
    if data.get("sklearn") != installed:
        raise BadInput(
            f"the model was trained with scikit-learn {data.get('sklearn')}, this is {installed}",
            hint=RETRAIN,
        )


def load(ctx: AppContext) -> tuple[dict[str, Any], Predictor]:
    """The kept predictor, only when its scikit-learn version is the installed one.
    Its models are compiled to plain Python: loading it imports no scikit-learn."""
    import pickle

    data = header(ctx)
    check_version(data)
    with model_path(ctx).open("rb") as handle:
        handle.readline()
        predictor = pickle.loads(handle.read())  # our own 0600 file, version checked
    return data, predictor


# --- commands ----------------------------------------------------------------------


def training_features(ctx: AppContext, sc: Scope, seed: int) -> tuple[pd.DataFrame, int]:
    """The features of the posts to learn from (``predictor.sample_rows``), and how
    many posts with figures there are. Every post's time and interactions are read
    (for the history features); only the sampled posts are read in full."""
    import pandas as pd

    from clientnest_cli.analytics.features import features
    from clientnest_cli.analytics.predictor import sample_rows

    history = load_history(ctx, sc.account_ids)
    history = history[history["published_at"] < sc.end]
    history = history.sort_values(["published_at", "post_id"], kind="stable")
    history = history.reset_index(drop=True)  # the sample depends on the posts, not SQL's order
    known = history.index[history["interactions"].notna()]
    picked = history.loc[sample_rows(known, seed), "post_id"].astype(int).tolist()
    full = load_posts(ctx, sc, picked, datetime.now(UTC))
    frame = pd.concat([history[~history["post_id"].isin(picked)], full], ignore_index=True)
    frame = frame.sort_values(["published_at", "post_id"], kind="stable").reset_index(drop=True)
    rows = frame.index[frame["post_id"].isin(picked)]
    return features(frame, rows=rows), len(known)


def train(
    ctx: AppContext,
    *,
    accounts: list[str] | None = None,
    client: str | None = None,
    until: str | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    from clientnest_cli.analytics.predictor import train as fit

    sc = training_scope(ctx, accounts=accounts, client=client, until=until)
    X, known = training_features(ctx, sc, seed)
    predictor = fit(X, seed, posts=known)
    about = {
        "scope": {
            "accounts": sorted(v["account"] for v in sc.labels.values()),
            "client": client,
            "until": sc.end.isoformat(),
        },
    }
    return save(ctx, predictor, about)


def recommend(ctx: AppContext, ref: str | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """What works for each account (one, or every account): findings with intervals."""
    from clientnest_cli.analytics.effects import findings
    from clientnest_cli.analytics.features import features

    sc = scope(ctx, accounts=[ref] if ref else None, default_period="3650d")
    frame = load_frame(ctx, sc)
    results = []
    for account_id in sc.account_ids:
        mine = frame[frame["account_id"] == account_id]
        found = findings(features(mine, sentiment=False), seed=seed) if not mine.empty else []
        known = int(mine["interactions"].notna().sum()) if not mine.empty else 0
        results.append(
            {
                "account": sc.labels[account_id]["account"],
                "posts": known,
                "advice": [f.as_dict() for f in found if f.advice],
                "no_evidence_yet": [f.as_dict() for f in found if not f.advice],
            }
        )
    return results


FINDINGS_HEAD = (
    "What has worked for this account, measured on its own posts "
    "(follow it where it fits; do not quote the figures):"
)


def prompt_findings(ctx: AppContext, account_ids: list[int], top: int = 3) -> str:
    """The accounts' strongest findings (advice only: intervals that exclude no
    difference) as lines for an AI prompt, each starting with a newline; "" when
    there are none (then the prompt says nothing about it)."""
    from clientnest_cli.analytics.effects import in_words

    lines = []
    for account_id in account_ids:
        for block in recommend(ctx, str(account_id)):
            advice = sorted(block["advice"], key=lambda f: -abs(f["effect"]))[:top]
            for finding in advice:
                text, evidence = in_words(finding)
                lines.append(f"- {block['account']}: {text} ({evidence})")
    return "".join(f"\n{line}" for line in [FINDINGS_HEAD, *lines]) if lines else ""


NEW_FIGURES_SQL = """
SELECT count(DISTINCT m.post_id) AS n FROM postmetricssnapshot m JOIN post p ON p.id = m.post_id
WHERE m.captured_at > :since AND p.account_id IN :ids
"""


def retrain_if_due(ctx: AppContext, new_posts: int) -> dict[str, Any] | None:
    """Retrain the kept model on its accounts once ``new_posts`` posts got new figures
    since it was trained (the daemon's job), or at once when this version cannot use
    it (an older file format, another scikit-learn). No model kept, or 0: nothing to do."""
    if new_posts <= 0 or not model_path(ctx).exists():
        return None
    data = header(ctx, any_format=True)
    refs = list(data["scope"]["accounts"])
    if data.get("format") != FORMAT or data.get("sklearn") != sklearn_version():
        return train(ctx, accounts=refs)
    sc = scope(ctx, accounts=refs, default_period="3650d")
    since = datetime.fromisoformat(data["trained_at"])
    found = _read(ctx, NEW_FIGURES_SQL, since=since, ids=sc.account_ids or [-1])
    if int(found["n"].iloc[0] or 0) < new_posts:
        return None
    return train(ctx, accounts=refs)

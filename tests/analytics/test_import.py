"""`metrics import`: generic CSV (BOM, CRLF, empty cells, a bad row), X and Meta exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.helpers import cli, init_store, ok, seed_account

GENERIC = (
    "\ufeffPublished_At,ID,Text,Likes,Comments,Shares,Views,Media_Type,Followers,Paid\r\n"
    "2026-10-01T09:00:00+00:00,101,First post,10,2,1,500,photo,1000,0\r\n"
    "2026-10-02 18:30,102,Second post,,3,,,video,,1\r\n"
    '2026-10-03T12:00:00Z,103,"Third, with a comma",5,0,0,250,,1000,\r\n'
)
BAD_ROW = "2026-10-04T12:00:00Z,104,Fourth,many,0,0,,,,\r\n"

X_CSV = (
    '"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements",'
    '"engagement rate","retweets","replies","likes","user profile clicks","url clicks"\n'
    '"9001","https://x.com/acme/status/9001","Hello from X","2026-09-18 12:00 +0000",'
    '"1200","40","0.0333","5","3","30","2","4"\n'
    '"9002","https://x.com/acme/status/9002","Second tweet","2026-09-19 08:15 +0000",'
    '"800","12","0.015","1","1","9","0","0"\n'
)
META_CSV = (
    "Post ID,Page ID,Page name,Title,Description,Publish time,Permalink,Post type,"
    "Reach,Impressions,Reactions,Comments,Shares,Link clicks\n"
    "555_1,555,Acme,Autumn menu,,09/28/2026 18:12,https://facebook.com/555_1,Photos,"
    "900,1500,44,6,3,12\n"
)


@pytest.fixture
def store(home: Path) -> Path:
    init_store(tz="Europe/Berlin")
    seed_account("x", "acme")
    seed_account("facebook", "acme-page")
    return home


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_generic_csv_with_bom_crlf_and_empty_cells(store: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "history.csv", GENERIC)
    report = ok("metrics", "import", str(path), "--account", "x:acme", "--json").json()
    assert report["format"] == "generic"
    assert (report["created"], report["updated"], report["unchanged"]) == (3, 0, 0)
    assert report["skipped"] == 0 and report["errors"] == []
    posts = {r["row"]: r["post_id"] for r in report["results"]}
    second = ok("metrics", "show", str(posts[3]), "--json").json()[0]
    # empty cells are unknown, never 0; a naive time is in the account's (user's) zone
    assert second["likes"] is None and second["shares"] is None and second["comments"] == 3
    assert second["impressions"] is None and second["engagement_rate"] is None
    first = ok("metrics", "show", str(posts[2]), "--json").json()[0]
    assert first["impressions"] == 500 and first["rate_basis"] == "impressions"
    assert first["engagement_rate"] == pytest.approx(13 / 500)
    listed = ok("post", "show", str(posts[3]), "--json").json()
    assert listed["published_at"].startswith("2026-10-02T16:30")  # 18:30 in Berlin (CEST)
    # re-import: idempotent
    again = ok("metrics", "import", str(path), "--account", "x:acme", "--json").json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    changed = _write(tmp_path, "changed.csv", GENERIC.replace(",10,2,1,500,", ",11,2,1,600,"))
    third = ok("metrics", "import", str(changed), "--account", "x:acme", "--json").json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)


def test_a_bad_row_writes_nothing_unless_skip_invalid(store: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", GENERIC + BAD_ROW)
    run = cli("metrics", "import", str(path), "--account", "x:acme", "--json")
    assert run.exit_code == 2
    report = run.json()
    assert report["written"] is False and report["created"] == 0
    assert report["errors"] == [{"row": 5, "reason": "likes 'many' is not a number"}]
    assert "nothing was imported" in run.stderr.strip().splitlines()[-1]
    assert ok("post", "list", "--json").json() == []
    skipped = ok(
        "metrics", "import", str(path), "--account", "x:acme", "--skip-invalid", "--json"
    ).json()
    assert skipped["created"] == 3 and skipped["skipped"] == 1 and skipped["written"] is True


def test_x_post_analytics_csv(store: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "tweet_activity.csv", X_CSV)
    report = ok("metrics", "import", str(path), "--account", "x:acme", "--json").json()
    assert report["format"] == "x" and report["created"] == 2
    post_id = report["results"][0]["post_id"]
    snap = ok("metrics", "show", str(post_id), "--json").json()[0]
    assert (snap["likes"], snap["comments"], snap["shares"]) == (30, 3, 5)
    assert snap["impressions"] == 1200 and snap["clicks"] == 4
    post = ok("post", "show", str(post_id), "--json").json()
    assert post["status"] == "published"
    forced = ok("metrics", "import", str(path), "-a", "x:acme", "--format", "x", "--json").json()
    assert forced["unchanged"] == 2


def test_meta_business_suite_csv(store: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "content.csv", META_CSV)
    report = ok("metrics", "import", str(path), "--account", "facebook:acme-page", "--json")
    data = report.json()
    assert data["format"] == "facebook" and data["created"] == 1
    snap = ok("metrics", "show", str(data["results"][0]["post_id"]), "--json").json()[0]
    assert (snap["likes"], snap["reach"], snap["impressions"], snap["clicks"]) == (
        44,
        900,
        1500,
        12,
    )


def test_human_report(store: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "history.csv", GENERIC)
    text = ok("metrics", "import", str(path), "--account", "x:acme").stdout
    assert "3 created, 0 updated, 0 unchanged, 0 skipped" in text


@pytest.mark.parametrize(
    ("content", "args", "words"),
    [
        (GENERIC, ("--account", "x:nobody"), "no account"),
        ("name,colour\nlatte,brown\n", ("--account", "x:acme"), "no usable columns"),
        (None, ("--account", "x:acme"), "not a CSV file"),
        ("", ("--account", "x:acme"), "empty"),
        (GENERIC, ("--account", "x:acme", "--format", "tiktok"), "unknown format"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    store: Path, tmp_path: Path, content: str | None, args: tuple, words: str
) -> None:
    path = tmp_path / "input.csv"
    if content is None:
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    else:
        path.write_text(content)
    run = cli("metrics", "import", str(path), *args)
    assert run.exit_code == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], run.stderr


def test_missing_file(store: Path, tmp_path: Path) -> None:
    run = cli("metrics", "import", str(tmp_path / "nope.csv"), "--account", "x:acme")
    assert run.exit_code == 2 and "no file" in run.stderr


def test_exported_frame_keeps_formulas_inert(store: Path, tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://evil.test","click")'
    rows = io.StringIO()
    csv.writer(rows).writerows(
        [["published_at", "text", "likes"], ["2026-10-01T09:00Z", formula, 4]]
    )
    ok("metrics", "import", str(_write(tmp_path, "h.csv", rows.getvalue())), "--account", "x:acme")
    since = ("--since", "2026-09-01", "--until", "2026-11-01")
    text = ok("analytics", "export", "--format", "csv", *since).stdout
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["content"] == "'" + formula  # a spreadsheet shows it, never runs it
    data = ok("analytics", "export", "--format", "json", *since).json()
    assert data[0]["content"] == formula  # JSON keeps the exact text

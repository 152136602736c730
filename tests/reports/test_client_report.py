"""`report client|account`: the figures equal `analytics overview`, and user text stays inert."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers import cli, ok
from tests.reports.conftest import CLIENT, MONTH, SINCE, UNTIL, Client, add_hostile_posts

FIGURES = ("posts", "impressions", "interactions", "engagement_rate", "followers_change")


class Page(HTMLParser):
    """Every element with its attributes, the text of <style>, and each summary figure."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.figures: dict[tuple[str, str], dict[str, object]] = {}
        self._row: tuple[str, str] | None = None
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.elements.append((tag, a))
        self._in_style = tag == "style"
        if tag == "tr" and a.get("data-kind"):
            self._row = (str(a["data-kind"]), str(a["data-name"]))
            self.figures[self._row] = {}
        if tag == "td" and a.get("data-figure") and self._row:
            self.figures[self._row][str(a["data-figure"])] = json.loads(str(a["data-value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


def test_report_figures_equal_the_overview(client_db: Client, tmp_path: Path) -> None:
    target = tmp_path / "acme.html"
    ok("report", "client", CLIENT, "--month", MONTH, "--output", str(target))
    page = parse(target.read_text())
    overview = ok(
        "analytics", "overview", "--client", CLIENT, "--since", SINCE, "--until", UNTIL, "--json"
    ).json()
    assert sum(a["posts"] for a in overview["accounts"]) > 0
    for block in overview["accounts"]:
        shown = page.figures[("account", block["account"])]
        assert shown == {k: block[k] for k in FIGURES}
    for block in overview["platforms"]:
        assert page.figures[("platform", block["platform"])] == {k: block[k] for k in FIGURES}
    total = overview["clients"][0]
    assert page.figures[("total", "All accounts")] == {k: total[k] for k in FIGURES}
    # the --json figures are the same numbers
    data = ok("report", "client", CLIENT, "--month", MONTH, "--json").json()
    assert [a["posts"] for a in data["accounts"]] == [a["posts"] for a in overview["accounts"]]
    assert data["total"]["interactions"] == total["interactions"]
    assert data["top_posts"] and data["weekly"] and data["followers"] and data["best_times"]
    # self-contained: every chart is inline SVG, nothing refers outside the page
    svgs = [e for e in page.elements if e[0] == "svg"]
    assert len(svgs) >= 3 + len(data["best_times"])
    for _tag, attrs in page.elements:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//")) or name == "href", value


def test_range_and_account_reports(client: Client, tmp_path: Path) -> None:
    data = ok(
        "report", "client", CLIENT, "--from", "2026-10-01", "--to", "2026-10-31", "--json"
    ).json()
    month = ok("report", "client", CLIENT, "--month", MONTH, "--json").json()
    assert data["accounts"] == month["accounts"]
    one = ok("report", "account", "x:acme", "--month", MONTH, "--json").json()
    assert [a["account"] for a in one["accounts"]] == ["x:acme"]
    assert one["client"] == CLIENT


def test_markdown_has_images_beside_it(client: Client, tmp_path: Path) -> None:
    target = tmp_path / "acme.md"
    ok("report", "client", CLIENT, "--month", MONTH, "--format", "md", "--output", str(target))
    text = target.read_text()
    assert "## Summary" in text and "## Top posts" in text
    folder = tmp_path / "acme_files"
    assert (folder / "followers.svg").is_file() and (folder / "weekly.svg").is_file()
    assert "(acme_files/weekly.svg)" in text


def test_agency_name_and_logo_from_config(client: Client, home: Path, tmp_path: Path) -> None:
    from tests.reports.conftest import PNG

    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    (home / "config.toml").write_text(f'[report]\nagency_name = "Nest <Agency>"\nlogo = "{logo}"\n')
    target = tmp_path / "r.html"
    ok("report", "client", CLIENT, "--month", MONTH, "--output", str(target))
    html = target.read_text()
    assert "Nest &lt;Agency&gt;" in html
    assert any(
        t == "img" and (a.get("src") or "").startswith("data:image/png;base64,")
        for t, a in parse(html).elements
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("client", "Nobody", "--month", MONTH), "no client named"),
        (("client", CLIENT, "--month", "2026-13"), "cannot read the month"),
        (("client", CLIENT, "--month", "soon"), "cannot read the month"),
        (("client", CLIENT, "--from", "2026-10-31", "--to", "2026-10-01"), "runs backwards"),
        (("client", CLIENT, "--from", "2026-10-01"), "say which period"),
        (("client", CLIENT, "--month", "2024-01"), "nothing to report"),
        (("client", CLIENT, "--month", MONTH, "--format", "docx"), "unknown report format"),
        (("account", "x:nobody", "--month", MONTH), "no account"),
    ],
)
def test_bad_input_is_one_line_exit_2(client: Client, args: tuple[str, ...], message: str) -> None:
    result = cli("report", *args)
    assert result.exit_code == 2, result.stderr + result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_hostile_text_is_inert(client: Client, home: Path, tmp_path: Path) -> None:
    from clientnest_cli.services.context import AppContext

    ctx = AppContext()
    media = ctx.paths.media_dir
    ctx.close()
    add_hostile_posts(client.ids["x:acme"], media)
    target = tmp_path / "hostile.html"
    ok("report", "client", CLIENT, "--month", MONTH, "--output", str(target))
    html = target.read_text()
    page = parse(html)
    tags = [t for t, _ in page.elements]
    assert "script" not in tags
    for _tag, attrs in page.elements:
        assert not any(name.startswith("on") for name in attrs), attrs
        assert not (attrs.get("href") or "").lower().startswith("javascript:")
        assert not (attrs.get("src") or "").startswith(("http", "//", "x"))
    styles = "".join(page.styles)  # ours and matplotlib's: no user text inside <style>
    assert not any(word in styles for word in ("evil.test", "alert", "script", "Coming soon"))
    assert "&lt;script&gt;alert(&#39;post&#39;)&lt;/script&gt;" in html  # shown, as text
    assert "Coming soon &lt;/style&gt;&lt;style&gt;body{background:url(" in html  # the schedule
    # the post's image is embedded, its javascript: link dropped
    assert any((a.get("src") or "").startswith("data:image/png;base64,") for _t, a in page.elements)
    data = ok("report", "client", CLIENT, "--month", MONTH, "--json").json()
    top = data["top_posts"][0]
    assert top["text"].startswith("<script>") and top["url"] == "javascript:alert(3)"
    assert data["schedule"] and "evil.test" in data["schedule"][0]["text"]
    assert top["sentiment"]["positive"] == 1 and top["sentiment"]["negative"] == 1
    assert data["sentiment"]["positive"] >= 1 and data["sentiment"]["negative"] >= 1
    assert "Comments: 1 positive" in html
    md = tmp_path / "hostile.md"
    ok("report", "client", CLIENT, "--month", MONTH, "--format", "md", "--output", str(md))
    text = md.read_text()
    assert "<script>" not in text and "</style>" not in text
    assert "](javascript" not in text and "view post" not in text


def test_what_to_try_next_is_the_accounts_own_findings(client: Client, tmp_path: Path) -> None:
    """The report's advice is `analytics recommend`'s, in words, with its evidence."""
    data = ok("report", "client", CLIENT, "--month", MONTH, "--json").json()
    advice = {
        (block["account"], f["dimension"], f["level"])
        for block in ok("analytics", "recommend", "--json").json()
        for f in block["advice"][:3]
    }
    assert advice, "the seeded history should hold at least one planted effect"
    shown = data["recommendations"]
    assert len(shown) == len(advice)
    for item in shown:
        assert item["text"].startswith(item["account"] + " — ")
        assert "95% interval" in item["evidence"] and "posts against" in item["evidence"]
    out = tmp_path / "r.html"
    ok("report", "client", CLIENT, "--month", MONTH, "--output", str(out))
    assert "No recommendations yet" not in out.read_text()


def test_a_concluded_ab_test_is_reported_in_the_words_of_ab_conclude(home: Path) -> None:
    from tests.analytics.test_ab_cli import _create, _publish
    from tests.helpers import init_store, seed_account

    init_store()
    seed_account("x", "acme")
    test = _create("x:acme", split="time")
    _publish(test, {"A": 0.04, "B": 0.05}, 20_000, seed=1)  # published 2026-10-01
    said = ok("ab", "conclude", test["id"]).stdout.strip()
    data = ok("report", "account", "x:acme", "--month", "2026-10", "--json").json()
    [item] = [r for r in data["recommendations"] if r["text"].startswith("A/B test")]
    assert item["text"] == f"A/B test {test['id']}: {said}"
    assert (
        "B: " in item["evidence"]
        and "impressions" in item["evidence"]
        and "p = " in item["evidence"]
    )

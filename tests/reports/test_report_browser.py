"""The report in headless Chromium (Debian's package, installed by `make test`):
no console message, no network request, every chart drawn; screenshots kept
in test-artefacts/ for people to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clientnest_cli.reports import browser
from tests.helpers import cli, ok
from tests.reports.conftest import CLIENT, MONTH, Client, add_hostile_posts
from tests.reports.test_client_report import parse

ARTEFACTS = Path(__file__).parents[2] / "test-artefacts"


@pytest.fixture
def chromium() -> str:
    found = browser.find()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make test` must install it")
        pytest.skip("chromium not installed (run `make system-deps`)")
    return found


def test_report_in_chromium(chromium: str, client: Client, tmp_path: Path) -> None:
    page = tmp_path / "client-report.html"
    ok("report", "client", CLIENT, "--month", MONTH, "--output", str(page))
    seen = browser.inspect(page, ARTEFACTS)
    assert seen["console"] == []
    assert seen["requests"] == []
    dom = parse(str(seen["dom"]))
    charts = [
        a.get("id") for t, a in dom.elements if t == "div" and "chart" in (a.get("class") or "")
    ]
    assert {"chart-followers", "chart-weekly", "chart-platforms"} <= set(charts)
    assert sum(1 for t, _ in dom.elements if t == "svg") >= 4  # three charts and a heatmap
    assert Path(str(seen["screenshot"])).stat().st_size > 10_000
    # the page's figures survive the browser's parsing: the same as the file's
    assert dom.figures == parse(page.read_text()).figures


def test_hostile_report_in_chromium(chromium: str, client: Client, tmp_path: Path) -> None:
    from clientnest_cli.services.context import AppContext

    ctx = AppContext()
    media = ctx.paths.media_dir
    ctx.close()
    add_hostile_posts(client.ids["x:acme"], media)
    page = tmp_path / "hostile-report.html"
    ok("report", "client", CLIENT, "--month", MONTH, "--output", str(page))
    seen = browser.inspect(page, ARTEFACTS)
    assert seen["console"] == []  # no script ran, no blocked load was even attempted
    assert seen["requests"] == []
    dom = parse(str(seen["dom"]))
    assert "script" not in [t for t, _ in dom.elements]
    for _tag, attrs in dom.elements:
        assert not any(name.startswith("on") for name in attrs)
        assert not (attrs.get("href") or "").lower().startswith("javascript:")


def test_pdf_by_chromium(chromium: str, client: Client, tmp_path: Path) -> None:
    target = tmp_path / "acme.pdf"
    ok("report", "client", CLIENT, "--month", MONTH, "--format", "pdf", "--output", str(target))
    assert target.read_bytes().startswith(b"%PDF")


def test_pdf_without_chromium_says_how_to_install(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on it
    result = cli("report", "client", CLIENT, "--month", MONTH, "--format", "pdf")
    assert result.exit_code == 1
    assert (
        "Chromium is not installed" in result.stderr and "apt-get install chromium" in result.stderr
    )

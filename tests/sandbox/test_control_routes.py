"""The sandbox's control routes answer local tools only: a web page (a
cross-site `text/plain` POST) or a DNS-rebound name (a foreign Host) is refused."""

from __future__ import annotations

import httpx
import pytest

from clientnest_cli.sandbox.framework import SandboxServer

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example"])
def test_a_foreign_host_is_refused(sandbox: SandboxServer, host: str) -> None:
    x = sandbox.emulator("x")
    url = f"{sandbox.url}/_sandbox/x/faults"
    answer = httpx.post(url, content=b'{"error_rate": 1.0}', headers={**JSON, "Host": host})
    assert answer.status_code == 403
    assert x.faults.error_rate == 0.0
    assert httpx.get(url, headers={"Host": host}).status_code == 403
    reset = httpx.post(f"{sandbox.url}/_sandbox/x/reset", headers={**JSON, "Host": host})
    assert reset.status_code == 403


def test_a_text_plain_post_is_refused(sandbox: SandboxServer) -> None:
    x = sandbox.emulator("x")
    for path, body in [("faults", b'{"error_rate": 1.0}'), ("call/seed_account", b"{}")]:
        answer = httpx.post(
            f"{sandbox.url}/_sandbox/x/{path}",
            content=body,
            headers={"Content-Type": "text/plain"},
        )
        assert answer.status_code == 415, path
    no_type = httpx.post(f"{sandbox.url}/_sandbox/x/reset")
    assert no_type.status_code == 415
    assert x.faults.error_rate == 0.0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:8765", None])
def test_local_json_requests_work(sandbox: SandboxServer, host: str | None) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if host is not None:
        headers["Host"] = host
    url = f"{sandbox.url}/_sandbox/x/faults"
    answer = httpx.post(url, content=b'{"error_rate": 0.25}', headers=headers)
    assert answer.status_code == 200 and answer.json()["error_rate"] == 0.25
    assert sandbox.emulator("x").faults.error_rate == 0.25
    assert httpx.get(url, headers={"Host": host} if host else {}).status_code == 200

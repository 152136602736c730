"""What every adapter shares has one home: the unreadable-answer error, the
authorised request and the OAuth code-exchange form (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from clientnest_cli.errors import PlatformError
from clientnest_cli.platforms.base import ConnectRequest
from clientnest_cli.platforms.http import read_json, send_authorised
from clientnest_cli.platforms.oauth import code_exchange_form

PLATFORMS = Path(__file__).parents[2] / "clientnest_cli" / "platforms"
HOMES = {"http.py", "oauth.py", "transport.py"}


@pytest.mark.parametrize(
    "pattern",
    [
        r"sent an unreadable answer",
        r"[\"']grant_type[\"']: [\"']authorization_code[\"']",
        r"[\"']Authorization[\"']: f?[\"']Bearer",  # send_authorised adds it
    ],
)
def test_no_adapter_keeps_its_own_copy(pattern: str) -> None:
    copies = [
        path.name
        for path in PLATFORMS.glob("*.py")
        if path.name not in HOMES and re.search(pattern, path.read_text())
    ]
    assert copies == []


@pytest.mark.parametrize(("write", "kind"), [(False, "retryable"), (True, "unknown")])
def test_an_unreadable_answer(write: bool, kind: str) -> None:
    resp = httpx.Response(200, content=b"<html>oops", request=httpx.Request("GET", "https://a/"))
    with pytest.raises(PlatformError) as caught:
        read_json(resp, platform="x", display="X", action="posting", write=write)
    assert caught.value.message == "X sent an unreadable answer while posting"
    assert caught.value.kind == kind and caught.value.status == 200


def test_an_authorised_request_carries_the_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        send_authorised(
            http, "GET", "https://api.x.com/2/me", "TOKEN", platform="x", headers={"A": "b"}
        )
    assert seen[0].headers["authorization"] == "Bearer TOKEN" and seen[0].headers["a"] == "b"


def test_the_code_exchange_form_and_its_variations() -> None:
    req = ConnectRequest(
        base_url="https://a",
        client_id="cid",
        client_secret="sec",
        redirect_uri="http://127.0.0.1:1/callback",
        code="c0de",
        code_verifier="v",
    )
    base = {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": "http://127.0.0.1:1/callback",
    }
    assert code_exchange_form(req) == {
        **base,
        "client_id": "cid",
        "client_secret": "sec",
        "code_verifier": "v",
    }
    assert code_exchange_form(req, secret=False, pkce=True) == {
        **base,
        "client_id": "cid",
        "code_verifier": "v",
    }
    assert code_exchange_form(req, pkce=False, client_field="client_key") == {
        **base,
        "client_key": "cid",
        "client_secret": "sec",
    }
    req.redirect_uri, req.code_verifier = "", ""
    oob = code_exchange_form(req, redirect_uri="urn:ietf:wg:oauth:2.0:oob", scope="read")
    assert oob["redirect_uri"] == "urn:ietf:wg:oauth:2.0:oob" and oob["scope"] == "read"
    assert "code_verifier" not in oob

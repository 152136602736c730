"""The OAuth 2.0 loopback redirect (RFC 8252): a one-shot HTTP listener on
127.0.0.1 at a random port receives the browser's redirect with the code.

``state`` is checked, consent refusals and timeouts are clear errors, and the
PKCE verifier never leaves this process.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from clientnest_cli.errors import BadInput, ClientNestError

PAGE = (
    "<!doctype html><meta charset=utf-8><title>ClientNest</title>"
    "<body style='font-family:sans-serif'><h1>{title}</h1><p>{text}</p>"
)


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Callback:
    code: str = ""
    state: str = ""
    error: str = ""
    error_description: str = ""


class LoopbackReceiver:
    """Listen on 127.0.0.1:<random>/callback for exactly one redirect."""

    def __init__(self) -> None:
        self.state = secrets.token_urlsafe(24)
        self._got = threading.Event()
        self._result = Callback()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/callback":
                    self.send_error(404)
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                receiver._result = Callback(
                    code=query.get("code", ""),
                    state=query.get("state", ""),
                    error=query.get("error", ""),
                    error_description=query.get("error_description", ""),
                )
                ok = receiver._result.code and receiver._result.state == receiver.state
                title = "Connected" if ok else "Not connected"
                text = (
                    "You can close this tab and return to the terminal."
                    if ok
                    else "Return to the terminal to see why."
                )
                body = PAGE.format(title=title, text=text).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                receiver._got.set()

            def log_message(self, *args: object) -> None:  # keep codes out of stderr
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/callback"

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float, platform: str) -> str:
        """Block until the redirect arrives; return the code or raise."""
        if not self._got.wait(timeout):
            raise ClientNestError(
                f"no answer from the browser within {timeout:.0f} s",
                hint=f"run `clientnest accounts connect {platform}` again; "
                "with --no-browser open the printed URL yourself",
            )
        got = self._result
        if got.state != self.state:
            raise BadInput(
                "the OAuth answer carried the wrong state and was ignored",
                hint="someone else's login may have reached this one; connect again",
            )
        if got.error:
            declined = got.error == "access_denied"
            raise BadInput(
                "you declined access in the browser"
                if declined
                else f"the platform said: {got.error}",
                hint=f"run `clientnest accounts connect {platform}` again and approve",
            )
        if not got.code:
            raise BadInput("the OAuth answer had no code", hint="connect again")
        return got.code

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

STRAY = (
    "This answer does not belong to the login in progress (its state is wrong) and was "
    "ignored. Finish the login from the link your terminal printed."
)
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
    """Listen on 127.0.0.1:<random>/callback for the one redirect that carries our state.

    A redirect with any other state gets an error page and is ignored: the
    flow waits for the right one until its timeout.
    """

    def __init__(self) -> None:
        self.state = secrets.token_urlsafe(24)
        self.ignored = 0  # redirects with the wrong state
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
                got = Callback(
                    code=query.get("code", ""),
                    state=query.get("state", ""),
                    error=query.get("error", ""),
                    error_description=query.get("error_description", ""),
                )
                if not secrets.compare_digest(got.state.encode(), receiver.state.encode()):
                    receiver.ignored += 1  # a stray or forged redirect: not ours, keep waiting
                    self._page(400, "Not connected", STRAY)
                    return
                if receiver._got.is_set():
                    self._page(409, "Already answered", "This login has already finished.")
                    return
                receiver._result = got
                ok = bool(got.code) and not got.error
                title = "Connected" if ok else "Not connected"
                text = (
                    "You can close this tab and return to the terminal."
                    if ok
                    else "Return to the terminal to see why."
                )
                self._page(200, title, text)
                receiver._got.set()

            def _page(self, status: int, title: str, text: str) -> None:
                body = PAGE.format(title=title, text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

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
            stray = (
                f" ({self.ignored} answer(s) with the wrong state were ignored)"
                if self.ignored
                else ""
            )
            raise ClientNestError(
                f"no answer from the browser within {timeout:.0f} s{stray}",
                hint=f"run `clientnest accounts connect {platform}` again; "
                "with --no-browser open the printed URL yourself",
            )
        got = self._result
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

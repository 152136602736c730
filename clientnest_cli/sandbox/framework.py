"""What every emulator shares: tokens, growing metrics, the server (faults: faults.py).

One uvicorn server on 127.0.0.1 serves every emulator under its own prefix
(``http://127.0.0.1:PORT/x``, ``…/bluesky`` …). Faults are switched per
emulator, from a test (``server.emulator("x").faults.error_rate = 0.2``) or
over HTTP (``POST /_sandbox/x/faults`` with a JSON body of the same fields,
``Content-Type: application/json``, Host 127.0.0.1 or localhost).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from clientnest_cli.sandbox.faults import Faults


@dataclass
class IssuedToken:
    subject: str  # the user id the token belongs to
    expires_at: float | None  # epoch seconds; None = never
    scope: str = ""


@dataclass
class TokenStore:
    """Access and refresh tokens an emulator has issued."""

    access_ttl_s: float | None = 7200.0
    refresh_ttl_s: float | None = None
    rotate_refresh: bool = True
    access: dict[str, IssuedToken] = field(default_factory=dict)
    refresh: dict[str, IssuedToken] = field(default_factory=dict)

    def issue(self, subject: str, scope: str = "", prefix: str = "tok") -> tuple[str, str]:
        now = time.time()
        access = f"{prefix}-a-{secrets.token_urlsafe(24)}"
        refresh = f"{prefix}-r-{secrets.token_urlsafe(24)}"
        self.access[access] = IssuedToken(
            subject, now + self.access_ttl_s if self.access_ttl_s else None, scope
        )
        self.refresh[refresh] = IssuedToken(
            subject, now + self.refresh_ttl_s if self.refresh_ttl_s else None, scope
        )
        return access, refresh

    def check(self, token: str | None) -> tuple[str, str | None]:
        """Return ("ok", subject), ("expired", None) or ("invalid", None)."""
        issued = self.access.get(token or "")
        if issued is None:
            return "invalid", None
        if issued.expires_at is not None and issued.expires_at <= time.time():
            return "expired", None
        return "ok", issued.subject

    def use_refresh(self, token: str) -> IssuedToken | None:
        """Consume a refresh token; with rotation the old one stops working."""
        issued = self.refresh.get(token)
        if issued is None:
            return None
        if issued.expires_at is not None and issued.expires_at <= time.time():
            return None
        if self.rotate_refresh:
            del self.refresh[token]
        return issued

    def expire_all(self) -> None:
        """Make every access token issued so far expired (a token expiring mid-run)."""
        now = time.time()
        for issued in self.access.values():
            issued.expires_at = now - 1


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def grown(seed: str, created: float, per_minute: float, now: float | None = None) -> int:
    """A metric that grows with the post's age, different per post and metric."""
    age_min = max(0.0, ((now or time.time()) - created) / 60.0)
    factor = 0.5 + (int(hashlib.sha256(seed.encode()).hexdigest()[:6], 16) % 1000) / 1000
    return int(age_min * per_minute * factor) + (1 if age_min > 0 else 0)


class DroppedResponse(Response):
    """Start a response, then cut the connection: the write happened, the
    client never learns it (drop-after-write)."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise ConnectionAbortedError("sandbox: drop-after-write")


CLIENT_GONE = "client gone before the write"  # suffix of a tally label (see answered)
STORED = "stored"  # suffix of a tally label: the create requests that stored something


async def answered(calls: Any, label: str, handler: Any, request: Request) -> Response:
    """Run ``handler``; a client that went away before its request body was read
    (e.g. killed mid-request) is tallied as ``"<label>: client gone before the write"``:
    such a request stored nothing. (A real server may still store it; either way
    the sender must ask before it sends again.)"""
    try:
        response: Response = await handler(request)
    except ClientDisconnect:
        calls[f"{label}: {CLIENT_GONE}"] += 1
        return Response(status_code=499)  # nobody reads it
    return response


class Emulator:
    """Base of every platform emulator.

    Subclasses set ``name``, implement ``routes()`` and the platform's own
    ``error(status, message, code)`` and ``throttle()`` responses, and call
    ``await self.before_write()`` at the top of each write handler.
    """

    name: str = ""
    title: str = ""
    connect_hint: str = ""  # how to connect an account to this emulator

    def __init__(self) -> None:
        self.faults = Faults()
        self.lock = threading.RLock()
        self.hits: Counter[str] = Counter()  # "METHOD /path" of every request received
        self.reset()

    def start_over(self) -> None:
        """Forget all state and every request counted (the sandbox's reset route)."""
        with self.lock:
            self.reset()
            self.hits.clear()

    def hit_count(self, method: str, path_pattern: str) -> int:
        """Requests received whose method is ``method`` and whose path (below the
        emulator's mount) matches the regular expression ``path_pattern`` whole."""
        pattern = re.compile(path_pattern)
        with self.lock:
            return sum(
                n
                for key, n in self.hits.items()
                if key.split(" ", 1)[0] == method and pattern.fullmatch(key.split(" ", 1)[1])
            )

    def reset(self) -> None:
        """Forget all state (subclasses extend)."""

    def routes(self) -> list[Route | Mount]:
        raise NotImplementedError

    def error(self, status: int, message: str, code: str = "") -> Response:
        return JSONResponse({"error": message}, status_code=status)

    def throttle(self) -> Response:
        return self.error(429, "rate limited")

    async def delay(self) -> None:
        if self.faults.latency_s > 0:
            await asyncio.sleep(self.faults.latency_s)
        await self.faults.wait_while_held()

    async def before_write(self) -> Response | None:
        """Latency, then maybe a 5xx or a throttle — before anything is stored."""
        await self.delay()
        if self.faults.take_error() or self.faults.roll(self.faults.error_rate):
            message = self.faults.error_message or "service unavailable (sandbox fault)"
            return self.error(self.faults.error_status, message)
        if self.faults.roll(self.faults.rate_limit_rate):
            return self.throttle()
        return None

    def maybe_drop(self, response: Response) -> Response:
        """Call after storing a write: maybe cut the connection, or answer 502 as a
        proxy in front of the platform would, instead of the platform's answer."""
        if self.faults.roll(self.faults.drop_after_write):
            return DroppedResponse()
        if self.faults.take_after_write() or self.faults.roll(self.faults.error_after_write):
            return Response(
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
                status_code=502,
                media_type="text/html",
            )
        return response

    def app(self) -> Starlette:
        inner = Starlette(routes=self.routes())

        async def app(scope: Any, receive: Any, send: Any) -> None:
            """``wrong_status``: writes (POST/PUT) get that status and store nothing."""
            if scope.get("type") == "http":
                path, root = scope.get("path", ""), scope.get("root_path", "")
                path = path[len(root) :] if root and path.startswith(root) else path
                with self.lock:
                    self.hits[f"{scope.get('method')} {path}"] += 1
            status = self.faults.wrong_status
            writes = scope.get("type") == "http" and scope.get("method") in ("POST", "PUT")
            if status and writes and not _is_auth_path(scope.get("path", "")):
                await wrong_status_response(status)(scope, receive, send)
                return
            await inner(scope, receive, send)

        return app  # type: ignore[return-value]

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able view of state for tests and `sandbox serve` inspection."""
        return {}


SEED_PREFIXES = ("seed_", "add_", "create_", "login_as", "backdate")


def jsonable(value: Any) -> Any:
    """A helper's return value as JSON (dataclasses and tuples included)."""
    from dataclasses import is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


CONTROL_HOSTS = ("127.0.0.1", "localhost")


def control_refusal(request: Request) -> Response | None:
    """Control routes answer only local tools, never a web page.

    The Host must name 127.0.0.1 or localhost (with or without a port), which
    defeats DNS rebinding; a POST must say ``Content-Type: application/json``,
    which a cross-site form or ``fetch`` cannot send without a CORS preflight
    (and no CORS preflight is ever answered here).
    """
    host = request.headers.get("host", "").strip().lower()
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name not in CONTROL_HOSTS:
        return JSONResponse(
            {"error": "control routes answer only Host 127.0.0.1 or localhost"}, status_code=403
        )
    if request.method == "POST":
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return JSONResponse(
                {"error": "control routes need Content-Type: application/json"}, status_code=415
            )
    return None


def guarded(handler: Any) -> Any:
    async def checked(request: Request) -> Response:
        refusal = control_refusal(request)
        if refusal is not None:
            return refusal
        response: Response = await handler(request)
        return response

    return checked


class SandboxServer:
    """Run emulators on one loopback port in a background thread."""

    def __init__(
        self,
        emulators: list[Emulator],
        host: str = "127.0.0.1",
        port: int = 0,
        static: dict[str, Any] | None = None,
    ):
        self.emulators = {e.name: e for e in emulators}
        self.static = static or {}  # URL prefix -> folder served as files (e.g. the store's media)
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # --- control over HTTP -------------------------------------------------
    def _control_routes(self) -> list[Route]:
        async def faults(request: Request) -> Response:
            emu = self.emulators.get(request.path_params["name"])
            if emu is None:
                return JSONResponse({"error": "no such emulator"}, status_code=404)
            if request.method == "POST":
                try:
                    emu.faults.update(await request.json())
                except (ValueError, TypeError) as exc:
                    return JSONResponse({"error": str(exc)}, status_code=400)
            return JSONResponse(emu.faults.as_dict())

        async def reset(request: Request) -> Response:
            emu = self.emulators.get(request.path_params["name"])
            if emu is None:
                return JSONResponse({"error": "no such emulator"}, status_code=404)
            emu.start_over()
            return JSONResponse({"ok": True})

        async def state(request: Request) -> Response:
            emu = self.emulators.get(request.path_params["name"])
            if emu is None:
                return JSONResponse({"error": "no such emulator"}, status_code=404)
            with emu.lock:
                return JSONResponse(emu.snapshot())

        async def call(request: Request) -> Response:
            """Run a seeding helper of an emulator from outside the process:
            POST /_sandbox/x/call/seed_account {"handle": "acme"}."""
            emu = self.emulators.get(request.path_params["name"])
            method = request.path_params["method"]
            if emu is None or not method.startswith(SEED_PREFIXES):
                return JSONResponse({"error": "no such emulator or helper"}, status_code=404)
            fn = getattr(emu, method, None)
            if fn is None:
                return JSONResponse({"error": f"{method} does not exist"}, status_code=404)
            try:
                kwargs = await request.json() if await request.body() else {}
                return JSONResponse(jsonable(fn(**kwargs)))
            except (TypeError, ValueError, KeyError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)

        return [
            Route("/_sandbox/{name}/call/{method}", guarded(call), methods=["POST"]),
            Route("/_sandbox/{name}/faults", guarded(faults), methods=["GET", "POST"]),
            Route("/_sandbox/{name}/reset", guarded(reset), methods=["POST"]),
            Route("/_sandbox/{name}/state", guarded(state), methods=["GET"]),
        ]

    def app(self) -> Starlette:
        routes: list[Route | Mount] = list(self._control_routes())
        routes += [Mount(f"/{name}", app=emu.app()) for name, emu in self.emulators.items()]
        routes.append(Mount("/media", app=self._static_files("/media")))
        return Starlette(routes=routes)

    def _static_files(self, prefix: str) -> Any:
        """Serve the folder ``self.static[prefix]`` names at request time, so a
        test can point it at its own store's media folder."""
        from starlette.staticfiles import StaticFiles

        async def app(scope: Any, receive: Any, send: Any) -> None:
            folder = self.static.get(prefix)
            if folder is None:
                await JSONResponse({"error": "no folder served here"}, status_code=404)(
                    scope, receive, send
                )
                return
            await StaticFiles(directory=str(folder), check_dir=False)(scope, receive, send)

        return app

    # --- lifecycle ---------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    def emulator(self, name: str) -> Emulator:
        return self.emulators[name]

    def start(self) -> SandboxServer:
        import uvicorn

        config = uvicorn.Config(
            self.app(),
            host=self.host,
            port=self.port,
            log_level="critical",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        # Let uvicorn bind the port itself: a pre-bound socket handed over with
        # `sockets=` loses TCP_NODELAY and every answer waits ~40 ms for an ACK.
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="sandbox")
        self._thread.start()
        deadline = time.time() + 10
        while not self._server.started:
            if time.time() > deadline or not self._thread.is_alive():
                raise RuntimeError("sandbox server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C arrives as KeyboardInterrupt)."""
        while self._thread and self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wrong_status_response(status: int) -> Response:
    """A status the platform does not document for success (a proxy's redirect to a
    login page, an unexpected 2xx): nothing is stored."""
    if 300 <= status < 400:
        return Response(
            "Moved (sandbox fault)",
            status_code=status,
            headers={"location": "https://login.example.invalid/"},
        )
    return Response("unexpected answer (sandbox fault)", status_code=status)


def _is_auth_path(path: str) -> bool:
    """Token and session endpoints stay untouched by ``wrong_status`` (only sends fail)."""
    return any(
        part in path
        for part in ("oauth", "token", "Session", "/apps", "creator_info", "access_token")
    )

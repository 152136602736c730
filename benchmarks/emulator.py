"""The X emulator in its own process, with the benchmark's accounts already in it.

    python -m benchmarks.emulator --accounts 100 [--tweets-per-account 1000] [--out FILE]

The same ``XEmulator`` and ``SandboxServer`` that ``clientnest sandbox serve
--platform x`` runs, plus what a benchmark needs before the clock starts:
``--accounts`` users ``bench000``… whose access tokens are fixed strings
(``bench-<handle>``, never expiring), so the keyring entries saved once stay
valid across emulator restarts, and ``--tweets-per-account`` tweets seeded
in-process with the emulator's own ``seed_tweet`` (B5). Prints one JSON line
``{"port": …}`` when it listens; ``GET /_bench/calls`` answers the
emulator's call counters; writes the accounts (and seeded tweet ids)
to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clientnest_cli.sandbox.framework import IssuedToken, SandboxServer
from clientnest_cli.sandbox.x import XEmulator
from clientnest_cli.sandbox.x_oauth import SCOPES


class BenchServer(SandboxServer):
    """SandboxServer plus GET /_bench/calls: the X emulator's per-endpoint call counters."""

    def _control_routes(self) -> list[Route]:
        async def calls(request: Request) -> Response:
            emu = self.emulators["x"]
            with emu.lock:
                return JSONResponse(dict(emu.calls))  # type: ignore[attr-defined]

        return [Route("/_bench/calls", calls, methods=["GET"]), *super()._control_routes()]


def handle(i: int) -> str:
    return f"bench{i:03d}"


def token(handle_: str) -> str:
    return f"bench-{handle_}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--tweets-per-account", type=int, default=0)
    parser.add_argument("--age-s", type=float, default=3600.0)
    parser.add_argument("--out", default="")
    args = parser.parse_args()

    emu = XEmulator()
    scope = " ".join(sorted(SCOPES))
    rng = random.Random(7)
    accounts = []
    for i in range(args.accounts):
        h = handle(i)
        user = emu._user_by_handle(h)
        emu.tokens.access[token(h)] = IssuedToken(user["id"], None, scope)
        ids = [
            emu.seed_tweet(user["id"], f"seeded {h} {n}", age_s=rng.uniform(60, args.age_s))
            for n in range(args.tweets_per_account)
        ]
        accounts.append({"handle": h, "user_id": user["id"], "token": token(h), "tweets": ids})
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(accounts, f)
    server = BenchServer([emu], port=args.port).start()
    print(json.dumps({"port": server.port}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: server.stop() or sys.exit(0))
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()

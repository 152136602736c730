"""`clientnest sandbox serve`: every platform's emulator on 127.0.0.1, to try the tool.

The emulators follow PLATFORMS.md and keep state in memory while they run.
Nothing here reaches the internet; the AI emulator is a test double that
writes deterministic text, not a model.
"""

from __future__ import annotations

import typer

from clientnest_cli.cli import output
from clientnest_cli.cli.app import state

app = typer.Typer(no_args_is_help=True)

OAUTH = ("x", "mastodon", "linkedin", "facebook", "instagram", "threads", "tiktok")


def _instructions(name: str, base: str, emulator: object) -> list[str]:
    """How to connect an account to one running emulator, as commands to paste."""
    if name in OAUTH:
        return [f"clientnest accounts connect {name} --server {base}   (consent is automatic)"]
    if name == "bluesky":
        seeded = emulator.seed_account("demo.bsky.sandbox")  # type: ignore[attr-defined]
        # four months of earlier posts (planted best times) for `accounts backfill`
        emulator.seed_history(  # type: ignore[attr-defined]
            "demo.bsky.sandbox", seed=7, posts=240, days=120, timezone="Europe/Berlin"
        )
        return [
            f"echo '{seeded['app_password']}' | clientnest accounts connect bluesky "
            f"--server {base} --handle demo.bsky.sandbox --app-password"
        ]
    if name in ("discord", "slack"):
        hook = emulator.create_webhook()  # type: ignore[attr-defined]
        return [f"echo '{base}{hook['path']}' | clientnest accounts connect {name}"]
    if name == "ai":
        return [
            f"export CLIENTNEST_AI__BASE_URL={base}/v1 CLIENTNEST_AI_API_KEY=sk-sandbox",
            "(a test double that writes deterministic text: not a real model)",
        ]
    return []


@app.command("serve")
def serve(
    ctx: typer.Context,
    platform: list[str] = typer.Option(
        None, "--platform", help="Only these emulators (repeatable); default all."
    ),
    port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1 (0 picks a free one)."),
) -> None:
    """Run the local emulators until Ctrl-C, printing how to connect to each."""
    from clientnest_cli.errors import BadInput
    from clientnest_cli.sandbox.catalog import available, build
    from clientnest_cli.sandbox.framework import SandboxServer

    names = available()
    unknown = sorted(set(platform or []) - set(names))
    if unknown:
        raise BadInput(
            f"no emulator for {', '.join(unknown)}", hint=f"choose from: {', '.join(names)}"
        )
    media_dir = state(ctx).paths.media_dir
    server = SandboxServer(
        [build(n) for n in (platform or names)], port=port, static={"/media": media_dir}
    )
    try:
        server.start()
    except (OSError, SystemExit, RuntimeError) as exc:
        raise BadInput(
            f"cannot listen on 127.0.0.1:{port} ({exc})", hint="pick another --port"
        ) from None
    output.done(f"ClientNest sandbox on {server.url} — emulators, not the real platforms.\n")
    for name, emulator in server.emulators.items():
        base = server.base_url(name)
        output.done(f"{name:10} {base}   {emulator.title}")
        for line in _instructions(name, base, emulator):
            output.done(f"{'':10} {line}")
    output.done(
        f"{'media':10} {server.url}/media   the store's media folder, for the platforms that "
        "fetch media from a URL (Instagram, Threads, TikTok photos)"
    )
    output.done(
        "\nFaults: POST /_sandbox/<name>/faults with Content-Type: application/json, "
        'e.g. {"error_rate": 0.2} (only from 127.0.0.1/localhost).'
    )
    output.done("Press Ctrl-C to stop.")
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()

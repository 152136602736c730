"""Which emulators exist, loaded lazily by name."""

from __future__ import annotations

from importlib import import_module

from clientnest_cli.sandbox.framework import Emulator

EMULATORS: dict[str, str] = {
    "x": "clientnest_cli.sandbox.x:XEmulator",
    "bluesky": "clientnest_cli.sandbox.bluesky:BlueskyEmulator",
    "mastodon": "clientnest_cli.sandbox.mastodon:MastodonEmulator",
    "discord": "clientnest_cli.sandbox.webhooks:DiscordEmulator",
    "slack": "clientnest_cli.sandbox.webhooks:SlackEmulator",
    "linkedin": "clientnest_cli.sandbox.linkedin:LinkedInEmulator",
    "facebook": "clientnest_cli.sandbox.facebook:FacebookEmulator",
    "instagram": "clientnest_cli.sandbox.instagram:InstagramEmulator",
    "threads": "clientnest_cli.sandbox.threads:ThreadsEmulator",
    "tiktok": "clientnest_cli.sandbox.tiktok:TikTokEmulator",
    "ai": "clientnest_cli.sandbox.ai:AIEmulator",
}


def available() -> list[str]:
    """Names whose module exists in this build."""
    names = []
    for name, target in EMULATORS.items():
        module = target.split(":")[0]
        try:
            import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        names.append(name)
    return names


def build(name: str) -> Emulator:
    module, cls = EMULATORS[name].split(":")
    return getattr(import_module(module), cls)()

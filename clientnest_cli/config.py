"""Settings: config.toml, overridden by CLIENTNEST_* environment variables.

Nested keys use ``__`` in the environment: ``CLIENTNEST_AI__MODEL=gpt-4o-mini``.
Every key is documented in config.example.toml. A TOML syntax error or an
unknown key is a ``ConfigError`` naming the file, the line and the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from clientnest_cli.errors import ConfigError
from clientnest_cli.paths import Paths, resolve_paths


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TierLimits(Section):
    ai_tokens_per_month: int
    accounts: int
    scheduled_posts: int


DEFAULT_TIERS: dict[str, TierLimits] = {
    "free": TierLimits(ai_tokens_per_month=20_000, accounts=5, scheduled_posts=30),
    "starter": TierLimits(ai_tokens_per_month=200_000, accounts=10, scheduled_posts=300),
    "professional": TierLimits(ai_tokens_per_month=1_000_000, accounts=25, scheduled_posts=2_000),
    "business": TierLimits(ai_tokens_per_month=5_000_000, accounts=100, scheduled_posts=20_000),
    "enterprise": TierLimits(
        ai_tokens_per_month=50_000_000, accounts=10_000, scheduled_posts=1_000_000
    ),
}


class PublishingSettings(Section):
    max_attempts: int = Field(5, ge=1, le=50)
    lease_seconds: int = Field(120, ge=5)
    backoff_base_seconds: float = Field(30.0, ge=0)
    backoff_max_seconds: float = Field(3600.0, ge=0)
    concurrency: int = Field(16, ge=1, le=256)
    require_approval_for_editors: bool = False


class DaemonSettings(Section):
    dispatch_interval_seconds: float = Field(1.0, gt=0)
    metrics_interval_minutes: float = Field(60, gt=0)
    account_sync_interval_minutes: float = Field(360, gt=0)
    comments_interval_minutes: float = Field(30, gt=0)
    token_refresh_ahead_minutes: int = Field(30, ge=1)
    heartbeat_stale_seconds: int = Field(30, ge=5)
    # retrain the engagement model once this many posts got new figures (0: never)
    retrain_new_posts: int = Field(200, ge=0)
    retrain_check_minutes: float = Field(360, gt=0)


class AISettings(Section):
    base_url: str = "https://api.deepseek.com"
    model: str = "deepseek-chat"
    timeout_seconds: float = Field(60.0, gt=0)
    max_tokens: int = Field(800, ge=16)
    temperature: float = Field(0.7, ge=0, le=2)
    max_retries: int = Field(3, ge=0, le=10)  # retries on 429/5xx/timeouts, with backoff
    # price per million tokens: model -> [input, output] (USD)
    prices: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {
            "deepseek-chat": (0.27, 1.10),
            "deepseek-reasoner": (0.55, 2.19),
            "gpt-4o-mini": (0.15, 0.60),
            "gpt-4o": (2.50, 10.00),
        }
    )


class PlatformSettings(Section):
    base_url: str | None = None  # API base; None = the platform's real API
    auth_base_url: str | None = None  # consent page base; None = the platform's own
    client_id: str | None = None  # OAuth client id of your app registration
    media_base_url: str | None = None  # public URL where the store's media is served


class NotificationSettings(Section):
    desktop: bool = True
    webhook_url: str | None = None  # Slack or Discord incoming webhook (a secret: masked)
    webhook_format: str = Field("slack", pattern="^(slack|discord)$")


class SecretsSettings(Section):
    backend: str = Field("auto", pattern="^(auto|keyring|cryptfile)$")


class Settings(BaseSettings):
    """All of ClientNest's configuration."""

    model_config = SettingsConfigDict(
        env_prefix="CLIENTNEST_", env_nested_delimiter="__", extra="forbid"
    )

    user: str | None = None  # acting user's email; --as overrides
    database_url: str | None = None  # default: SQLite file in the data dir
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    publishing: PublishingSettings = Field(default_factory=PublishingSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    ai: AISettings = Field(default_factory=AISettings)
    tiers: dict[str, TierLimits] = Field(default_factory=lambda: dict(DEFAULT_TIERS))
    platforms: dict[str, PlatformSettings] = Field(default_factory=dict)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    secrets: SecretsSettings = Field(default_factory=SecretsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # env beats the file; the file arrives as init kwargs
        return (env_settings, init_settings)

    def platform(self, name: str) -> PlatformSettings:
        return self.platforms.get(name) or PlatformSettings()

    def tier_limits(self, tier: str) -> TierLimits:
        return self.tiers.get(tier) or DEFAULT_TIERS[tier]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file {path}: {exc.strerror}", hint="check its permissions"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not UTF-8 text", hint="save it as UTF-8 TOML"
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}", hint="fix the TOML syntax on that line") from exc


def _line_of(path: Path, key: str) -> int | None:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip().split("=")[0].strip().strip('"') == key or line.strip() == f"[{key}]":
                return number
    except OSError:
        return None
    return None


def _explain(exc: ValidationError, path: Path) -> ConfigError:
    err = exc.errors()[0]
    loc = [str(part) for part in err["loc"]]
    key = ".".join(loc)
    line = _line_of(path, loc[-1]) if path.exists() else None
    where = f"{path}:{line}" if line else str(path)
    if err["type"] == "extra_forbidden":
        return ConfigError(
            f"{where}: unknown key '{key}'",
            hint="see config.example.toml for every key (env: CLIENTNEST_<SECTION>__<KEY>)",
        )
    return ConfigError(f"{where}: '{key}': {err['msg']}", hint="see config.example.toml")


def load_settings(config_path: Path | None = None, paths: Paths | None = None) -> Settings:
    """Read config.toml (or ``config_path``) and the environment."""
    path = config_path or (paths or resolve_paths()).config_file
    if config_path is not None and not config_path.exists():
        raise ConfigError(f"config file {config_path} does not exist", hint="check --config")
    data = _read_toml(path)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise _explain(exc, path) from None


def masked(settings: Settings) -> dict[str, Any]:
    """Settings as a dict with secrets masked, for `config show`.

    A webhook URL is itself a credential: only its host is shown. A database
    URL is shown without its password.
    """
    data = settings.model_dump(mode="json")
    if data.get("database_url"):
        data["database_url"] = _hide_password(data["database_url"])
    hook = data["notifications"].get("webhook_url")
    if hook:
        data["notifications"]["webhook_url"] = _host_only(hook)
    return data


def _hide_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _host_only(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/***" if parts.hostname else "***"

"""Settings: config.toml, overridden by CLIENTNEST_* environment variables.

Nested keys use ``__`` in the environment: ``CLIENTNEST_AI__MODEL=gpt-4o-mini``.
Every key is documented in config.example.toml. A TOML syntax error or an
unknown key is a ``ConfigError`` naming the file, the line and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from clientnest_cli.config_file import _line_of, _read_toml, _refuse_policy
from clientnest_cli.errors import ConfigError
from clientnest_cli.paths import Paths, resolve_paths


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublishingSettings(Section):
    max_attempts: int = Field(5, ge=1, le=50)
    lease_seconds: int = Field(120, ge=5)
    backoff_base_seconds: float = Field(30.0, ge=0)
    backoff_max_seconds: float = Field(3600.0, ge=0)
    concurrency: int = Field(16, ge=1, le=256)
    # Fencing (see services/publish_fence.py): a holder sends only while its lease
    # has more than http_timeout + fence_margin left; a reconciler takes an expired
    # lease over only after lease end + http_timeout + fence_margin.
    http_timeout_seconds: float = Field(20.0, gt=0)
    fence_margin_seconds: float = Field(5.0, ge=0)
    # A post whose send may have landed and whose platform could not be asked
    # waits in `checking`: asked again after check_wait_seconds, x3 each time
    # (capped at check_wait_max_seconds), at most max_checks times, then failed.
    check_wait_seconds: float = Field(120.0, gt=0)
    check_wait_max_seconds: float = Field(6 * 3600.0, gt=0)
    max_checks: int = Field(7, ge=0, le=100)
    lookup_tries: int = Field(4, ge=1, le=20)  # tries of one lookup, with backoff

    @model_validator(mode="after")
    def _lease_outlasts_a_request(self) -> PublishingSettings:
        if self.lease_seconds <= self.http_timeout_seconds + self.fence_margin_seconds:
            raise ValueError(
                "publishing.lease_seconds must be longer than http_timeout_seconds + "
                "fence_margin_seconds (a holder must be able to finish a request in its lease)"
            )
        return self


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
    # how often posts left `publishing` by a dead publisher, and `checking` posts
    # due for another question, are looked for (seconds)
    reconcile_interval_seconds: float = Field(10.0, gt=0)


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


class ReportSettings(Section):
    agency_name: str = ""  # shown at the top of every client report
    logo: str | None = None  # path to a PNG/JPEG/SVG/GIF/WebP logo, embedded in the report
    monthly: bool = False  # the daemon writes each client's report for the month just ended
    folder: str | None = None  # where monthly reports go; default: <data dir>/reports


class SecretsSettings(Section):
    backend: str = Field("auto", pattern="^(auto|keyring|file|cryptfile)$")  # cryptfile = file
    tokens: str = Field("keyring", pattern="^(keyring|store)$")  # store: shared, team mode


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
    platforms: dict[str, PlatformSettings] = Field(default_factory=dict)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    secrets: SecretsSettings = Field(default_factory=SecretsSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)

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
    _refuse_policy(data, path)
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

"""Where ClientNest keeps its files.

``CLIENTNEST_HOME`` moves config, data and logs together (tests use it);
otherwise the platform's user dirs (platformdirs) are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP = "clientnest"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def database_file(self) -> Path:
        return self.data_dir / "clientnest.db"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def secrets_file(self) -> Path:
        return self.data_dir / "secrets.json"  # secretfile.py; the old secrets.cfg is migrated


def resolve_paths() -> Paths:
    home = os.environ.get("CLIENTNEST_HOME")
    if home:
        base = Path(home).expanduser()
        return Paths(base, base / "data", base / "logs")
    import platformdirs

    return Paths(
        Path(platformdirs.user_config_dir(APP)),
        Path(platformdirs.user_data_dir(APP)),
        Path(platformdirs.user_log_dir(APP)),
    )


def ensure_private_dir(path: Path) -> Path:
    """Create a folder only its owner can read (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path

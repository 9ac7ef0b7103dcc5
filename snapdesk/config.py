"""Paths and environment-driven settings.

Every path comes from platformdirs and can be overridden by an environment variable
(`SNAPDESK_DATA_DIR`, `SNAPDESK_CONFIG_DIR`, `SNAPDESK_CACHE_DIR`); the data folder can also be
chosen in the Preferences (saved in settings.json), which the environment variable overrides. The API endpoints come from
`SNAPDESK_API_BASE`, `SNAPDESK_CAPI_BASE` and `SNAPDESK_OAUTH_BASE`. Nothing here imports Qt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "snapdesk"

DEFAULT_API_BASE = "https://adsapi.snapchat.com/v1"
DEFAULT_CAPI_BASE = "https://tr.snapchat.com/v3"
DEFAULT_OAUTH_BASE = "https://accounts.snapchat.com"

_TRUE = {"1", "true", "yes", "on"}


def _env_path(name: str, default: str) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else Path(default)


@dataclass(frozen=True)
class Paths:
    """Where snapdesk keeps its files. Directories are created on first use."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def from_env(cls) -> Paths:
        """The environment's directories; without `SNAPDESK_DATA_DIR`, the data folder chosen
        in the Preferences (`data_dir` in `<config_dir>/settings.json`) replaces the default."""
        config = _env_path(
            "SNAPDESK_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME, appauthor=False)
        )
        if os.environ.get("SNAPDESK_DATA_DIR"):
            data = _env_path("SNAPDESK_DATA_DIR", "")
        else:
            # Imported here: the settings module builds on this one.
            from snapdesk.core.settings import saved_data_dir

            chosen = saved_data_dir(config)
            data = chosen or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
        cache = _env_path(
            "SNAPDESK_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME, appauthor=False)
        )
        if os.environ.get("SNAPDESK_DATA_DIR"):
            log = data / "logs"
        else:
            log = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
        return cls(data_dir=data, config_dir=config, cache_dir=cache, log_dir=log)

    @property
    def database(self) -> Path:
        return self.data_dir / "cache.sqlite3"

    def ensure(self) -> Paths:
        """Create the folders that are missing, owner-only (0700: they hold the cache, login
        metadata and hashed lists). A folder that exists keeps its mode (a data folder the user
        chose is theirs)."""
        from snapdesk.core.outputs import make_private_dirs

        for p in (self.data_dir, self.config_dir, self.cache_dir, self.log_dir):
            make_private_dirs(p)
        return self


def api_base() -> str:
    return os.environ.get("SNAPDESK_API_BASE", DEFAULT_API_BASE).rstrip("/")


def capi_base() -> str:
    return os.environ.get("SNAPDESK_CAPI_BASE", DEFAULT_CAPI_BASE).rstrip("/")


def oauth_base() -> str:
    return os.environ.get("SNAPDESK_OAUTH_BASE", DEFAULT_OAUTH_BASE).rstrip("/")


def env_access_token() -> str | None:
    """A bearer token for headless use (`SNAPDESK_ACCESS_TOKEN`); never refreshed."""
    token = os.environ.get("SNAPDESK_ACCESS_TOKEN", "").strip()
    return token or None


def live_mode_from_env() -> bool:
    return os.environ.get("SNAPCHAT_ADS_LIVE_MODE", "").strip().lower() in _TRUE

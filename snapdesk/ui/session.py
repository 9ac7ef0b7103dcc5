"""Everything one open window works with: the cache, the API client (if signed in), the loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from snapdesk.api import SnapApi
from snapdesk.store import Store


@dataclass
class Session:
    store: Store
    loop: asyncio.AbstractEventLoop
    api: SnapApi | None = None
    profile: str = "default"
    sandbox: Any = None  # the running SandboxServer, when on the sandbox
    settings_path: Path | None = None  # QSettings ini file for window geometry and layout

    @property
    def is_sandbox(self) -> bool:
        return self.sandbox is not None

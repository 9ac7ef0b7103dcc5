"""Small, atomic JSON files in the config directory (never tokens)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from snapdesk.core.outputs import make_private_dirs


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as JSON to `path` via a temporary file and a rename (no torn files)."""
    make_private_dirs(path.parent)  # owner-only when snapdesk creates it; mkstemp: 0600
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    """The parsed file, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None

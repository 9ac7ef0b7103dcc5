"""Where the app's bundled files live: icons, the .desktop file and the sample CSVs.

`resources/` at the repository root is the only copy in git. At run time it is found in one of:
- this package's directory, where the PyInstaller spec (packaging/snapdesk.spec) puts it in a
  frozen bundle (and where a wheel carries it, see packaging/README.md);
- the repository's `resources/`, for a source checkout or an editable install.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
_CHECKOUT = _HERE.parent.parent / "resources"


def resource_dir() -> Path:
    """The directory that holds `icons/`, `samples/` and `snapdesk.desktop`."""
    if (_HERE / "icons").is_dir():
        return _HERE
    return _CHECKOUT


def resource_path(*parts: str) -> Path:
    """A bundled file, e.g. `resource_path("samples", "emails.csv")`. It may not exist (a broken
    installation); callers check."""
    return resource_dir().joinpath(*parts)


def app_icon_file(size: int = 256) -> Path:
    """The app icon PNG of the given size (16, 24, 32, 48, 64, 128, 256 or 512)."""
    return resource_path("icons", f"snapdesk-{size}.png")


def sample_file(name: str) -> Path:
    """A sample CSV by file name, e.g. `emails.csv`."""
    return resource_path("samples", name)

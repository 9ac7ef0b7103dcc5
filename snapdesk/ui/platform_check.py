"""Will Qt's display plugin load? Checked before Qt tries, so a missing system library is named
with the command that installs it, instead of Qt's abort ("xcb-cursor0 or libxcb-cursor0 is
needed to load the Qt xcb platform plugin" — printed even when that one is installed and the
missing ones are others, and followed by a core dump).

No Qt import here: the check must run before Qt loads its platform plugin.

    problem = display_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final


@dataclass(frozen=True)
class SystemLibrary:
    soname: str
    debian: str  # Debian / Ubuntu package
    fedora: str  # Fedora / RHEL package


# What Qt 6's xcb platform plugin links against outside Qt itself: the NEEDED entries of
# PySide6's plugins/platforms/libqxcb.so and lib/libQt6XcbQpa.so.6 (readelf -d, PySide6 6.11),
# with the packages that ship each library. libc, libstdc++, glib and the core X11 libraries
# are on every desktop and are left to the plugin load below.
XCB_LIBRARIES: Final[tuple[SystemLibrary, ...]] = (
    SystemLibrary("libxcb.so.1", "libxcb1", "libxcb"),
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb"),
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0", "xcb-util-image"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms"),
    SystemLibrary("libxcb-randr.so.0", "libxcb-randr0", "libxcb"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil"),
    SystemLibrary("libxcb-render.so.0", "libxcb-render0", "libxcb"),
    SystemLibrary("libxcb-shape.so.0", "libxcb-shape0", "libxcb"),
    SystemLibrary("libxcb-shm.so.0", "libxcb-shm0", "libxcb"),
    SystemLibrary("libxcb-sync.so.1", "libxcb-sync1", "libxcb"),
    SystemLibrary("libxcb-util.so.1", "libxcb-util1", "xcb-util"),
    SystemLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb"),
    SystemLibrary("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon"),
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
    SystemLibrary("libGL.so.1", "libgl1", "libglvnd-glx"),
    SystemLibrary("libEGL.so.1", "libegl1", "libglvnd-egl"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1", "fontconfig"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3", "dbus-libs"),
)


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_libraries(
    libraries: tuple[SystemLibrary, ...] = XCB_LIBRARIES,
    loads: Callable[[str], bool] = _loads,
) -> list[SystemLibrary]:
    """The libraries of `libraries` the dynamic loader can't find, in order."""
    return [lib for lib in libraries if not loads(lib.soname)]


def will_use_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will pick its xcb plugin: on Linux/BSD when QT_QPA_PLATFORM is unset or
    names xcb, unless a Wayland session gives Qt its wayland plugin first."""
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip().split(":")[0].split(";")[0]
    if chosen:
        return chosen == "xcb"
    wayland = env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE", "") == "wayland"
    return not wayland


def _plugin_error() -> str | None:
    """dlopen the xcb plugin itself: catches a library this module doesn't list (the loader
    names only the first one it misses). None when it loads or PySide6 isn't where expected."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt/plugins/platforms/libqxcb.so"
    if not plugin.exists():
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return str(exc)
    return None


def display_problem(
    env: Mapping[str, str] | None = None,
    *,
    platform: str = sys.platform,
    loads: Callable[[str], bool] = _loads,
    plugin_error: Callable[[], str | None] = _plugin_error,
) -> str | None:
    """A message saying why the window can't open on this display and what to run, or None."""
    env = os.environ if env is None else env
    if not will_use_xcb(env, platform):
        return None
    if not env.get("DISPLAY"):
        return (
            "can't open the window: no display (DISPLAY is not set).\n"
            "Run it from a desktop session, or over SSH with X forwarding (ssh -X). To check a "
            "build without a screen: QT_QPA_PLATFORM=offscreen snapdesk --sandbox"
        )
    missing = missing_libraries(loads=loads)
    if missing:
        names = ", ".join(lib.soname for lib in missing)
        debian = " ".join(dict.fromkeys(lib.debian for lib in missing))
        fedora = " ".join(dict.fromkeys(lib.fedora for lib in missing))
        return (
            f"can't open the window: Qt's X11 display plugin needs {len(missing)} "
            f"system librar{'y' if len(missing) == 1 else 'ies'} that {'is' if len(missing) == 1 else 'are'} "
            f"not installed: {names}.\n"
            "Install them, then start snapdesk again:\n"
            f"  Debian/Ubuntu: sudo apt-get install {debian}\n"
            f"  Fedora:        sudo dnf install {fedora}"
        )
    error = plugin_error()
    if error:
        return (
            "can't open the window: Qt's X11 display plugin does not load:\n"
            f"  {error}\n"
            "Install the package that provides that library (Debian/Ubuntu: apt-file search "
            "<name>; Fedora: dnf provides <name>), then start snapdesk again."
        )
    return None

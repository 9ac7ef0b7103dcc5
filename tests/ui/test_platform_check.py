"""The display check before Qt loads its platform plugin, and the app on a real X server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from snapdesk.ui.platform_check import (
    XCB_LIBRARIES,
    display_problem,
    will_use_xcb,
)


def test_qt_picks_xcb_unless_told_otherwise_or_on_wayland() -> None:
    assert will_use_xcb({}, "linux")
    assert will_use_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not will_use_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not will_use_xcb({"QT_QPA_PLATFORM": "wayland"}, "linux")
    assert not will_use_xcb(
        {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux"
    )
    assert not will_use_xcb({}, "win32") and not will_use_xcb({}, "darwin")


def test_the_missing_libraries_are_named_with_both_install_commands() -> None:
    """The case from the issue: libxcb-cursor0 installed, icccm4 and keysyms1 missing."""
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    problem = display_problem(
        {"DISPLAY": ":0"}, platform="linux", loads=lambda name: name not in absent
    )
    assert problem is not None
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in problem
    assert "cursor" not in problem  # Qt's own message blames the wrong library
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in problem
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in problem


def test_no_display_says_what_to_do() -> None:
    problem = display_problem({}, platform="linux", loads=lambda _: True)
    assert problem is not None and "DISPLAY is not set" in problem
    assert "QT_QPA_PLATFORM=offscreen" in problem


def test_nothing_to_say_when_everything_loads() -> None:
    assert (
        display_problem(
            {"DISPLAY": ":0"}, platform="linux", loads=lambda _: True, plugin_error=lambda: None
        )
        is None
    )
    # a library this module doesn't list: the plugin's own load names it
    problem = display_problem(
        {"DISPLAY": ":0"},
        platform="linux",
        loads=lambda _: True,
        plugin_error=lambda: "libxcb-foo.so.9: cannot open shared object file",
    )
    assert problem is not None and "libxcb-foo.so.9" in problem


def test_the_list_covers_what_the_xcb_plugin_links_against() -> None:
    """Every non-Qt library the installed plugin needs is in the list (or is a base library
    every desktop has), so the check keeps up with PySide6 upgrades."""
    readelf = shutil.which("readelf")
    if readelf is None or not sys.platform.startswith("linux"):
        pytest.skip("needs readelf on Linux")
    import PySide6

    base = Path(PySide6.__file__).parent / "Qt"
    needed: set[str] = set()
    for lib in (base / "plugins/platforms/libqxcb.so", base / "lib/libQt6XcbQpa.so.6"):
        out = subprocess.run([readelf, "-d", str(lib)], capture_output=True, text=True).stdout
        needed |= {line.split("[")[1].rstrip("]") for line in out.splitlines() if "NEEDED" in line}
    everywhere = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libX11.so.6",
                  "libglib-2.0.so.0", "libgthread-2.0.so.0"}  # fmt: skip
    listed = {lib.soname for lib in XCB_LIBRARIES}
    unlisted = {n for n in needed if not n.startswith("libQt6")} - everywhere - listed
    assert not unlisted, f"add to XCB_LIBRARIES: {sorted(unlisted)}"


def test_snapdesk_stops_with_the_message_instead_of_a_qt_abort(tmp_path: Path) -> None:
    """End to end: broken copies of two libraries first on the loader's path make them
    unloadable, as on a machine without them; snapdesk exits 1 naming both, and Qt never
    gets to abort (no core dump)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    libs = tmp_path / "libs"
    libs.mkdir()
    for name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
        (libs / name).write_bytes(b"not a library")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(
        DISPLAY=":97",
        LD_LIBRARY_PATH=str(libs),
        SNAPDESK_DATA_DIR=str(tmp_path / "data"),
        SNAPDESK_CONFIG_DIR=str(tmp_path / "config"),
        SNAPDESK_CACHE_DIR=str(tmp_path / "cache"),
    )
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "snapdesk", "--sandbox"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in done.stderr
    assert "apt-get install libxcb-icccm4 libxcb-keysyms1" in done.stderr
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr


def test_the_app_starts_and_quits_on_a_real_x_server(tmp_path: Path) -> None:
    """The window opens on Xvfb through Qt's xcb plugin (what offscreen tests never load),
    syncs the sandbox and quits cleanly. CI sets SNAPDESK_REQUIRE_XVFB=1 so it can't skip."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        if os.environ.get("SNAPDESK_REQUIRE_XVFB") == "1":
            pytest.fail("Xvfb is required here (SNAPDESK_REQUIRE_XVFB=1) but not installed")
        pytest.skip("Xvfb is not installed")
    display = f":{150 + os.getpid() % 600}"
    server = subprocess.Popen(
        [xvfb, display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
        deadline = time.monotonic() + 20
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert socket.exists(), "Xvfb did not start"
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.pop("WAYLAND_DISPLAY", None)
        env.update(
            DISPLAY=display,
            QT_QPA_PLATFORM="xcb",
            SNAPDESK_SMOKE_QUIT_AFTER_SYNC="1",
            SNAPDESK_DATA_DIR=str(tmp_path / "data"),
            SNAPDESK_CONFIG_DIR=str(tmp_path / "config"),
            SNAPDESK_CACHE_DIR=str(tmp_path / "cache"),
        )
        done = subprocess.run(
            [sys.executable, "-m", "snapdesk", "--sandbox"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "could not load the Qt platform plugin" not in done.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)

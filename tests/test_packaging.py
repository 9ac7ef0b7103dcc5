"""Fast checks of packaging/ and resources/ (the PyInstaller build itself is not run here:
`packaging/build.sh` builds the bundle and runs packaging/smoke_test.py)."""

from __future__ import annotations

import ast
import configparser
import struct
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_spec_parses_and_builds_from_the_frozen_entry() -> None:
    source = (PACKAGING / "snapdesk.spec").read_text(encoding="utf-8")
    tree = ast.parse(source, filename="snapdesk.spec")
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls
    assert '"frozen_main.py"' in source
    for hidden in (
        "qasync",
        "keyring.backends.SecretService",
        "keyring.backends.macOS",
        "keyring.backends.Windows",
        "uvicorn.loops.auto",
        "uvicorn.protocols.http.auto",
        "uvicorn.protocols.websockets.auto",
        "uvicorn.lifespan.on",
        "anyio._backends._asyncio",
        "snapdesk.audience._sha256batch",
    ):
        assert f'"{hidden}"' in source, hidden
    assert '"tkinter"' in source


def test_frozen_main_calls_freeze_support_before_importing_the_app() -> None:
    tree = ast.parse((PACKAGING / "frozen_main.py").read_text(encoding="utf-8"))
    order: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "freeze_support":
                order.append(f"call@{node.lineno}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("snapdesk"):
            order.append(f"import@{node.lineno}")
        elif isinstance(node, ast.Import) and any(
            alias.name.startswith("snapdesk") for alias in node.names
        ):
            order.append(f"import@{node.lineno}")
    calls = [int(x.split("@")[1]) for x in order if x.startswith("call")]
    imports = [int(x.split("@")[1]) for x in order if x.startswith("import")]
    assert calls, "frozen_main.py never calls multiprocessing.freeze_support()"
    assert imports, "frozen_main.py never imports snapdesk.cli"
    assert min(calls) < min(imports)


@pytest.mark.parametrize("size", SIZES)
def test_icon_png_exists_with_its_size(size: int) -> None:
    data = (ICONS / f"snapdesk-{size}.png").read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (size, size)


def test_icon_svg_ico_and_icns() -> None:
    svg = (ICONS / "snapdesk.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and 'viewBox="0 0 16 16"' in svg
    assert "#fffc00" in svg  # the tile colour of snapdesk.ui.theme's app icon
    ico = (ICONS / "snapdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    icns = (ICONS / "snapdesk.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_desktop_entry_has_the_required_keys() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(ROOT / "resources" / "snapdesk.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "snapdesk"
    assert entry["Comment"]
    assert entry["Exec"] == "snapdesk"
    assert entry["Icon"] == "snapdesk"
    assert entry["Categories"] == "Office;Network;"
    assert entry["StartupWMClass"] == "snapdesk"


def test_resources_are_found_at_run_time() -> None:
    from snapdesk import _resources

    assert _resources.app_icon_file(256).is_file()
    assert _resources.sample_file("emails.csv").is_file()
    assert _resources.resource_path("snapdesk.desktop").is_file()


def test_build_scripts_run_the_spec_and_the_smoke_test() -> None:
    for script in ("build.sh", "build.ps1"):
        text = (PACKAGING / script).read_text(encoding="utf-8")
        assert "snapdesk.spec" in text and "smoke_test.py" in text, script


def test_time_zones_resolve_without_a_system_database(tmp_path: Path) -> None:
    """The smoke test's time-zone check, run on `python -m snapdesk`: with PYTHONTZPATH pointing
    nowhere (Windows has no system zoneinfo) the sandbox, sync and `stats export` of the
    Australia/Sydney account work from the tzdata dependency. The built bundle runs the same
    check in packaging/smoke_test.py."""
    if sys.platform == "win32":
        pytest.skip("the stand-in executable is a shell script")
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import smoke_test
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    exe = tmp_path / "snapdesk"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m snapdesk "$@"\n')
    exe.chmod(0o755)
    summary = smoke_test.check_time_zones(exe, tmp_path)
    assert "Australia/Sydney" in summary and "no-system-zoneinfo" in summary

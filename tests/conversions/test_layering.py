"""snapdesk/conversions stays Qt-free, network-free and independent of the audience normalizers."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "snapdesk"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_conversions_imports() -> None:
    offenders = []
    for path in (PKG / "conversions").rglob("*.py"):
        for name in _imports(path):
            root = name.split(".")[0]
            if root in {"PySide6", "qasync", "httpx"} or name.startswith(
                ("snapdesk.audience", "snapdesk.ui", "snapdesk.sandbox")
            ):
                offenders.append(f"{path.name} imports {name}")
    assert offenders == []


def test_only_the_gateway_sends_capi_events() -> None:
    callers = []
    for path in PKG.rglob("*.py"):
        if path == PKG / "api" / "capi.py":  # the client itself
            continue
        text = path.read_text(encoding="utf-8")
        if ".send_events(" in text or ".validate_events(" in text:
            callers.append(str(path.relative_to(PKG)))
    assert sorted(callers) == ["changes/conversions.py"]

"""Architecture rules from DESIGN.md, enforced on the source tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "snapdesk"


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    """Every module name a file imports, anywhere in the file (also inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _package_of(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else ""


def test_only_ui_imports_qt() -> None:
    offenders = []
    for path in _modules():
        if _package_of(path) == "ui":
            continue
        for name in _imported_roots(path):
            if name.split(".")[0] in {"PySide6", "qasync", "shiboken6", "pyqtgraph"}:
                offenders.append(f"{path.relative_to(PKG.parent)} imports {name}")
    assert offenders == [], "Qt may only be imported in snapdesk/ui/:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("package", "forbidden"), [("api", "snapdesk.store"), ("store", "snapdesk.api")]
)
def test_api_and_store_do_not_know_each_other(package: str, forbidden: str) -> None:
    offenders = [
        f"{path.relative_to(PKG.parent)} imports {name}"
        for path in (PKG / package).rglob("*.py")
        for name in _imported_roots(path)
        if name == forbidden or name.startswith(forbidden + ".")
    ]
    assert offenders == []


def test_sandbox_stands_alone() -> None:
    """The emulator must not borrow the client's code: a shared bug would hide itself."""
    offenders = [
        f"{path.relative_to(PKG.parent)} imports {name}"
        for path in (PKG / "sandbox").rglob("*.py")
        for name in _imported_roots(path)
        if name.startswith("snapdesk.")
        and not name.startswith(("snapdesk.sandbox", "snapdesk.core"))
    ]
    assert offenders == []


# Packages allowed to call SnapApi.send (the write entry point). DESIGN.md: every mutating request
# goes through the write gateway in snapdesk/changes/.
WRITE_CALLERS = {"changes", "api"}


def test_only_the_write_gateway_sends_writes() -> None:
    offenders = []
    for path in _modules():
        if _package_of(path) in WRITE_CALLERS or _package_of(path) == "sandbox":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "send" and _looks_like_api(node.func.value):
                    offenders.append(f"{path.relative_to(PKG.parent)}:{node.lineno}")
                if node.func.attr in {"post", "put", "delete", "patch"} and _looks_like_http(
                    node.func.value
                ):
                    offenders.append(f"{path.relative_to(PKG.parent)}:{node.lineno}")
    assert offenders == [], "writes must go through snapdesk/changes:\n" + "\n".join(offenders)


def _looks_like_api(expr: ast.expr) -> bool:
    text = ast.unparse(expr).lower()
    return "api" in text


def _looks_like_http(expr: ast.expr) -> bool:
    text = ast.unparse(expr).lower()
    return "client" in text or "http" in text or "api" in text

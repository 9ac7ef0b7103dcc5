#!/usr/bin/env bash
# Build the one-folder bundle dist/snapdesk/ with PyInstaller and smoke-test it (Linux, macOS).
#
#   packaging/build.sh              # use the active venv (or .venv/), install pyinstaller into it
#   packaging/build.sh --clean-venv # build from a fresh venv in build/venv-packaging
#   packaging/build.sh --no-smoke   # skip packaging/smoke_test.py
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CLEAN_VENV=0
SMOKE=1
for arg in "$@"; do
  case "$arg" in
    --clean-venv) CLEAN_VENV=1 ;;
    --no-smoke) SMOKE=0 ;;
    *) echo "usage: packaging/build.sh [--clean-venv] [--no-smoke]" >&2; exit 2 ;;
  esac
done

if [[ "$CLEAN_VENV" == 1 ]]; then
  VENV="$ROOT/build/venv-packaging"
  rm -rf "$VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
  PY="$VENV/bin/python"
  "$PY" -m pip install --upgrade pip
  "$PY" -m pip install "$ROOT[packaging]"
elif [[ -n "${VIRTUAL_ENV:-}" ]]; then
  PY="$VIRTUAL_ENV/bin/python"
elif [[ -x "$ROOT/.venv/bin/python" ]]; then
  PY="$ROOT/.venv/bin/python"
else
  echo "build.sh: no virtualenv active and no .venv/; use --clean-venv" >&2
  exit 1
fi

if [[ "$CLEAN_VENV" == 0 ]]; then
  # the project (editable; builds the optional C accelerator when a compiler is there) + pyinstaller
  "$PY" -c "import snapdesk" 2>/dev/null || "$PY" -m pip install -e "$ROOT"
  "$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install "pyinstaller>=6"
fi

echo "build.sh: $("$PY" -m PyInstaller --version) with $("$PY" --version)"
rm -rf "$ROOT/dist/snapdesk" "$ROOT/dist/snapdesk.app"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
  "$ROOT/packaging/snapdesk.spec"

echo "build.sh: bundle $ROOT/dist/snapdesk ($(du -sh "$ROOT/dist/snapdesk" | cut -f1))"
if [[ "$SMOKE" == 1 ]]; then
  "$PY" "$ROOT/packaging/smoke_test.py" --bundle "$ROOT/dist/snapdesk"
fi

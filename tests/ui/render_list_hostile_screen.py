"""Render the list check report for a messy CRM export (issue 14) to a PNG for a visual check.

    QT_QPA_PLATFORM=offscreen python -m tests.ui.render_list_hostile_screen [OUT_DIR] [--dark]

Writes list-hostile-report.png: "Prepare list offline" after checking a 1,000-customer export
with a stray quote in a notes cell (row 4), rows that drop trailing empty cells, a few invalid
emails and a blank line — the totals that add up and the banner naming the rows to check.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from snapdesk.ui import theme
from snapdesk.ui.dialogs.prepare_list import PrepareListWindow
from tests.ui.render_screens import settle, wait_until


def messy_export(path: Path) -> Path:
    rows = ["email,first name,last name,city,notes"]
    for i in range(1000):
        email = f"customer{i}@example.com" if i % 97 else f"customer{i}(at)example.com"
        if i == 2:
            rows.append(f'{email},Ann,Lee,Leeds,"call back after 5')
        elif i % 3 == 1:
            rows.append(f"{email},Bob,Roe")  # trailing empty cells dropped
        elif i == 500:
            rows.append("")
        else:
            rows.append(f"{email},Cy,Poe,York,ok")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    theme.apply_theme(app, dark="--dark" in sys.argv)
    source = messy_export(Path(tempfile.mkdtemp(prefix="snapdesk-hostile-")) / "crm_export.csv")
    window = PrepareListWindow()
    window.resize(1040, 1000)
    window.show()
    window.load_file(source)
    window.start_check()
    wait_until(app, lambda: window.report is not None, 60)
    settle(app, 0.3)
    path = out / "list-hostile-report.png"
    window.grab().save(str(path))
    print(path)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

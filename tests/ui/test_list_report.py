"""The list check report (issue 14): the counts the dialogs show add up, and a runaway quote or
ragged rows are named in a banner (warning for a quote to check, information otherwise)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from snapdesk.audience import hash_file
from snapdesk.ui.dialogs.prepare_list import CheckPanel


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _report_of(tmp_path: Path, text: str) -> CheckPanel:
    src = tmp_path / "crm.csv"
    src.write_text(text)
    report = hash_file(src, output=tmp_path / "out.csv")
    panel = CheckPanel()
    panel.show_report(report)
    return panel


def test_a_runaway_quote_is_a_warning_and_the_counts_add_up(qtbot: QtBot, tmp_path: Path) -> None:
    rows = ["email,name,notes"]
    for i in range(100):
        note = '"call back' if i == 2 else "ok"
        email = "not-an-email" if i == 50 else f"user{i}@example.com"
        rows.append(f"{email},Name {i},{note}" if i != 70 else "")
    panel = _report_of(tmp_path, "\n".join(rows) + "\n")
    qtbot.addWidget(panel)
    shown = panel.numbers_shown()
    assert shown["Rows read"] == "100"
    valid, rejected, blank = (_number(shown[k]) for k in ("Valid emails", "Rejected", "Blank"))
    assert (valid, rejected, blank) == (98, 1, 1)
    assert valid + rejected + blank == _number(shown["Rows read"])
    assert panel.totals.text().startswith("100 rows = 98 valid + 1 rejected + 1 blank")
    assert not panel.file_issues.isHidden() and panel.file_issues.kind == "warning"
    assert "row 4: a quote opens a cell" in panel.file_issues.text_label.text()


def test_ragged_rows_and_several_columns(qtbot: QtBot, tmp_path: Path) -> None:
    rows = [
        "email,phone,name",
        "a@example.com,+44 20 7946 0000,Ann",
        "b@example.com",
        "c@example.com,+44 20 7946 0001",
    ]
    panel = _report_of(tmp_path, "\n".join(rows) + "\n")
    qtbot.addWidget(panel)
    shown = panel.numbers_shown()
    assert shown["Rows read"] == "3" and shown["Blank"] == "1"
    assert _number(shown["Valid emails"]) + _number(shown["Valid phones"]) == 5
    assert "3 rows × 2 identifier columns = 6 cells = 5 valid + 0 rejected + 1 blank" in (
        panel.totals.text()
    )
    assert panel.file_issues.kind == "info"
    assert "fewer fields than the 3 columns" in panel.file_issues.text_label.text()
    panel.show_report(hash_file(tmp_path / "crm.csv", output=tmp_path / "again.csv"))
    assert panel.numbers_shown() == shown  # shown again: nothing left over

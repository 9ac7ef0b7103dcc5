"""`ChangePost`: post the changes of one experiment action (launch, pause, promotion) through the
main window's post flow, and say how it ended.

The window's `editing.post()` may post at once, ask first (Preferences: confirm every live
post), or not start at all (signed out, unreadable settings); the flow may then stop at a
spend-guard or conflicts dialog the user can decline. `ChangePost` follows all of that and
emits `settled(outcome, reason)` exactly once:

- `POSTED`: live, and the store says every one of the changes posted;
- `REHEARSED`: a dry-run rehearsal (nothing sent);
- `PARTIAL`: live, some posted and some did not (failed, conflicted, skipped);
- `NOT_POSTED`: nothing posted — declined at a confirmation, blocked, failed, cancelled, or
  posting could not start (`reason` says why when the window said so).

    post = ChangePost(editing=window.editing, store=store, change_ids=ids, parent=page)
    post.settled.connect(page._on_post_settled)
    post.start()

The store is the judge of what posted (not the report's mode), so a live post that stopped
half-way, or a switch back to dry-run during it, is told for what it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from snapdesk.changes import PostReport
from snapdesk.changes import repository as change_repo
from snapdesk.changes.model import POSTED as CHANGE_POSTED
from snapdesk.store import Store
from snapdesk.ui._signals import emit

__all__ = ["NOT_POSTED", "PARTIAL", "POSTED", "REHEARSED", "ChangePost"]

POSTED: Final = "posted"
REHEARSED: Final = "rehearsed"
PARTIAL: Final = "partial"
NOT_POSTED: Final = "not_posted"


class ChangePost(QObject):
    settled = Signal(str, str)  # outcome, reason (may be empty)

    def __init__(
        self,
        *,
        editing: Any,
        store: Store,
        change_ids: Sequence[str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._editing = editing
        self._store = store
        self.change_ids = tuple(change_ids)
        self.outcome: str | None = None
        self._reason = ""
        self._watched: QDialog | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def start(self) -> None:
        flow = self._editing.flow
        if flow.running:
            self._settle(NOT_POSTED, "a post is running — try again when it has finished")
            return
        flow.finished.connect(self._on_flow_finished)
        asked_before = self._editing.live_post_dialog
        self._editing.message_posted.connect(self._on_editing_message_posted)
        try:
            self._editing.post(list(self.change_ids))
        finally:
            self._disconnect(self._editing.message_posted, self._on_editing_message_posted)
        if self.done or flow.running:
            return
        asked = self._editing.live_post_dialog
        if asked is not None and asked is not asked_before and asked.isVisible():
            self._watch(asked)  # "Send N changes to Snap now?"
            return
        self._settle(NOT_POSTED, self._reason or "posting did not start")

    # -- internals -------------------------------------------------------------------------

    def _posted_count(self) -> int:
        rows = self._store.write(
            lambda c: change_repo.load_changes(
                c, states=(CHANGE_POSTED,), change_ids=self.change_ids
            )
        )
        return len(rows)

    def _by_store(self, reason: str = "") -> None:
        posted = self._posted_count()
        if posted == len(self.change_ids):
            self._settle(POSTED)
        elif posted:
            self._settle(PARTIAL, reason)
        else:
            self._settle(NOT_POSTED, reason)

    def _watch(self, dialog: QDialog) -> None:
        self._watched = dialog
        dialog.finished.connect(self._on_watched_dialog_finished)

    def _settle(self, outcome: str, reason: str = "") -> None:
        if self.done:
            return
        self.outcome = outcome
        flow = self._editing.flow
        self._disconnect(flow.finished, self._on_flow_finished)
        if self._watched is not None:
            self._disconnect(self._watched.finished, self._on_watched_dialog_finished)
            self._watched = None
        emit(self.settled, outcome, reason)

    @staticmethod
    def _disconnect(signal: Any, slot: Any) -> None:
        try:
            signal.disconnect(slot)
        except (RuntimeError, TypeError):
            pass

    # -- slots -----------------------------------------------------------------------------

    def _on_editing_message_posted(self, text: str, error: bool) -> None:
        if error:
            self._reason = text

    def _on_flow_finished(self, report: object) -> None:
        if self.done:
            return
        if not isinstance(report, PostReport):  # the post failed or was cancelled
            self._by_store("the post did not finish")
            return
        if not report.live:
            self._settle(REHEARSED)
            return
        dialog = self._editing.flow.dialog
        if (report.blocked or report.conflicts) and isinstance(dialog, QDialog):
            # spend guards or conflicts: the user decides in the dialog the flow opened
            self._watch(dialog)
            return
        failed = next((r.error for r in report.results if r.error), None)
        self._by_store(failed or "")

    def _on_watched_dialog_finished(self, result: int) -> None:
        dialog = self._watched
        if dialog is not None:
            self._disconnect(dialog.finished, self._on_watched_dialog_finished)
        self._watched = None
        if self.done or not shiboken6.isValid(self):
            return
        if result == QDialog.DialogCode.Accepted and self._editing.flow.running:
            return  # it posts now (the dialog's own handler started it): wait for the flow
        if result == QDialog.DialogCode.Accepted:
            self._by_store()
            return
        self._by_store("you chose not to post")

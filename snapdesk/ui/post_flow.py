"""`PostFlow`: one press of Post, from the request to the last dialog.

Dry-run shows the rehearsed requests (nothing sent, changes stay pending). Live posting asks
for an extra confirmation when spend guards are exceeded (then posts again with `confirm`),
and opens the conflicts dialog when Snap changed the same fields (then resolves and posts the
resolved changes again). Every dialog is opened with `open()`; nothing blocks the loop.

Whether a post is live is read from the session's one owner (`session.live_mode`) at the
moment it starts — also for the re-posts after a guard confirmation or a conflict resolution,
so switching back to dry-run while a dialog is open is honoured."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from snapdesk.changes import ChangeError, PostProgress, PostReport, WriteGateway
from snapdesk.ui._signals import emit
from snapdesk.ui.dialogs.conflicts import ConflictsDialog
from snapdesk.ui.dialogs.live_mode import GuardViolationsDialog
from snapdesk.ui.dialogs.post_results import PostResultsDialog, summary_text
from snapdesk.ui.ops._op import AsyncOp, error_message
from snapdesk.ui.ops.changes import PostHost, post_changes


class PostFlow(QObject):
    """Signals: `started()`; `progressed(object)` with `PostProgress`; `finished(object)` with
    the last `PostReport` (None on failure); `changes_updated()` whenever the pending set
    changed (posted, resolved); `message_posted(str, bool)` for the status bar."""

    started = Signal()
    progressed = Signal(object)
    finished = Signal(object)
    changes_updated = Signal()
    message_posted = Signal(str, bool)
    go_to_requested = Signal(str, str, str)  # a finding's "Go to" in the results window

    def __init__(self, host: PostHost, *, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._host = host
        self._widget = parent_widget
        self._op: AsyncOp | None = None
        self._ids: list[str] | None = None
        self.dialog: QWidget | None = None
        self.last_report: PostReport | None = None

    @property
    def running(self) -> bool:
        return self._op is not None and self._op.running

    def post(self, change_ids: Sequence[str] | None, *, confirm: bool = False) -> AsyncOp | None:
        """Post (live mode on) or rehearse (dry-run) `change_ids` (None: all pending)."""
        if self.running:
            return None
        self._ids = list(change_ids) if change_ids is not None else None
        try:
            op = post_changes(window=self._host, change_ids=self._ids, confirm=confirm)
        except ChangeError as exc:
            emit(self.message_posted, exc.message, True)
            emit(self.finished, None)
            return None
        op.progressed.connect(self._on_op_progressed)
        op.succeeded.connect(self._on_op_succeeded)
        op.failed.connect(self._on_op_failed)
        op.cancelled.connect(self._on_op_cancelled)
        self._op = op
        emit(self.started)
        return op

    # -- outcomes --------------------------------------------------------------------------

    def _on_op_progressed(self, progress: object) -> None:
        if isinstance(progress, PostProgress):
            emit(self.progressed, progress)

    def _on_op_succeeded(self, report: object) -> None:
        self._op = None
        if not isinstance(report, PostReport):
            return
        self.last_report = report
        emit(self.changes_updated)
        error = bool(report.failed) or report.blocked or bool(report.conflicts)
        emit(self.message_posted, summary_text(report), error)
        if report.blocked and report.guard_violations:
            self._confirm_guards(report)
        elif report.conflicts:
            self._resolve_conflicts(report)
        else:
            self._show_results(report)
        emit(self.finished, report)

    def _on_op_failed(self, exc: object) -> None:
        self._op = None
        message = error_message(exc) if isinstance(exc, BaseException) else str(exc)
        emit(self.message_posted, f"Post failed: {message}", True)
        emit(self.changes_updated)
        emit(self.finished, None)

    def _on_op_cancelled(self) -> None:
        self._op = None
        emit(self.message_posted, "Post cancelled; what was not sent stays pending", True)
        emit(self.changes_updated)
        emit(self.finished, None)

    def show_results(self, report: PostReport) -> PostResultsDialog:
        return self._show_results(report)

    def _show_results(self, report: PostReport) -> PostResultsDialog:
        dialog = PostResultsDialog(report, parent=self._widget)
        dialog.resolve_requested.connect(lambda: self._resolve_conflicts(report))
        dialog.go_to_requested.connect(self.go_to_requested)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _confirm_guards(self, report: PostReport) -> None:
        dialog = GuardViolationsDialog(report.guard_violations, parent=self._widget)
        ids = self._ids
        dialog.accepted.connect(lambda: self.post(ids, confirm=True))
        self.dialog = dialog
        dialog.open()

    def _resolve_conflicts(self, report: PostReport) -> None:
        dialog = ConflictsDialog(report.conflicts, store=self._host.store, parent=self._widget)
        dialog.accepted.connect(lambda: self._apply_resolutions(dialog))
        self.dialog = dialog
        dialog.open()

    def _apply_resolutions(self, dialog: ConflictsDialog) -> None:
        gateway = WriteGateway(
            api=None, store=self._host.store, live=False, settings=self._host.app_settings
        )
        choices = dialog.choices()
        picked = {choice for fields in choices.values() for choice in fields.values()}
        try:
            if len(picked) == 1:
                gateway.resolve_all(picked.pop(), change_ids=list(choices))
            else:
                for change_id, fields in choices.items():
                    gateway.resolve_conflicts(change_id, fields)
        except ChangeError as exc:
            emit(self.message_posted, exc.message, True)
            emit(self.changes_updated)
            return
        emit(self.changes_updated)
        still_open = [c.id for c in gateway.repository.list(change_ids=list(choices))]
        if still_open:
            self.post(still_open)
        else:
            emit(self.message_posted, "Conflicts resolved: nothing left to send", False)

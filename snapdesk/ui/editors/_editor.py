"""`EntityEditor`: the shared frame of every editor — header, form, inline validation, Apply.

An editor loads an entity as the user sees it now (the cached server copy with pending edits
applied), or starts a new one under a parent. Every edit re-runs Snap's rules locally
(`snapdesk.core.validation`); errors show under their field and disable Apply, warnings advise.
Apply queues exactly the fields the user changed through `EditService` — nothing is sent.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.changes import ChangeError, ChangeGroup, EditService, ValidationFailed
from snapdesk.core.kinds import CREATIVE, LABEL
from snapdesk.core.validation import Issue, validate
from snapdesk.store import AccountRow
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.editors._form import FieldMessage, FieldProblem, scrolling_pane
from snapdesk.ui.models.changes import EntityState, entity_state
from snapdesk.ui.views import _changes_style


class EntityEditor(QWidget):
    """Signals: `applied(object)` with the queued `ChangeGroup`; `failed(str)` when the edit
    service refused (the message is also shown in the editor)."""

    applied = Signal(object)
    failed = Signal(str)

    kind: ClassVar[str] = ""
    parent_noun: ClassVar[str] = "ad account"

    def __init__(self, *, edits: EditService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edits = edits
        self._store = edits.store
        self._state: EntityState | None = None
        self._parent_id: str | None = None
        self._account: AccountRow | None = None
        self._initial: dict[str, Any] = {}
        self._issues: list[Issue] = []
        self._problems: list[Issue] = []
        self._messages: dict[str, FieldMessage] = {}
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.revalidate)
        self._setup_ui()
        _changes_style.apply(self)

    # -- construction ----------------------------------------------------------------------

    def _setup_ui(self) -> None:
        outer, self._body = scrolling_pane(self)

        header = QHBoxLayout()
        header.setSpacing(8)
        self.kind_icon = QLabel()
        self.kind_icon.setPixmap(theme.large_icon(self.kind, 18))
        self.kind_label = QLabel()
        self.kind_label.setObjectName("editorKind")
        header.addWidget(self.kind_icon)
        header.addWidget(self.kind_label)
        header.addStretch(1)
        self._body.addLayout(header)
        self.title_label = QLabel()
        self.title_label.setObjectName("editorTitle")
        self.title_label.setWordWrap(True)
        self._body.addWidget(self.title_label)
        self.account_label = QLabel()
        self.account_label.setObjectName("muted")
        self.account_label.setWordWrap(True)
        self._body.addWidget(self.account_label)

        self.notice = QFrame()
        self.notice.setObjectName("noticeBox")
        notice_layout = QHBoxLayout(self.notice)
        notice_layout.setContentsMargins(12, 8, 12, 8)
        self.notice_text = QLabel()
        self.notice_text.setWordWrap(True)
        notice_layout.addWidget(self.notice_text, 1)
        self.notice.hide()
        self._body.addWidget(self.notice)

        self._build_form(self._body)

        self.issues_box = QFrame()
        self.issues_box.setObjectName("issuesBox")
        issues_layout = QVBoxLayout(self.issues_box)
        issues_layout.setContentsMargins(12, 8, 12, 8)
        self.issues_text = QLabel()
        self.issues_text.setWordWrap(True)
        self.issues_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        issues_layout.addWidget(self.issues_text)
        self.issues_box.hide()
        self._body.addWidget(self.issues_box)
        self._body.addStretch(1)

        footer = QFrame()
        footer.setObjectName("editorFooter")
        footer_layout = QHBoxLayout(footer)
        footer_layout.setContentsMargins(18, 10, 18, 10)
        self.status_label = QLabel()
        self.status_label.setObjectName("muted")
        self.status_label.setWordWrap(True)
        footer_layout.addWidget(self.status_label, 1)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Discard what you typed and show the entity as queued")
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.setToolTip(
            "Queue these edits as pending changes (nothing is sent to Snap until you post)"
        )
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        footer_layout.addWidget(self.reset_button)
        footer_layout.addWidget(self.apply_button)
        outer.addWidget(footer)

    # -- hooks for subclasses --------------------------------------------------------------

    def _build_form(self, layout: QVBoxLayout) -> None:
        raise NotImplementedError

    def _fill(self, obj: dict[str, Any]) -> None:
        """Show `obj` (the entity as the user sees it) in the widgets."""
        raise NotImplementedError

    def _collect(self) -> dict[str, Any]:
        """API values of every field the editor manages (None: field absent)."""
        raise NotImplementedError

    def _defaults(self) -> dict[str, Any]:
        """The object a new entity starts from."""
        return {}

    def _create(self, fields: dict[str, Any]) -> ChangeGroup:
        raise NotImplementedError

    def _parent_fields(self) -> dict[str, Any]:
        """Fields a new entity gets from its parent (for validating the preview)."""
        return {}

    # -- public API ------------------------------------------------------------------------

    @property
    def entity_id(self) -> str | None:
        return self._state.entity_id if self._state else None

    @property
    def is_new(self) -> bool:
        return self._state is None

    @property
    def issues(self) -> list[Issue]:
        return list(self._issues)

    @property
    def account(self) -> AccountRow | None:
        return self._account

    def message_for(self, field: str) -> FieldMessage:
        return self._messages[field]

    def load(self, entity_id: str) -> None:
        """Edit an existing (or a new, not yet posted) entity."""
        self._state = entity_state(self._edits, self.kind, entity_id)
        self._parent_id = None
        self._account = self._store.ad_account(self._state.ad_account_id)
        self._show(self._state.current)

    def start_new(self, parent_id: str, *, ad_account_id: str) -> None:
        """Start a new entity under `parent_id` (an ad account, campaign or ad squad id)."""
        self._state = None
        self._parent_id = parent_id
        self._account = self._store.ad_account(ad_account_id)
        self._show(self._defaults())

    def reload(self) -> None:
        """Show the entity as queued now (after an undo or a revert elsewhere)."""
        if self._state is None:
            return
        try:
            self.load(self._state.entity_id)
        except ChangeError:
            self._state = None
            self.setEnabled(False)

    def values(self) -> dict[str, Any]:
        return self._collect_checked()

    def changed_fields(self) -> dict[str, Any]:
        """The fields the user changed, as `EditService.edit` takes them (None removes)."""
        now = self._collect_checked()
        return {k: v for k, v in now.items() if v != self._initial.get(k)}

    def _collect_checked(self) -> dict[str, Any]:
        """`_collect()`, with text that isn't a value recorded in `_problems` (the field then
        keeps its loaded value, so the other rules still run)."""
        self._problems = []
        return self._collect()

    def _money(self, widget: Any, field: str, *, fallback: str | None = None) -> int | None:
        try:
            value: int | None = widget.micro(field)
        except FieldProblem as exc:
            self._problems.append(Issue(exc.field, exc.message))
            return self._initial.get(fallback or field)
        return value

    def preview(self) -> dict[str, Any]:
        """The object as it would be queued."""
        if self._state is None:
            values = {k: v for k, v in self._collect_checked().items() if v is not None}
            return {**self._defaults(), **self._parent_fields(), **values}
        obj = dict(self._state.current)
        for key, value in self.changed_fields().items():
            if value is None:
                obj.pop(key, None)
            else:
                obj[key] = value
        return obj

    def revalidate(self) -> list[Issue]:
        """Run the local rules on what is typed now and show the messages."""
        self._timer.stop()
        changed = self.changed_fields()
        preview = self.preview()
        problems = list(self._problems)
        broken = {self._field_key(p.field) for p in problems}
        issues = validate(
            self.kind,
            preview,
            base=self._state.before if self._state else None,
            creative_lookup=self._creative_lookup,
        )
        issues.extend(self._extra_issues(preview))
        issues = problems + [i for i in issues if self._field_key(i.field) not in broken]
        self._show_issues(issues)
        self._update_buttons(changed=bool(changed) or bool(problems) or self._state is None)
        return self._issues

    def apply(self) -> ChangeGroup | None:
        """Queue the edit (what Apply does). Returns the group, None when refused."""
        issues = self.revalidate()
        if any(i.is_error for i in issues):
            return None
        try:
            if self._state is None:
                fields = {k: v for k, v in self._collect_checked().items() if v is not None}
                group = self._create(fields)
            else:
                fields = self.changed_fields()
                if not fields:
                    self.status_label.setText("Nothing changed")
                    return None
                group = self._edits.edit(
                    kind=self.kind, entity_id=self._state.entity_id, fields=fields
                )
        except ValidationFailed as exc:
            self._show_issues(list(exc.issues))
            self._update_buttons(changed=True)
            emit(self.failed, exc.message)
            return None
        except ChangeError as exc:
            self._show_notice(exc.message)
            emit(self.failed, exc.message)
            return None
        if self._state is None:
            created = next((c for c in group.changes if c.kind == self.kind), None)
            if created is not None:
                self.load(created.entity_id)
        else:
            self.reload()
        count = len(group.changes)
        self.status_label.setText(
            f"Queued: {group.label} ({count} pending change{'s' if count != 1 else ''})"
        )
        emit(self.applied, group)
        return group

    # -- internals -------------------------------------------------------------------------

    def _register(self, field: str, message: FieldMessage) -> FieldMessage:
        self._messages[field] = message
        return message

    def _extra_issues(self, preview: dict[str, Any]) -> list[Issue]:
        return []

    def _creative_lookup(self, creative_id: str) -> dict[str, Any] | None:
        try:
            state = entity_state(self._edits, CREATIVE, creative_id)
        except ChangeError:
            return None
        return state.current

    def _show(self, obj: dict[str, Any]) -> None:
        self._loading = True
        self.setEnabled(True)
        noun = LABEL.get(self.kind, self.kind)
        if self._state is None:
            self.kind_label.setText(f"NEW {noun.upper()}")
            self.title_label.setText(f"New {noun.lower()}")
        else:
            marker = "NEW " if self._state.new else ""
            self.kind_label.setText(f"EDIT {marker}{noun.upper()}")
            self.title_label.setText(str(obj.get("name") or f"Unnamed {noun.lower()}"))
        account = self._account
        if account is not None:
            parts = [account.name or account.id, account.currency, account.timezone]
            self.account_label.setText(
                "Ad account: " + " · ".join(str(p) for p in parts if p) + "  ·  edits are queued;"
                " nothing is sent until you post"
            )
        self._prepare(account)
        self._fill(obj)
        self._loading = False
        self._initial = self._collect_or_empty()
        notice = ""
        if self._state is not None and self._state.deleted:
            notice = "This entity is queued for deletion; revert the deletion to edit it."
        self._show_notice(notice)
        self.status_label.setText(
            "Queued edits are shown; Apply adds yours"
            if self._state and self._state.pending
            else ""
        )
        self.revalidate()

    def _prepare(self, account: AccountRow | None) -> None:
        """Set currency, time zone and pick lists for the account (before `_fill`)."""

    def _collect_or_empty(self) -> dict[str, Any]:
        self._initial = {}
        values = self._collect_checked()
        self._problems = []
        return values

    def _show_issues(self, issues: list[Issue]) -> None:
        self._issues = list(issues)
        by_field: dict[str, list[Issue]] = {}
        for issue in issues:
            by_field.setdefault(self._field_key(issue.field), []).append(issue)
        for field, message in self._messages.items():
            message.show_issues(by_field.pop(field, []))
        rest = [i for items in by_field.values() for i in items]
        errors = [i for i in rest if i.is_error]
        if rest:
            lines = [("Error: " if i.is_error else "Warning: ") + i.message for i in rest]
            self.issues_text.setText("\n".join(lines))
            self.issues_box.setObjectName("issuesBox" if errors else "noticeBox")
            self.issues_box.style().unpolish(self.issues_box)
            self.issues_box.style().polish(self.issues_box)
        self.issues_box.setVisible(bool(rest))

    def _field_key(self, field: str) -> str:
        """The registered message a validation field shows under (subclasses alias)."""
        return field

    def _show_notice(self, text: str) -> None:
        self.notice_text.setText(text)
        self.notice.setVisible(bool(text))

    def _update_buttons(self, *, changed: bool) -> None:
        errors = any(i.is_error for i in self._issues)
        deleted = self._state is not None and self._state.deleted
        self.apply_button.setEnabled(changed and not errors and not deleted)
        self.reset_button.setEnabled(changed and self._state is not None)
        if errors:
            n = sum(1 for i in self._issues if i.is_error)
            self.apply_button.setToolTip(f"Fix {n} error{'s' if n != 1 else ''} first")
        else:
            self.apply_button.setToolTip(
                "Queue these edits as pending changes (nothing is sent to Snap until you post)"
            )

    def _on_field_edited(self, *_args: object) -> None:
        if not self._loading:
            self._timer.start()

    def _on_apply_button_clicked(self) -> None:
        self.apply()

    def _on_reset_button_clicked(self) -> None:
        if self._state is not None:
            self.load(self._state.entity_id)

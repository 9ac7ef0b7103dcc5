"""The read-only details panel for the node selected in the account tree."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from snapdesk.core.kinds import (
    AD,
    AD_ACCOUNT,
    AD_SQUAD,
    CAMPAIGN,
    CREATIVE,
    MEDIA,
    ORGANIZATION,
    SEGMENT,
)
from snapdesk.stats.delivery import ACTIVE as ACTIVE_TONE
from snapdesk.stats.delivery import ERROR as ERROR_TONE
from snapdesk.stats.delivery import PAUSED as PAUSED_TONE
from snapdesk.stats.delivery import WARNING as WARNING_TONE
from snapdesk.stats.delivery import Delivery
from snapdesk.store import Store
from snapdesk.ui import theme
from snapdesk.ui._signals import emit
from snapdesk.ui.formatting import (
    delivery_problems,
    format_bytes,
    format_count,
    format_money_micro,
    format_time_in_zone,
    humanize_ago,
    humanize_delivery,
    humanize_enum,
)
from snapdesk.ui.models.tree_nodes import GROUP, GROUP_LABEL, TreeNode
from snapdesk.ui.views._flow import FlowLayout
from snapdesk.ui.views.states import StatePage

EMPTY_TEXT = "Select an organization, ad account, campaign, ad squad or ad to see its details"

Rows = list[tuple[str, str]]

_OS_NAMES = {"IOS": "iOS", "ANDROID": "Android", "WEB": "Web"}


def targeting_summary(targeting: dict[str, Any] | None) -> str:
    """One readable line per targeting dimension (countries, ages, genders, devices, audiences)."""
    if not targeting:
        return "Everyone (no targeting)"
    lines: list[str] = []
    countries = sorted(
        {str(g.get("country_code", "")).upper() for g in targeting.get("geos") or [] if g} - {""}
    )
    if countries:
        lines.append("Countries: " + ", ".join(countries))
    for demo in targeting.get("demographics") or []:
        parts: list[str] = []
        age_min, age_max = demo.get("min_age"), demo.get("max_age")
        if age_min or age_max:
            parts.append(f"ages {age_min or 13}–{age_max or '50+'}")
        for group in demo.get("age_groups") or []:
            parts.append(f"ages {group}")
        if demo.get("gender"):
            parts.append(humanize_enum(demo["gender"]).lower())
        if demo.get("languages"):
            parts.append("languages " + ", ".join(map(str, demo["languages"])))
        if parts:
            line = ", ".join(parts)
            if demo.get("operation") == "EXCLUDE":
                line = "exclude " + line
            lines.append(line[:1].upper() + line[1:])
    devices = [
        _OS_NAMES.get(str(d["os_type"]).upper(), str(d["os_type"]))
        for d in targeting.get("devices") or []
        if d.get("os_type")
    ]
    if devices:
        lines.append("Devices: " + ", ".join(devices))
    segments = targeting.get("segments") or []
    segment_ids = [s for block in segments for s in block.get("segment_id") or []]
    if segment_ids:
        lines.append(f"Audiences: {len(segment_ids)} segment{'s' if len(segment_ids) != 1 else ''}")
    interests = [
        i for block in targeting.get("interests") or [] for i in block.get("category_id") or []
    ]
    if interests:
        lines.append(f"Interests: {len(interests)} categor{'ies' if len(interests) != 1 else 'y'}")
    if targeting.get("enable_targeting_expansion"):
        lines.append("Targeting expansion on")
    return "\n".join(lines) if lines else "Everyone (no restrictions)"


class DetailsPanel(QWidget):
    """Shows the selected node: header with name, id (copyable) and status chips, kind-specific
    sections, and a collapsible raw JSON view. An empty state when nothing is selected."""

    id_copied = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._node: TreeNode | None = None
        self._delivery: Delivery | None = None
        self._setup_ui()

    # -- construction ----------------------------------------------------------------------

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._stack = QStackedWidget()
        layout.addWidget(self._stack)

        self.empty_page = StatePage(icon="search", title="Nothing selected", text=EMPTY_TEXT)
        self._stack.addWidget(self.empty_page)

        scroll = QScrollArea()
        scroll.setObjectName("detailsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("detailsBody")
        self._body_layout = QVBoxLayout(body)
        self._body_layout.setContentsMargins(20, 16, 20, 20)
        self._body_layout.setSpacing(12)

        header = QHBoxLayout()
        header.setSpacing(8)
        self.kind_icon = QLabel()
        self.kind_label = QLabel()
        self.kind_label.setObjectName("kindLabel")
        header.addWidget(self.kind_icon)
        header.addWidget(self.kind_label)
        header.addStretch(1)
        self._body_layout.addLayout(header)

        self.title_label = QLabel()
        self.title_label.setObjectName("title")
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._body_layout.addWidget(self.title_label)

        id_row = QHBoxLayout()
        id_row.setSpacing(6)
        id_caption = QLabel("ID")
        id_caption.setObjectName("formLabel")
        self.id_label = QLabel()
        self.id_label.setObjectName("code")
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("flatButton")
        theme.follow_icon(self.copy_button, "copy")
        self.copy_button.setToolTip("Copy the id to the clipboard")
        self.copy_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        id_row.addWidget(id_caption)
        id_row.addWidget(self.id_label)
        id_row.addWidget(self.copy_button)
        id_row.addStretch(1)
        self._body_layout.addLayout(id_row)

        self._chips_host = QWidget()
        self._chips = FlowLayout(self._chips_host)
        self._chips_host.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._body_layout.addWidget(self._chips_host)

        self.error_banner = QFrame()
        self.error_banner.setObjectName("errorBanner")
        banner_layout = QHBoxLayout(self.error_banner)
        banner_layout.setContentsMargins(12, 10, 12, 10)
        error_icon = QLabel()
        error_icon.setPixmap(theme.large_icon("error", 18))
        error_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.error_text = QLabel()
        self.error_text.setObjectName("errorText")
        self.error_text.setWordWrap(True)
        self.error_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        banner_layout.addWidget(error_icon)
        banner_layout.addWidget(self.error_text, 1)
        self._body_layout.addWidget(self.error_banner)

        self._sections_host = QWidget()
        self._sections = QVBoxLayout(self._sections_host)
        self._sections.setContentsMargins(0, 0, 0, 0)
        self._sections.setSpacing(12)
        self._body_layout.addWidget(self._sections_host)

        self.raw_toggle = QToolButton()
        self.raw_toggle.setText("Raw JSON")
        self.raw_toggle.setCheckable(True)
        self.raw_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.raw_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.raw_toggle.setAutoRaise(True)
        self.raw_toggle.toggled.connect(self._on_raw_toggle_toggled)
        self._body_layout.addWidget(self.raw_toggle)
        self.raw_view = QPlainTextEdit()
        self.raw_view.setAccessibleName("Raw JSON from Snap")
        self.raw_view.setObjectName("rawJson")
        self.raw_view.setReadOnly(True)
        self.raw_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.raw_view.setMinimumHeight(260)
        self.raw_view.hide()
        self._body_layout.addWidget(self.raw_view)
        self._body_layout.addStretch(1)

        scroll.setWidget(body)
        self.details_page = scroll
        self._stack.addWidget(scroll)
        self._stack.setCurrentWidget(self.empty_page)

    # -- public API ------------------------------------------------------------------------

    @property
    def node(self) -> TreeNode | None:
        return self._node

    def is_empty(self) -> bool:
        return self._stack.currentWidget() is self.empty_page

    def show_node(
        self,
        node: TreeNode | None,
        *,
        sync_error: str | None = None,
        delivery: Delivery | None = None,
    ) -> None:
        """Show `node`; `delivery` is its state as the tree shows it (snapdesk.stats.delivery),
        so the chips say what the tree's status says."""
        previous = self._node
        self._node = node
        self._delivery = delivery
        if node is None:
            self._stack.setCurrentWidget(self.empty_page)
            return
        self._render(node, sync_error=sync_error)
        self._stack.setCurrentWidget(self.details_page)
        if previous is None or (previous.kind, previous.id) != (node.kind, node.id):
            # a new selection starts at its title (the old scroll position hid it)
            self.details_page.verticalScrollBar().setValue(0)

    def field_text(self) -> str:
        """Every label and value currently shown (for tests and accessibility dumps)."""
        texts = [self.kind_label.text(), self.title_label.text(), self.id_label.text()]
        for label in self.details_page.findChildren(QLabel):
            if label.isVisibleTo(self.details_page) and label.text():
                texts.append(label.text())
        return "\n".join(dict.fromkeys(texts))

    # -- rendering -------------------------------------------------------------------------

    def _render(self, node: TreeNode, *, sync_error: str | None) -> None:
        self.kind_icon.setPixmap(theme.large_icon(GROUP if node.is_group else node.kind, 18))
        self.kind_label.setText(node.label.upper())
        self.title_label.setText(node.display_name)
        self.id_label.setText(node.account.id if node.is_group and node.account else node.id)
        self.copy_button.setText("Copy")
        self._render_chips(node)
        self.error_banner.setVisible(bool(sync_error))
        if sync_error:
            self.error_text.setText(f"The last sync of this ad account failed: {sync_error}")
        _clear(self._sections)
        for title, rows in self._sections_for(node):
            shown = [(label, value) for label, value in rows if value]
            if shown:
                self._sections.addWidget(_section(title, shown))
        raw = node.data if not node.is_group else {}
        self.raw_toggle.setVisible(bool(raw))
        self.raw_view.setPlainText(json.dumps(raw, indent=2, sort_keys=True, ensure_ascii=False))
        if not raw:
            self.raw_toggle.setChecked(False)

    def _render_chips(self, node: TreeNode) -> None:
        self._chips.clear()
        chips: list[tuple[str, str]] = []
        data = node.data
        status = (node.status or "").upper()
        if node.kind == MEDIA:
            media_status = str(data.get("media_status") or "")
            if media_status:
                chips.append(
                    (humanize_enum(media_status), "chipOk" if media_status == "READY" else "chip")
                )
        elif self._delivery is not None and not node.is_group:
            # the same word and colour as the tree's status column
            tone = self._delivery.tone
            kind = {
                ACTIVE_TONE: "chipOk",
                PAUSED_TONE: "chipMuted",
                WARNING_TONE: "chipWarning",
                ERROR_TONE: "chipDanger",
            }.get(tone, "chip")
            chips.append((self._delivery.label, kind))
        elif status and not node.is_group:
            kind = {"ACTIVE": "chipOk", "PAUSED": "chipMuted"}.get(status, "chip")
            chips.append((humanize_enum(status), kind))
        review = str(data.get("review_status") or "").upper()
        if review:
            kind = {"APPROVED": "chipOk", "REJECTED": "chipDanger"}.get(review, "chipWarning")
            chips.append((f"Review: {humanize_enum(review)}", kind))
        problems = set(delivery_problems(data.get("delivery_status"), status=node.status))
        for value in data.get("delivery_status") or []:
            chips.append(
                (humanize_delivery(str(value)), "chipWarning" if value in problems else "chip")
            )
        for text, object_name in chips:
            label = QLabel(text)
            label.setObjectName(object_name)
            label.setToolTip("Delivery status" if "Review" not in text else "Review status")
            if self._delivery is not None and text == self._delivery.label:
                label.setToolTip("; ".join(self._delivery.reasons) or "Delivery")
            self._chips.addWidget(label)
        self._chips_host.setVisible(bool(chips))
        self._chips_host.updateGeometry()

    def _sections_for(self, node: TreeNode) -> list[tuple[str, Rows]]:
        data = node.data
        currency = node.account.currency if node.account else None
        tz = node.account.timezone if node.account else None

        def money(key: str) -> str:
            return format_money_micro(data.get(key), currency) if data.get(key) is not None else ""

        def when(key: str) -> str:
            return format_time_in_zone(data.get(key), tz) if data.get(key) else ""

        if node.is_group:
            kind = node.group_kind or ""
            account = node.account.name if node.account else ""
            return [
                (
                    "Library",
                    [
                        ("Ad account", account or ""),
                        (
                            GROUP_LABEL.get(kind, kind),
                            format_count(self._store.child_count(kind, node.account.id))
                            if node.account
                            else "",
                        ),
                    ],
                )
            ]
        if node.kind == ORGANIZATION:
            accounts = self._store.child_count(AD_ACCOUNT, node.id)
            return [
                (
                    "Organization",
                    [
                        ("Type", "Agency" if data.get("is_agency") else "Advertiser"),
                        ("State", humanize_enum(data.get("state")) if data.get("state") else ""),
                        ("Country", str(data.get("country") or "")),
                        ("Ad accounts", format_count(accounts)),
                        ("Your roles", ", ".join(map(humanize_enum, data.get("roles") or []))),
                        (
                            "Created",
                            format_time_in_zone(data.get("created_at"), None)
                            if data.get("created_at")
                            else "",
                        ),
                    ],
                )
            ]
        if node.kind == AD_ACCOUNT:
            return self._account_sections(node)
        if node.kind == CAMPAIGN:
            objective = data.get("objective") or (data.get("objective_v2_properties") or {}).get(
                "objective_v2_type"
            )
            return [
                (
                    "Campaign",
                    [
                        ("Objective", humanize_enum(objective) if objective else ""),
                        ("Daily budget", money("daily_budget_micro")),
                        ("Lifetime spend cap", money("lifetime_spend_cap_micro")),
                        ("Starts", when("start_time")),
                        (
                            "Ends",
                            when("end_time") or ("No end date" if data.get("start_time") else ""),
                        ),
                        (
                            "Ad squads",
                            format_count(self._store.child_count(AD_SQUAD, node.id)),
                        ),
                    ],
                ),
                ("History", [("Created", when("created_at")), ("Updated", when("updated_at"))]),
            ]
        if node.kind == AD_SQUAD:
            bid_strategy = data.get("bid_strategy")
            return [
                (
                    "Delivery",
                    [
                        ("Type", humanize_enum(data.get("type")) if data.get("type") else ""),
                        (
                            "Optimization goal",
                            humanize_enum(data.get("optimization_goal"))
                            if data.get("optimization_goal")
                            else "",
                        ),
                        ("Bid strategy", humanize_enum(bid_strategy) if bid_strategy else ""),
                        ("Bid", money("bid_micro")),
                        ("Daily budget", money("daily_budget_micro")),
                        ("Lifetime budget", money("lifetime_budget_micro")),
                        (
                            "Billing event",
                            humanize_enum(data.get("billing_event"))
                            if data.get("billing_event")
                            else "",
                        ),
                        (
                            "Pacing",
                            humanize_enum(data.get("pacing_type"))
                            if data.get("pacing_type")
                            else "",
                        ),
                        ("Starts", when("start_time")),
                        ("Ends", when("end_time")),
                    ],
                ),
                ("Targeting", [("Audience", targeting_summary(data.get("targeting")))]),
                ("History", [("Created", when("created_at")), ("Updated", when("updated_at"))]),
            ]
        if node.kind == AD:
            return self._ad_sections(node)
        if node.kind == CREATIVE:
            return [("Creative", self._creative_rows(data)), *self._media_section(data)]
        if node.kind == MEDIA:
            return [("Media", _media_rows(data))]
        if node.kind == SEGMENT:
            return [
                (
                    "Segment",
                    [
                        ("Description", str(data.get("description") or "")),
                        (
                            "Source",
                            humanize_enum(data.get("source_type"))
                            if data.get("source_type")
                            else "",
                        ),
                        (
                            "Approximate users",
                            format_count(data.get("approximate_number_users"))
                            if data.get("approximate_number_users") is not None
                            else "",
                        ),
                        (
                            "Upload status",
                            humanize_enum(data.get("upload_status"))
                            if data.get("upload_status")
                            else "",
                        ),
                        (
                            "Targetable",
                            humanize_enum(data.get("targetable_status"))
                            if data.get("targetable_status")
                            else "",
                        ),
                        (
                            "Retention",
                            f"{data['retention_in_days']} days"
                            if data.get("retention_in_days")
                            else "",
                        ),
                        ("Updated", when("updated_at")),
                    ],
                )
            ]
        return []

    def _account_sections(self, node: TreeNode) -> list[tuple[str, Rows]]:
        data = node.data
        org = self._store.organization(str(data.get("organization_id") or ""))
        meta = self._store.sync_meta(node.id)
        counts = meta.counts if meta else {}
        currency = node.account.currency if node.account else None
        tz = node.account.timezone if node.account else None
        last = ""
        if meta is not None:
            last = humanize_ago(meta.last_success_at) if meta.last_success_at else "Never synced"
            if meta.duration_s is not None and meta.last_status == "ok":
                last += f" (took {meta.duration_s:.1f} s)"
        spend_cap = data.get("lifetime_spend_cap_micro")
        return [
            (
                "Ad account",
                [
                    ("Organization", org.name or org.id if org else ""),
                    ("Type", humanize_enum(data.get("type")) if data.get("type") else ""),
                    ("Currency", currency or ""),
                    ("Time zone", tz or ""),
                    (
                        "Lifetime spend cap",
                        format_money_micro(spend_cap, currency) if spend_cap else "",
                    ),
                    (
                        "Created",
                        format_time_in_zone(data.get("created_at"), tz)
                        if data.get("created_at")
                        else "",
                    ),
                ],
            ),
            (
                "Cache",
                [
                    ("Last sync", last or "Never synced"),
                    ("Campaigns", format_count(counts.get("campaigns")) if counts else ""),
                    ("Ad squads", format_count(counts.get("ad_squads")) if counts else ""),
                    ("Ads", format_count(counts.get("ads")) if counts else ""),
                    ("Creatives", format_count(counts.get("creatives")) if counts else ""),
                    ("Media", format_count(counts.get("media")) if counts else ""),
                    ("Segments", format_count(counts.get("segments")) if counts else ""),
                ],
            ),
        ]

    def _ad_sections(self, node: TreeNode) -> list[tuple[str, Rows]]:
        data = node.data
        tz = node.account.timezone if node.account else None
        reasons = data.get("review_status_reasons") or data.get("review_status_details") or []
        if isinstance(reasons, str):
            reasons = [reasons]
        sections: list[tuple[str, Rows]] = [
            (
                "Ad",
                [
                    ("Type", humanize_enum(data.get("type")) if data.get("type") else ""),
                    (
                        "Review status",
                        humanize_enum(data.get("review_status"))
                        if data.get("review_status")
                        else "",
                    ),
                    ("Review reasons", "\n".join(map(str, reasons))),
                    (
                        "Created",
                        format_time_in_zone(data.get("created_at"), tz)
                        if data.get("created_at")
                        else "",
                    ),
                    (
                        "Updated",
                        format_time_in_zone(data.get("updated_at"), tz)
                        if data.get("updated_at")
                        else "",
                    ),
                ],
            )
        ]
        creative_id = data.get("creative_id")
        creative = self._store.get(CREATIVE, str(creative_id)) if creative_id else None
        if creative is not None:
            rows = [("Name", creative.name or ""), *self._creative_rows(creative.data)]
            sections.append(("Creative", rows))
            sections.extend(self._media_section(creative.data))
        elif creative_id:
            sections.append(("Creative", [("ID", f"{creative_id} (not in the cache)")]))
        return sections

    @staticmethod
    def _creative_rows(data: dict[str, Any]) -> Rows:
        cta = data.get("call_to_action")
        return [
            ("Type", humanize_enum(data.get("type")) if data.get("type") else ""),
            ("Headline", str(data.get("headline") or "")),
            ("Brand", str(data.get("brand_name") or "")),
            ("Call to action", humanize_enum(cta) if cta else ""),
            (
                "Review status",
                humanize_enum(data.get("review_status")) if data.get("review_status") else "",
            ),
        ]

    def _media_section(self, creative: dict[str, Any]) -> list[tuple[str, Rows]]:
        media_id = creative.get("top_snap_media_id")
        if not media_id:
            return []
        media = self._store.get(MEDIA, str(media_id))
        if media is None:
            return [("Media", [("ID", f"{media_id} (not in the cache)")])]
        return [("Media", [("Name", media.name or ""), *_media_rows(media.data)])]

    # -- slots -----------------------------------------------------------------------------

    def _on_copy_button_clicked(self) -> None:
        text = self.id_label.text()
        QGuiApplication.clipboard().setText(text)
        self.copy_button.setText("Copied")
        self.copy_button.setIcon(theme.icon("ok"))
        QTimer.singleShot(1500, self._reset_copy_button)
        emit(self.id_copied, text)

    def _reset_copy_button(self) -> None:
        self.copy_button.setText("Copy")
        self.copy_button.setIcon(theme.icon("copy"))

    def _on_raw_toggle_toggled(self, checked: bool) -> None:
        self.raw_toggle.setArrowType(Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow)
        self.raw_view.setVisible(checked)


def _media_rows(data: dict[str, Any]) -> Rows:
    image = data.get("image_metadata") or {}
    video = data.get("video_metadata") or {}
    width = image.get("width_px") or video.get("width_px")
    height = image.get("height_px") or video.get("height_px")
    duration = video.get("duration_in_seconds")
    return [
        ("Type", humanize_enum(data.get("type")) if data.get("type") else ""),
        ("Status", humanize_enum(data.get("media_status")) if data.get("media_status") else ""),
        ("File", str(data.get("file_name") or "")),
        (
            "Size",
            format_bytes(data.get("file_size_in_bytes")) if data.get("file_size_in_bytes") else "",
        ),
        ("Dimensions", f"{width} × {height} px" if width and height else ""),
        ("Duration", f"{float(duration):.1f} s" if duration else ""),
    ]


def _section(title: str, rows: Rows) -> QFrame:
    card = QFrame()
    card.setObjectName("card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(16, 12, 16, 14)
    layout.setSpacing(8)
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    form = QFormLayout()
    form.setHorizontalSpacing(18)
    form.setVerticalSpacing(7)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    for label, value in rows:
        if not value:
            continue
        caption = QLabel(label)
        caption.setObjectName("formLabel")
        caption.setMinimumWidth(130)
        field = QLabel(value)
        field.setWordWrap(True)
        field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(caption, field)
    layout.addLayout(form)
    return card


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item else None
        if widget is not None:
            widget.setParent(None)
            widget.deleteLater()

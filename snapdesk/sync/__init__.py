"""Sync service: Snap → local cache (organizations, ad accounts, and every account's entities)."""

from __future__ import annotations

from snapdesk.sync.service import (
    ACCOUNT_DONE,
    ACCOUNT_FAILED,
    CANCELLED,
    CANCELLED_MESSAGE,
    DISCOVERING,
    FETCHING,
    FINISHED,
    PAGE_LIMIT,
    SAVING,
    ProgressCallback,
    SyncProgress,
    SyncResult,
    SyncService,
)

__all__ = [
    "ACCOUNT_DONE",
    "ACCOUNT_FAILED",
    "CANCELLED",
    "CANCELLED_MESSAGE",
    "DISCOVERING",
    "FETCHING",
    "FINISHED",
    "PAGE_LIMIT",
    "SAVING",
    "ProgressCallback",
    "SyncProgress",
    "SyncResult",
    "SyncService",
]

"""Operations of the Conversions API page: reading a CSV of events (in a worker thread) and
rehearsing, testing or sending them (on the loop), plus which credential a send uses.

    op = load_conversions(loop=loop, parent=page, path=path, options=LoadOptions(source="web"))
    op.succeeded.connect(page._on_load_succeeded)      # a LoadResult

    op = send_conversions(loop=loop, parent=page, access=access, events=result.events,
                          asset_id=pixel, mode="test", store=store)
    op.succeeded.connect(page._on_send_succeeded)      # a SendDone (report + credential used)

Both return a `StoppableOp`: `stop()` asks it to finish early and cleanly (loading stops at the
next row, sending before the next batch, reporting the rest as cancelled); `cancel()` abandons it.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from snapdesk import config
from snapdesk.api import SnapError
from snapdesk.api.capi import CapiClient
from snapdesk.auth import KeyringUnavailable
from snapdesk.auth.capi_tokens import (
    CAPI_TOKEN_ENV,
    CapiCredential,
    CapiTokenStore,
    KeyringCapiTokenStore,
    NoCapiToken,
    resolve_capi_token,
)
from snapdesk.auth.settings import CONVERSIONS_SCOPE
from snapdesk.auth.tokens import TokenStore
from snapdesk.changes.conversions import CapiSendReport, ConversionSender, Mode
from snapdesk.conversions import ConversionsError, LoadOptions, LoadResult, MappedEvent, load_events
from snapdesk.store import Store
from snapdesk.ui.ops._op import AsyncOp

__all__ = [
    "CapiAccess",
    "SendDone",
    "StoppableOp",
    "load_conversions",
    "send_conversions",
]


class StoppableOp(AsyncOp):
    """An `AsyncOp` that can also be asked to stop at the next safe point (`stop()`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stop_requested = threading.Event()

    def stop(self) -> None:
        self.stop_requested.set()


@dataclass(frozen=True)
class CapiAccess:
    """Where the page sends events and how it finds the token for a pixel or app.

    In the sandbox: the sandbox server's `/v3`, with a token stored for the pixel or else the
    sandbox's Conversions API token. Otherwise `SNAPDESK_CAPI_BASE` (Snap's `tr.snapchat.com/v3`)
    and `resolve_capi_token`'s order: `SNAPDESK_CAPI_TOKEN`, the keyring's token for the pixel,
    the login's OAuth token when it has the offline-conversions scope.
    """

    base_url: str
    sandbox_token: str | None = None
    login_store: TokenStore | None = None
    profile: str | None = None
    paths: config.Paths | None = None
    capi_store: CapiTokenStore | None = None

    @classmethod
    def for_session(cls, session: Any) -> CapiAccess:
        """From the window's `Session` (None: no login, a per-pixel token must do)."""
        if session is None:
            return cls(base_url=config.capi_base())
        if session.is_sandbox:
            from snapdesk.sandbox.capi import SANDBOX_CAPI_TOKEN

            return cls(
                base_url=str(session.sandbox.base_url).rstrip("/") + "/v3",
                sandbox_token=SANDBOX_CAPI_TOKEN,
                paths=session.paths,
            )
        return cls(
            base_url=config.capi_base(),
            login_store=session.tokens,
            profile=session.profile,
            paths=session.paths,
        )

    def token_store(self) -> CapiTokenStore:
        """Where per-pixel tokens live (the system keyring unless given)."""
        return self.capi_store if self.capi_store is not None else KeyringCapiTokenStore()

    def stored_token(self, asset_id: str) -> str | None:
        """The keyring's token for `asset_id` (blocking; None when the keyring can't be read)."""
        try:
            return self.token_store().get(asset_id)
        except KeyringUnavailable:
            return None

    def resolve(self, asset_id: str) -> CapiCredential:
        """The credential a send to `asset_id` uses (blocking: reads the keyring)."""
        asset = asset_id.strip()
        if not asset:
            raise NoCapiToken("Enter the pixel ID (or the Snap app ID for app events)")
        if self.sandbox_token is not None:
            stored = self.stored_token(asset)
            if stored:
                return CapiCredential(stored, "keyring")
            return CapiCredential(self.sandbox_token, "env")
        return resolve_capi_token(
            asset,
            capi_store=self.capi_store,
            login_store=self.login_store,
            profile=self.profile,
            paths=self.paths,
        )

    def describe(self, asset_id: str) -> tuple[bool, str]:
        """(usable, one sentence naming the credential a send would use). Blocking."""
        try:
            credential = self.resolve(asset_id)
        except SnapError as exc:
            return False, exc.message
        return True, describe_credential(credential, asset_id, sandbox=self.sandbox_token)


def describe_credential(
    credential: CapiCredential, asset_id: str, *, sandbox: str | None = None
) -> str:
    asset = asset_id.strip()
    if credential.source == "keyring":
        return f"the Conversions API token stored for {asset} in your system keyring"
    if credential.source == "login":
        return (
            f"the OAuth token of the login {credential.profile!r} "
            f"(it has the {CONVERSIONS_SCOPE} scope)"
        )
    if sandbox is not None and credential.token == sandbox:
        return "the sandbox's Conversions API token"
    if os.environ.get(CAPI_TOKEN_ENV):
        return f"the token in {CAPI_TOKEN_ENV}"
    return "a Conversions API token"  # pragma: no cover - every source is named above


# -- loading ----------------------------------------------------------------------------------------


def load_conversions(
    *,
    loop: asyncio.AbstractEventLoop,
    parent: QObject | None,
    path: str | Path,
    options: LoadOptions,
) -> StoppableOp:
    """Read, map and validate `path` in a worker thread. `progressed(int)` counts rows read;
    `succeeded(LoadResult)`; `failed(ConversionsError)` for an unreadable file."""
    op = StoppableOp(loop=loop, name="load conversion events", parent=parent)

    def work() -> LoadResult:
        return load_events(
            path,
            options,
            progress=op.report_progress,
            cancelled=op.stop_requested.is_set,
        )

    async def run() -> LoadResult:
        return await loop.run_in_executor(None, work)

    op.start(run())
    return op


# -- sending ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendDone:
    """A finished send: Snap's (or the rehearsal's) report and who it authenticated as."""

    report: CapiSendReport
    credential: str | None


def send_conversions(
    *,
    loop: asyncio.AbstractEventLoop,
    parent: QObject | None,
    access: CapiAccess,
    events: Sequence[MappedEvent],
    asset_id: str,
    mode: Mode,
    store: Store | None,
    batch_size: int | None = None,
) -> StoppableOp:
    """Rehearse (dry-run), validate (test) or send (live) `events` to `asset_id` through the
    write gateway. `progressed(CapiProgress)`; `succeeded(SendDone)`; `failed` when no token
    can be found or the local cache can't be opened for the audit log. `store` None opens the
    default cache for the audit log and closes it afterwards."""
    op = StoppableOp(loop=loop, name=f"conversions {mode}", parent=parent)
    op.start(
        _send(
            op,
            loop=loop,
            access=access,
            events=tuple(events),
            asset_id=asset_id.strip(),
            mode=mode,
            store=store,
            batch_size=batch_size,
        )
    )
    return op


async def _send(
    op: StoppableOp,
    *,
    loop: asyncio.AbstractEventLoop,
    access: CapiAccess,
    events: tuple[MappedEvent, ...],
    asset_id: str,
    mode: Mode,
    store: Store | None,
    batch_size: int | None,
) -> SendDone:
    client: CapiClient | None = None
    credential_text: str | None = None
    if mode != "dry-run":
        credential = await loop.run_in_executor(None, access.resolve, asset_id)
        credential_text = describe_credential(credential, asset_id, sandbox=access.sandbox_token)
        client = CapiClient(token=credential.token, base_url=access.base_url)
    own_store: Store | None = None
    try:
        if store is None:
            try:
                own_store = await loop.run_in_executor(
                    None, functools.partial(Store.open_default, access.paths)
                )
            except Exception as exc:
                raise ConversionsError(
                    f"can't open the local cache for the audit log ({exc})"
                ) from None
        kwargs: dict[str, Any] = {}
        if batch_size is not None:
            kwargs["batch_size"] = batch_size
        sender = ConversionSender(
            client=client,
            store=store or own_store,
            mode=mode,
            profile=access.profile,
            **kwargs,
        )
        report = await sender.send(
            events,
            asset_id=asset_id,
            progress=op.report_progress,
            cancel=op.stop_requested.is_set,
        )
    finally:
        if client is not None:
            await client.aclose()
        if own_store is not None:
            own_store.close()
    return SendDone(report, credential_text)

"""No token, code or client secret in logs, exception messages, reprs or files on disk."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from snapdesk import config
from snapdesk.api import SnapApi
from snapdesk.auth import (
    KeyringTokenStore,
    OAuthAppSettings,
    SignInRequired,
    login_flow,
    save_app_settings,
    token_provider_for_cli,
)
from tests.auth.conftest import Browser, control, free_port, sandbox_app


def _all_files(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


async def test_tokens_never_reach_logs_errors_or_files(
    sandbox: Any,
    paths: config.Paths,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    app = sandbox_app(sandbox, redirect_uri=redirect, use_pkce=True)
    control(sandbox, rotate_refresh=True)
    monkeypatch.setenv("SNAPDESK_OAUTH_BASE", sandbox.base_url)
    store = KeyringTokenStore()
    save_app_settings(
        OAuthAppSettings(client_id="sandbox-client", redirect_uri=redirect, use_pkce=True),
        paths=paths,
        store=store,
        client_secret="sandbox-secret",
    )
    result = await login_flow(
        app=app, store=store, open_browser=Browser(), api_base=sandbox.api_base, time_limit=20
    )
    secrets = {"sandbox-secret"}
    first = store.load("default")
    assert first is not None and first.refresh_token
    secrets |= {first.access_token, first.refresh_token}

    control(sandbox, expire_access_tokens=True)
    provider = token_provider_for_cli(None, store=store, paths=paths)
    async with SnapApi(token_provider=provider, base_url=sandbox.api_base) as api:
        await api.me.get()
        second = store.load("default")
        assert second is not None and second.refresh_token
        secrets |= {second.access_token, second.refresh_token}
        control(sandbox, revoke_refresh_token=True)
        with pytest.raises(SignInRequired) as info:
            await api.me.get()

    texts = [
        caplog.text,
        *(r.getMessage() for r in caplog.records),
        str(info.value),
        repr(info.value),
        str(info.value.debug_message),
        repr(result),
        repr(result.tokens),
        repr(provider),
        repr(app),
        repr(store),
    ]
    for secret in secrets:
        for text in texts:
            assert secret not in text
    roots = (paths.data_dir, paths.config_dir, paths.cache_dir, paths.log_dir, tmp_path)
    files = _all_files(*roots)
    assert any(f.name == "profiles.json" for f in files)
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"{secret[:6]}… found in {path}"

"""Shared helpers: a SnapApi wired to an httpx.MockTransport with sleeps recorded, not slept."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from snapdesk.api import RetryPolicy, SnapApi, StaticTokenProvider

TOKEN = "tok-SECRET-1234567890"
BASE = "https://adsapi.snapchat.com/v1"

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Recorder:
    """Records requests seen by the transport and every sleep the client asked for."""

    requests: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


class NoJitter(RetryPolicy):
    def jitter(self, delay: float) -> float:
        return delay


def envelope(plural: str, item: str, objs: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "request_status": "SUCCESS",
        "request_id": "req-1",
        plural: [{"sub_request_status": "SUCCESS", item: o} for o in objs],
        **extra,
    }


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def make_api(recorder: Recorder) -> AsyncIterator[Callable[..., SnapApi]]:
    apis: list[SnapApi] = []

    def factory(handler: Handler, **kwargs: Any) -> SnapApi:
        def recording(request: httpx.Request) -> httpx.Response:
            recorder.requests.append(request)
            return handler(request)

        kwargs.setdefault("token_provider", StaticTokenProvider(TOKEN))
        kwargs.setdefault("base_url", BASE)
        kwargs.setdefault("retry", NoJitter())
        kwargs.setdefault("sleep", recorder.sleep)
        kwargs.setdefault("rate_limit", None)
        api = SnapApi(transport=httpx.MockTransport(recording), **kwargs)
        apis.append(api)
        return api

    yield factory
    for api in apis:
        await api.aclose()

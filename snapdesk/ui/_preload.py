"""Import, at start-up, the modules the network stack would otherwise import lazily on its
first request. httpcore loads anyio's asyncio backend (and what it needs) on first use; done in
the middle of the first sync that import froze the window for ~60–100 ms."""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

_LAZY_MODULES = (
    "anyio._backends._asyncio",
    "anyio.streams.tls",
    "httpcore._backends.anyio",
    "httpcore._async.http11",
    "h11",
)


def preload_network_stack() -> None:
    for name in _LAZY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a newer httpx/anyio moved things: only a start-up cost is lost
            log.debug("preload: %s not importable", name)

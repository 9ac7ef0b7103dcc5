"""Scrubbing secrets and personal data out of text that leaves memory: the log file, crash
reports and anything copied from them.

Two layers:
- patterns for every shape a secret or a raw identifier takes in snapdesk: bearer headers,
  `access_token=` / `"refresh_token": "…"` / `client_secret` pairs, OAuth codes, JWTs, the
  sandbox's tokens (`sbx-at-…`, `sbx-rt-…`, `sandbox-demo-token`), long random-looking strings,
  e-mail addresses and phone numbers;
- the literal values this process holds (the tokens and client secrets of the signed-in logins,
  the `SNAPDESK_*` token variables), gathered from registered sources at the moment of scrubbing,
  so a token with no recognisable shape is still removed.

Plain Python (no Qt): the logging formatter runs on any thread.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = [
    "REDACTED",
    "RecentLogHandler",
    "RedactingFormatter",
    "Redactor",
    "recent_log_handler",
    "redactor",
]

REDACTED = "<redacted>"
EMAIL = "<email>"
PHONE = "<phone>"

#: Environment variables whose values are secrets.
SECRET_ENV = (
    "SNAPDESK_ACCESS_TOKEN",
    "SNAPDESK_CLIENT_SECRET",
    "SNAPDESK_CAPI_TOKEN",
)
#: Fixed secrets of the built-in sandbox (its bearer token and its OAuth app's secret).
SANDBOX_SECRETS = ("sandbox-demo-token", "sandbox-secret")

_KEYS = (
    r"access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|code[_-]?verifier"
    r"|api[_-]?key|password|passwd|secret|token|authorization"
)
# key=value (query strings, form bodies, reprs) and "key": "value" (JSON, dict reprs)
_PAIR = re.compile(
    rf"""(?ix)
    (?P<key>["']?(?:{_KEYS})["']?)
    (?P<sep>\s*[:=]\s*)
    (?P<quote>["']?)
    (?P<value>(?!<redacted>)[^\s"'&,;)}}\]]+)
    """
)
_QUERY_CODE = re.compile(r"(?i)([?&](?:code|state)=)[^&\s\"'<>]+")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)(?!<redacted>)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*")
_SANDBOX = re.compile(r"\bsbx-(?:at|rt|code)-[A-Za-z0-9_-]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Long random-looking runs (refresh tokens, client secrets, CAPI tokens): 32+ characters of a
# token alphabet with both letters and digits. UUIDs (entity ids) are kept.
_OPAQUE = re.compile(r"(?<![A-Za-z0-9_~+=-])[A-Za-z0-9_~+=-]{32,}(?![A-Za-z0-9_~+=-])")
_EMAIL = re.compile(r"(?i)(?<![\w.+-])[\w.+-]{1,64}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
# A phone number: an optional + or 00, then digits with spaces, dots, dashes or parentheses.
_PHONE = re.compile(r"(?<![\w.:/+-])(?:\+|\b00)?\(?\d[\d ().-]{5,22}\d(?![\w.:/-]|\.\d)")
# ISO dates, clock times, decimals and dotted quads look like digit runs too.
_NOT_PHONE = re.compile(r"^\d{4}-\d{2}-\d{2}|^\d{1,2}:\d{2}|^\d+\.\d+$|^\d+\.\d+\.\d+\.\d+$")


def _opaque(match: re.Match[str]) -> str:
    text = match.group(0)
    if _UUID.fullmatch(text):
        return text
    has_digit = any(ch.isdigit() for ch in text)
    has_alpha = any(ch.isalpha() for ch in text)
    if not (has_digit and has_alpha) or "__" in text:
        return text  # a long identifier or number, not a token
    return REDACTED


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    if _NOT_PHONE.search(text):
        return text
    digits = sum(ch.isdigit() for ch in text)
    international = text.startswith(("+", "00"))
    if international and 7 <= digits <= 15:
        return PHONE
    if 9 <= digits <= 15:
        return PHONE
    return text


class Redactor:
    """Scrubs text. `add_source(fn)` registers a callable returning secret strings known now;
    sources are read at every `scrub` (they may change as logins come and go)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: list[Callable[[], Iterable[str]]] = []
        self._home = str(Path.home())

    def add_source(self, source: Callable[[], Iterable[str]]) -> None:
        with self._lock:
            self._sources.append(source)

    def remove_source(self, source: Callable[[], Iterable[str]]) -> None:
        with self._lock:
            if source in self._sources:
                self._sources.remove(source)

    def known_secrets(self) -> list[str]:
        """Every literal secret from the environment, the sandbox and the registered sources,
        longest first (so a secret containing another is removed whole)."""
        found = {os.environ.get(name, "").strip() for name in SECRET_ENV}
        found.update(SANDBOX_SECRETS)
        with self._lock:
            sources = list(self._sources)
        for source in sources:
            try:
                found.update(s for s in source() if isinstance(s, str))
            except Exception:  # a broken source must not stop the scrubbing
                continue
        # Very short values would shred ordinary words; a real secret is never that short.
        return sorted((s for s in found if len(s) >= 8), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """`text` without secrets, e-mail addresses, phone numbers or the home directory."""
        for secret in self.known_secrets():
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        text = _PAIR.sub(lambda m: f"{m['key']}{m['sep']}{m['quote']}{REDACTED}", text)
        text = _QUERY_CODE.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
        text = _JWT.sub(REDACTED, text)
        text = _SANDBOX.sub(REDACTED, text)
        text = _EMAIL.sub(EMAIL, text)
        text = _OPAQUE.sub(_opaque, text)
        text = _PHONE.sub(_phone, text)
        if self._home and len(self._home) > 1:
            text = text.replace(self._home, "~")
        return text


#: The process-wide redactor: the log formatter, crash reports and the diagnostics use it.
redactor = Redactor()


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output (message, traceback, stack) goes through `redactor`."""

    def __init__(self, fmt: str | None = None, *, scrubber: Redactor | None = None) -> None:
        super().__init__(fmt)
        self._scrubber = scrubber or redactor

    def format(self, record: logging.LogRecord) -> str:
        try:
            text = super().format(record)
        except Exception:  # a malformed record: keep the logger alive, lose only that line
            text = f"{record.levelname} {record.name}: <unformattable log record>"
        return self._scrubber.scrub(text)


class RecentLogHandler(logging.Handler):
    """Keeps the last `capacity` formatted (and redacted) log lines in memory, for crash
    reports: they are there even when the log file could not be opened."""

    def __init__(self, capacity: int = 200) -> None:
        super().__init__(level=logging.INFO)
        self._lines: deque[str] = deque(maxlen=capacity)
        self._guard = threading.Lock()
        self.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:
            return
        with self._guard:
            self._lines.extend(text.splitlines() or [""])

    def lines(self) -> list[str]:
        with self._guard:
            return list(self._lines)


def recent_log_handler() -> RecentLogHandler | None:
    """The in-memory handler the app installed on the root logger, if any."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, RecentLogHandler):
            return handler
    return None

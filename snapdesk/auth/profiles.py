"""Logins (profiles): names, the active one, and who each one is. Never tokens.

`<config_dir>/profiles.json`:
`{"active": "default", "profiles": [{"name", "display_name", "email", "organizations",
"signed_in_at"}]}`. Tokens live in the token store under `login:<name>`.
"""

from __future__ import annotations

import builtins
import logging
import threading
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from snapdesk import config
from snapdesk.api import Me, Organization, SnapApi
from snapdesk.auth._files import read_json, write_json_atomic
from snapdesk.auth.errors import ProfileError
from snapdesk.auth.tokens import TokenStore

__all__ = [
    "DEFAULT_PROFILE",
    "REVOKE_REMINDER",
    "AccessSummary",
    "Profile",
    "Profiles",
    "confirm_access",
    "validate_profile_name",
]

log = logging.getLogger(__name__)

DEFAULT_PROFILE = "default"
PROFILES_FILE = "profiles.json"
MAX_NAME_LENGTH = 64

REVOKE_REMINDER = (
    "To cut snapdesk's access completely, you can also remove the app in Snap Business Manager: "
    "Business settings → connected apps."
)


@dataclass(frozen=True)
class AccessSummary:
    """What a fresh sign-in can see: the user (`/me`) and their organizations."""

    me: Me
    organizations: list[Organization]

    @property
    def organization_names(self) -> list[str]:
        return [o.name or o.id for o in self.organizations]


async def confirm_access(api: SnapApi) -> AccessSummary:
    """Ask Snap who this login is and which organizations it can see."""
    me = await api.me.get()
    organizations = await api.organizations.list()
    return AccessSummary(me=me, organizations=organizations)


@dataclass(frozen=True)
class Profile:
    name: str
    display_name: str | None = None
    email: str | None = None
    organizations: tuple[str, ...] = field(default_factory=tuple)
    signed_in_at: str | None = None

    @property
    def label(self) -> str:
        """`name (Display Name <email>)`, for menus and `snapdesk profiles`."""
        who = self.display_name or ""
        if self.email:
            who = f"{who} <{self.email}>" if who else self.email
        return f"{self.name} ({who})" if who else self.name

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["organizations"] = list(self.organizations)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        orgs = data.get("organizations") or []
        return cls(
            name=str(data["name"]),
            display_name=data.get("display_name") or None,
            email=data.get("email") or None,
            organizations=tuple(str(o) for o in orgs) if isinstance(orgs, list) else (),
            signed_in_at=data.get("signed_in_at") or None,
        )


def validate_profile_name(name: str) -> str:
    """The cleaned name, or `ProfileError` saying what is wrong with it."""
    cleaned = name.strip()
    if not cleaned:
        raise ProfileError("A login name can't be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ProfileError(f"A login name can have at most {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise ProfileError("A login name can't contain control characters")
    return cleaned


class Profiles:
    """The list of logins. Thread-safe; every change is written to disk at once."""

    def __init__(self, *, store: TokenStore | None, paths: config.Paths | None = None) -> None:
        self._store = store
        self._path: Path = (paths or config.Paths.from_env()).config_dir / PROFILES_FILE
        self._lock = threading.RLock()
        self._profiles: builtins.list[Profile] = []
        self._active: str | None = None
        self._load()

    # -- reading -------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    def list(self) -> builtins.list[Profile]:
        with self._lock:
            return list(self._profiles)

    def names(self) -> builtins.list[str]:
        return [p.name for p in self.list()]

    def get(self, name: str) -> Profile | None:
        with self._lock:
            return next((p for p in self._profiles if p.name == name), None)

    @property
    def active(self) -> str | None:
        with self._lock:
            return self._active

    def is_signed_in(self, name: str) -> bool:
        """True when the token store holds tokens for `name`."""
        return self._store is not None and self._store.load(name) is not None

    # -- changing ------------------------------------------------------------------------------

    def add(self, name: str, *, activate: bool = False) -> Profile:
        name = validate_profile_name(name)
        with self._lock:
            if self.get(name) is not None:
                raise ProfileError(f"There is already a login named {name!r}")
            profile = Profile(name=name)
            self._profiles.append(profile)
            if activate or self._active is None:
                self._active = name
            self._save()
            return profile

    def ensure(self, name: str) -> Profile:
        """The login named `name`, added if it does not exist yet."""
        with self._lock:
            existing = self.get(validate_profile_name(name))
            return existing if existing is not None else self.add(name)

    def rename(self, old: str, new: str) -> Profile:
        """Rename a login; its keyring entry moves with it."""
        new = validate_profile_name(new)
        with self._lock:
            current = self._require(old)
            if new == old:
                return current
            if self.get(new) is not None:
                raise ProfileError(f"There is already a login named {new!r}")
            if self._store is not None:
                self._store.rename(old, new)
            renamed = replace(current, name=new)
            self._profiles = [renamed if p.name == old else p for p in self._profiles]
            if self._active == old:
                self._active = new
            self._save()
            return renamed

    def switch(self, name: str) -> Profile:
        with self._lock:
            profile = self._require(name)
            self._active = name
            self._save()
            return profile

    def sign_out(self, name: str) -> str:
        """Forget the login's tokens (the login itself stays). Returns a reminder to show."""
        with self._lock:
            self._require(name)
            if self._store is not None:
                self._store.delete(name)
            log.info("signed out of login %r", name)
            return f"Signed out of {name}. {REVOKE_REMINDER}"

    def remove(self, name: str) -> str:
        """Sign out and delete the login from the list. Returns the reminder to show."""
        with self._lock:
            reminder = self.sign_out(name)
            self._profiles = [p for p in self._profiles if p.name != name]
            if self._active == name:
                self._active = self._profiles[0].name if self._profiles else None
            self._save()
            return reminder

    def record_access(self, name: str, summary: AccessSummary) -> Profile:
        """Remember who the login is (from `/me` and `/me/organizations`)."""
        with self._lock:
            current = self._require(name)
            updated = replace(
                current,
                display_name=summary.me.display_name or current.display_name,
                email=summary.me.email or current.email,
                organizations=tuple(summary.organization_names),
                signed_in_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self._profiles = [updated if p.name == name else p for p in self._profiles]
            self._save()
            return updated

    # -- internals -----------------------------------------------------------------------------

    def _require(self, name: str) -> Profile:
        profile = self.get(name)
        if profile is None:
            raise ProfileError(f"There is no login named {name!r} (see `snapdesk profiles`)")
        return profile

    def _load(self) -> None:
        data = read_json(self._path)
        if not isinstance(data, dict):
            return
        profiles: builtins.list[Profile] = []
        for entry in data.get("profiles") or []:
            if isinstance(entry, dict) and entry.get("name"):
                try:
                    profile = Profile.from_dict(entry)
                except (KeyError, TypeError, ValueError):
                    continue
                if all(p.name != profile.name for p in profiles):
                    profiles.append(profile)
        self._profiles = profiles
        active = data.get("active")
        names = {p.name for p in profiles}
        self._active = active if active in names else (profiles[0].name if profiles else None)

    def _save(self) -> None:
        write_json_atomic(
            self._path,
            {"active": self._active, "profiles": [p.to_dict() for p in self._profiles]},
        )

"""The sandbox's in-memory world: entities per organization / ad account, tokens and test knobs.

Entities are stored exactly as they are served (plain JSON dicts). Every collection keeps, per
scope (ad account, campaign, ad squad, organization), a list of ids sorted like Snap sorts its
lists (by id), so a page is a bisect plus `limit` steps whatever the account size. Deletes are
soft (`deleted: true`), so ids never leave those lists and cursors stay valid.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import collections
import random
import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from snapdesk.sandbox import entities
from snapdesk.sandbox._common import (
    SANDBOX_APP_ID,
    SANDBOX_TOKEN,
    JsonObj,
    iso_ms,
    new_uuid,
    now_iso,
    utc_now,
)
from snapdesk.sandbox._ratelimit import TokenBucketLimiter
from snapdesk.sandbox.errors import (
    BatchError,
    ItemError,
    bad_request,
    forbidden,
    not_found,
)
from snapdesk.sandbox.faults import FaultSet

ORGANIZATION = "organization"
AD_ACCOUNT = "ad_account"
FUNDING_SOURCE = "funding_source"
CAMPAIGN = "campaign"
AD_SQUAD = "ad_squad"
AD = "ad"
CREATIVE = "creative"
MEDIA = "media"
SEGMENT = "segment"

KINDS = (ORGANIZATION, AD_ACCOUNT, FUNDING_SOURCE, CAMPAIGN, AD_SQUAD, AD, CREATIVE, MEDIA, SEGMENT)

# (plural key, item key) as Snap's envelope spells them.
WRAPPER_KEYS: dict[str, tuple[str, str]] = {
    ORGANIZATION: ("organizations", "organization"),
    AD_ACCOUNT: ("adaccounts", "adaccount"),
    FUNDING_SOURCE: ("fundingsources", "fundingsource"),
    CAMPAIGN: ("campaigns", "campaign"),
    AD_SQUAD: ("adsquads", "adsquad"),
    AD: ("ads", "ad"),
    CREATIVE: ("creatives", "creative"),
    MEDIA: ("media", "media"),
    SEGMENT: ("segments", "segment"),
}

# Keys of `summary()`, matching the cache's count keys.
SUMMARY_KEYS: dict[str, str] = {
    ORGANIZATION: "organizations",
    AD_ACCOUNT: "ad_accounts",
    FUNDING_SOURCE: "funding_sources",
    CAMPAIGN: "campaigns",
    AD_SQUAD: "ad_squads",
    AD: "ads",
    CREATIVE: "creatives",
    MEDIA: "media",
    SEGMENT: "segments",
}

# Kinds whose objects live inside one ad account and the URL parent of their writes.
ACCOUNT_KINDS = (CAMPAIGN, AD_SQUAD, AD, CREATIVE, MEDIA, SEGMENT)

MAX_IDENTIFIERS = 100_000
TARGETABLE_MIN_USERS = 1_000
USER_SCHEMAS = ("EMAIL_SHA256", "PHONE_SHA256", "MOBILE_AD_ID_SHA256")
SIMPLE_UPLOAD_MAX = 32 * 1024 * 1024
CHUNKED_UPLOAD_MAX = 1024 * 1024 * 1024
FILES_PREFIX = "/__sandbox__/files/"

_HASH_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_CURSOR_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    if not _CURSOR_RE.match(cursor):
        raise bad_request("E1001", "Invalid cursor")
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("E1001", "Invalid cursor") from None


def approximate_users(count: int) -> int:
    """Snap shows an approximate audience size; the sandbox rounds to the nearest 100 (half up)."""
    return (count + 50) // 100 * 100


class Collection:
    """All objects of one kind, with per-scope sorted id lists."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.objects: dict[str, JsonObj] = {}
        self.account_of: dict[str, str] = {}
        self.indexes: dict[str, dict[str, list[str]]] = {}

    def insert(self, obj: JsonObj, *, account_id: str, scopes: dict[str, str]) -> None:
        oid = obj["id"]
        self.objects[oid] = obj
        self.account_of[oid] = account_id
        for index, key in scopes.items():
            bisect.insort(self.indexes.setdefault(index, {}).setdefault(key, []), oid)

    def bulk_insert(self, obj: JsonObj, *, account_id: str, scopes: dict[str, str]) -> None:
        """Append without sorting; call `sort_indexes()` when done."""
        oid = obj["id"]
        self.objects[oid] = obj
        self.account_of[oid] = account_id
        for index, key in scopes.items():
            self.indexes.setdefault(index, {}).setdefault(key, []).append(oid)

    def sort_indexes(self) -> None:
        for by_key in self.indexes.values():
            for ids in by_key.values():
                ids.sort()

    def ids(self, index: str, key: str) -> list[str]:
        return self.indexes.get(index, {}).get(key, [])

    def page(
        self,
        index: str,
        key: str,
        *,
        after: str | None,
        limit: int,
        include_deleted: bool,
    ) -> tuple[list[JsonObj], str | None]:
        ids = self.ids(index, key)
        position = bisect.bisect_right(ids, after) if after is not None else 0
        objects = self.objects
        out: list[JsonObj] = []
        total = len(ids)
        while position < total and len(out) < limit:
            obj = objects[ids[position]]
            position += 1
            if include_deleted or not obj.get("deleted"):
                out.append(obj)
        more = False
        while position < total:
            if include_deleted or not objects[ids[position]].get("deleted"):
                more = True
                break
            position += 1
        return out, (out[-1]["id"] if more and out else None)

    def visible_count(self, index: str | None = None, key: str | None = None) -> int:
        if index is None or key is None:
            return sum(1 for obj in self.objects.values() if not obj.get("deleted"))
        objects = self.objects
        return sum(1 for oid in self.ids(index, key) if not objects[oid].get("deleted"))

    def clear(self) -> None:
        self.objects.clear()
        self.account_of.clear()
        self.indexes.clear()


@dataclass
class StoredResponse:
    """A response kept for an Idempotency-Key."""

    method: str
    path: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class ChunkedUpload:
    media_id: str
    file_name: str
    file_size: int
    number_of_parts: int
    parts: dict[int, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class UsersBatch:
    schema: str
    hashes: list[str]


class SandboxState:
    """Everything the emulator knows. Thread-safe: the server thread and tests may both use it."""

    def __init__(
        self,
        *,
        rate_limit: float | None = 10.0,
        burst: int = 10,
        segment_processing_seconds: float = 2.0,
    ) -> None:
        self.lock = threading.RLock()
        self.collections: dict[str, Collection] = {kind: Collection(kind) for kind in KINDS}
        self.me: JsonObj = {}
        self.test_accounts: set[str] = set()
        self.denied_accounts: set[str] = set()
        self.segment_users: dict[str, set[str]] = {}
        self.segment_base_users: dict[str, int] = {}
        self._pending_segments: dict[str, float] = {}
        self.media_files: dict[str, tuple[str, bytes]] = {}
        self.uploads: dict[str, ChunkedUpload] = {}
        self.idempotency: dict[tuple[str, str], StoredResponse] = {}
        # Whether Idempotency-Key replays the first answer. Snap's support of the header is not
        # verified (reference/model-codebases.md §10), so tests also run with it off: the
        # client must not create anything twice either way.
        self.honour_idempotency = True
        self.tokens: dict[str, float | None] = {SANDBOX_TOKEN: None}
        self.limiter = TokenBucketLimiter(rate_limit, burst)
        self.faults = FaultSet()
        self.latency_ms = 0
        # Counts resets: a request sleeping in a latency knob wakes up when it changes.
        self.generation = 0
        self.segment_processing_seconds = segment_processing_seconds
        self.requests: collections.deque[JsonObj] = collections.deque(maxlen=10_000)
        self.seed_info: JsonObj = {"seed": None, "scale": None}
        # Stats knobs (snapdesk/sandbox/stats.py): per-ad-squad "true effects" multiplying the
        # swipe and conversion rates, and a fixed clock for the stats (None = the real time).
        self.stats_effects: dict[str, JsonObj] = {}
        self.stats_now: datetime | None = None
        self._random = random.Random()
        self._defaults = (rate_limit, burst, segment_processing_seconds)

    # ------------------------------------------------------------------ tokens

    def add_token(self, token: str, expires_at: datetime | float | None = None) -> None:
        """Accept `token` until `expires_at` (aware datetime or epoch seconds; None = forever)."""
        if isinstance(expires_at, datetime):
            expires_at = expires_at.timestamp()
        with self.lock:
            self.tokens[token] = expires_at

    def revoke_token(self, token: str) -> None:
        """Stop accepting `token`. SANDBOX_TOKEN is always valid and cannot be revoked."""
        with self.lock:
            if token != SANDBOX_TOKEN:
                self.tokens.pop(token, None)

    def token_valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self.lock:
            if token not in self.tokens:
                return False
            expires_at = self.tokens[token]
        return expires_at is None or time.time() < expires_at

    # ------------------------------------------------------------------ lifecycle

    def clear_data(self) -> None:
        with self.lock:
            for coll in self.collections.values():
                coll.clear()
            self.me = {}
            self.test_accounts.clear()
            self.denied_accounts.clear()
            self.segment_users.clear()
            self.segment_base_users.clear()
            self._pending_segments.clear()
            self.media_files.clear()
            self.uploads.clear()
            self.idempotency.clear()
            self.stats_effects.clear()

    def reseed(self, *, seed: int = 42, scale: str = "demo") -> None:
        """Replace all data with a fresh seed; tokens, faults and knobs are kept."""
        from snapdesk.sandbox.seed import seed_state

        seed_state(self, seed=seed, scale=scale)

    def reset(self, *, seed: int = 42, scale: str = "demo") -> None:
        """Back to a freshly started sandbox: default tokens, no faults, default knobs, new seed."""
        rate_limit, burst, processing = self._defaults
        with self.lock:
            self.generation += 1
            self.tokens = {SANDBOX_TOKEN: None}
            self.limiter.configure(per_second=rate_limit, burst=burst)
            self.faults.clear()
            self.latency_ms = 0
            self.honour_idempotency = True
            self.segment_processing_seconds = processing
            self.stats_now = None
            self.requests.clear()
        self.reseed(seed=seed, scale=scale)

    def record(self, entry: JsonObj) -> None:
        self.requests.append(entry)

    def recorded(self) -> list[JsonObj]:
        return list(self.requests)

    def set_permission(self, ad_account_id: str, *, deny: bool) -> None:
        with self.lock:
            self.require_account(ad_account_id, check_permission=False)
            if deny:
                self.denied_accounts.add(ad_account_id)
            else:
                self.denied_accounts.discard(ad_account_id)

    # ------------------------------------------------------------------ idempotency

    def stored_response(self, token: str, key: str) -> StoredResponse | None:
        with self.lock:
            return self.idempotency.get((token, key))

    def store_response(self, token: str, key: str, response: StoredResponse) -> None:
        with self.lock:
            self.idempotency.setdefault((token, key), response)

    # ------------------------------------------------------------------ reads

    def require_account(self, ad_account_id: str, *, check_permission: bool = True) -> JsonObj:
        account = self.collections[AD_ACCOUNT].objects.get(ad_account_id)
        if account is None:
            raise not_found(f"ad account {ad_account_id}")
        if check_permission and ad_account_id in self.denied_accounts:
            raise forbidden()
        return account

    def get(self, kind: str, oid: str, *, include_deleted: bool = False) -> JsonObj:
        """One object; 404 E3003 if unknown (or deleted), 403 E3002 if its account is denied."""
        with self.lock:
            if kind == SEGMENT:
                self._refresh_segments()
            coll = self.collections[kind]
            obj = coll.objects.get(oid)
            if obj is None or (obj.get("deleted") and not include_deleted):
                raise not_found(f"{kind} {oid}")
            account_id = coll.account_of.get(oid)
            if account_id is not None and account_id in self.denied_accounts:
                raise forbidden()
            return obj

    def list_page(
        self,
        kind: str,
        *,
        index: str,
        key: str,
        cursor: str | None,
        limit: int,
        include_deleted: bool = False,
    ) -> tuple[list[JsonObj], str | None]:
        """A page of `kind` objects in scope (index, key) and the cursor of the next page."""
        after = decode_cursor(cursor) if cursor else None
        with self.lock:
            if kind == SEGMENT:
                self._refresh_segments()
            items, last = self.collections[kind].page(
                index, key, after=after, limit=limit, include_deleted=include_deleted
            )
        return items, (encode_cursor(last) if last is not None else None)

    def organizations(self) -> list[JsonObj]:
        with self.lock:
            coll = self.collections[ORGANIZATION]
            return [coll.objects[oid] for oid in sorted(coll.objects)]

    def ad_accounts_of(self, organization_id: str) -> list[JsonObj]:
        with self.lock:
            coll = self.collections[AD_ACCOUNT]
            return [coll.objects[oid] for oid in coll.ids(ORGANIZATION, organization_id)]

    def summary(self) -> JsonObj:
        """Live (non-deleted) counts per kind at the top level, keyed like the cache's counts
        (`ad_accounts`, `campaigns`, `ad_squads`, ...), plus `per_ad_account`, `deleted`,
        `denied_ad_accounts` and `seed`."""
        with self.lock:
            counts: JsonObj = {
                SUMMARY_KEYS[kind]: coll.visible_count() for kind, coll in self.collections.items()
            }
            per_account: JsonObj = {}
            for account_id in sorted(self.collections[AD_ACCOUNT].objects):
                per_account[account_id] = {
                    SUMMARY_KEYS[kind]: self.collections[kind].visible_count(AD_ACCOUNT, account_id)
                    for kind in ACCOUNT_KINDS
                }
            deleted = {
                SUMMARY_KEYS[kind]: len(coll.objects) - counts[SUMMARY_KEYS[kind]]
                for kind, coll in self.collections.items()
            }
            return {
                **counts,
                "per_ad_account": per_account,
                "deleted": deleted,
                "denied_ad_accounts": sorted(self.denied_accounts),
                "seed": dict(self.seed_info),
            }

    # ------------------------------------------------------------------ writes

    def _stamp(self) -> tuple[datetime, str]:
        now = utc_now()
        return now, iso_ms(now)

    def _actor(self) -> str:
        return str(self.me.get("id", SANDBOX_APP_ID))

    def _scoped(self, kind: str, oid: str) -> JsonObj | None:
        """A live object the caller may touch, or None."""
        coll = self.collections[kind]
        obj = coll.objects.get(oid)
        if obj is None or obj.get("deleted"):
            return None
        if coll.account_of.get(oid) in self.denied_accounts:
            return None
        return obj

    def _account_scoped(self, kind: str, oid: object, account_id: str) -> JsonObj | None:
        if not isinstance(oid, str):
            return None
        obj = self._scoped(kind, oid)
        if obj is None or self.collections[kind].account_of.get(oid) != account_id:
            return None
        return obj

    def _parent(self, kind: str, parent_id: str) -> tuple[JsonObj, str]:
        """The URL parent of a write to `kind` and the ad account it belongs to."""
        if kind in (CAMPAIGN, CREATIVE, MEDIA, SEGMENT):
            return self.require_account(parent_id), parent_id
        parent_kind = CAMPAIGN if kind == AD_SQUAD else AD_SQUAD
        parent = self.get(parent_kind, parent_id)
        return parent, self.collections[parent_kind].account_of[parent_id]

    def _build(
        self,
        kind: str,
        item: JsonObj,
        *,
        parent: JsonObj,
        account: JsonObj,
        existing: JsonObj | None,
    ) -> JsonObj:
        now, stamp = self._stamp()
        actor = self._actor()
        account_id = account["id"]
        if kind == CAMPAIGN:
            return entities.build_campaign(
                item, ad_account=account, existing=existing, now=now, stamp=stamp, actor=actor
            )
        if kind == AD_SQUAD:
            self._refresh_segments()
            return entities.build_ad_squad(
                item,
                campaign=parent,
                existing=existing,
                now=now,
                stamp=stamp,
                actor=actor,
                test_account=bool(account.get("test")),
                segments=self.segment_lookup(account_id),
            )
        if kind == AD:
            creative = self._account_scoped(CREATIVE, item.get("creative_id"), account_id)
            media_ready = True
            media_id = (creative or {}).get("top_snap_media_id")
            if media_id is not None:
                media = self._account_scoped(MEDIA, media_id, account_id)
                media_ready = media is not None and media.get("media_status") == "READY"
            return entities.build_ad(
                item,
                ad_squad=parent,
                creative=creative,
                media_ready=media_ready,
                existing=existing,
                stamp=stamp,
                actor=actor,
            )
        if kind == CREATIVE:
            return entities.build_creative(
                item,
                ad_account=account,
                media_lookup=lambda mid: self._account_scoped(MEDIA, mid, account_id),
                existing=existing,
                stamp=stamp,
                actor=actor,
                semantic_id=str(self._random.randint(-(2**31), 2**31 - 1)),
            )
        if kind == MEDIA:
            return entities.build_media(item, ad_account=account, stamp=stamp)
        if kind == SEGMENT:
            return entities.build_segment(
                item,
                ad_account=account,
                existing=existing,
                stamp=stamp,
                actor=actor,
                segments=self.segment_lookup(account_id),
            )
        raise ValueError(f"no writes for {kind}")

    def segment_lookup(self, account_id: str) -> Callable[[str], JsonObj | None]:
        """Finds a live segment of one ad account by id (targeting checks, audience size)."""
        return lambda oid: self._account_scoped(SEGMENT, oid, account_id)

    def _new_id(self, kind: str) -> str:
        if kind == SEGMENT:
            while True:
                oid = str(self._random.randrange(10**15, 10**16))
                if oid not in self.collections[SEGMENT].objects:
                    return oid
        return new_uuid()

    def _scopes(self, kind: str, obj: JsonObj, account_id: str) -> dict[str, str]:
        scopes = {AD_ACCOUNT: account_id}
        if kind == AD_SQUAD:
            scopes[CAMPAIGN] = obj["campaign_id"]
        elif kind == AD:
            scopes[AD_SQUAD] = obj["ad_squad_id"]
        return scopes

    def create(self, kind: str, parent_id: str, items: list[Any]) -> list[JsonObj]:
        """POST: all items are validated first; if any fails nothing is created (BatchError)."""
        with self.lock:
            parent, account_id = self._parent(kind, parent_id)
            account = self.require_account(account_id)
            built: list[JsonObj | None] = []
            errors: list[ItemError | None] = []
            for item in items:
                try:
                    if not isinstance(item, dict):
                        entities.fail("E1002", "each item must be a JSON object")
                    built.append(
                        self._build(kind, item, parent=parent, account=account, existing=None)
                    )
                    errors.append(None)
                except entities.InvalidItem as exc:
                    built.append(None)
                    errors.append(exc.error)
            if any(errors):
                raise BatchError(errors)
            created = []
            for obj in built:
                assert obj is not None
                obj = {"id": self._new_id(kind), **obj}
                self.collections[kind].insert(
                    obj, account_id=account_id, scopes=self._scopes(kind, obj, account_id)
                )
                if kind == SEGMENT:
                    self.segment_users[obj["id"]] = set()
                created.append(obj)
            return created

    def update(self, kind: str, parent_id: str, items: list[Any]) -> list[JsonObj]:
        """PUT: full replacement of each item (by `id`) under the URL parent.

        An id that does not exist under that parent fails with E3004 and, when that is the only
        kind of failure, HTTP 200 + request_status ERROR (as Snap answers such batches).
        """
        with self.lock:
            parent, account_id = self._parent(kind, parent_id)
            account = self.require_account(account_id)
            coll = self.collections[kind]
            built: list[JsonObj | None] = []
            errors: list[ItemError | None] = []
            missing_only = True
            for item in items:
                try:
                    if not isinstance(item, dict):
                        entities.fail("E1002", "each item must be a JSON object")
                    oid = item.get("id")
                    if not isinstance(oid, str) or not oid:
                        entities.fail("E2001", "The field 'id' is required to update an entity")
                    existing = self._account_scoped(kind, oid, account_id)
                    if existing is not None and not self._under_parent(kind, existing, parent):
                        existing = None
                    if existing is None:
                        raise entities.InvalidItem(
                            ItemError(
                                "E3004",
                                "Entity does not exist or you do not have permission to access it",
                            )
                        )
                    built.append(
                        self._build(kind, item, parent=parent, account=account, existing=existing)
                    )
                    errors.append(None)
                except entities.InvalidItem as exc:
                    built.append(None)
                    errors.append(exc.error)
                    if exc.error.code != "E3004":
                        missing_only = False
            if any(errors):
                raise BatchError(errors, status=200 if missing_only else 400)
            updated = []
            for obj in built:
                assert obj is not None
                coll.objects[obj["id"]] = obj
                updated.append(obj)
            return updated

    def _under_parent(self, kind: str, existing: JsonObj, parent: JsonObj) -> bool:
        if kind == AD_SQUAD:
            return bool(existing["campaign_id"] == parent["id"])
        if kind == AD:
            return bool(existing["ad_squad_id"] == parent["id"])
        return True

    def delete(self, kind: str, oid: str) -> None:
        """Soft delete; a campaign takes its ad squads and their ads along, an ad squad its ads."""
        with self.lock:
            self.get(kind, oid)
            stamp = now_iso()
            doomed: list[tuple[str, str]] = [(kind, oid)]
            if kind == CAMPAIGN:
                squads = self.collections[AD_SQUAD].ids(CAMPAIGN, oid)
                doomed += [(AD_SQUAD, sid) for sid in squads]
                for sid in squads:
                    doomed += [(AD, aid) for aid in self.collections[AD].ids(AD_SQUAD, sid)]
            elif kind == AD_SQUAD:
                doomed += [(AD, aid) for aid in self.collections[AD].ids(AD_SQUAD, oid)]
            for doomed_kind, doomed_id in doomed:
                coll = self.collections[doomed_kind]
                obj = coll.objects[doomed_id]
                if not obj.get("deleted"):
                    coll.objects[doomed_id] = {**obj, "updated_at": stamp, "deleted": True}
            self._pending_segments.pop(oid, None)

    # ------------------------------------------------------------------ media

    def media_file(self, media_id: str) -> tuple[str, bytes] | None:
        return self.media_files.get(media_id)

    def upload_media(
        self,
        media_id: str,
        *,
        file_name: str,
        content_type: str,
        data: bytes,
        chunked: bool = False,
    ) -> JsonObj:
        with self.lock:
            media = self.get(MEDIA, media_id)
            if not data:
                raise bad_request("E2004", "The uploaded file is empty")
            if not chunked and len(data) > SIMPLE_UPLOAD_MAX:
                raise bad_request(
                    "E2004", "Files over 32 MB must use multipart-upload-v2 (chunked upload)"
                )
            details = _describe_file(media["type"], file_name, content_type, data)
            stamp = now_iso()
            actor = self._actor()
            stored_name = f"{new_uuid()}.{details.extension}"
            obj: JsonObj = {
                "id": media["id"],
                "updated_at": stamp,
                "created_at": media["created_at"],
                "created_by_app_id": media.get("created_by_app_id", SANDBOX_APP_ID),
                "created_by_user": media.get("created_by_user", actor),
                "last_updated_by_app_id": SANDBOX_APP_ID,
                "last_updated_by_user": actor,
                "name": media["name"],
                "ad_account_id": media["ad_account_id"],
                "type": media["type"],
                "media_status": "READY",
                "file_name": stored_name,
                "download_link": f"{FILES_PREFIX}{media['id']}/{stored_name}",
            }
            obj.update(details.metadata)
            obj["file_size_in_bytes"] = len(data)
            obj["is_demo_media"] = False
            obj["hash"] = base64.b64encode(struct.pack(">I", zlib.crc32(data))).decode()
            obj["visibility"] = "VISIBLE"
            obj["media_usages"] = ["TOP_SNAP"]
            self.collections[MEDIA].objects[media_id] = obj
            self.media_files[media_id] = (details.content_type, data)
            return obj

    def init_chunked_upload(
        self, media_id: str, *, file_name: str, file_size: int, number_of_parts: int
    ) -> str:
        with self.lock:
            self.get(MEDIA, media_id)
            if not file_name:
                raise bad_request("E2001", "file_name is required")
            if not 0 < file_size <= CHUNKED_UPLOAD_MAX:
                raise bad_request("E2004", "file_size must be between 1 byte and 1 GB")
            if not 0 < number_of_parts <= 10_000:
                raise bad_request("E2004", "number_of_parts must be between 1 and 10000")
            upload_id = new_uuid()
            self.uploads[upload_id] = ChunkedUpload(media_id, file_name, file_size, number_of_parts)
            return upload_id

    def _upload(self, media_id: str, upload_id: str) -> ChunkedUpload:
        self.get(MEDIA, media_id)
        upload = self.uploads.get(upload_id)
        if upload is None or upload.media_id != media_id:
            raise bad_request("E2011", f"Unknown upload_id {upload_id!r} for media {media_id}")
        return upload

    def add_chunk(self, media_id: str, *, upload_id: str, part_number: int, data: bytes) -> None:
        with self.lock:
            upload = self._upload(media_id, upload_id)
            if not 1 <= part_number <= upload.number_of_parts:
                raise bad_request(
                    "E2011", f"part_number must be between 1 and {upload.number_of_parts}"
                )
            if not data or len(data) > SIMPLE_UPLOAD_MAX:
                raise bad_request("E2011", "each part must hold 1 byte to 32 MB")
            upload.parts[part_number] = data

    def finalize_chunked_upload(self, media_id: str, *, upload_id: str) -> JsonObj:
        with self.lock:
            upload = self._upload(media_id, upload_id)
            missing = [n for n in range(1, upload.number_of_parts + 1) if n not in upload.parts]
            if missing:
                raise bad_request("E2011", f"Parts not uploaded yet: {missing[:10]}")
            data = b"".join(upload.parts[n] for n in range(1, upload.number_of_parts + 1))
            if len(data) != upload.file_size:
                raise bad_request(
                    "E2011",
                    f"Uploaded {len(data)} bytes but INIT announced file_size {upload.file_size}",
                )
            result = self.upload_media(
                media_id, file_name=upload.file_name, content_type="", data=data, chunked=True
            )
            del self.uploads[upload_id]
            return result

    # ------------------------------------------------------------------ segments

    def _refresh_segments(self) -> None:
        if not self._pending_segments:
            return
        now = time.monotonic()
        for oid, until in list(self._pending_segments.items()):
            if now >= until:
                del self._pending_segments[oid]
                self._complete_segment(oid)

    def _complete_segment(self, oid: str) -> None:
        coll = self.collections[SEGMENT]
        segment = coll.objects[oid]
        count = self.segment_base_users.get(oid, 0) + len(self.segment_users.get(oid, ()))
        coll.objects[oid] = {
            **segment,
            "updated_at": now_iso(),
            "approximate_number_users": approximate_users(count),
            "upload_status": "COMPLETE",
            "targetable_status": "READY" if count >= TARGETABLE_MIN_USERS else "TOO_FEW_USERS",
        }

    def _start_processing(self, oid: str) -> None:
        coll = self.collections[SEGMENT]
        coll.objects[oid] = {
            **coll.objects[oid],
            "updated_at": now_iso(),
            "upload_status": "PROCESSING",
        }
        if self.segment_processing_seconds <= 0:
            self._pending_segments.pop(oid, None)
            self._complete_segment(oid)
        else:
            self._pending_segments[oid] = time.monotonic() + self.segment_processing_seconds

    def make_segment_ready(self, segment_id: str, users: int | None = None) -> JsonObj:
        """Test hook: a segment (a lookalike, typically) finishes building and is targetable.
        The default size is the docs' ready lookalike (11,487,000) [DOC-derived S4J]."""
        with self.lock:
            self.get(SEGMENT, segment_id)
            self._pending_segments.pop(segment_id, None)
            coll = self.collections[SEGMENT]
            coll.objects[segment_id] = {
                **coll.objects[segment_id],
                "updated_at": now_iso(),
                "approximate_number_users": 11_487_000 if users is None else users,
                "upload_status": "COMPLETE",
                "targetable_status": "READY",
            }
            return coll.objects[segment_id]

    def segment_user_count(self, segment_id: str) -> int:
        """Exact number of distinct users in a segment (seeded users plus uploaded hashes)."""
        with self.lock:
            return self.segment_base_users.get(segment_id, 0) + len(
                self.segment_users.get(segment_id, ())
            )

    def add_users(self, segment_id: str, body: Any) -> int:
        with self.lock:
            self.get(SEGMENT, segment_id)
            batch = parse_users(body)
            unique = set(batch.hashes)
            self.segment_users.setdefault(segment_id, set()).update(unique)
            self._start_processing(segment_id)
            return len(unique)

    def remove_users(self, segment_id: str, body: Any) -> int:
        with self.lock:
            self.get(SEGMENT, segment_id)
            batch = parse_users(body)
            unique = set(batch.hashes)
            self.segment_users.setdefault(segment_id, set()).difference_update(unique)
            self._start_processing(segment_id)
            return len(unique)

    def remove_all_users(self, segment_id: str) -> JsonObj:
        with self.lock:
            self.get(SEGMENT, segment_id)
            self.segment_users[segment_id] = set()
            self.segment_base_users.pop(segment_id, None)
            self._pending_segments.pop(segment_id, None)
            self._complete_segment(segment_id)
            return self.collections[SEGMENT].objects[segment_id]

    # ------------------------------------------------------------------ iteration (tests, seed)

    def iter_objects(self, kind: str) -> Iterator[JsonObj]:
        coll = self.collections[kind]
        for oid in sorted(coll.objects):
            yield coll.objects[oid]


# ---------------------------------------------------------------------- segment users payload


def parse_users(body: Any) -> UsersBatch:
    """Validate a users body; raises SnapApiError (400) with a per-item reason when possible."""
    if not isinstance(body, dict) or not isinstance(body.get("users"), list) or not body["users"]:
        raise bad_request("E1002", 'The body must be {"users": [{"schema": [...], "data": [...]}]}')
    schemas: set[str] = set()
    hashes: list[str] = []
    for i, entry in enumerate(body["users"]):
        if not isinstance(entry, dict):
            raise bad_request("E1002", f"users[{i}] must be an object")
        schema = entry.get("schema")
        if not isinstance(schema, list) or len(schema) != 1 or schema[0] not in USER_SCHEMAS:
            raise bad_request(
                "E2003",
                f"users[{i}].schema must be one of {', '.join(USER_SCHEMAS)} (one per item)",
            )
        schemas.add(schema[0])
        data = entry.get("data")
        if not isinstance(data, list):
            raise bad_request("E2004", f"users[{i}].data must be a list of [hash] lists")
        if len(hashes) + len(data) > MAX_IDENTIFIERS:
            raise bad_request(
                "E2009",
                f"Too many identifiers: at most {MAX_IDENTIFIERS:,} per request",
            )
        for j, row in enumerate(data):
            value = row[0] if isinstance(row, list) and len(row) == 1 else None
            if not isinstance(value, str) or not _HASH_RE.match(value):
                raise bad_request(
                    "E2008",
                    f"Invalid identifier at users[{i}].data[{j}]: expected a SHA-256 "
                    "as 64 hex characters",
                )
            hashes.append(value.lower())
    if len(schemas) > 1:
        raise bad_request("E2010", f"Mixed schemas in one request: {', '.join(sorted(schemas))}")
    return UsersBatch(schema=schemas.pop(), hashes=hashes)


# ---------------------------------------------------------------------- media files


@dataclass(frozen=True)
class FileDetails:
    extension: str
    content_type: str
    metadata: JsonObj


_IMAGE_EXT = {"png": "PNG", "jpg": "JPG", "jpeg": "JPG", "gif": "GIF"}
_VIDEO_EXT = ("mp4", "mov")


def _describe_file(media_type: str, file_name: str, content_type: str, data: bytes) -> FileDetails:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if media_type == "IMAGE":
        fmt = _sniff_image(data) or _IMAGE_EXT.get(extension)
        if fmt is None and not content_type.startswith("image/"):
            raise bad_request("E2004", "IMAGE media needs a PNG or JPEG file")
        fmt = fmt or "PNG"
        width, height = _image_size(data, fmt)
        ext = "jpg" if fmt == "JPG" else fmt.lower()
        return FileDetails(
            ext,
            f"image/{'jpeg' if fmt == 'JPG' else fmt.lower()}",
            {"image_metadata": {"height_px": height, "width_px": width, "image_format": fmt}},
        )
    if media_type == "VIDEO":
        is_mp4 = data[4:8] == b"ftyp"
        if not is_mp4 and extension not in _VIDEO_EXT and not content_type.startswith("video/"):
            raise bad_request("E2004", "VIDEO media needs an MP4 or MOV file")
        ext = extension if extension in _VIDEO_EXT else "mp4"
        meta: JsonObj = {"width_px": 1080, "height_px": 1920, "rotation": 0}
        duration = _mp4_duration(data)
        if duration is not None:
            meta["duration_in_seconds"] = duration
        return FileDetails(
            ext, "video/quicktime" if ext == "mov" else "video/mp4", {"video_metadata": meta}
        )
    return FileDetails(extension or "zip", content_type or "application/octet-stream", {})


def _sniff_image(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8"):
        return "JPG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    return None


def _image_size(data: bytes, fmt: str) -> tuple[int, int]:
    if fmt == "PNG" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if fmt == "JPG":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + length
    if fmt == "GIF" and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    return 1080, 1920


def _mp4_duration(data: bytes) -> float | None:
    at = data.find(b"mvhd")
    if at < 0 or at + 32 > len(data):
        return None
    version = data[at + 4]
    try:
        if version == 1:
            timescale, duration = struct.unpack(">IQ", data[at + 24 : at + 36])
        else:
            timescale, duration = struct.unpack(">II", data[at + 16 : at + 24])
    except struct.error:
        return None
    if not timescale:
        return None
    return round(duration / timescale, 3)

"""Building the exact requests Snap receives, and merging a PUT body from the server copy.

Snap's PUT replaces the whole object: a field left out is cleared (reference §3.3). So an update
body is always the FULL object: every field of the server copy, minus the server-computed,
read-only ones, with the user's edits applied — wrapped in the plural key with `id` and the
parent id, as the recorded update exchanges show. Fields this module does not know are kept
(dropping an unknown field would clear it on Snap); only known read-only fields are removed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

from snapdesk.changes.model import RequestSpec
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN, CREATIVE, MEDIA, SEGMENT, WRAPPER_KEYS

_COMMON_READ_ONLY: Final = frozenset(
    {
        "created_at",
        "updated_at",
        "created_by_app_id",
        "created_by_user",
        "last_updated_by_app_id",
        "last_updated_by_user",
        "delivery_status",
        "creation_state",
        "deleted",
        "effective_status",
    }
)

# Server-computed fields per kind: never sent, never diffed, never a conflict.
READ_ONLY: Final[dict[str, frozenset[str]]] = {
    CAMPAIGN: _COMMON_READ_ONLY | {"pacing_properties_version"},
    AD_SQUAD: _COMMON_READ_ONLY
    | {
        "targeting_reach_status",
        "auto_bid",
        "target_bid",
        "delivery_constraint",
        "delivery_properties_version",
        "skadnetwork_properties",
        "placement",  # legacy read form; placement_v2 is the writable one
    },
    AD: _COMMON_READ_ONLY
    | {"review_status", "review_status_reasons", "render_type", "paying_advertiser_name"},
    CREATIVE: _COMMON_READ_ONLY
    | {"review_status", "review_status_reasons", "packaging_status", "render_type", "semantic_id"},
    MEDIA: _COMMON_READ_ONLY
    | {
        "media_status",
        "file_name",
        "download_link",
        "image_metadata",
        "video_metadata",
        "file_size_in_bytes",
        "is_demo_media",
        "hash",
        "visibility",
        "media_usages",
        "duration_in_seconds",
    },
    SEGMENT: _COMMON_READ_ONLY
    | {
        "approximate_number_users",
        "upload_status",
        "targetable_status",
        "visible_to",
        "status",
        "organization_id",
    },
}

# The field naming each kind's parent (also the URL parent of its create and update).
PARENT_FIELD: Final[dict[str, str]] = {
    CAMPAIGN: "ad_account_id",
    AD_SQUAD: "campaign_id",
    AD: "ad_squad_id",
    CREATIVE: "ad_account_id",
    MEDIA: "ad_account_id",
    SEGMENT: "ad_account_id",
}
_PARENT_URL_NOUN: Final[dict[str, str]] = {
    CAMPAIGN: "adaccounts",
    AD_SQUAD: "campaigns",
    AD: "adsquads",
    CREATIVE: "adaccounts",
    MEDIA: "adaccounts",
    SEGMENT: "adaccounts",
}
# Kinds Snap lets us update with PUT (media cannot be updated).
UPDATABLE: Final = frozenset({CAMPAIGN, AD_SQUAD, AD, CREATIVE, SEGMENT})
# Kinds with an ACTIVE/PAUSED status.
PAUSABLE: Final = frozenset({CAMPAIGN, AD_SQUAD, AD})


def _seg(value: str) -> str:
    """One path segment; placeholders ($ref:…) are kept readable and resolved before sending."""
    if not value:
        raise ValueError("an id is required")
    return quote(str(value), safe="$:")


def plural_key(kind: str) -> str:
    return WRAPPER_KEYS[kind][0]


def item_key(kind: str) -> str:
    return WRAPPER_KEYS[kind][1]


def read_only_fields(kind: str) -> frozenset[str]:
    return READ_ONLY.get(kind, _COMMON_READ_ONLY)


def writable(kind: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """`obj` without the server-computed fields of `kind` (a deep copy; `id` is kept)."""
    drop = read_only_fields(kind)
    return {k: copy.deepcopy(v) for k, v in obj.items() if k not in drop}


def parent_id_of(kind: str, obj: Mapping[str, Any], *, ad_account_id: str) -> str:
    field = PARENT_FIELD[kind]
    value = obj.get(field)
    if field == "ad_account_id":
        return str(value or ad_account_id)
    if not value:
        raise ValueError(f"a {kind.replace('_', ' ')} needs {field}")
    return str(value)


def collection_path(kind: str, parent_id: str) -> str:
    """`/adaccounts/{id}/campaigns`, `/campaigns/{id}/adsquads`, `/adsquads/{id}/ads`, ..."""
    return f"/{_PARENT_URL_NOUN[kind]}/{_seg(parent_id)}/{plural_key(kind)}"


def entity_path(kind: str, entity_id: str) -> str:
    """`/campaigns/{id}` etc. (GET and DELETE)."""
    return f"/{plural_key(kind)}/{_seg(entity_id)}"


def _with_parent(kind: str, obj: Mapping[str, Any], *, ad_account_id: str) -> dict[str, Any]:
    body = dict(obj)
    field = PARENT_FIELD[kind]
    if field == "ad_account_id":
        body[field] = body.get(field) or ad_account_id
    return body


def create_request(kind: str, obj: Mapping[str, Any], *, ad_account_id: str) -> RequestSpec:
    """POST to the parent's collection with `{"<plural>": [obj]}` (`obj` carries its parent id)."""
    body = _with_parent(kind, writable(kind, obj), ad_account_id=ad_account_id)
    body.pop("id", None)
    parent = parent_id_of(kind, body, ad_account_id=ad_account_id)
    return RequestSpec("POST", collection_path(kind, parent), body={plural_key(kind): [body]})


def update_request(kind: str, full: Mapping[str, Any], *, ad_account_id: str) -> RequestSpec:
    """PUT the full writable object (with `id` and the parent id) to the parent's collection."""
    if kind not in UPDATABLE:
        raise ValueError(f"Snap can't update a {kind.replace('_', ' ')}; delete and recreate it")
    body = _with_parent(kind, writable(kind, full), ad_account_id=ad_account_id)
    if not body.get("id"):
        raise ValueError("an update needs the entity's id")
    ordered = {"id": body.pop("id"), **body}
    parent = parent_id_of(kind, ordered, ad_account_id=ad_account_id)
    return RequestSpec("PUT", collection_path(kind, parent), body={plural_key(kind): [ordered]})


def delete_request(kind: str, entity_id: str) -> RequestSpec:
    return RequestSpec("DELETE", entity_path(kind, entity_id))


def upload_request(
    media_id: str, *, file_path: str, file_name: str, file_size: int, content_type: str
) -> RequestSpec:
    """`POST /media/{id}/upload` (multipart field `file`); chunked above the simple limit."""
    return RequestSpec(
        "POST",
        f"/media/{_seg(media_id)}/upload",
        upload={
            "file_path": file_path,
            "file_name": file_name,
            "file_size": file_size,
            "content_type": content_type,
        },
    )


def body_object(kind: str, request: RequestSpec) -> dict[str, Any]:
    """The single object inside a create/update body."""
    body = request.body or {}
    items = body.get(plural_key(kind)) if isinstance(body, Mapping) else None
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], Mapping):
        raise ValueError("the request body is not one wrapped object")
    return dict(items[0])


def merge_for_put(
    kind: str,
    *,
    base: Mapping[str, Any],
    mine: Mapping[str, Any],
    theirs: Mapping[str, Any],
) -> tuple[dict[str, Any], list[tuple[str, Any, Any, Any]]]:
    """Three-way merge of writable fields: (merged object, conflicts as (field, base, mine, theirs)).

    A field changed only here keeps my value; changed only on Snap keeps theirs (so the PUT
    does not clobber it); changed on both sides to different values is a conflict (the merged
    object then holds my value until the user resolves it).
    """
    b, m, t = writable(kind, base), writable(kind, mine), writable(kind, theirs)
    merged: dict[str, Any] = {}
    conflicts: list[tuple[str, Any, Any, Any]] = []
    for key in dict.fromkeys([*t, *m, *b]):
        mine_changed = m.get(key) != b.get(key)
        theirs_changed = t.get(key) != b.get(key)
        if mine_changed and theirs_changed and m.get(key) != t.get(key):
            conflicts.append((key, b.get(key), m.get(key), t.get(key)))
            value = m.get(key)
        elif mine_changed:
            value = m.get(key)
        else:
            value = t.get(key)
        if value is not None:  # None = absent: an omitted field is cleared by the PUT
            merged[key] = copy.deepcopy(value)
    merged["id"] = theirs.get("id") or mine.get("id")
    return merged, conflicts

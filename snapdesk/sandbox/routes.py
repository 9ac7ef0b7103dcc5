"""Thin route handlers for Snap's /v1 endpoints: parse the request, call the state, wrap."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from snapdesk.sandbox._body import json_of
from snapdesk.sandbox._common import JsonObj, new_uuid
from snapdesk.sandbox._multipart import Form, parse_form
from snapdesk.sandbox.envelopes import (
    batch_error_response,
    error_response,
    json_response,
    plural,
    serve,
)
from snapdesk.sandbox.errors import BatchError, SnapApiError, bad_request
from snapdesk.sandbox.state import (
    AD,
    AD_ACCOUNT,
    AD_SQUAD,
    CAMPAIGN,
    CREATIVE,
    FUNDING_SOURCE,
    MEDIA,
    ORGANIZATION,
    SEGMENT,
    WRAPPER_KEYS,
    SandboxState,
)

LIMIT_MIN = 50
LIMIT_MAX = 1000
LIMIT_DEFAULT = 50

# Organization fields that only the caller-centric /me/organizations listing carries.
_MEMBER_FIELDS = ("roles", "my_display_name", "my_invited_email", "my_member_id", "createdByCaller")
# ... and fields only the single-organization GET carries.
_ORG_ONLY_FIELDS = ("verification_request_id", "demand_source")

Handler = Callable[[Request, str], Awaitable[Response]]


def request_id_of(request: Request) -> str:
    state = request.scope.get("state")
    if isinstance(state, dict) and isinstance(state.get("request_id"), str):
        return str(state["request_id"])
    return new_uuid()


def base_url_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def wrapped(request: Request) -> Response:
        rid = request_id_of(request)
        try:
            return await handler(request, rid)
        except SnapApiError as exc:
            return error_response(exc, request_id=rid)

    wrapped.__name__ = handler.__name__
    return wrapped


def _include_deleted(request: Request) -> bool:
    return request.query_params.get("read_deleted_entities", "").lower() == "true"


def _limit(request: Request, *, maximum: int = LIMIT_MAX) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return LIMIT_DEFAULT
    try:
        limit = int(raw)
    except ValueError:
        limit = -1
    if not LIMIT_MIN <= limit <= maximum:
        raise bad_request(
            "E1001",
            f"Invalid query parameters in request URL: limit must be between {LIMIT_MIN} "
            f"and {maximum} (got {raw!r})",
        )
    return limit


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise bad_request("E1002", "The request body is empty")
    return json_of(request.scope, raw)


async def _items(request: Request, kind: str) -> list[Any]:
    plural_key, _ = WRAPPER_KEYS[kind]
    body = await _json_body(request)
    items = body.get(plural_key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise bad_request("E1002", f'The body must be {{"{plural_key}": [ ... ]}} with 1+ items')
    return items


async def _form(request: Request) -> Form:
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.lower().startswith("application/x-www-form-urlencoded"):
        return Form(dict(parse_qsl(body.decode("utf-8", "replace"))), {})
    return parse_form(content_type, body)


def _int_field(form: Form, name: str) -> int:
    value = form.text(name)
    if value is None:
        raise bad_request("E2001", f"The form field '{name}' is required")
    try:
        return int(value)
    except ValueError:
        raise bad_request("E2004", f"The form field '{name}' must be an integer") from None


class Api:
    """The /v1 routes bound to one SandboxState."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    # -------------------------------------------------------------- helpers

    def _check_parent(self, parent_kind: str, parent_id: str) -> None:
        if parent_kind == AD_ACCOUNT:
            self.state.require_account(parent_id)
        else:
            self.state.get(parent_kind, parent_id)

    def _list(
        self, kind: str, *, parent_kind: str, index: str, omit_last_paging: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def list_entities(request: Request, rid: str) -> Response:
            parent_id = request.path_params["id"]
            self._check_parent(parent_kind, parent_id)
            limit = _limit(request)
            items, cursor = self.state.list_page(
                kind,
                index=index,
                key=parent_id,
                cursor=request.query_params.get("cursor"),
                limit=limit,
                include_deleted=_include_deleted(request),
            )
            paging: JsonObj | None = {}
            if cursor is not None:
                next_url = request.url.include_query_params(cursor=cursor, limit=limit)
                paging = {"next_link": str(next_url)}
            elif omit_last_paging:
                paging = None
            body = plural(kind, items, request_id=rid, base_url=base_url_of(request), paging=paging)
            return json_response(body)

        return endpoint(list_entities)

    def _get(self, kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def get_entity(request: Request, rid: str) -> Response:
            obj = self.state.get(
                kind, request.path_params["id"], include_deleted=_include_deleted(request)
            )
            if kind == ORGANIZATION:
                obj = {k: v for k, v in obj.items() if k not in _MEMBER_FIELDS}
            body = plural(kind, [obj], request_id=rid, base_url=base_url_of(request))
            return json_response(body)

        return endpoint(get_entity)

    def _delete(self, kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def delete_entity(request: Request, rid: str) -> Response:
            self.state.delete(kind, request.path_params["id"])
            body = {"request_status": "SUCCESS", "request_id": rid, WRAPPER_KEYS[kind][0]: []}
            return json_response(body)

        return endpoint(delete_entity)

    def _collection(
        self, kind: str, *, parent_kind: str, index: str
    ) -> Callable[[Request], Awaitable[Response]]:
        """GET (list), POST (create) and PUT (full update) on one collection URL."""
        lister = self._list(kind, parent_kind=parent_kind, index=index)

        async def write(request: Request, rid: str) -> Response:
            parent_id = request.path_params["id"]
            items = await _items(request, kind)
            try:
                if request.method == "POST":
                    objs = self.state.create(kind, parent_id, items)
                else:
                    objs = self.state.update(kind, parent_id, items)
            except BatchError as exc:
                return batch_error_response(kind, exc, request_id=rid)
            return json_response(plural(kind, objs, request_id=rid, base_url=base_url_of(request)))

        writer = endpoint(write)

        async def collection(request: Request) -> Response:
            if request.method == "GET":
                return await lister(request)
            return await writer(request)

        return collection

    # -------------------------------------------------------------- identity

    async def me(self, request: Request, rid: str) -> Response:
        return json_response({"request_status": "SUCCESS", "request_id": rid, "me": self.state.me})

    async def my_organizations(self, request: Request, rid: str) -> Response:
        with_accounts = request.query_params.get("with_ad_accounts", "").lower() == "true"
        orgs = []
        for org in self.state.organizations():
            org = {k: v for k, v in org.items() if k not in _ORG_ONLY_FIELDS}
            if with_accounts:
                accounts = []
                for account in self.state.ad_accounts_of(org["id"]):
                    denied = account["id"] in self.state.denied_accounts
                    roles: list[str] = [] if denied else ["admin"]
                    accounts.append({**account, "roles": roles})
                org["ad_accounts"] = accounts
            orgs.append(org)
        return json_response(
            plural(ORGANIZATION, orgs, request_id=rid, base_url=base_url_of(request))
        )

    # -------------------------------------------------------------- media uploads

    async def upload(self, request: Request, rid: str) -> Response:
        form = await _form(request)
        file = form.files.get("file")
        if file is None:
            raise bad_request("E2001", "The multipart field 'file' is required")
        media = self.state.upload_media(
            request.path_params["id"],
            file_name=file.filename,
            content_type=file.content_type,
            data=file.data,
        )
        return self._result(media, request, rid)

    def _result(self, media: JsonObj, request: Request, rid: str) -> Response:
        body = {
            "result": serve(MEDIA, media, base_url_of(request)),
            "request_status": "SUCCESS",
            "request_id": rid,
        }
        return json_response(body)

    async def multipart_upload(self, request: Request, rid: str) -> Response:
        media_id = request.path_params["id"]
        action = request.query_params.get("action", "").upper()
        if action not in ("INIT", "ADD", "FINALIZE"):
            raise bad_request("E1001", "Query parameter action must be INIT, ADD or FINALIZE")
        form = await _form(request)
        if action == "INIT":
            upload_id = self.state.init_chunked_upload(
                media_id,
                file_name=form.text("file_name") or "",
                file_size=_int_field(form, "file_size"),
                number_of_parts=_int_field(form, "number_of_parts"),
            )
            path = f"/v1/media/{media_id}/multipart-upload-v2"
            return json_response(
                {
                    "request_status": "SUCCESS",
                    "request_id": rid,
                    "upload_id": upload_id,
                    "add_path": f"/us{path}?action=ADD",
                    "finalize_path": f"{path}?action=FINALIZE",
                }
            )
        upload_id = form.text("upload_id") or ""
        if not upload_id:
            raise bad_request("E2001", "The form field 'upload_id' is required")
        if action == "ADD":
            file = form.files.get("file")
            if file is None:
                raise bad_request("E2001", "The multipart field 'file' is required")
            self.state.add_chunk(
                media_id,
                upload_id=upload_id,
                part_number=_int_field(form, "part_number"),
                data=file.data,
            )
            return json_response({"request_status": "SUCCESS", "request_id": rid})
        media = self.state.finalize_chunked_upload(media_id, upload_id=upload_id)
        return self._result(media, request, rid)

    # -------------------------------------------------------------- segment users

    async def segment_users(self, request: Request, rid: str) -> Response:
        segment_id = request.path_params["id"]
        body = await _json_body(request)
        if request.method == "POST":
            count = self.state.add_users(segment_id, body)
        else:
            count = self.state.remove_users(segment_id, body)
        return json_response(
            {
                "request_status": "SUCCESS",
                "request_id": rid,
                "users": [
                    {"sub_request_status": "SUCCESS", "user": {"number_uploaded_users": count}}
                ],
            }
        )

    async def segment_all_users(self, request: Request, rid: str) -> Response:
        segment = self.state.remove_all_users(request.path_params["id"])
        return json_response(
            plural(SEGMENT, [segment], request_id=rid, base_url=base_url_of(request))
        )

    # -------------------------------------------------------------- table

    def routes(self) -> list[Route]:
        get, delete = self._get, self._delete
        return [
            Route("/v1/me", endpoint(self.me), methods=["GET"]),
            Route("/v1/me/organizations", endpoint(self.my_organizations), methods=["GET"]),
            Route("/v1/organizations/{id}", get(ORGANIZATION), methods=["GET"]),
            Route(
                "/v1/organizations/{id}/adaccounts",
                self._list(AD_ACCOUNT, parent_kind=ORGANIZATION, index=ORGANIZATION),
                methods=["GET"],
            ),
            Route(
                "/v1/organizations/{id}/fundingsources",
                self._list(
                    FUNDING_SOURCE,
                    parent_kind=ORGANIZATION,
                    index=ORGANIZATION,
                    omit_last_paging=True,
                ),
                methods=["GET"],
            ),
            Route("/v1/fundingsources/{id}", get(FUNDING_SOURCE), methods=["GET"]),
            Route("/v1/adaccounts/{id}", get(AD_ACCOUNT), methods=["GET"]),
            Route(
                "/v1/adaccounts/{id}/campaigns",
                self._collection(CAMPAIGN, parent_kind=AD_ACCOUNT, index=AD_ACCOUNT),
                methods=["GET", "POST", "PUT"],
            ),
            Route("/v1/campaigns/{id}", get(CAMPAIGN), methods=["GET"]),
            Route("/v1/campaigns/{id}", delete(CAMPAIGN), methods=["DELETE"]),
            Route(
                "/v1/campaigns/{id}/adsquads",
                self._collection(AD_SQUAD, parent_kind=CAMPAIGN, index=CAMPAIGN),
                methods=["GET", "POST", "PUT"],
            ),
            Route(
                "/v1/adaccounts/{id}/adsquads",
                self._list(AD_SQUAD, parent_kind=AD_ACCOUNT, index=AD_ACCOUNT),
                methods=["GET"],
            ),
            Route("/v1/adsquads/{id}", get(AD_SQUAD), methods=["GET"]),
            Route("/v1/adsquads/{id}", delete(AD_SQUAD), methods=["DELETE"]),
            Route(
                "/v1/adsquads/{id}/ads",
                self._collection(AD, parent_kind=AD_SQUAD, index=AD_SQUAD),
                methods=["GET", "POST", "PUT"],
            ),
            Route(
                "/v1/adaccounts/{id}/ads",
                self._list(AD, parent_kind=AD_ACCOUNT, index=AD_ACCOUNT),
                methods=["GET"],
            ),
            Route("/v1/ads/{id}", get(AD), methods=["GET"]),
            Route("/v1/ads/{id}", delete(AD), methods=["DELETE"]),
            Route(
                "/v1/adaccounts/{id}/creatives",
                self._collection(CREATIVE, parent_kind=AD_ACCOUNT, index=AD_ACCOUNT),
                methods=["GET", "POST", "PUT"],
            ),
            Route("/v1/creatives/{id}", get(CREATIVE), methods=["GET"]),
            Route("/v1/creatives/{id}", delete(CREATIVE), methods=["DELETE"]),
            Route(
                "/v1/adaccounts/{id}/media",
                self._collection(MEDIA, parent_kind=AD_ACCOUNT, index=AD_ACCOUNT),
                methods=["GET", "POST"],
            ),
            Route("/v1/media/{id}", get(MEDIA), methods=["GET"]),
            Route("/v1/media/{id}", delete(MEDIA), methods=["DELETE"]),
            Route("/v1/media/{id}/upload", endpoint(self.upload), methods=["POST"]),
            Route(
                "/v1/media/{id}/multipart-upload-v2",
                endpoint(self.multipart_upload),
                methods=["POST"],
            ),
            Route(
                "/v1/adaccounts/{id}/segments",
                self._collection(SEGMENT, parent_kind=AD_ACCOUNT, index=AD_ACCOUNT),
                methods=["GET", "POST", "PUT"],
            ),
            Route("/v1/segments/{id}", get(SEGMENT), methods=["GET"]),
            Route("/v1/segments/{id}", delete(SEGMENT), methods=["DELETE"]),
            Route(
                "/v1/segments/{id}/users",
                endpoint(self.segment_users),
                methods=["POST", "DELETE"],
            ),
            Route(
                "/v1/segments/{id}/all_users",
                endpoint(self.segment_all_users),
                methods=["DELETE"],
            ),
        ]

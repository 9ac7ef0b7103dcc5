"""Read resources of `SnapApi`, one plural noun each (`api.campaigns.list(ad_account_id)`)."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote

from snapdesk.api._envelope import unwrap_items, unwrap_me
from snapdesk.api.errors import NotFound
from snapdesk.api.models import (
    Ad,
    AdAccount,
    AdSquad,
    Campaign,
    Creative,
    FundingSource,
    Me,
    Media,
    Organization,
    Segment,
    SnapModel,
)

if TYPE_CHECKING:
    from snapdesk.api._client import SnapApi

__all__ = [
    "AdAccounts",
    "AdSquads",
    "Ads",
    "Campaigns",
    "Creatives",
    "FundingSources",
    "MeResource",
    "MediaResource",
    "Organizations",
    "Segments",
]

M = TypeVar("M", bound=SnapModel)

DEFAULT_LIMIT = 1000


def _seg(value: str) -> str:
    """One path segment, escaped so an id can't change the path."""
    if not value:
        raise ValueError("an id is required")
    return quote(str(value), safe="")


class _Resource(Generic[M]):
    """Shared get/list plumbing: `/<plural>/{id}` for get, `/<parent>/{id}/<plural>` for lists."""

    model: type[M]
    plural_key: str  # Snap's wrapper key, also the URL noun
    item_key: str
    label: str

    def __init__(self, api: SnapApi) -> None:
        self._api = api

    async def get(self, id: str) -> M:
        path = f"/{self.plural_key}/{_seg(id)}"
        body = await self._api.get_json(path)
        items = unwrap_items(body, plural_key=self.plural_key, item_key=self.item_key)
        if not items:
            raise NotFound(
                f"Snap returned no {self.label} with id {id} — refresh the account",
                status=200,
                method="GET",
                path=path,
            )
        return self.model.model_validate(items[0])

    async def _list(
        self,
        parent: str,
        parent_id: str,
        *,
        limit: int | None,
        params: Mapping[str, Any] | None,
    ) -> AsyncIterator[M]:
        path = f"/{parent}/{_seg(parent_id)}/{self.plural_key}"
        async for obj in self._api.paginate(
            path, item_key=self.item_key, plural_key=self.plural_key, params=params, limit=limit
        ):
            yield self.model.model_validate(obj)


class MeResource:
    def __init__(self, api: SnapApi) -> None:
        self._api = api

    async def get(self) -> Me:
        """`GET /me`: the signed-in user."""
        return Me.model_validate(unwrap_me(await self._api.get_json("/me")))


class Organizations(_Resource[Organization]):
    model = Organization
    plural_key = "organizations"
    item_key = "organization"
    label = "organization"

    async def list(self, with_ad_accounts: bool = True) -> builtins.list[Organization]:
        """`GET /me/organizations`; with `with_ad_accounts` each carries its flat ad accounts."""
        params = {"with_ad_accounts": "true"} if with_ad_accounts else None
        return [
            Organization.model_validate(obj)
            async for obj in self._api.paginate(
                "/me/organizations",
                item_key=self.item_key,
                plural_key=self.plural_key,
                params=params,
                limit=None,
            )
        ]


class AdAccounts(_Resource[AdAccount]):
    model = AdAccount
    plural_key = "adaccounts"
    item_key = "adaccount"
    label = "ad account"

    def list(
        self,
        organization_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[AdAccount]:
        """`GET /organizations/{id}/adaccounts`."""
        return self._list("organizations", organization_id, limit=limit, params=params)


class Campaigns(_Resource[Campaign]):
    model = Campaign
    plural_key = "campaigns"
    item_key = "campaign"
    label = "campaign"

    def list(
        self,
        ad_account_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Campaign]:
        """`GET /adaccounts/{id}/campaigns`."""
        return self._list("adaccounts", ad_account_id, limit=limit, params=params)


class AdSquads(_Resource[AdSquad]):
    model = AdSquad
    plural_key = "adsquads"
    item_key = "adsquad"
    label = "ad squad"

    def list(
        self,
        ad_account_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[AdSquad]:
        """`GET /adaccounts/{id}/adsquads`."""
        return self._list("adaccounts", ad_account_id, limit=limit, params=params)

    def list_by_campaign(
        self,
        campaign_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[AdSquad]:
        """`GET /campaigns/{id}/adsquads`."""
        return self._list("campaigns", campaign_id, limit=limit, params=params)


class Ads(_Resource[Ad]):
    model = Ad
    plural_key = "ads"
    item_key = "ad"
    label = "ad"

    def list(
        self,
        ad_account_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Ad]:
        """`GET /adaccounts/{id}/ads`."""
        return self._list("adaccounts", ad_account_id, limit=limit, params=params)

    def list_by_ad_squad(
        self,
        ad_squad_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Ad]:
        """`GET /adsquads/{id}/ads`."""
        return self._list("adsquads", ad_squad_id, limit=limit, params=params)


class Creatives(_Resource[Creative]):
    model = Creative
    plural_key = "creatives"
    item_key = "creative"
    label = "creative"

    def list(
        self,
        ad_account_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Creative]:
        """`GET /adaccounts/{id}/creatives`."""
        return self._list("adaccounts", ad_account_id, limit=limit, params=params)


class MediaResource(_Resource[Media]):
    model = Media
    plural_key = "media"
    item_key = "media"
    label = "media file"

    def list(
        self,
        ad_account_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Media]:
        """`GET /adaccounts/{id}/media`."""
        return self._list("adaccounts", ad_account_id, limit=limit, params=params)


class Segments(_Resource[Segment]):
    model = Segment
    plural_key = "segments"
    item_key = "segment"
    label = "audience segment"

    def list(
        self,
        ad_account_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Segment]:
        """`GET /adaccounts/{id}/segments` (segments have no other parent path)."""
        return self._list("adaccounts", ad_account_id, limit=limit, params=params)


class FundingSources(_Resource[FundingSource]):
    model = FundingSource
    plural_key = "fundingsources"
    item_key = "fundingsource"
    label = "funding source"

    def list(
        self,
        organization_id: str,
        *,
        limit: int | None = DEFAULT_LIMIT,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[FundingSource]:
        """`GET /organizations/{id}/fundingsources`."""
        return self._list("organizations", organization_id, limit=limit, params=params)

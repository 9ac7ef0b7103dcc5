"""Typed views of Snap objects. Unknown fields are kept; `.raw` is the exact dict received."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

from snapdesk.core import kinds

__all__ = [
    "FUNDING_SOURCE",
    "Ad",
    "AdAccount",
    "AdSquad",
    "Campaign",
    "Creative",
    "FundingSource",
    "Me",
    "Media",
    "Organization",
    "Segment",
    "SnapModel",
    "model_for",
    "parse_entity",
]

# Not one of the synced entity kinds, but the client reads them.
FUNDING_SOURCE = "funding_source"


class SnapModel(BaseModel):
    """Base of all Snap models: tolerant of unknown fields, remembers the received dict."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)

    kind: ClassVar[str] = ""

    id: str
    name: str | None = None
    created_at: str | None = None
    updated_at: str | None = None

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(data, dict) and isinstance(model, SnapModel):
            model._raw = data
        return model

    @property
    def raw(self) -> dict[str, Any]:
        """The JSON object exactly as Snap sent it (not a copy; don't mutate it)."""
        return self._raw


class Me(SnapModel):
    email: str | None = None
    organization_id: str | None = None
    display_name: str | None = None
    snapchat_username: str | None = None
    member_status: str | None = None


class AdAccount(SnapModel):
    kind: ClassVar[str] = kinds.AD_ACCOUNT

    type: str | None = None
    status: str | None = None
    organization_id: str | None = None
    currency: str | None = None
    timezone: str | None = None
    funding_source_ids: list[str] = []
    billing_type: str | None = None
    billing_center_id: str | None = None
    advertiser_organization_id: str | None = None
    lifetime_spend_cap_micro: int | None = None
    roles: list[str] = []


class Organization(SnapModel):
    kind: ClassVar[str] = kinds.ORGANIZATION

    type: str | None = None
    state: str | None = None
    country: str | None = None
    is_agency: bool | None = None
    roles: list[str] = []
    my_display_name: str | None = None
    my_member_id: str | None = None
    ad_accounts: list[AdAccount] = []


class Campaign(SnapModel):
    kind: ClassVar[str] = kinds.CAMPAIGN

    ad_account_id: str | None = None
    status: str | None = None
    objective: str | None = None
    objective_v2_properties: dict[str, Any] | None = None
    buy_model: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    daily_budget_micro: int | None = None
    lifetime_spend_cap_micro: int | None = None
    delivery_status: list[str] = []
    creation_state: str | None = None
    deleted: bool | None = None

    @property
    def objective_v2_type(self) -> str | None:
        props = self.objective_v2_properties or {}
        value = props.get("objective_v2_type")
        return value if isinstance(value, str) else None


class AdSquad(SnapModel):
    kind: ClassVar[str] = kinds.AD_SQUAD

    campaign_id: str | None = None
    ad_account_id: str | None = None
    status: str | None = None
    type: str | None = None
    bid_micro: int | None = None
    bid_strategy: str | None = None
    auto_bid: bool | None = None
    billing_event: str | None = None
    optimization_goal: str | None = None
    daily_budget_micro: int | None = None
    lifetime_budget_micro: int | None = None
    start_time: str | None = None
    end_time: str | None = None
    placement_v2: dict[str, Any] | None = None
    targeting: dict[str, Any] | None = None
    delivery_status: list[str] = []
    creation_state: str | None = None
    deleted: bool | None = None


class Ad(SnapModel):
    kind: ClassVar[str] = kinds.AD

    ad_squad_id: str | None = None
    creative_id: str | None = None
    status: str | None = None
    type: str | None = None
    review_status: str | None = None
    review_status_reasons: list[str] = []
    render_type: str | None = None
    delivery_status: list[str] = []
    deleted: bool | None = None


class Creative(SnapModel):
    kind: ClassVar[str] = kinds.CREATIVE

    ad_account_id: str | None = None
    type: str | None = None
    headline: str | None = None
    brand_name: str | None = None
    call_to_action: str | None = None
    top_snap_media_id: str | None = None
    review_status: str | None = None
    packaging_status: str | None = None
    render_type: str | None = None
    shareable: bool | None = None


class Media(SnapModel):
    kind: ClassVar[str] = kinds.MEDIA

    ad_account_id: str | None = None
    type: str | None = None
    media_status: str | None = None
    file_name: str | None = None
    file_size_in_bytes: int | None = None
    download_link: str | None = None
    duration_in_seconds: float | None = None
    visibility: str | None = None


class Segment(SnapModel):
    kind: ClassVar[str] = kinds.SEGMENT

    ad_account_id: str | None = None
    organization_id: str | None = None
    description: str | None = None
    status: str | None = None
    source_type: str | None = None
    retention_in_days: int | None = None
    approximate_number_users: int | None = None
    upload_status: str | None = None
    targetable_status: str | None = None


class FundingSource(SnapModel):
    kind: ClassVar[str] = FUNDING_SOURCE

    organization_id: str | None = None
    type: str | None = None
    status: str | None = None
    currency: str | None = None
    card_type: str | None = None
    last_4: str | None = None
    daily_spend_limit_micro: int | None = None
    daily_spend_limit_currency: str | None = None
    budget_spent_micro: int | None = None
    total_budget_micro: int | None = None
    available_credit_micro: int | None = None


_MODELS: dict[str, type[SnapModel]] = {
    kinds.ORGANIZATION: Organization,
    kinds.AD_ACCOUNT: AdAccount,
    kinds.CAMPAIGN: Campaign,
    kinds.AD_SQUAD: AdSquad,
    kinds.AD: Ad,
    kinds.CREATIVE: Creative,
    kinds.MEDIA: Media,
    kinds.SEGMENT: Segment,
    FUNDING_SOURCE: FundingSource,
}


def model_for(kind: str) -> type[SnapModel]:
    try:
        return _MODELS[kind]
    except KeyError:
        raise ValueError(f"unknown entity kind {kind!r}") from None


def parse_entity(kind: str, obj: dict[str, Any]) -> SnapModel:
    """Parse one unwrapped Snap object of `kind` (a `snapdesk.core.kinds` constant)."""
    return model_for(kind).model_validate(obj)

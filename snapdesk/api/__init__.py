"""Snap Marketing API client: `SnapApi`, token providers, retry policy, errors and models."""

from snapdesk.api._auth import StaticTokenProvider, TokenProvider
from snapdesk.api._client import SnapApi
from snapdesk.api._envelope import check_envelope, unwrap_items, unwrap_me, unwrap_result
from snapdesk.api._ratelimit import RateLimiter
from snapdesk.api._retry import RETRYABLE_STATUSES, RetryPolicy
from snapdesk.api._stats import ClientStats
from snapdesk.api.errors import (
    ApiError,
    AuthError,
    BadRequest,
    ConnectionFailed,
    ForeignHostError,
    NotFound,
    PermissionError,
    RateLimited,
    ServerError,
    SnapError,
    StatsQueryError,
    Timeout,
    error_from_response,
)
from snapdesk.api.models import (
    FUNDING_SOURCE,
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
    parse_entity,
)

__all__ = [
    "FUNDING_SOURCE",
    "RETRYABLE_STATUSES",
    "Ad",
    "AdAccount",
    "AdSquad",
    "ApiError",
    "AuthError",
    "BadRequest",
    "Campaign",
    "ClientStats",
    "ConnectionFailed",
    "Creative",
    "ForeignHostError",
    "FundingSource",
    "Me",
    "Media",
    "NotFound",
    "Organization",
    "PermissionError",
    "RateLimited",
    "RateLimiter",
    "RetryPolicy",
    "Segment",
    "ServerError",
    "SnapApi",
    "SnapError",
    "SnapModel",
    "StaticTokenProvider",
    "StatsQueryError",
    "Timeout",
    "TokenProvider",
    "check_envelope",
    "error_from_response",
    "parse_entity",
    "unwrap_items",
    "unwrap_me",
    "unwrap_result",
]

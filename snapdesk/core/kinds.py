"""Entity kinds and their Snap API wrapper keys."""

from __future__ import annotations

from typing import Final

ORGANIZATION: Final = "organization"
AD_ACCOUNT: Final = "ad_account"
CAMPAIGN: Final = "campaign"
AD_SQUAD: Final = "ad_squad"
AD: Final = "ad"
CREATIVE: Final = "creative"
MEDIA: Final = "media"
SEGMENT: Final = "segment"

ALL_KINDS: Final = (ORGANIZATION, AD_ACCOUNT, CAMPAIGN, AD_SQUAD, AD, CREATIVE, MEDIA, SEGMENT)

# Entities that belong to one ad account and are synced with it, in dependency order.
ACCOUNT_KINDS: Final = (CAMPAIGN, AD_SQUAD, AD, CREATIVE, MEDIA, SEGMENT)

# (plural key, item key) as Snap's envelope spells them.
WRAPPER_KEYS: Final[dict[str, tuple[str, str]]] = {
    ORGANIZATION: ("organizations", "organization"),
    AD_ACCOUNT: ("adaccounts", "adaccount"),
    CAMPAIGN: ("campaigns", "campaign"),
    AD_SQUAD: ("adsquads", "adsquad"),
    AD: ("ads", "ad"),
    CREATIVE: ("creatives", "creative"),
    MEDIA: ("media", "media"),
    SEGMENT: ("segments", "segment"),
}

# Table names in the cache and the count keys of `snapdesk sync --json`.
PLURAL: Final[dict[str, str]] = {
    ORGANIZATION: "organizations",
    AD_ACCOUNT: "ad_accounts",
    CAMPAIGN: "campaigns",
    AD_SQUAD: "ad_squads",
    AD: "ads",
    CREATIVE: "creatives",
    MEDIA: "media",
    SEGMENT: "segments",
}

LABEL: Final[dict[str, str]] = {
    ORGANIZATION: "Organization",
    AD_ACCOUNT: "Ad account",
    CAMPAIGN: "Campaign",
    AD_SQUAD: "Ad squad",
    AD: "Ad",
    CREATIVE: "Creative",
    MEDIA: "Media",
    SEGMENT: "Segment",
}

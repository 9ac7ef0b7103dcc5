"""The field catalogue of seed 003 (the Snapchat Conversions API connector spec).

Column names are matched case-insensitively against these standard names; anything else goes to
`custom_data` as it is. Each constant is named for the table of the seed it comes from.
"""

from __future__ import annotations

from typing import Final, Literal

Source = Literal["web", "app", "offline"]
SOURCES: Final[tuple[Source, ...]] = ("web", "app", "offline")

# "Event Source Type" → `action_source` (set from the configuration, never from the file).
ACTION_SOURCE: Final[dict[Source, str]] = {
    "web": "WEB",
    "app": "MOBILE_APP",
    "offline": "OFFLINE",
}

EVENT_NAMES: Final = frozenset(
    {
        "PURCHASE",
        "SAVE",
        "START_CHECKOUT",
        "ADD_CART",
        "VIEW_CONTENT",
        "ADD_BILLING",
        "SIGN_UP",
        "SEARCH",
        "PAGE_VIEW",
        "SUBSCRIBE",
        "AD_CLICK",
        "AD_VIEW",
        "COMPLETE_TUTORIAL",
        "LEVEL_COMPLETE",
        "INVITE",
        "LOGIN",
        "SHARE",
        "RESERVE",
        "ACHIEVEMENT_UNLOCKED",
        "ADD_TO_WISHLIST",
        "SPENT_CREDITS",
        "RATE",
        "START_TRIAL",
        "LIST_VIEW",
        "APP_INSTALL",
        "APP_OPEN",
        "CUSTOM_EVENT_1",
        "CUSTOM_EVENT_2",
        "CUSTOM_EVENT_3",
        "CUSTOM_EVENT_4",
        "CUSTOM_EVENT_5",
    }
)

# Standard Fields for Server Parameters (top level of each event).
TOP_LEVEL: Final = (
    "event_name",
    "event_time",
    "event_source_url",
    "event_id",
    "action_source",
    "data_processing_options",
    "advertiser_tracking_enabled",
)
DATA_PROCESSING_OPTIONS: Final = frozenset({"LMU", "LDU", "DELETE"})

# Standard Fields for User Data: normalized, then SHA-256 (unless already SHA-256 hex).
HASHED_USER_FIELDS: Final = (
    "em",
    "ph",
    "fn",
    "ln",
    "ge",
    "ct",
    "st",
    "zp",
    "country",
    "external_id",
)
# Sent as they are (after the light formatting the seed names); IP and user agent never hashed.
PLAIN_USER_FIELDS: Final = (
    "sc_click_id",
    "client_ip_address",
    "client_user_agent",
    "madid",
    "subscription_id",
    "lead_id",
    "download_id",
    "sc_cookie1",
    "idfv",
)
USER_FIELDS: Final = (*HASHED_USER_FIELDS, *PLAIN_USER_FIELDS)
# "At least one of the following identifier fields must be present."
IDENTIFIER_FIELDS: Final = (
    "em",
    "ph",
    "sc_click_id",
    "client_ip_address",
    "client_user_agent",
    "madid",
)
# Documented as user data, but Snap rejects it there ("Request parsing failed"): custom_data.
ANON_ID: Final = "anon_id"

# Standard Fields for Custom Data, by the type the seed gives them.
CUSTOM_STRING: Final = (
    "content_name",
    "content_type",
    "currency",
    "num_items",
    "order_id",
    "search_string",
    "checkin_date",
    "travel_start",
    "travel_end",
    "destination_airport",
    "origin_airport",
    "city",
    "region",
    "neighborhood",
    "postal_code",
    "departing_departure_date",
    "departing_arrival_date",
    "returning_departure_date",
    "returning_arrival_date",
    "hotel_score",
)
CUSTOM_FLOAT: Final = ("value", "predicted_ltv")
CUSTOM_INT: Final = ("num_adults", "num_children", "num_infants")
# "String/Array": a single value stays a string; several values become an array.
CUSTOM_STRING_OR_ARRAY: Final = (
    "content_category",
    "suggested_destinations",
    "preferred_neighborhoods",
    "preferred_star_ratings",
    "suggested_hotels",
    "destination_ids",
)
# "Array": always an array ("a single ID or comma-separated list" for content_ids).
CUSTOM_ARRAY: Final = ("content_ids",)
CONTENTS: Final = "contents"
# `custom_country` is the column for custom_data.country (`country` is the user's, hashed).
CUSTOM_COUNTRY: Final = "custom_country"
CUSTOM_FIELDS: Final = (
    *CUSTOM_STRING,
    *CUSTOM_FLOAT,
    *CUSTOM_INT,
    *CUSTOM_STRING_OR_ARRAY,
    *CUSTOM_ARRAY,
    CONTENTS,
    CUSTOM_COUNTRY,
)
CONTENT_TYPES: Final = frozenset({"product", "product_group"})
# Travel-Related, Travel Schedule and Accommodation-Related fields: a file with one of them
# describes trips, so its `city` column is the destination's (custom_data.city). In any other
# file `city` is the customer's city (user_data.ct, hashed): that is what CRM exports mean.
TRAVEL_FIELDS: Final = frozenset(
    {
        "checkin_date",
        "travel_start",
        "travel_end",
        "suggested_destinations",
        "destination_airport",
        "origin_airport",
        "neighborhood",
        "departing_departure_date",
        "departing_arrival_date",
        "returning_departure_date",
        "returning_arrival_date",
        "num_adults",
        "num_children",
        "num_infants",
        "hotel_score",
        "preferred_neighborhoods",
        "preferred_star_ratings",
        "suggested_hotels",
        "destination_ids",
        CUSTOM_COUNTRY,
    }
)
# Location fields of custom_data whose seed name a CRM column may share with the customer's
# address: sent as seed 003 says, with a warning naming the hashed field to map to instead.
DESTINATION_FIELDS: Final[dict[str, str]] = {"postal_code": "zp", "region": "st"}
DATE_FIELDS: Final = ("checkin_date",)  # YYYYMMDD or YYYY-MM-DD

# JSON Object Array Construction: content_<property>_<n> → contents[n-1].<property>.
CONTENT_PROPERTIES: Final[dict[str, str]] = {
    "id": "string",
    "quantity": "integer",
    "item_price": "float",
    "delivery_category": "string",
}

# Standard Fields for App Data.
APP_FIELDS: Final = ("advertiser_tracking_enabled", "app_id", "extinfo")
# extinfo Array Specifications: index → column name; the Int64 positions.
EXTINFO_COLUMNS: Final = (
    "device_os",
    "package_name",
    "short_version",
    "long_version",
    "os_version",
    "device_model",
    "locale",
    "timezone_abbr",
    "carrier",
    "screen_width",
    "screen_height",
    "screen_density",
    "cpu_cores",
    "storage_size",
    "free_storage_size",
    "timezone_location",
)
EXTINFO_INT64: Final = frozenset(
    {"screen_width", "screen_height", "cpu_cores", "storage_size", "free_storage_size"}
)
EXTINFO_PLATFORMS: Final = frozenset({"i2", "a2"})
EXTINFO_LENGTH: Final = 16

# Every standard column name (lower case) the connector recognises.
STANDARD_COLUMNS: Final = frozenset(
    {
        *TOP_LEVEL,
        *USER_FIELDS,
        ANON_ID,
        *CUSTOM_FIELDS,
        *APP_FIELDS,
        *EXTINFO_COLUMNS,
    }
)

# Fields that accept several values, so `<field>_<n>` flattened columns build an array.
ARRAY_CAPABLE: Final = frozenset(
    {
        "data_processing_options",
        *HASHED_USER_FIELDS,
        *CUSTOM_STRING_OR_ARRAY,
        *CUSTOM_ARRAY,
    }
)

# Event time: the connector skips events older than 7 days; Snap accepts up to 37.
DEFAULT_WINDOW_DAYS: Final = 7
MAX_WINDOW_DAYS: Final = 37
# Clock skew tolerated for event times in the future.
FUTURE_TOLERANCE_SECONDS: Final = 3600

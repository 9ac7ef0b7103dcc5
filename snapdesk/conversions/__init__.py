"""Conversions API events from CSV: mapping, validation, hashing (Qt-free, no network).

Seed 003 (the Snapchat Conversions API connector) is the specification: `fields.py` holds its
field catalogue, `normalize.py` its user-data normalization and hashing, `mapping.py` its column
and row rules, `load.py` reads files. Sending goes through the write gateway
(`snapdesk.changes.conversions.ConversionSender`), over `snapdesk.api.capi.CapiClient`.

    result = load_events(path, LoadOptions(source="web", window_days=7))
    result.columns   # the mapping table: column → payload field, handling
    result.events    # valid events (hashes only), each with its row number
    result.issues    # row-level report: row, field, reason, offending cell
    result.refusals  # columns whose e-mail addresses or phone numbers would go out unhashed

Column names go through one alias table (`aliases.py`: "Email Address" → em, …); the user's
own choices are `LoadOptions(column_map=..., drop_columns=...)`. `pii.py` decides what looks
like an e-mail address or a phone number.
"""

from snapdesk.conversions.fields import (
    DEFAULT_WINDOW_DAYS,
    EVENT_NAMES,
    MAX_WINDOW_DAYS,
    SOURCES,
    Source,
)
from snapdesk.conversions.load import load_events, load_rows, read_csv
from snapdesk.conversions.mapping import parse_event_time, plan_columns
from snapdesk.conversions.model import (
    ColumnMapping,
    ColumnRefusal,
    ConversionsError,
    LoadOptions,
    LoadResult,
    MappedEvent,
    MappingError,
    RowIssue,
)
from snapdesk.conversions.normalize import hash_user_value, sha256_hex
from snapdesk.conversions.samples import sample_rows, write_sample

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "EVENT_NAMES",
    "MAX_WINDOW_DAYS",
    "SOURCES",
    "ColumnMapping",
    "ColumnRefusal",
    "ConversionsError",
    "LoadOptions",
    "LoadResult",
    "MappedEvent",
    "MappingError",
    "RowIssue",
    "Source",
    "hash_user_value",
    "load_events",
    "load_rows",
    "parse_event_time",
    "plan_columns",
    "read_csv",
    "sample_rows",
    "sha256_hex",
    "write_sample",
]

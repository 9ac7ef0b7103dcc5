"""Snap-style errors raised by the sandbox state and turned into error envelopes by the routes.

Error codes used by the sandbox (Snap publishes no complete table; E3002/E3003/E3004/E1008 are the
ones seen in real traffic, the rest are the sandbox's own, stable choices):

E1001 invalid query parameter (limit, cursor, action)   E1002 malformed request body
E1003 request body over the endpoint's limit (HTTP 413) E1004 request body too slow (HTTP 408)
E1006 rate limit exceeded (HTTP 429)                    E1405 method not allowed (HTTP 405)
E1007 endpoint not emulated (targeting_insights, outcome estimates)
E2001 required field missing                            E2002 value too long
E2003 value not in the allowed set                      E2004 invalid value (type, format, range)
E2005 referenced entity missing or in another account   E2006 ad type does not match creative type
E2007 media has not been uploaded yet                   E2008 invalid hashed identifier
E2009 more than 100,000 identifiers in one request      E2010 mixed identifier schemas
E2011 upload state error (chunked upload)               E2012 not applied: another item failed
E3002 caller has no permission on the ad account (403)  E3003 resource not found (404)
E3004 entity to update does not exist (per item, HTTP 200 + request_status ERROR)
E5000 injected server fault (5xx)
"""

from __future__ import annotations

from dataclasses import dataclass

DISPLAY_GENERIC = "We're sorry, but the requested resource is not available at this time"


class SnapApiError(Exception):
    """A whole-request failure, rendered as Snap's top-level error envelope."""

    def __init__(
        self,
        status: int,
        error_code: str,
        debug_message: str,
        *,
        display_message: str = DISPLAY_GENERIC,
    ) -> None:
        super().__init__(f"{error_code}: {debug_message}")
        self.status = status
        self.error_code = error_code
        self.debug_message = debug_message
        self.display_message = display_message


def bad_request(code: str, message: str) -> SnapApiError:
    return SnapApiError(400, code, message, display_message="The request is invalid: " + message)


def not_found(what: str) -> SnapApiError:
    return SnapApiError(404, "E3003", f"Resource can not be found: {what}")


def forbidden() -> SnapApiError:
    return SnapApiError(403, "E3002", "Caller does not have permission")


@dataclass(frozen=True)
class ItemError:
    """Why one item of a batch write failed."""

    code: str
    message: str

    @property
    def reason(self) -> str:
        return f"Error code: {self.code}, message: {self.message}"


class BatchError(Exception):
    """A batch write where at least one item failed; nothing was applied.

    `items[i]` is the error of item i, or None when item i was valid (it is then reported as
    E2012 "not applied"). `status` is 400 for validation failures and 200 for the one case where
    Snap answers HTTP 200 with request_status ERROR (a PUT naming an entity that does not exist).
    """

    def __init__(self, items: list[ItemError | None], *, status: int = 400) -> None:
        first = next(item for item in items if item is not None)
        super().__init__(first.reason)
        self.items = items
        self.status = status
        self.first = first

"""A local emulator of the Snap Marketing API (v1), with Snap's real envelopes and quirks.

    with SandboxServer(seed=42, scale="demo") as server:
        httpx.get(server.api_base + "/me", headers={"Authorization": f"Bearer {server.token}"})

or in-process: `httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(state)))`.

Layout (moto-style): `state` (the world, reads and writes), `entities` (validation, defaults and
server-filled fields per kind), `seed` (deterministic data), `routes` (thin /v1 handlers),
`envelopes`, `errors`, `faults`, `control` (the /__sandbox__/ control plane), `app` and `server`.

Behaviour worth knowing (choices where Snap's behaviour is not recorded):
- Lists are sorted by id (as the recordings are); `limit` 50..1000, default 50; cursors are
  opaque and stay valid across inserts and deletes. Funding-source lists omit `paging` on the
  last page and /me/organizations has none, as recorded; every other list ends with `paging: {}`.
- Batch writes are all-or-nothing. Validation failures answer HTTP 400 with each item ERROR
  (`sub_request_error_reason` "Error code: E2xxx, message: ..."; valid items say E2012 "not
  applied"). A PUT naming an id that does not exist under the URL parent answers HTTP 200 with
  request_status ERROR and E3004 per item (the "200 + ERROR" case).
- PUT rebuilds the object from the body: omitted optional fields disappear, defaults return,
  echoed read-only fields are ignored. Deletes are soft (`deleted: true`, shown with
  read_deleted_entities=true); deleting a campaign deletes its ad squads and their ads.
- delivery_status is computed when an entity is written (status, start/end time, parent state,
  review status, test account), not re-evaluated later.
- Segments: approximate_number_users is the exact number of distinct users rounded to the
  nearest 100; targetable_status is TOO_FEW_USERS below 1,000 distinct users, else READY.
  Seeded PROCESSING segments stay PROCESSING until users are uploaded.
- Rate limiting is per token only (no per-app 20/s limit). X-Rate-Limit-* headers are sent on
  writes and 429s; Reset is epoch milliseconds.
- Media download links point at /__sandbox__/files/... on the serving sandbox.
"""

from snapdesk.sandbox._common import SANDBOX_TOKEN
from snapdesk.sandbox._middleware import DroppedConnection
from snapdesk.sandbox.app import create_app
from snapdesk.sandbox.seed import seed_state
from snapdesk.sandbox.server import SandboxServer
from snapdesk.sandbox.state import SandboxState

__all__ = [
    "SANDBOX_TOKEN",
    "DroppedConnection",
    "SandboxServer",
    "SandboxState",
    "create_app",
    "seed_state",
]

"""Run by test_upload.py in a child process that gets SIGKILLed mid-upload."""

from __future__ import annotations

import asyncio
import sys

from snapdesk.api import SnapApi, StaticTokenProvider
from snapdesk.changes import SegmentUploads
from snapdesk.store import Store


async def main(db: str, base: str, token: str, upload_id: str) -> None:
    store = Store(db)
    async with SnapApi(
        base_url=base, token_provider=StaticTokenProvider(token), rate_limit=1000
    ) as api:
        await SegmentUploads(api=api, store=store).send(upload_id)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))

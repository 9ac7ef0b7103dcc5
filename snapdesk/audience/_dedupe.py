"""One hashed list on its way to a CSV file: first-seen de-duplication in bounded memory.

Digests (32 bytes each) arrive in file order. With `keep_duplicates` they are written out at
once. Otherwise they are spooled to a temporary file, and an 8-byte prefix with the position of
each goes to one of 256 bucket files (by its first byte). `finish()` then sorts each bucket
(stable, so the first occurrence comes first), confirms every candidate duplicate against the
full digest, marks duplicates in a one-byte-per-row mask, and writes the survivors in order.
Memory: one bucket (~1/256 of 16 bytes per identifier), the mask (1 byte per identifier) and
I/O buffers. Only hashes ever touch the disk, and the spool is deleted afterwards.
"""

from __future__ import annotations

import binascii
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

BUCKETS: Final = 256
_RECORD = [("prefix", ">u8"), ("index", "<i8")]
_BLOCK_ROWS: Final = 1 << 18
_FLUSH_BYTES: Final = 32 << 20


def _hex_lines(digests: bytes) -> bytes:
    """One lowercase hex digest per line (the C accelerator when it is installed)."""
    from snapdesk.audience._fast import native

    c = native()
    if c is not None:
        result: bytes = c.hex_lines(digests)
        return result
    return binascii.hexlify(digests, b"\n", 32) + b"\n"


class DigestSink:
    """Collects one schema's digests and writes `header` + one hex hash per line to `out`."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        header: str,
        keep_duplicates: bool,
        tmp_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self._out = out
        self._keep = keep_duplicates
        self.count = 0
        self.written = 0
        self.duplicates = 0
        out.write(header.encode("ascii") + b"\n")
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if not keep_duplicates:
            self._tmp = tempfile.TemporaryDirectory(prefix="snapdesk-hash-", dir=tmp_dir)
            self._dir = Path(self._tmp.name)
            self._spool = (self._dir / "digests").open("wb")
            self._pending: list[list[bytes]] = [[] for _ in range(BUCKETS)]
            self._pending_bytes = 0

    def add(self, digests: bytes) -> None:
        """Digests of the next rows, in file order (a multiple of 32 bytes)."""
        n = len(digests) // 32
        if not n:
            return
        if self._keep:
            self._out.write(_hex_lines(digests))
            self.count += n
            self.written += n
            return
        import numpy as np

        self._spool.write(digests)
        prefixes = np.frombuffer(digests, dtype=">u8").reshape(n, 4)[:, 0]
        records = np.empty(n, dtype=_RECORD)
        records["prefix"] = prefixes
        records["index"] = np.arange(self.count, self.count + n, dtype=np.int64)
        buckets = (prefixes >> np.uint64(56)).astype(np.uint8)
        order = np.argsort(buckets, kind="stable")
        records = records[order]
        bounds = np.searchsorted(buckets[order], np.arange(BUCKETS + 1))
        for b in range(BUCKETS):
            lo, hi = int(bounds[b]), int(bounds[b + 1])
            if hi > lo:
                self._pending[b].append(records[lo:hi].tobytes())
        self._pending_bytes += records.nbytes
        self.count += n
        if self._pending_bytes >= _FLUSH_BYTES:
            self._flush()

    def _flush(self) -> None:
        for b, parts in enumerate(self._pending):
            if parts:
                with (self._dir / f"b{b:03d}").open("ab") as fh:
                    fh.write(b"".join(parts))
                parts.clear()
        self._pending_bytes = 0

    def finish(self, progress: Callable[[float], None] | None = None) -> None:
        """Find duplicates and write the list (the output is not closed)."""
        if self._keep:
            return
        import numpy as np

        self._flush()
        self._spool.close()
        spool_path = self._dir / "digests"
        duplicate = np.zeros(self.count, dtype=np.bool_)
        if self.count:
            digests = np.memmap(spool_path, dtype=np.uint8, mode="r", shape=(self.count, 32))
            for b in range(BUCKETS):
                path = self._dir / f"b{b:03d}"
                if path.exists():
                    records = np.fromfile(path, dtype=_RECORD)
                    self._mark(records, digests, duplicate)
                    path.unlink()
                if progress is not None and b % 16 == 15:
                    progress(0.5 * (b + 1) / BUCKETS)
            del digests
        self.duplicates = int(duplicate.sum())
        with spool_path.open("rb") as fh:
            for start in range(0, self.count, _BLOCK_ROWS):
                block = fh.read(_BLOCK_ROWS * 32)
                rows = len(block) // 32
                keep = ~duplicate[start : start + rows]
                if keep.all():
                    chunk = block
                else:
                    chunk = np.frombuffer(block, dtype=np.uint8).reshape(rows, 32)[keep].tobytes()
                if chunk:
                    self._out.write(_hex_lines(chunk))
                    self.written += len(chunk) // 32
                if progress is not None:
                    progress(0.5 + 0.5 * min(1.0, (start + rows) / self.count))

    @staticmethod
    def _mark(records: Any, digests: Any, duplicate: Any) -> None:
        """Mark the rows of one bucket whose digest appeared at an earlier row."""
        import numpy as np

        prefix = records["prefix"].astype(np.uint64)  # native byte order sorts much faster
        order = np.argsort(prefix)
        prefix = prefix[order]
        index = records["index"][order]
        new_run = np.empty(len(prefix), dtype=np.bool_)
        new_run[0] = True
        np.not_equal(prefix[1:], prefix[:-1], out=new_run[1:])
        if new_run.all():
            return
        starts = np.flatnonzero(new_run)
        run_of = np.cumsum(new_run) - 1
        first = np.minimum.reduceat(index, starts)[run_of]  # earliest row with this prefix
        later = index != first
        candidates, firsts = index[later], first[later]
        equal = (digests[candidates] == digests[firsts]).all(axis=1)
        duplicate[candidates[equal]] = True
        for row in candidates[~equal].tolist():  # a 64-bit prefix collision: compare exactly
            run = run_of[np.flatnonzero(index == row)[0]]
            earlier = index[(run_of == run) & (index < row)]
            if any(bytes(digests[row]) == bytes(digests[int(e)]) for e in earlier):
                duplicate[row] = True

    def close(self) -> None:
        """Remove the temporary files (also after an error or a cancel)."""
        if self._tmp is not None:
            if not self._spool.closed:
                self._spool.close()
            self._tmp.cleanup()
            self._tmp = None

"""One hashed list on its way to a CSV file: exact first-seen de-duplication.

Digests (32 bytes each) arrive in file order. With `keep_duplicates` they are written out at
once. Otherwise, with the C accelerator and an output file that can be read back
(`out_fd`), each digest is looked up in an in-memory hash table (8-byte key mixing all 32
bytes + 4-byte output line of the first occurrence: ~17 bytes per distinct identifier). A key
match is confirmed against the earlier digest itself (from the batch in hand, or read back
from the output already written), so the result is exact; first occurrences are written out
as they arrive and `finish()` has nothing left to do.

When the table would outgrow its memory budget (or without the accelerator) the sink uses the
bounded-memory path: every digest goes to a temporary spool file and an 8-byte prefix with its
position to one of 256 bucket files (by its first byte); `finish()` then sorts each bucket
(stable, so the first occurrence comes first), confirms every candidate duplicate against the
full digest, marks duplicates in a one-byte-per-row mask, and writes the survivors in order.
Memory there: one bucket (~1/256 of 16 bytes per identifier), the mask (1 byte per identifier)
and I/O buffers. Switching mid-way re-reads the distinct digests written so far.

Only hashes ever touch the disk, and the temporary files are deleted afterwards.
"""

from __future__ import annotations

import binascii
import concurrent.futures as cf
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Final

BUCKETS: Final = 256
_RECORD = [("prefix", ">u8"), ("index", "<i8")]
_BLOCK_ROWS: Final = 1 << 18
_FLUSH_BYTES: Final = 32 << 20
TABLE_BUDGET: Final = 256 << 20  # bytes the in-memory table may take (12 bytes per slot)
_SLOT_BYTES: Final = 12
_MIN_SLOTS: Final = 1 << 16
_MAX_LOAD: Final = 0.75


def _hex_lines(digests: bytes) -> bytes:
    """One lowercase hex digest per line (the C accelerator when it is installed)."""
    from snapdesk.audience._fast import native

    c = native()
    if c is not None:
        result: bytes = c.hex_lines(digests)
        return result
    return binascii.hexlify(digests, b"\n", 32) + b"\n"


def _read_at(fd: int, size: int, offset: int) -> bytes:
    """`size` bytes at `offset` of `fd` (the file must hold them)."""
    if hasattr(os, "pread"):
        data = os.pread(fd, size, offset)
    else:  # Windows: seek, read, and leave the position at the end for the writer
        os.lseek(fd, offset, os.SEEK_SET)
        try:
            data = os.read(fd, size)
        finally:
            os.lseek(fd, 0, os.SEEK_END)
    if len(data) != size:
        raise OSError("could not read back the hashed list being written")
    return data


class DigestSink:
    """Collects one schema's digests and writes `header` + one hex hash per line to `out`."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        header: str,
        keep_duplicates: bool,
        tmp_dir: str | os.PathLike[str] | None = None,
        expected_rows: int = 0,
        memory_budget: int = TABLE_BUDGET,
        out_fd: int | None = None,
    ) -> None:
        """`out_fd`: a descriptor open for reading on `out`'s file (enables the in-memory
        table); `expected_rows` sizes the table up front (an estimate; it grows as needed);
        `memory_budget` caps it, beyond which the bucket files take over."""
        from snapdesk.audience._fast import native

        self._out = out
        self._keep = keep_duplicates
        self.count = 0
        self.written = 0
        self.duplicates = 0
        self._header = header.encode("ascii") + b"\n"
        out.write(self._header)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._native = native()
        self._keys: Any = None
        self._rows: Any = None
        self._used = 0
        self._budget = memory_budget
        self._out_fd = out_fd
        self._buckets = False
        self._early_duplicates = 0  # found by the table before a switch to the buckets
        self._writer: cf.ThreadPoolExecutor | None = None
        self._writes: list[cf.Future[None]] = []
        self._last_lines = b""  # the hex lines handed to the writer last
        self._spool: IO[bytes] | None = None
        if not keep_duplicates:
            self._tmp = tempfile.TemporaryDirectory(prefix="snapdesk-hash-", dir=tmp_dir)
            self._dir = Path(self._tmp.name)
            self._pending: list[list[bytes]] = [[] for _ in range(BUCKETS)]
            self._pending_bytes = 0
            usable = self._native is not None and out_fd is not None
            if not usable or not self._allocate(max(expected_rows, 1), clamp=True):
                self._start_buckets()

    def _start_buckets(self) -> None:
        self._buckets = True
        self._spool = (self._dir / "digests").open("wb")

    @property
    def in_memory(self) -> bool:
        """True while duplicates are found with the in-memory table (no bucket files)."""
        return not self._keep and not self._buckets

    def _allocate(self, rows: int, *, clamp: bool = False) -> bool:
        """(Re)size the table for `rows` distinct digests; False when over the budget (with
        `clamp`, the largest table within the budget will do)."""
        import numpy as np

        slots = _MIN_SLOTS
        while slots * _MAX_LOAD < rows:
            slots *= 2
        if clamp:
            while slots > _MIN_SLOTS and slots * _SLOT_BYTES > self._budget:
                slots //= 2
        if slots * _SLOT_BYTES > self._budget:
            return False
        if self._keys is not None and slots <= len(self._keys):
            return True
        keys = np.zeros(slots, dtype=np.uint64)  # calloc: pages are touched as slots fill
        rows_ = np.zeros(slots, dtype=np.uint32)
        if self._keys is not None:
            self._native.dedupe_rehash(self._keys, self._rows, keys, rows_)
        self._keys, self._rows = keys, rows_
        return True

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
        if not self._buckets and not self._allocate(self._used + n):
            self._switch_to_buckets()
        if not self._buckets:
            # Matches are confirmed against the lines written so far: the previous batch's
            # (maybe still with the writer) passed along, the earlier ones on disk.
            self._wait_for_writes(keep_last=True)
            lines, inserted = self._native.dedupe_add(
                self._keys,
                self._rows,
                self.written,
                digests,
                self._out_fd,
                len(self._header),
                self._last_lines,
            )
            self._used += inserted
            if lines:
                self._write_behind(lines)
            kept = len(lines) // 65
            self.written += kept
            self.duplicates += n - kept
            self.count += n
            return
        self._bucket(digests)

    def _write_behind(self, lines: bytes) -> None:
        """Append `lines` to the output on the writer thread (while the next batch is looked
        up); they stay in memory as `_last_lines` until the next batch has been."""
        if self._writer is None:
            self._writer = cf.ThreadPoolExecutor(1, thread_name_prefix="snapdesk-hash-write")
        out = self._out

        def write() -> None:
            out.write(lines)
            out.flush()

        self._writes.append(self._writer.submit(write))
        self._last_lines = lines

    def _wait_for_writes(self, *, keep_last: bool = False) -> None:
        """Wait until every write (but the last one, with `keep_last`) is on disk; a failed
        write raises here."""
        while len(self._writes) > (1 if keep_last else 0):
            self._writes.pop(0).result()
        if not keep_last:
            self._last_lines = b""

    def _switch_to_buckets(self) -> None:
        """The table would outgrow its budget: the distinct digests written so far become the
        first rows of the bucket path, and the output starts again (rewritten by `finish`)."""
        assert self._out_fd is not None
        self._wait_for_writes()
        self._keys = self._rows = None
        self._out.flush()
        self._start_buckets()
        self._early_duplicates = self.duplicates
        distinct, self.count = self.written, 0
        offset = len(self._header)
        while self.count < distinct:
            rows = min(_BLOCK_ROWS, distinct - self.count)
            text = _read_at(self._out_fd, rows * 65, offset)
            offset += len(text)
            self._bucket(binascii.unhexlify(text.replace(b"\n", b"")))
        self._out.seek(len(self._header))
        self._out.truncate()
        self.written = 0

    def _bucket(self, digests: bytes) -> None:
        """Spool the digests; prefix + row of each into its bucket file."""
        import numpy as np

        assert self._spool is not None
        self._spool.write(digests)
        n = len(digests) // 32
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
        if not self._buckets:
            self._wait_for_writes()
            self._keys = self._rows = None
            if progress is not None:
                progress(1.0)
            return
        import numpy as np

        assert self._spool is not None
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
        self.duplicates = self._early_duplicates + int(duplicate.sum())
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
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
            self._writes.clear()
            self._last_lines = b""
        if self._tmp is not None:
            if self._spool is not None and not self._spool.closed:
                self._spool.close()
            self._tmp.cleanup()
            self._tmp = None

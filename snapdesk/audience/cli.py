"""`snapdesk hash` and `snapdesk audience push` (wired up in snapdesk/cli.py).

    snapdesk hash INPUT [-o OUT] [--type auto|email|phone|maid] [--column NAME]
                  [--default-country CC] [--rejects PATH] [--keep-duplicates] [--json]
    snapdesk audience push INPUT --ad-account ID (--segment ID | --new-segment NAME)
                  [--type ...] [--mode add|remove|replace] [--retention-days N] [--live]

Namespace fields: input, output, type, column, default_country, rejects, keep_duplicates, json;
and input, ad_account, segment, new_segment, type, mode, retention_days, live.
Exit codes: 0 success, 1 failure (one line on stderr naming the file/row and what to do),
2 usage. No traceback for an expected failure; no half-written output file.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from snapdesk import config
from snapdesk.audience.files import InputError
from snapdesk.audience.hashing import HashCancelled, HashProgress, HashReport, hash_file
from snapdesk.audience.outputs import check_outputs
from snapdesk.core import outputs, workdirs
from snapdesk.core.outputs import OutputClash, OutputWriteError

ApiFactory = Callable[[], Any]


class _Usage(Exception):
    pass


class _Failure(Exception):
    pass


def _fail(message: str, err: TextIO, code: int = 1) -> int:
    print(f"snapdesk: {message}", file=err)
    return code


def _arg(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def _progress_printer(err: TextIO) -> Callable[[HashProgress], None] | None:
    if not err.isatty():
        return None
    last = [-1]

    def show(p: HashProgress) -> None:
        percent = int(p.fraction * 100)
        if percent != last[0]:
            last[0] = percent
            print(f"\r  {p.phase} {percent:3d}%  {p.rows:,} rows", end="", file=err, flush=True)
            if percent >= 100:
                print(file=err)

    return show


def _summary_lines(report: HashReport, *, paths: bool = True) -> list[str]:
    return report.summary_lines(paths=paths)


def _os_problem(exc: OSError, source: str) -> str:
    """One line for a failed read or write: the path as the user gave it and the cause."""
    if isinstance(exc, OutputWriteError):
        return exc.message
    if exc.filename is None:
        return f"cannot hash {source}: {outputs.reason(exc)} (temporary files go to {_tmp_root()})"
    return f"{exc.filename}: {outputs.reason(exc)}"


def _tmp_root() -> str:
    try:
        return str(workdirs.root())
    except OSError:
        return "the snapdesk cache folder"


def _run_hash(args: argparse.Namespace, output: Path, err: TextIO) -> HashReport:
    try:
        return hash_file(
            args.input,
            output=output,
            id_type=_arg(args, "type") or "auto",
            column=_arg(args, "column"),
            default_country=_arg(args, "default_country"),
            keep_duplicates=bool(_arg(args, "keep_duplicates", False)),
            rejects=_arg(args, "rejects"),
            progress=_progress_printer(err),
        )
    except InputError as exc:
        raise _Failure(exc.message) from None
    except HashCancelled:
        raise _Failure("cancelled; nothing was written") from None
    except OutputClash as exc:
        raise _Usage(exc.message) from None
    except ValueError as exc:  # bad --type / --default-country
        raise _Usage(str(exc)) from None
    except OSError as exc:
        raise _Failure(_os_problem(exc, str(args.input))) from None


def _check_paths(args: argparse.Namespace) -> None:
    """Refuse (OutputClash) an output that is the input, another output or one of snapdesk's
    own files, before a byte of the input is read."""
    output = _arg(args, "output")
    rejects = _arg(args, "rejects")
    protected = outputs.snapdesk_files()
    if output is not None:
        check_outputs(
            args.input,
            output=output,
            rejects=rejects,
            output_label="-o",
            rejects_label="--rejects",
            protected=protected,
        )
    elif rejects is not None:
        outputs.check_distinct(
            inputs=[outputs.named("the input", args.input), *protected],
            outputs=[outputs.named("--rejects", rejects)],
        )


def _with_output(report: HashReport, output: str | None) -> HashReport:
    """The report as the user sees it: the list went to `output` (None: standard output)."""
    lists = tuple(
        dataclasses.replace(item, output=Path(output) if output else None) for item in report.lists
    )
    return dataclasses.replace(report, lists=lists)


def _stream_to(report: HashReport, output: str | None, out: TextIO) -> None:
    """Copy the one hashed list to standard output, or to `output` (a device or a FIFO)."""
    if len(report.lists) > 1:
        names = ", ".join(c.name for c in report.columns)
        raise _Failure(
            f"several identifier columns ({names}): pass -o FILE to write one file per "
            "schema (FILE.EMAIL_SHA256.csv, …) or --column NAME to pick one"
        )
    path = report.lists[0].output
    assert path is not None
    with path.open("rb") as fh:
        if output is not None:
            with outputs.AtomicFiles() as files:
                shutil.copyfileobj(fh, files.open(output, private=True), 1 << 20)
                files.commit()
            return
        out.flush()
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            shutil.copyfileobj(fh, buffer, 1 << 20)
            buffer.flush()
        else:
            out.write(fh.read().decode("ascii"))


def cmd_hash(
    args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Hash a customer list offline: CSV of SHA-256 (header = Snap schema) per schema.

    Outputs (-o, its per-schema files, --rejects) that are the input, each other or snapdesk's
    own files are refused before anything is read (exit 2). Files are written beside their
    targets and renamed, owner-only (0600); a failure leaves nothing behind and names the path
    as given. A closed standard output is the CLI's business (snapdesk.cli)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    output = _arg(args, "output")
    as_json = bool(_arg(args, "json", False))
    if output is None and as_json:
        return _fail("--json needs -o OUT (the hashes would share standard output)", err, 2)
    try:
        _check_paths(args)
        streamed = output is None or outputs.writes_in_place(output)
        if not streamed:
            report = _run_hash(args, Path(output), err)
        else:
            with workdirs.workdir("hash") as tmp:
                report = _run_hash(args, tmp / "hashes.csv", err)
                try:
                    _stream_to(report, output, out)
                except OutputWriteError as exc:
                    raise _Failure(exc.message) from None
            report = _with_output(report, output)
    except OutputClash as exc:
        return _fail(exc.message, err, 2)
    except _Usage as exc:
        return _fail(str(exc), err, 2)
    except _Failure as exc:
        return _fail(str(exc), err)
    except OSError as exc:  # the work folder could not be made
        return _fail(_os_problem(exc, str(args.input)), err)
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False), file=out)
    else:
        target = err if output is None else out
        for line in _summary_lines(report, paths=output is not None):
            print(line, file=target)
    return 0


# ---------------------------------------------------------------------------- push


def _default_api_factory() -> Any:
    from snapdesk.api import SnapApi

    try:
        from snapdesk.auth import token_provider_for_cli

        provider = token_provider_for_cli(None)
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise _Failure(f"{message} (set SNAPDESK_ACCESS_TOKEN, or run `snapdesk login`)") from exc
    return SnapApi(base_url=config.api_base(), token_provider=provider)


def _print_rehearsal(
    rehearsal: Any, report: HashReport, args: argparse.Namespace, out: TextIO
) -> None:
    mode = args.mode or "add"
    target = f"new segment {args.new_segment!r}" if args.new_segment else f"segment {args.segment}"
    batches = [b for b in rehearsal.batches if b.schema is not None]
    print(f"DRY-RUN  {mode} {report.written:,} hashed identifiers -> {target}", file=out)
    for schema, count in rehearsal.identifiers.items():
        print(f"  {schema}: {count:,} identifiers", file=out)
    print(f"  {len(batches)} batch(es) of at most 100,000 identifiers, one schema each", file=out)
    if rehearsal.segment_request is not None:
        request = rehearsal.segment_request
        print(f"  {request.describe()}", file=out)
        text = json.dumps(request.body, ensure_ascii=False, indent=2)
        print("    " + text.replace("\n", "\n    "), file=out)
    for batch in rehearsal.batches:
        what = (
            "remove every user"
            if batch.schema is None
            else f"{batch.identifiers:,} {batch.schema} hashes"
        )
        print(f"  {batch.method} /v1{batch.path}  [batch {batch.seq + 1}: {what}]", file=out)
    for schema, sample in rehearsal.samples.items():
        print(f"  sample {schema}:", file=out)
        for h in sample:
            print(f"    {h}", file=out)
    print("Dry run: nothing was sent. Upload for real with --live.", file=out)


def cmd_audience_push(
    args: argparse.Namespace,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    api_factory: ApiFactory | None = None,
    poll_seconds: float = 2.0,
    cancel: threading.Event | None = None,
) -> int:
    """Hash INPUT and upload it to a segment: dry-run (the plan) unless --live."""
    # Imported here, not at the top: `snapdesk hash` must not load the API client and the
    # write gateway it never uses (start-up time).
    from snapdesk.audience.upload import HashFileError, new_segment_fields, rehearse_upload

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    segment = _arg(args, "segment")
    new_segment = _arg(args, "new_segment")
    mode = _arg(args, "mode") or "add"
    retention = _arg(args, "retention_days")
    live = bool(_arg(args, "live", False)) or config.live_mode_from_env()
    if (segment is None) == (new_segment is None):
        return _fail("give exactly one of --segment ID or --new-segment NAME", err, 2)
    if mode not in ("add", "remove", "replace"):
        return _fail("--mode must be add, remove or replace", err, 2)
    if retention is not None and new_segment is None:
        return _fail("--retention-days applies to --new-segment only", err, 2)
    if not _arg(args, "ad_account"):
        return _fail("--ad-account ID is required", err, 2)
    fields = None
    if new_segment is not None:
        try:
            fields = new_segment_fields(new_segment, retention_days=retention)
        except ValueError as exc:
            return _fail(str(exc), err, 2)
        if mode != "add":
            return _fail(f"--mode {mode} needs an existing --segment", err, 2)
    hash_args = argparse.Namespace(input=args.input, type=_arg(args, "type") or "auto")
    try:
        tmp = workdirs.make("push")  # swept at the next start if this process is killed
    except OSError as exc:
        return _fail(_os_problem(exc, str(args.input)), err)
    try:
        try:
            report = _run_hash(hash_args, tmp / "list.csv", err)
        except _Usage as exc:
            return _fail(str(exc), err, 2)
        except _Failure as exc:
            return _fail(str(exc), err)
        for line in _summary_lines(report, paths=False):
            print(line, file=err)
        if report.written == 0:
            return _fail(f"{report.source.name}: no valid identifiers to upload", err)
        try:
            if not live:
                rehearsal = rehearse_upload(
                    report,
                    ad_account_id=args.ad_account,
                    mode=mode,
                    segment_id=segment,
                    new_segment=fields,
                )
                _print_rehearsal(rehearsal, report, args, out)
                return 0
            return _push_live(
                args, report, fields, mode, out, err, api_factory, poll_seconds, cancel
            )
        except HashFileError as exc:
            return _fail(str(exc), err)
        except _Failure as exc:
            return _fail(str(exc), err)
    finally:
        workdirs.remove(tmp)


def _push_live(
    args: argparse.Namespace,
    report: HashReport,
    fields: dict[str, Any] | None,
    mode: str,
    out: TextIO,
    err: TextIO,
    api_factory: ApiFactory | None,
    poll_seconds: float,
    cancel: threading.Event | None,
) -> int:
    from snapdesk.api import SnapError
    from snapdesk.audience.upload import TARGETABLE_MIN, run_upload, start_upload
    from snapdesk.changes import ChangeError, SegmentUploads, UploadProgress
    from snapdesk.store import Store

    paths = config.Paths.from_env().ensure()
    try:
        store = Store(paths.database)
    except Exception as exc:
        raise _Failure(f"can't open the local cache ({exc})") from exc
    if mode == "replace":
        print(f"LIVE: replace removes every user of segment {args.segment} first", file=err)

    def show(p: UploadProgress) -> None:
        print(
            f"  {p.phase}: {p.batches_done}/{p.batches_total} batches, "
            f"{p.identifiers_done:,}/{p.identifiers_total:,} identifiers — {p.message}",
            file=err,
            flush=True,
        )

    async def run() -> int:
        api = (api_factory or _default_api_factory)()
        try:
            uploads = SegmentUploads(
                api=api, store=store, profile="default", poll_seconds=poll_seconds
            )
            upload = start_upload(
                uploads,
                report,
                ad_account_id=args.ad_account,
                mode=mode,
                segment_id=args.segment,
                new_segment=fields,
            )
            if upload.batches_sent or upload.state != "pending":
                print(
                    f"LIVE: resuming upload {upload.id[:8]} at batch {upload.batches_sent + 1} "
                    f"of {len(upload.batches)}",
                    file=err,
                )
            else:
                print(f"LIVE: uploading {len(upload.batches)} batch(es)", file=err)
            result = await run_upload(uploads, upload.id, progress=show, cancel=cancel)
        finally:
            await api.aclose()
        outcome = result.outcome
        if outcome.cancelled:
            raise _Failure("cancelled; run the same command again to resume")
        if outcome.error:
            raise _Failure(f"{outcome.error}; run the same command again to resume")
        seg = result.segment or {}
        print(
            f"Segment {seg.get('name')!r} ({seg.get('id')}): upload {seg.get('upload_status')}, "
            f"about {seg.get('approximate_number_users', 0):,} users, "
            f"targetable {seg.get('targetable_status')}",
            file=out,
        )
        if result.few_users:
            print(
                f"snapdesk: warning: fewer than {TARGETABLE_MIN:,} matched users; "
                "Snap can't target this segment yet",
                file=err,
            )
        return 0

    try:
        return asyncio.run(run())
    except (SnapError, ChangeError) as exc:
        raise _Failure(f"{exc.message}; run the same command again to resume") from exc
    finally:
        store.close()

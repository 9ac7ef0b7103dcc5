"""Where a hashed list goes, and the check that it goes nowhere it must not.

    output_path_for("out.csv", "EMAIL_SHA256", several=True)   # out.EMAIL_SHA256.csv
    check_outputs("list.csv", output="out.csv", rejects="rejects.csv",
                  output_label="-o", rejects_label="--rejects")    # OutputClash, nothing read
    save_outputs(list_path, [(checked_file, chosen_path), ...])    # the app's "Save …" buttons

One schema → exactly `output`. Several → `output` with the schema name before the suffix. The
rule itself (same file through links, spellings or case) is `snapdesk.core.outputs`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from snapdesk.audience.normalize import SCHEMA_FOR_TYPE
from snapdesk.core.outputs import (
    AtomicFiles,
    Named,
    OutputClash,
    OutputWriteError,
    check_distinct,
    describe,
    named,
    snapdesk_files,
)


def output_path_for(output: str | os.PathLike[str], schema: str, *, several: bool) -> Path:
    """`out.csv` for one schema; `out.EMAIL_SHA256.csv` for each of several."""
    path = Path(output)
    if not several:
        return path
    suffix = path.suffix or ".csv"
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}.{schema}{suffix}")


def check_outputs(
    source: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str],
    rejects: str | os.PathLike[str] | None = None,
    output_label: str = "the output",
    rejects_label: str = "the rejects file",
    protected: Sequence[Named] = (),
) -> None:
    """Raise `OutputClash` before a byte is read when an output would replace the input, another
    output or a `protected` file. Every list name `output` may take is checked (the schemas are
    known only once the file is read): `out.csv` and `out.EMAIL_SHA256.csv`, ….
    The labels are how the caller's user knows the paths (`-o`, `--rejects`)."""
    outs = [named(output_label, output)]
    for schema in dict.fromkeys(SCHEMA_FOR_TYPE.values()):
        derived = output_path_for(output, schema, several=True)
        outs.append(
            Named(derived, f"the {schema} list of {output_label} {os.fspath(output)} ({derived})")
        )
    if rejects is not None:
        outs.append(named(rejects_label, rejects))
    check_distinct(inputs=[named("the input", source), *protected], outputs=outs)


def save_outputs(source_list: Path | None, copies: Sequence[tuple[Path, Path]]) -> None:
    """Copy each checked file (hashed list, rejects) to where the user chose, owner-only and
    atomically, after refusing a destination that is the customer list (`source_list`), another
    destination or snapdesk's own files. Nothing is copied unless every destination passes; a
    failed copy leaves no temporary file (OutputWriteError names the destination)."""
    inputs = [named("the customer list", source_list)] if source_list is not None else []
    check_distinct(
        inputs=[*inputs, *snapdesk_files()],
        outputs=[named("", dest) for _, dest in copies],
        advice="choose another file name",
    )
    with AtomicFiles() as files:
        for src, dest in copies:
            with src.open("rb") as fh:
                shutil.copyfileobj(fh, files.open(dest, private=True), 1 << 20)
        files.commit()


def save_problem(exc: Exception) -> str:
    """What a window says when saving failed: the path as chosen and the cause, no class name."""
    if isinstance(exc, (OutputClash, OutputWriteError)):
        return f"Not saved: {exc.message}"
    if isinstance(exc, OSError):
        return f"Not saved: {describe(exc, exc.filename or 'the file')}"
    return f"Not saved: {exc}"

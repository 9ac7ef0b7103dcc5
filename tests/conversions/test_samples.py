"""The sample CSVs in resources/samples load as documented (web, app, offline, with errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snapdesk.conversions import LoadOptions, load_events, write_sample
from tests.conversions.conftest import NOW

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.mark.parametrize(
    ("variant", "source", "valid", "invalid"),
    [
        ("web", "web", 8, 0),
        ("app", "app", 4, 0),
        ("offline", "offline", 5, 0),
        ("web_errors", "web", 8, 6),
    ],
)
def test_static_samples(
    variant: str, source: str, valid: int, invalid: int, tmp_path: Path
) -> None:
    path = SAMPLES / f"conversion_events_{variant}.csv"
    result = load_events(path, LoadOptions(source=source, now=NOW))  # type: ignore[arg-type]
    assert (result.valid_count, result.invalid_count) == (valid, invalid), result.report_lines()
    fresh = write_sample(tmp_path / path.name, variant, now=NOW)  # type: ignore[arg-type]
    assert fresh.read_bytes() == path.read_bytes()  # the files are what the generator writes


def test_fresh_samples_are_inside_the_window(tmp_path: Path) -> None:
    for variant in ("web", "app", "offline"):
        result = load_events(
            write_sample(tmp_path / f"{variant}.csv", variant), LoadOptions(source=variant)
        )
        assert result.invalid_count == 0, result.report_lines()

"""Saved views of the grid (snapdesk.grid.views): a view round-trips through the JSON file with
its columns, widths, filters, sort and date range (custom ranges too); names are unique
regardless of case; a file that is not JSON, not the right shape, from a newer snapdesk or
naming columns that no longer exist is kept beside itself and explained, never fatal."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest

from snapdesk.config import Paths
from snapdesk.core.kinds import AD, AD_SQUAD, CAMPAIGN
from snapdesk.grid.columns import default_visible
from snapdesk.grid.perf import DateRange
from snapdesk.grid.query import Condition, FilterSpec
from snapdesk.grid.views import VIEWS_FILE, SavedView, ViewStore


def big_spenders() -> SavedView:
    return SavedView(
        name="Big spenders",
        level=AD_SQUAD,
        columns=("name", "account", "status", "bid", "stats_spend", "stats_roas"),
        filters=FilterSpec(
            "spring",
            (
                Condition("status", "is", ("ACTIVE",)),
                Condition("stats_spend", "gt", "100"),
                Condition("", "delivery_issue"),
            ),
        ),
        sort=("stats_spend", True),
        date_range=DateRange.custom(date(2026, 3, 1), date(2026, 3, 31)),
        widths={"name": 320, "stats_spend": 96},
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / VIEWS_FILE


def test_a_view_round_trips_through_the_file(path: Path) -> None:
    views = ViewStore(path)
    assert views.views() == [] and views.messages == []
    view = big_spenders()
    views.save(view)
    again = ViewStore(path)
    assert again.messages == []
    assert again.get("big SPENDERS") == view
    assert again.views(AD_SQUAD) == [view] and again.views(AD) == []
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["version"] == 1
    assert raw["views"][0]["date_range"] == {
        "preset": "custom",
        "first": "2026-03-01",
        "last": "2026-03-31",
    }
    assert raw["views"][0]["sort"] == {"column": "stats_spend", "descending": True}
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the user's own settings


def test_names_are_unique_regardless_of_case_and_sorted(path: Path) -> None:
    views = ViewStore(path)
    views.save(big_spenders())
    views.save(SavedView(name="active campaigns", level=CAMPAIGN, columns=("name", "status")))
    replaced = SavedView(name="BIG SPENDERS", level=AD, columns=("name",))
    views.save(replaced)
    assert [v.name for v in ViewStore(path).views()] == ["active campaigns", "BIG SPENDERS"]
    assert ViewStore(path).get("big spenders") == replaced
    assert views.delete("Big Spenders")
    assert not views.delete("Big Spenders")
    assert [v.name for v in ViewStore(path).views()] == ["active campaigns"]


@pytest.mark.parametrize(("name", "message"), [("  ", "Give the view a name"), ("x" * 81, "80")])
def test_unusable_names_are_refused(path: Path, name: str, message: str) -> None:
    views = ViewStore(path)
    with pytest.raises(ValueError, match=message):
        views.save(SavedView(name=name, level=CAMPAIGN, columns=("name",)))
    assert not path.exists()


def test_a_file_that_is_not_json_is_kept_and_explained(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text('{"version": 1, "views": [{"name": "half', encoding="utf-8")
    views = ViewStore(path)
    assert views.views() == []
    [message] = views.messages
    assert message.startswith(f"{VIEWS_FILE} is not valid JSON (line 1); it was kept as ")
    assert message.endswith("and saved views start empty")
    [backup] = path.parent.glob(f"{VIEWS_FILE}.bad-*")
    assert backup.read_text(encoding="utf-8").startswith('{"version": 1')
    # the next save writes a good file; the copy of the bad one stays
    views.save(big_spenders())
    assert ViewStore(path).get("Big spenders") == big_spenders()
    assert backup.exists()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ('{"views": "no"}', "is not a list of views"),
        ("42", "is not a list of views"),
        (b"\xff\xfe\x00bad", "couldn't be read"),
    ],
)
def test_files_of_the_wrong_shape(path: Path, content: str | bytes, why: str) -> None:
    path.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    views = ViewStore(path)
    assert views.views() == []
    assert why in views.messages[0]
    assert list(path.parent.glob(f"{VIEWS_FILE}.bad-*"))


def test_views_that_no_longer_fit_lose_only_what_is_gone(path: Path) -> None:
    good = big_spenders().to_json()
    stale = dict(good, name="Stale")
    stale["columns"] = ["name", "retired_column", "bid"]
    stale["sort"] = {"column": "retired_column", "descending": False}
    stale["filters"] = {
        "text": "",
        "conditions": [
            {"column": "status", "op": "is", "value": ["ACTIVE"]},
            {"column": "retired_column", "op": "gt", "value": "1"},
            {"column": "review_status", "op": "is", "value": ["APPROVED"]},  # an ads column
        ],
    }
    stale["widths"] = {"name": 99999, "bid": True, "retired_column": 80}
    nameless = dict(good, name="")
    alien = dict(good, name="Alien", level="organization")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "views": [good, stale, nameless, alien]}), "utf-8")
    views = ViewStore(path)
    assert [v.name for v in views.views()] == ["Big spenders", "Stale"]
    kept = views.get("Stale")
    assert kept is not None
    assert kept.columns == ("name", "bid")
    assert kept.sort is None
    assert kept.filters.conditions == (Condition("status", "is", ("ACTIVE",)),)
    assert kept.widths == {"name": 2000}
    text = "\n".join(views.messages)
    assert "left out unknown column retired_column" in text
    assert "sorted by retired_column, which no longer exists" in text
    assert "left out a view without a name" in text
    assert "unknown level 'organization'" in text
    assert list(path.parent.glob(f"{VIEWS_FILE}.bad-*"))  # the original is kept


def test_a_view_without_usable_columns_gets_the_levels_defaults(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps([{"name": "Bare", "level": "ad", "columns": ["gone"]}]), "utf-8")
    view = ViewStore(path).get("Bare")  # the first format: a bare list
    assert view is not None and view.columns == tuple(default_visible(AD))
    assert view.date_range == DateRange() and view.filters == FilterSpec()


def test_a_file_from_a_newer_snapdesk_is_read_and_kept(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 9, "views": [big_spenders().to_json()]}), "utf-8")
    views = ViewStore(path)
    assert views.get("Big spenders") == big_spenders()
    assert "was written by a newer snapdesk (format 9)" in views.messages[0]
    assert "start empty" not in views.messages[0]


def test_for_paths_uses_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAPDESK_CONFIG_DIR", str(tmp_path / "cfg"))
    views = ViewStore.for_paths(Paths.from_env())
    assert views.path == tmp_path / "cfg" / VIEWS_FILE


def test_date_ranges_read_back_safely() -> None:
    assert DateRange.from_json({"preset": "last_14"}) == DateRange.of("last_14")
    assert DateRange.from_json({"preset": "custom", "first": "2026-03-09"}) == DateRange()
    assert DateRange.from_json({"preset": "next_year"}) == DateRange()
    assert DateRange.from_json(None) == DateRange()
    with pytest.raises(ValueError, match="ends before it starts"):
        DateRange.custom(date(2026, 3, 2), date(2026, 3, 1))

"""Preferences in settings.json: round trip, defaults, specific errors for bad values, the data
folder applied by `Paths.from_env()` (the environment always wins), and copying the cache to a
new data folder without ever overwriting or deleting anything."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import platformdirs
import pytest

from snapdesk.config import APP_NAME, Paths
from snapdesk.core.settings import (
    DEFAULT_REFRESH_INTERVAL_MINUTES,
    AppSettings,
    FxRate,
    SettingsError,
    SpendGuards,
    load_settings,
    save_settings,
    settings_path,
)
from snapdesk.stats import REFRESH_INTERVAL
from snapdesk.store.relocate import (
    CopyCancelled,
    CopyProgress,
    DataFolderError,
    check_data_folder,
    copy_databases,
)


def _write(raw: object) -> Path:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_defaults_keep_todays_behaviour() -> None:
    settings = load_settings()
    assert settings.default_country is None
    assert settings.live_confirmation == "always"
    assert settings.theme == "system"
    assert settings.refresh_interval_minutes == DEFAULT_REFRESH_INTERVAL_MINUTES
    assert settings.refresh_interval_minutes * 60 == REFRESH_INTERVAL.total_seconds()
    assert settings.data_dir is None
    assert settings.welcomed is False


def test_every_preference_round_trips(tmp_path: Path) -> None:
    chosen = AppSettings(
        spend_guards=SpendGuards(
            max_budget_increase_percent=Decimal("20"),
            max_budget_increase={"EUR": Decimal("300")},
            max_bid={"USD": Decimal("4.5")},
        ),
        fx_rates=(
            FxRate.from_json({"date": "2024-05-01", "currency": "EUR", "rate_to_usd": "1.07"}),
        ),
        default_country="gb",
        live_confirmation="each_post",
        theme="dark",
        refresh_interval_minutes=15,
        data_dir=tmp_path / "elsewhere",
        welcomed=True,
    )
    assert chosen.default_country == "GB"  # normalised
    save_settings(chosen)
    loaded = load_settings()
    assert loaded == chosen
    raw = json.loads(settings_path().read_text(encoding="utf-8"))
    assert raw["data_dir"] == str(tmp_path / "elsewhere")
    assert raw["refresh_interval_minutes"] == 15
    # Off is a valid interval, and None/system come back as such.
    save_settings(replace(chosen, refresh_interval_minutes=0, default_country=None, data_dir=None))
    again = load_settings()
    assert (again.refresh_interval_minutes, again.default_country, again.data_dir) == (
        0,
        None,
        None,
    )


def test_a_file_from_before_the_preferences_loads_with_defaults() -> None:
    _write({"spend_guards": {"max_bid": {"USD": "3"}}, "media_poll_seconds": 1})
    settings = load_settings()
    assert settings.spend_guards.max_bid == {"USD": Decimal("3")}
    assert (settings.theme, settings.live_confirmation) == ("system", "always")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("default_country", "XX", r"default_country: 'XX' is not a country code"),
        ("default_country", 44, r'default_country must be a two-letter country code like "GB"'),
        ("live_confirmation", "never", r'live_confirmation must be one of "always", "each_post"'),
        ("theme", "blue", r'theme must be one of "system", "light", "dark", not \'blue\''),
        ("refresh_interval_minutes", 2, r"must be 0 \(off\) or between 5 and 1440 minutes"),
        ("refresh_interval_minutes", "hourly", r"must be a whole number of minutes"),
        ("refresh_interval_minutes", True, r"must be a whole number of minutes"),
        ("data_dir", "relative/dir", r"data_dir must be an absolute folder path"),
        ("data_dir", 5, r"data_dir must be a folder path"),
        ("welcomed", "yes", r"welcomed must be true or false"),
    ],
)
def test_bad_values_name_the_file_and_key_and_leave_the_file_alone(
    key: str, value: object, message: str
) -> None:
    path = _write({"theme": "dark", key: value})
    before = path.read_bytes()
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{path}: ")
    assert path.read_bytes() == before  # nothing rewrote or "repaired" the user's file


def test_bad_values_are_refused_in_code_too() -> None:
    with pytest.raises(SettingsError, match="theme must be one of"):
        AppSettings(theme="sepia")
    with pytest.raises(SettingsError, match="is not a country code"):
        AppSettings(default_country="UK")  # the ISO code is GB


# -- the data folder -----------------------------------------------------------------------


def test_data_dir_from_settings_applies_when_the_environment_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_data = Paths.from_env().data_dir
    chosen = tmp_path / "my data"
    save_settings(AppSettings(data_dir=chosen))
    # The environment wins (the DESIGN.md contract) ...
    assert Paths.from_env().data_dir == env_data
    assert Paths.from_env().log_dir == env_data / "logs"
    # ... and without it the saved choice replaces the platformdirs default.
    monkeypatch.delenv("SNAPDESK_DATA_DIR")
    paths = Paths.from_env()
    assert paths.data_dir == chosen
    assert paths.database == chosen / "cache.sqlite3"
    assert paths.log_dir == Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    save_settings(AppSettings(data_dir=None))
    assert Paths.from_env().data_dir == Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def test_an_unreadable_settings_file_never_stops_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SNAPDESK_DATA_DIR")
    default = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    _write({"data_dir": "not/absolute"})
    assert Paths.from_env().data_dir == default
    settings_path().write_text("{broken", encoding="utf-8")
    assert Paths.from_env().data_dir == default
    with pytest.raises(SettingsError, match="not valid JSON"):
        load_settings()  # where the settings are used, the problem is reported


def test_check_data_folder_creates_it_and_says_why_it_cant(tmp_path: Path) -> None:
    target = tmp_path / "new" / "nested"
    assert check_data_folder(target) == target and target.is_dir()
    assert list(target.iterdir()) == []  # the write probe is cleaned up
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(DataFolderError, match="is a file, not a folder"):
        check_data_folder(a_file)
    with pytest.raises(DataFolderError, match="can't be created"):
        check_data_folder(a_file / "sub")
    with pytest.raises(DataFolderError, match="full folder path"):
        check_data_folder(Path("relative"))


def _database(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x TEXT)")
        db.executemany("INSERT INTO t VALUES (?)", [("row" * 100,)] * rows)
    db.close()


def _count(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT count(*) FROM t").fetchone()[0])
    finally:
        db.close()


def test_copy_keeps_the_old_folder_and_never_overwrites(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    _database(old / "cache.sqlite3", 3000)
    new.mkdir()
    _database(new / "sandbox.sqlite3", 1)
    _database(old / "sandbox.sqlite3", 5)
    seen: list[CopyProgress] = []

    report = copy_databases(old, new, progress=seen.append)

    assert report.copied == ["cache.sqlite3"] and report.kept == ["sandbox.sqlite3"]
    assert _count(new / "cache.sqlite3") == 3000
    assert _count(new / "sandbox.sqlite3") == 1  # the one already there is left as it is
    assert _count(old / "cache.sqlite3") == 3000 and _count(old / "sandbox.sqlite3") == 5
    assert seen and seen[-1].done_pages == seen[-1].total_pages
    with pytest.raises(DataFolderError, match="is the current one"):
        copy_databases(old, old)


def test_a_cancelled_copy_leaves_nothing_behind(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    _database(old / "cache.sqlite3", 20000)
    cancel = threading.Event()

    def on_progress(progress: CopyProgress) -> None:
        cancel.set()

    with pytest.raises(CopyCancelled):
        copy_databases(old, new, progress=on_progress, cancel=cancel)
    assert list(new.iterdir()) == []
    assert _count(old / "cache.sqlite3") == 20000

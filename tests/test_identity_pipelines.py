"""Both pipelines that hash identifiers give the same answer for every identifier (issue 14).

The customer-list path (`snapdesk.audience._fast`: the single-column chunk path, with the C
accelerator when it is built and with the numpy/hashlib fallback, and the parsed-rows path) and
the Conversions API row mapping (`snapdesk.conversions.mapping.map_row`) must turn the same email,
phone or mobile advertiser id into the same SHA-256, or both reject it for the same reason.
They go through their real entry points here, not through the shared module.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapdesk.audience import _fast, hash_file
from snapdesk.conversions import LoadOptions
from snapdesk.conversions.mapping import map_row, plan_columns

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
HOUR_AGO = str(int((NOW - timedelta(hours=1)).timestamp()))
URL = "https://shop.example.com/p"
FIELD = {"email": "em", "phone": "ph", "maid": "madid"}
CORPUS = Path(__file__).parent / "core" / "data" / "phone_corpus.csv"
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "300"))
_HEX64 = re.compile(r"[0-9a-f]{64}")

Outcome = tuple[str, str]  # ("hash", hex) | ("rejected", reason) | ("blank", "")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _same_reason(code: str, text: str) -> bool:
    """Whether the Conversions report's `text` says what the customer list's reject `code`
    says (a dropped optional value adds "; value not sent"; a phone without country code also
    says where a country can come from)."""
    from snapdesk.core import identity

    text = text.removesuffix("; value not sent")
    if code == identity.NO_COUNTRY_CODE:
        return text.startswith("phone number without country code")
    return text == identity.describe_reason(code)


# ------------------------------------------------------------------------- customer lists


def _per_line(
    values: list[str], digests: bytes, rejects: dict[int, str], single: Any
) -> list[Outcome]:
    """Per-value outcomes from a chunk's result: rejected lines by index, the digests in order
    over the others; when some line was blank (fewer digests), each remaining line alone."""
    kept = [i for i in range(len(values)) if i not in rejects]
    out: list[Outcome] = [("rejected", rejects.get(i, "")) for i in range(len(values))]
    if len(digests) == 32 * len(kept):
        for k, i in enumerate(kept):
            out[i] = ("hash", digests[32 * k : 32 * k + 32].hex())
        return out
    for i in kept:
        out[i] = single(values[i])
    return out


def list_chunk(values: list[str], id_type: str, country: str | None) -> list[Outcome]:
    """Every value through `process_single_column` (one line each, one chunk)."""
    data = ("\n".join(values) + "\n").encode("utf-8")
    out = _fast.process_single_column(data, id_type=id_type, default_country=country, schema="S")
    assert out.lines == len(values)
    rejects = {row: reason for row, _col, reason, _cell in out.rejects}

    def single(value: str) -> Outcome:
        one = _fast.process_single_column(
            (value + "\n").encode("utf-8"), id_type=id_type, default_country=country, schema="S"
        )
        if one.rejects:
            return ("rejected", one.rejects[0][2])
        blob = one.digests.get("S", b"")
        return ("hash", blob.hex()) if blob else ("blank", "")

    return _per_line(values, out.digests.get("S", b""), rejects, single)


def list_chunk_without_c(values: list[str], id_type: str, country: str | None) -> list[Outcome]:
    saved = _fast._native
    _fast._native = None
    try:
        return list_chunk(values, id_type, country)
    finally:
        _fast._native = saved


def list_rows(values: list[str], id_type: str, country: str | None) -> list[Outcome]:
    """Every value through `process_rows` (the path of files with several columns)."""
    rows = [(i, [v]) for i, v in enumerate(values)]
    out = _fast.process_rows(rows, columns=[(0, id_type, "S")], default_country=country)
    rejects = {row: reason for row, _col, reason, _cell in out.rejects}

    def single(value: str) -> Outcome:
        one = _fast.process_rows(
            [(0, [value])], columns=[(0, id_type, "S")], default_country=country
        )
        if one.rejects:
            return ("rejected", one.rejects[0][2])
        blob = one.digests.get("S", b"")
        return ("hash", blob.hex()) if blob else ("blank", "")

    return _per_line(values, out.digests.get("S", b""), rejects, single)


# ------------------------------------------------------------------------- Conversions API


def capi(
    values: list[str],
    id_type: str,
    *,
    default_country: str | None = None,
    row_country: str | None = None,
) -> list[Outcome]:
    """Every value as the `em`/`ph`/`madid` cell of one web event row through `map_row`.

    A mobile advertiser id is sent unhashed (lower-cased); its outcome is the SHA-256 the
    customer list would upload for it (a 64-hex value passes through as it is)."""
    field = FIELD[id_type]
    header = ["event_name", "event_time", "event_source_url", field]
    if row_country is not None:
        header.append("country")
    plan = plan_columns(header, "web")
    extra: dict[str, Any] = {}
    if default_country is not None:
        extra["default_country"] = default_country
    options = LoadOptions(now=NOW, **extra)
    out: list[Outcome] = []
    for i, value in enumerate(values):
        cells = ["PAGE_VIEW", HOUR_AGO, URL, value]
        if row_country is not None:
            cells.append(row_country)
        outcome = map_row(plan, cells, row=i + 2, options=options, now=NOW)
        issues = [issue for issue in outcome.issues if issue.field == field]
        if issues:
            out.append(("rejected", issues[0].reason))
            continue
        user = (outcome.event or {}).get("user_data", {})
        if field not in user:
            out.append(("blank", ""))
        elif id_type == "maid":
            plain = user[field]
            out.append(("hash", plain if _HEX64.fullmatch(plain) else sha(plain)))
        else:
            assert len(user[field]) == 1
            out.append(("hash", user[field][0]))
    return out


def _agree(
    values: list[str],
    id_type: str,
    *,
    list_country: str | None,
    capi_default: str | None = None,
    row_country: str | None = None,
) -> None:
    expected = list_chunk(values, id_type, list_country)
    assert list_chunk_without_c(values, id_type, list_country) == expected
    assert list_rows(values, id_type, list_country) == expected
    got = capi(values, id_type, default_country=capi_default, row_country=row_country)
    for value, mine, theirs in zip(values, expected, got, strict=True):
        if mine[0] == "rejected" and theirs[0] == "rejected":
            assert _same_reason(mine[1], theirs[1]), (value, mine, theirs)
        else:
            assert theirs == mine, (value, mine, theirs)


# ------------------------------------------------------------------------- regressions


def test_trunk_zero_after_the_country_code_hashes_the_same() -> None:
    values = ["+44 (0)20 7946 0958", "0044 (0)20 7946 0958", "+33 (0)6 12 34 56 78"]
    _agree(values, "phone", list_country=None)
    assert list_chunk(values[:1], "phone", None) == [("hash", sha("442079460958"))]
    assert capi(values[:1], "phone") == [("hash", sha("442079460958"))]


def test_a_phone_without_country_code_is_never_hashed_bare() -> None:
    # (415) 555-2671 has no country code: 4155552671 can match nobody
    for outcome in capi(["(415) 555-2671", "07700 900123"], "phone"):
        assert outcome[0] == "rejected" and "country code" in outcome[1]
    assert [o[0] for o in list_chunk(["(415) 555-2671"], "phone", None)] == ["rejected"]


def test_a_default_country_reads_national_numbers_in_both_pipelines() -> None:
    _agree(["(415) 555-2671"], "phone", list_country="US", capi_default="US")
    assert capi(["(415) 555-2671"], "phone", default_country="US") == [("hash", sha("14155552671"))]


def test_the_rows_own_country_comes_before_the_default() -> None:
    expected = [("hash", sha("14155552671")), ("hash", sha("447700900123"))]
    assert (
        capi(["(415) 555-2671"], "phone", row_country="United States", default_country="GB")[0]
        == expected[0]
    )
    assert capi(["07700 900123"], "phone", row_country="gb") == expected[1:]
    _agree(["07700 900123"], "phone", list_country="GB", row_country="GB")


def test_letters_are_not_a_phone_number() -> None:
    for raw in ("+1 800 FLOWERS", "1-800-FLOWERS", "+44 20 7946 0958 ext 12"):
        assert capi([raw], "phone")[0][0] == "rejected", raw
        assert list_chunk([raw], "phone", None)[0][0] == "rejected", raw
    _agree(["+1 800 FLOWERS"], "phone", list_country="US", capi_default="US")


INVISIBLE = ["\ufeff", "\u00a0", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u202f"]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_invisible_characters_are_ignored_the_same_way(mark: str) -> None:
    cases = [
        ("email", f"{mark}Person@Example.com", sha("person@example.com")),
        ("email", f"Person@Example.com{mark}", sha("person@example.com")),
        ("phone", f"{mark}+44 844 412 4653", sha("448444124653")),
        ("phone", f"+44 844 412 4653{mark}", sha("448444124653")),
        ("maid", f"{mark}6D92078A-8246-4BA4-AE5B-76104861E7DC{mark}",
         sha("6d92078a-8246-4ba4-ae5b-76104861e7dc")),
    ]  # fmt: skip
    for id_type, raw, digest in cases:
        assert list_chunk([raw], id_type, None) == [("hash", digest)], (id_type, raw)
        assert capi([raw], id_type) == [("hash", digest)], (id_type, raw)
        _agree([raw], id_type, list_country=None)


def test_zero_width_characters_inside_a_value_are_ignored() -> None:
    for raw in (
        "per\u200bson@example.com",
        "person@exam\u2060ple.com",
        "\ufeff\ufeffperson@example.com",
    ):
        assert list_chunk([raw], "email", None) == [("hash", sha("person@example.com"))], raw
        _agree([raw], "email", list_country=None)
    _agree(["+44\u200b844 412\u2060 4653"], "phone", list_country=None)


def test_prehashed_values_pass_through_lower_cased() -> None:
    digest = sha("person@example.com")
    for id_type in ("email", "phone", "maid"):
        assert list_chunk([digest.upper()], id_type, None) == [("hash", digest)]
        assert capi([f" {digest.upper()} "], id_type) == [("hash", digest)]


def test_a_bad_mobile_advertiser_id_is_rejected_by_both() -> None:
    values = ["123ABC", "00000000-0000-0000-0000-000000000000", "6d92078a82464ba4ae5b76104861e7dc"]
    _agree(values, "maid", list_country=None)
    assert all(o[0] == "rejected" for o in capi(values, "maid"))


def _corpus() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_phone_corpus_is_large_and_international() -> None:
    rows = _corpus()
    assert len(rows) >= 150 and len({r["region"] for r in rows}) >= 20
    assert sum("(0)" in r["raw"] for r in rows) >= 20  # the "+CC (0)…" form
    assert sum(r["raw"].startswith("00") for r in rows) >= 20


def test_the_phone_corpus_hashes_to_e164_in_both_pipelines() -> None:
    """Each phone (phonenumbers' example numbers in their international, E.164, 00-prefixed,
    national and "+CC (0)…" forms) hashes as the E.164 digits phonenumbers itself gives, through
    the customer-list chunks, the rows path and the Conversions rows."""
    by_country: dict[str, list[dict[str, str]]] = {}
    for row in _corpus():
        by_country.setdefault(row["default_country"], []).append(row)
    for country, rows in by_country.items():
        values = [r["raw"] for r in rows]
        expected = [("hash", sha(r["e164_digits"])) for r in rows]
        cc = country or None
        assert list_chunk(values, "phone", cc) == expected, country
        assert list_chunk_without_c(values, "phone", cc) == expected, country
        assert list_rows(values, "phone", cc) == expected, country
        assert capi(values, "phone", default_country=cc) == expected, country
        if cc is not None:
            assert capi(values, "phone", row_country=cc) == expected, country


def test_the_phone_corpus_through_hash_file(tmp_path: Path) -> None:
    """The whole customer-list pipeline (file in, hashed list out) on the international forms."""
    rows = [r for r in _corpus() if not r["default_country"]]
    src = tmp_path / "phones.csv"
    src.write_text("phone\n" + "\n".join(r["raw"] for r in rows) + "\n", encoding="utf-8")
    report = hash_file(
        src, output=tmp_path / "out.csv", id_type="phone", keep_duplicates=True, workers=1
    )
    assert report.rejected == 0
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines == ["PHONE_SHA256", *(sha(r["e164_digits"]) for r in rows)]


# ------------------------------------------------------------------------- properties

_invisible = st.sampled_from(["", "", "", *INVISIBLE, "\u200e", "\u2061", "\ufeff\u200b"])
_pad = st.sampled_from(["", "", " ", "\t", "  ", "\u00a0", "\u3000"])
_atext = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
_local = st.text(alphabet=_atext + "..", min_size=0, max_size=20)
_label = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=0, max_size=12)
_unicode_local = st.text(alphabet="éüßøæçñÉÜ日本語", min_size=1, max_size=6)


def _join(parts: list[str], marks: list[str]) -> str:
    return "".join(p + m for p, m in zip(parts, marks, strict=False)) + "".join(parts[len(marks) :])


emails = st.builds(
    lambda pad1, mark1, local, uni, at, labels, tld, mark2, pad2: (
        f"{pad1}{mark1}{local}{uni}{at}{'.'.join(labels)}{'.' + tld if tld else ''}{mark2}{pad2}"
    ),
    _pad,
    _invisible,
    _local,
    st.sampled_from(["", "", "", "É", "ü", "\u0065\u0301"]),  # composed and decomposed é
    st.sampled_from(["@", "@", "@", "@", "", "@@", " @", "@\u200b"]),
    st.lists(_label, min_size=0, max_size=3),
    st.sampled_from(["com", "CO", "uk", "io", "c", "12", "xn--p1ai", "", "Com"]),
    _invisible,
    _pad,
)

_COUNTRY_CODES = ["1", "44", "49", "33", "39", "7", "81", "353", "971", "91", "55", "61", "34"]
_digits = st.text(alphabet=string.digits, min_size=1, max_size=5)
_sep = st.sampled_from(["", " ", " ", "-", ".", "/", "\u00a0", "\u2011", "\u200b", "\u2060"])
phones = st.one_of(
    # +CC …, 00CC …, +CC (0) …
    st.builds(
        lambda pad, prefix, cc, trunk, groups, seps, tail: (
            pad + prefix + cc + trunk + _join(groups, seps) + tail
        ),
        _pad,
        st.sampled_from(["+", "+", "00", "+ ", "\ufeff+", "(+", "+0", "000"]),
        st.sampled_from([*_COUNTRY_CODES, "999", "0", ""]),
        st.sampled_from(["", "", " ", " (0)", "(0)", " 0", "-0-"]),
        st.lists(_digits, min_size=1, max_size=5),
        st.lists(_sep, min_size=0, max_size=5),
        st.sampled_from(["", "", " ", " ext 12", " x3", "#", "\u200b", "\ufeff"]),
    ),
    # national numbers (read with a default country, rejected without one)
    st.builds(
        lambda lead, groups, seps, pad: pad + lead + _join(groups, seps) + pad,
        st.sampled_from(["0", "(0", "", "1", "8", "(", "07"]),
        st.lists(_digits, min_size=1, max_size=5),
        st.lists(st.sampled_from(["", " ", "-", ") ", ".", "\u00a0"]), min_size=0, max_size=5),
        _pad,
    ),
    # letters, vanity numbers, junk
    st.sampled_from(["+1 800 FLOWERS", "1-800-FLOWERS", "n/a", "call me", "+", "00", "++44 1",
                     "+44 12", "+1 2", "+1234567890123456", "+44 7911 123456 7890 12"]),
    st.text(alphabet=string.digits + " +-()", min_size=1, max_size=24),
)  # fmt: skip
maids = st.one_of(
    st.builds(
        lambda u, upper, pad, mark: pad + mark + (str(u).upper() if upper else str(u)) + mark + pad,
        st.uuids(),
        st.booleans(),
        _pad,
        _invisible,
    ),
    st.just("00000000-0000-0000-0000-000000000000"),
    st.uuids().map(lambda u: u.hex),  # no hyphens
    st.text(alphabet="0123456789abcdefABCDEF-", min_size=30, max_size=40),
)
prehashed = st.binary(min_size=32, max_size=32).map(lambda b: b.hex().upper())


def _usable(value: str) -> bool:
    """What both entry points take as one cell: no line breaks, not quoted, not a JSON array,
    not blank (a blank cell is skipped by both, before any rule)."""
    return (
        value.strip() != ""
        and not any(c in value for c in "\n\r\x85\u2028\u2029\x0b\x0c\x1c\x1d\x1e")
        and not (len(value.strip()) > 1 and value.strip()[0] == value.strip()[-1] == '"')
        and not (value.strip().startswith("[") and value.strip().endswith("]"))
    )


def _cases(id_type: str) -> st.SearchStrategy[list[str]]:
    kind = {"email": emails, "phone": phones, "maid": maids}[id_type]
    return st.lists(st.one_of(kind, kind, kind, prehashed).filter(_usable), min_size=1, max_size=25)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_emails_hash_or_reject_the_same_in_both_pipelines(data: st.DataObject) -> None:
    _agree(data.draw(_cases("email")), "email", list_country=None)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from([None, "GB", "US", "DE", "FR", "IT", "IN", "RU", "BR", "AU"]))
def test_phones_hash_or_reject_the_same_in_both_pipelines(
    data: st.DataObject, country: str | None
) -> None:
    values = data.draw(_cases("phone"))
    _agree(values, "phone", list_country=country, capi_default=country)
    if country is not None:  # the row's own country column instead of the default
        _agree(values, "phone", list_country=country, row_country=country)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mobile_ad_ids_hash_or_reject_the_same_in_both_pipelines(data: st.DataObject) -> None:
    _agree(data.draw(_cases("maid")), "maid", list_country=None)


# ------------------------------------------------------------------------- the default country


def _push_dry_run(path: Path) -> tuple[int, str, str]:
    import argparse
    import io

    from snapdesk.conversions.cli import cmd_conversions_push

    args = argparse.Namespace(
        input=str(path), pixel="pixel-1", source="offline", test=False, stop_on_invalid=False,
        live=False, map=[], drop=[],
    )  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    code = cmd_conversions_push(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_conversions_push_reads_national_phones_in_the_preferences_country(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from snapdesk.core.settings import AppSettings, save_settings

    monkeypatch.delenv("SNAPCHAT_ADS_LIVE_MODE", raising=False)
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    src = tmp_path / "events.csv"
    src.write_text(
        "event_name,event_time,em,ph,country\n"
        f"SIGN_UP,{when.isoformat()},a@example.com,(415) 555-2671,\n"
        f"SIGN_UP,{when.isoformat()},b@example.com,07700 900123,GB\n"
        f"SIGN_UP,{when.isoformat()},c@example.com,(415) 555-2671,\n",
        encoding="utf-8",
    )
    code, out, err = _push_dry_run(src)  # no default country: the US number is left out
    assert code == 0, err
    assert "row 4: warning: ph: phone number without country code" in err
    assert "default country in Preferences" in err
    assert sha("447700900123") in out  # the row's own country
    assert sha("14155552671") not in out and sha("4155552671") not in out

    save_settings(AppSettings(default_country="US"))
    code, out, err = _push_dry_run(src)
    assert code == 0, err
    assert sha("14155552671") in out and sha("447700900123") in out
    assert "without country code" not in err

"""Hypothesis over every validator and importer: hostile text, numbers, dates and files.

Properties: a validator either accepts (and what it returns obeys the rule) or raises
the documented error, never anything else; an import names the row and the column of
the cell it refuses and imports nothing then; a cell written for a spreadsheet never
starts a formula, even after a tool strips invisible characters. Example counts per test
are printed by `pytest --hypothesis-show-statistics tests/test_fuzz_validators.py`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN_PW, COORD_PW
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from peerdesk.errors import ImportFileError, PasswordPolicyError, UsageError, ValidationError
from peerdesk.models import Resource, SupporterProfile
from peerdesk.services import accounts, importer, participants, sessions, spreadsheet
from peerdesk.services.passwords import MAX_PASSWORD_LENGTH, check_new_password, valid_username
from peerdesk.services.policy import parse_policy_text
from peerdesk.services.reports.period import Period
from peerdesk.services.store import create_store, open_store

# Pure functions get many examples; those that write to a store fewer.
MANY = settings(max_examples=400, deadline=None)
STORE = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a tired user or an attacker pastes: any code point (bar surrogates), weighted
# towards the characters that break parsers and spreadsheets.
TRICKY = (
    "=+-@'\"\t\r\n,;\x00\x1b\u200b\ufeff\u202e\uff1d\uff0b\ufe6b\ufe62\u3000\u00a0 0123456789eE.:/"
)
text = st.text(st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(TRICKY)))
short_text = st.text(
    st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(TRICKY)), max_size=30
)


# -- pure validators ----------------------------------------------------------------------


@MANY
@given(text)
@example("\u212aate")  # KELVIN SIGN lowercases to an ASCII k
@example("İ" * 3)
def test_usernames_are_refused_or_valid_and_stable(raw):
    try:
        name = valid_username(raw)
    except PasswordPolicyError:
        return
    assert 2 <= len(name) <= 64
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    assert valid_username(name) == name


@MANY
@given(text, st.integers(min_value=1, max_value=64), short_text)
@example("a" * (MAX_PASSWORD_LENGTH + 1), 8, "")
@example("ﬀﬀﬀﬀ", 8, "")  # ligatures: NFKC makes them longer
def test_password_policy_refuses_or_returns_a_conforming_password(raw, min_length, username):
    try:
        pw = check_new_password(raw, min_length, username)
    except PasswordPolicyError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert pw == unicodedata.normalize("NFKC", raw)
    assert min_length <= len(pw) <= MAX_PASSWORD_LENGTH
    assert len(set(pw)) > 1
    assert not username or pw.lower() != username.lower()


@MANY
@given(text)
@example("2026-13")
@example("\u0662\u0660\u0662\u0666-03")  # Arabic-Indic digits match \d
@example("9999-01")
def test_report_months_are_refused_or_real_months(raw):
    try:
        period = Period.month(raw)
    except UsageError as exc:
        assert "\n" not in str(exc).replace(raw, "")
        return
    assert period.is_month and period.start.day == 1


@MANY
@given(text, text)
@example("2026-02-30", "2026-03-01")
@example("0001-01-01", "9999-12-31")
@example("2026-03-01", "2026-02-01")
def test_report_date_ranges_are_refused_or_reportable(a, b):
    try:
        period = Period.parse_range(a, b)
    except UsageError:
        return
    assert period.start <= period.end
    assert isinstance(period.start, date)


@MANY
@given(text)
@example("min_password_length = 99999999999999999999999")
@example("idle_lock_minutes = -1")
@example('backup_dir = "\\u0000"')
@example("[x]\ny = 1e400")
def test_policy_files_are_refused_with_the_documented_error(raw):
    try:
        parse_policy_text(raw, "policy.toml")
    except ValidationError as exc:
        assert str(exc)


@MANY
@given(st.integers(min_value=-(2**70), max_value=2**70))
@example(MAX_PASSWORD_LENGTH + 1)
@example(10**22)
def test_a_policy_min_password_length_leaves_a_password_that_can_be_set(n):
    """An accepted minimum must leave some password that passes the policy: otherwise no
    account can be added and nobody can change a password (found by this test)."""
    try:
        parse_policy_text(f"min_password_length = {n}", "policy.toml")
    except ValidationError:
        return
    check_new_password("fuzz password " + "x" * max(0, n - 14), n)


@MANY
@given(text)
@example("²")
@example("1" * 5000)
@example("٣")  # Arabic-Indic three: a decimal digit to Python
def test_whole_number_cells_parse_or_are_refused(raw):
    n = importer._whole_number(raw)
    assert n is None or (isinstance(n, int) and n >= 0)


@MANY
@given(st.integers(min_value=-(10**6), max_value=10**6), text, text)
def test_session_input_is_refused_with_a_validation_error_only(minutes, mode, fmt):
    data = sessions.SessionInput("episode", minutes, mode, format=fmt)
    try:
        sessions._validate(data)
    except ValidationError:
        return
    assert 1 <= minutes <= sessions.MAX_MINUTES
    assert mode in sessions.MODES and fmt in sessions.FORMATS


# -- the formula guard --------------------------------------------------------------------


# What a spreadsheet or a cleaning tool may drop before it looks at the first character.
def _visible_start(cell: str) -> str:
    i = 0
    while i < len(cell) and (
        cell[i].isspace() or unicodedata.category(cell[i]) in ("Cf", "Cc", "Zs", "Zl", "Zp")
    ):
        i += 1
    return unicodedata.normalize("NFKC", cell[i:])


def _starts_a_formula(cell: str) -> bool:
    if cell.startswith("'"):
        return False  # the visible guard: the spreadsheet shows the text
    body = _visible_start(cell)
    if body[:1] in ("=", "@"):
        return True
    # "+44 20 7946", "-5", "-2+3": arithmetic at worst, by design (see spreadsheet.py).
    return body[:1] in ("+", "-") and not spreadsheet.NUMBER_LIKE.fullmatch(body)


@MANY
@given(text)
@example('=HYPERLINK("http://x")')
@example("\uff1dcmd|' /C calc'!A0")
@example("\t\r\n@SUM(A1)")
@example("-2+3")
def test_formula_guard_covers_the_documented_forms(raw):
    """Forms the guard documents (ASCII, full-width, after spaces and line breaks)."""
    cell = spreadsheet.cell(raw)
    documented = raw.lstrip(spreadsheet.LEADING_SPACE)
    if documented[:1] in spreadsheet.FORMULA_STARTS:
        assert not _starts_a_formula(cell), repr(cell)
    # And every guarded cell reads back as the text: the apostrophe is visible, the mark not.
    assert spreadsheet.plain(cell) == raw or cell == "'" + raw


@MANY
@given(text)
@example("\u200b=1+1")
@example("\ufeff=1+1")
@example("\ufe6bSUM(A1)")
@example("\ufe62cmd")
def test_formula_guard_holds_after_invisible_characters_are_stripped(raw):
    assert not _starts_a_formula(spreadsheet.cell(raw)), repr(spreadsheet.cell(raw))


# -- importers and account fields, against a real store ------------------------------------


@pytest.fixture(scope="module")
def open_stores(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    data_dir = tmp_path_factory.mktemp("fuzz") / "store"
    create_store(data_dir, "admin", ADMIN_PW, "Admin", "Fuzz Clinic")
    store, admin = open_store(data_dir, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "coord", "coordinator", COORD_PW)
    store, coord = open_store(data_dir, "coord", COORD_PW)
    with store:
        yield store, coord, tmp_path_factory.mktemp("fuzzfiles")


@pytest.fixture(scope="module")
def admin_store(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    data_dir = tmp_path_factory.mktemp("fuzzadmin") / "store"
    create_store(data_dir, "admin", ADMIN_PW, "Admin", "Fuzz Clinic")
    store, admin = open_store(data_dir, "admin", ADMIN_PW)
    with store:
        yield store, admin


GOOD_SUPPORTER = {
    "display_name": "Sam Example",
    "discipline": "nursing",
    "department": "Ward 3",
    "specialty": "",
    "experience_band": "3-5",
    "languages": "en",
    "lived_experience": "",
    "capacity": "12",
    "status": "active",
    "username": "",
}
GOOD_RESOURCE = {
    "name": "Helpline",
    "kind": "eap",
    "phone": "+44 20 7946 0958",
    "email": "help@example.org",
    "address": "1 Road\nTown",
    "hours": "9-5",
    "notes": "",
    "active": "yes",
}


def _csv(header: list[str], rows: list[dict[str, str]], sep: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[h] for h in header])
    return out.getvalue()


_counter = [0]


def _one_bad_cell(good: dict[str, str], kind: str, cells=text):  # noqa: ANN001, ANN202
    return st.tuples(
        st.integers(min_value=0, max_value=4),  # which row (0-based) carries the bad cell
        st.sampled_from(list(good)),
        cells,
        st.sampled_from([",", ";", "\t"]),
    )


# A cell that keeps the file's shape (no separator, quote or line break): a refusal must
# then name exactly its row and its column.
plain_cell = st.text(
    st.one_of(
        st.characters(
            exclude_categories=["Cs"],
            exclude_characters=',;\t\r\n"\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029',
        ),
        st.sampled_from("=+-@'0123456789 \u200b\ufeffeE.:/²٣"),
    ),
    max_size=30,
)


def _import_one_bad_cell(  # noqa: ANN001
    store, coord, folder: Path, kind: str, case, exact: bool = False
) -> None:
    good = GOOD_SUPPORTER if kind == "supporters" else GOOD_RESOURCE
    model = SupporterProfile if kind == "supporters" else Resource
    at, column, value, sep = case
    _counter[0] += 1
    rows = []
    for i in range(5):
        row = dict(good)
        if kind == "resources":
            row["name"] = f"Resource {_counter[0]}-{i}"
        rows.append(row)
    rows[at][column] = value
    f = folder / f"{kind}{_counter[0]}.csv"
    f.write_text(_csv(list(good), rows, sep), encoding="utf-8", newline="")
    with store.session() as s:
        before = s.scalar(select(func.count()).select_from(model))
    run = importer.import_supporters if kind == "supporters" else importer.import_resources
    try:
        result = run(store, coord, f)
    except ImportFileError as exc:
        message = str(exc)
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(model)) == before
        # The row as a spreadsheet numbers it (header = row 1), when the file still has
        # its five rows; a cell that broke the row structure may be named by the row
        # where the parser noticed, which is the bad row or a later one.
        assert "row " in message, message
        if exact:
            assert f"row {at + 2}, column '{column}'" in message, message
        elif "column '" in message:
            first_named = int(message.split(" row ", 1)[1].split(",")[0].split(":")[0])
            assert first_named >= at + 2, message
            if first_named == at + 2:
                assert f"column '{column}'" in message, message
        return
    assert result.rows in (4, 5)  # a blanked row is skipped, as in a spreadsheet
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(model)) == before + result.rows


@STORE
@given(case=_one_bad_cell(GOOD_SUPPORTER, "supporters"))
@example(case=(2, "capacity", "²", ","))
@example(case=(0, "experience_band", "0-2 ", ";"))
@example(case=(4, "status", "paused", "\t"))
@example(case=(1, "display_name", "=cmd\x00", ","))
def test_supporter_import_names_row_and_column_or_imports_all(open_stores, case):
    store, coord, folder = open_stores
    _import_one_bad_cell(store, coord, folder, "supporters", case)


@STORE
@given(case=_one_bad_cell(GOOD_RESOURCE, "resources"))
@example(case=(3, "email", "no-at-sign", ","))
@example(case=(0, "kind", "EAP\u200b", ";"))
@example(case=(2, "active", "maybe", "\t"))
@example(case=(1, "name", '"', ","))
def test_resource_import_names_row_and_column_or_imports_all(open_stores, case):
    store, coord, folder = open_stores
    _import_one_bad_cell(store, coord, folder, "resources", case)


@STORE
@given(case=_one_bad_cell(GOOD_SUPPORTER, "supporters", plain_cell))
@example(case=(2, "capacity", "٣٣٣", ","))
@example(case=(3, "experience_band", "3-5\u200b", ";"))
def test_supporter_import_names_exactly_the_bad_cell(open_stores, case):
    store, coord, folder = open_stores
    _import_one_bad_cell(store, coord, folder, "supporters", case, exact=True)


@STORE
@given(case=_one_bad_cell(GOOD_RESOURCE, "resources", plain_cell))
@example(case=(0, "email", "name@", ","))
@example(case=(4, "kind", "address", ";"))
def test_resource_import_names_exactly_the_bad_cell(open_stores, case):
    store, coord, folder = open_stores
    _import_one_bad_cell(store, coord, folder, "resources", case, exact=True)


@STORE
@given(st.binary(max_size=2000))
@example(b"\xff\xfe" + "name,kind\nA,eap\n".encode("utf-16-le"))
@example(b"sep=|\nname|kind\nA|eap\n")
@example(b'name,kind\n"A,eap\n')
def test_resource_import_of_any_bytes_raises_only_the_import_error(open_stores, raw):
    store, coord, folder = open_stores
    _counter[0] += 1
    f = folder / f"bytes{_counter[0]}.csv"
    f.write_bytes(raw)
    try:
        importer.import_resources(store, coord, f)
    except ImportFileError as exc:
        assert "\n" not in str(exc).replace(str(f), ""), str(exc)


@STORE
@given(short_text)
@example("P-1")
@example("ab")
@example("\u0130X")  # upper() of a dotted I gives two characters
def test_participant_codes_are_refused_or_kept_as_typed(open_stores, code):
    store, coord, _ = open_stores
    try:
        info = participants.create_participant(store, coord, "staff", code=code)
    except ValidationError:
        return
    chosen = code.strip().upper()
    assert info.code == chosen or not chosen


@STORE
@given(short_text)
@example("Eve\nadmin                admin        active")
@example("\x1b[2J\x1b[31mroot")
def test_display_names_are_refused_or_stored_without_control_characters(admin_store, name):
    store, admin = admin_store
    _counter[0] += 1
    try:
        info = accounts.add_user(store, admin, f"fuzz{_counter[0]}", "supporter", ADMIN_PW, name)
    except ValidationError:
        return
    assert not any(unicodedata.category(ch) == "Cc" for ch in info.display_name), repr(
        info.display_name
    )

"""CSV import of supporters and resources: the whole file is checked, then applied at once.

Row numbers in messages are the spreadsheet row numbers (the header is row 1; a cell
with line breaks stays one row, as in the spreadsheet).

Files as spreadsheets save them are accepted (docs/csv.md): UTF-8 with or without a BOM
(or UTF-16 "Unicode text"), CRLF or LF, columns separated by ',', ';' (German, French and
other Excel versions) or tab, told apart by the header row; an Excel "sep=;" first line;
trailing empty columns and empty rows (";;;;"); the invisible mark PeerDesk's export puts
before text such as "3-5".
Limits: a regular file of at most 20 MB, at most 10,000 rows, no control characters
(NUL and the like) in any cell; line breaks are allowed only in the free-text columns
(a resource's address and notes).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from peerdesk.errors import ImportFileError, NotFoundError, ValidationError
from peerdesk.models import Resource, SupporterProfile, User
from peerdesk.services.auth import Actor
from peerdesk.services.files import database_error_message
from peerdesk.services.resources import ResourceInput, validate_resource
from peerdesk.services.scope import home_site
from peerdesk.services.spreadsheet import plain
from peerdesk.services.store import Store
from peerdesk.services.supporters import SupporterInput, validate_supporter

SUPPORTER_COLUMNS = {
    "display_name": True,
    "discipline": False,
    "department": False,
    "specialty": False,
    "experience_band": False,
    "languages": False,
    "lived_experience": False,
    "capacity": False,
    "status": False,
    "username": False,
}
RESOURCE_COLUMNS = {
    "name": True,
    "kind": True,
    "phone": False,
    "email": False,
    "address": False,
    "hours": False,
    "notes": False,
    "active": False,
}
MAX_ROWS = 10000
MAX_BYTES = 20 * 1024 * 1024
# Columns whose text may span lines (a spreadsheet cell with Alt+Enter).
MULTILINE_COLUMNS = frozenset({"address", "notes"})
LINE_BREAKS = frozenset("\n\r\t")


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int


def _shown(text: str, limit: int = 40) -> str:
    """A cell or header as it can appear in a one-line message: controls escaped, short."""
    out = "".join(
        ch if unicodedata.category(ch) != "Cc" else ch.encode("unicode_escape").decode("ascii")
        for ch in text[:limit]
    )
    return out + ("..." if len(text) > limit else "")


def _control_char(text: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first control character (NUL, ESC, DEL, ...) in text that is not allowed."""
    for ch in text:
        if ch not in allowed and unicodedata.category(ch) == "Cc":
            return ch
    return None


def _load_text(path: Path) -> str:
    path = Path(path)
    try:
        if not path.exists():
            raise NotFoundError(f"file {path} does not exist")
        if not path.is_file():  # a folder, or a device such as /dev/zero that never ends
            raise ImportFileError(f"{path} is not a regular file; give a CSV file")
        if path.stat().st_size > MAX_BYTES:
            raise ImportFileError(f"{path} is larger than 20 MB; split the file")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_BYTES:
        raise ImportFileError(f"{path} is larger than 20 MB; split the file")
    try:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return raw.decode("utf-16")  # Excel's "Unicode text": UTF-16 with tabs
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path} is not UTF-8 text (save it as 'CSV UTF-8')") from exc


SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}
# Characters a header might be separated by that PeerDesk does not read, to name them.
OTHER_SEPARATORS = "|:^#~"


def _first_line(text: str) -> tuple[int, str]:
    """The number of blank lines before the first line with content, and that line."""
    skipped = 0
    for line in text.splitlines():
        if line.strip(" \t,;"):
            return skipped, line
        skipped += 1
    return skipped, ""


def _header_cells(line: str, separator: str) -> list[str]:
    try:
        cells = next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return []
    cells = [c.strip().lower() for c in cells]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _separator(line: str, columns: dict[str, bool]) -> str:
    """The separator that reads the most known column names from the header line.

    Ties go to the one that splits the line into more cells, then to the comma: a file
    with one column has no separator to see.
    """

    def score(sep: str) -> tuple[int, int, bool]:
        cells = _header_cells(line, sep)
        return sum(c in columns for c in cells), len(cells), sep == ","

    return max(SEPARATORS, key=score)


def _separator_hint(separator: str, cell: str) -> str:
    """A clause naming the separator used, and another one seen in the cell, if any."""
    used = f"the header was read as separated by '{_shown(separator)}' ({SEPARATORS[separator]})"
    for ch in (*SEPARATORS, *OTHER_SEPARATORS):
        if ch != separator and ch in cell:
            return (
                f"{used}, but it looks separated by '{_shown(ch)}'; save the file as CSV "
                "with ',' or ';' between columns"
            )
    return used


def _read(path: Path, columns: dict[str, bool]) -> list[tuple[int, dict[str, str]]]:
    text = _load_text(path)
    skipped, first = _first_line(text)
    sep_line = first.strip().lower()
    if len(sep_line) == 5 and sep_line.startswith("sep=") and sep_line[4] in SEPARATORS:
        # Excel's own hint line; Excel does not show it as a row, so neither do we count it.
        separator = sep_line[4]
        text = "".join(text.splitlines(keepends=True)[skipped + 1 :])
        skipped, first = _first_line(text)
    else:
        separator = _separator(first, columns)
    # csv.reader, not DictReader: DictReader skips blank lines without counting them,
    # which would shift every row number after one.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    number = 0  # the spreadsheet row last read (a quoted cell may span lines)
    raw_header: list[str] = []
    try:
        for raw_header in reader:  # the header is the first row that is not blank
            number += 1
            if any(h.strip() for h in raw_header):
                break
    except csv.Error as exc:
        raise ImportFileError(
            f"{path} row {number + 1}: not a valid CSV header ({exc}); "
            f"{_separator_hint(separator, first)}"
        ) from exc
    header = [plain(h.strip()).strip().lower() for h in raw_header]
    while header and not header[-1]:
        header.pop()  # trailing empty columns, as spreadsheets often save them
    if not header:
        raise ImportFileError(f"{path} is empty; the first row must name the columns")
    header_row = number
    unknown = [h for h in header if h not in columns]
    if unknown:
        if not unknown[0]:
            raise ImportFileError(
                f"{path} row {header_row}: column {header.index('') + 1} has no name; "
                f"expected: {', '.join(columns)}"
            )
        raise ImportFileError(
            f"{path} row {header_row}: unknown column '{_shown(unknown[0])}'; "
            f"{_separator_hint(separator, unknown[0])}; expected: {', '.join(columns)}"
        )
    repeated = [h for i, h in enumerate(header) if h in header[:i]]
    if repeated:
        raise ImportFileError(f"{path} row {header_row}: column '{repeated[0]}' appears twice")
    missing = [c for c, required in columns.items() if required and c not in header]
    if missing:
        raise ImportFileError(
            f"{path} row {header_row}: required column '{missing[0]}' is missing; "
            f"{_separator_hint(separator, first)}"
        )
    rows = []
    try:
        for number, values in enumerate(reader, start=header_row + 1):
            extra = values[len(header) :]
            if any(v.strip() for v in extra):
                raise ImportFileError(
                    f"{path} row {number}: more values than columns (column "
                    f"{len(header) + next(i for i, v in enumerate(extra) if v.strip()) + 1} "
                    "has a value but no name in the header); "
                    f"{_separator_hint(separator, '')}"
                )
            values = values[: len(header)]
            row = dict(zip(header, values + [""] * (len(header) - len(values)), strict=True))
            for column, value in row.items():
                allowed = LINE_BREAKS if column in MULTILINE_COLUMNS else frozenset()
                bad = _control_char(value, allowed)
                if bad is not None:
                    raise _fail(
                        path,
                        number,
                        column,
                        f"contains a control character ({_shown(bad)}); remove it",
                    )
            if not any(v.strip() for v in row.values()):
                continue  # blank line, or a row of empty cells
            rows.append((number, {k: plain(v.strip()).strip() for k, v in row.items()}))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"{path}: more than {MAX_ROWS} rows; split the file")
    except csv.Error as exc:
        raise ImportFileError(f"{path} row {number + 1}: {exc}") from exc
    if not rows:
        raise ImportFileError(f"{path} has a header but no rows")
    return rows


def _fail(path: Path, number: int, column: str, why: str) -> ImportFileError:
    return ImportFileError(f"{path} row {number}, column '{column}': {why}; nothing was imported")


def _column_of(message: str, columns: dict[str, bool]) -> str:
    for col in columns:
        if col.replace("_", " ") in message or col in message:
            return col
    return next(iter(columns))


def _whole_number(text: str) -> int | None:
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not text.isdecimal():
        return None
    try:
        return int(text)
    except ValueError:  # e.g. more digits than Python converts
        return None


@contextlib.contextmanager
def _database_errors(store: Store) -> Iterator[None]:
    """A full disk or a database error while importing becomes one clear sentence."""
    try:
        yield
    except (sqlcipher3.Error, SQLAlchemyError) as exc:
        raise database_error_message(exc, store.db_path) from exc


def import_supporters(store: Store, actor: Actor, path: Path) -> ImportResult:
    actor.require("import.run", "import supporters")
    actor.require("supporters.write", "import supporters")
    rows = _read(path, SUPPORTER_COLUMNS)
    with _database_errors(store), store.session() as s:
        # Profiles belong to the importer's site, and link accounts of that site only.
        site_id = home_site(s, actor)
        users = {
            name: uid
            for name, uid in s.execute(
                select(User.username, User.id).where(User.site_id.is_not_distinct_from(site_id))
            )
        }
        linked = set(
            s.scalars(select(SupporterProfile.user_id).where(SupporterProfile.user_id.is_not(None)))
        )
        seen_users: set[str] = set()
        profiles = []
        for number, row in rows:
            capacity_text = row.get("capacity", "") or "10"
            capacity = _whole_number(capacity_text)
            if capacity is None:
                raise _fail(
                    path, number, "capacity", f"'{_shown(capacity_text)}' is not a whole number"
                )
            username = row.get("username", "").lower()
            user_id = None
            if username:
                if username not in users:
                    raise _fail(path, number, "username", f"no account named '{username}'")
                user_id = users[username]
                if user_id in linked or username in seen_users:
                    raise _fail(
                        path, number, "username", f"'{username}' already has a supporter profile"
                    )
                seen_users.add(username)
            data = SupporterInput(
                display_name=row.get("display_name", ""),
                discipline=row.get("discipline", ""),
                department=row.get("department", ""),
                specialty=row.get("specialty", ""),
                experience_band=row.get("experience_band", ""),
                languages=row.get("languages", ""),
                lived_experience=row.get("lived_experience", ""),
                capacity=capacity,
                status=row.get("status", "") or "active",
                user_id=user_id,
            )
            try:
                validate_supporter(data)
            except ValidationError as exc:
                raise _fail(
                    path, number, _column_of(str(exc), SUPPORTER_COLUMNS), str(exc)
                ) from exc
            profiles.append(
                SupporterProfile(
                    **data.__dict__,
                    site_id=site_id,
                    created_by=actor.user_id,
                    updated_by=actor.user_id,
                )
            )
        s.add_all(profiles)
        s.flush()
        store.audit(s, actor, "import.supporters", "file", Path(path).name, {"rows": len(rows)})
    return ImportResult("supporters", len(rows))


def import_resources(store: Store, actor: Actor, path: Path) -> ImportResult:
    actor.require("import.run", "import resources")
    actor.require("resources.write", "import resources")
    rows = _read(path, RESOURCE_COLUMNS)
    with _database_errors(store), store.session() as s:
        existing = set(s.scalars(select(Resource.name)))
        seen: set[str] = set()
        items = []
        for number, row in rows:
            active_text = (row.get("active", "") or "yes").lower()
            if active_text not in ("yes", "no", "true", "false", "1", "0"):
                raise _fail(path, number, "active", f"'{active_text}' is not yes or no")
            data = ResourceInput(
                name=row.get("name", ""),
                kind=row.get("kind", "").lower(),
                phone=row.get("phone", ""),
                email=row.get("email", ""),
                address=row.get("address", ""),
                hours=row.get("hours", ""),
                notes=row.get("notes", ""),
                active=active_text in ("yes", "true", "1"),
            )
            try:
                validate_resource(data)
            except ValidationError as exc:
                raise _fail(path, number, _column_of(str(exc), RESOURCE_COLUMNS), str(exc)) from exc
            if data.name in existing or data.name in seen:
                raise _fail(path, number, "name", f"'{data.name}' is already in the directory")
            seen.add(data.name)
            items.append(
                Resource(**data.__dict__, created_by=actor.user_id, updated_by=actor.user_id)
            )
        s.add_all(items)
        s.flush()
        store.audit(s, actor, "import.resources", "file", Path(path).name, {"rows": len(rows)})
    return ImportResult("resources", len(rows))

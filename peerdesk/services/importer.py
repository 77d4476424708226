"""CSV import of supporters and resources: the whole file is checked, then applied at once.

Row numbers in messages are the spreadsheet row numbers (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from peerdesk.errors import ImportFileError, NotFoundError, ValidationError
from peerdesk.models import Resource, Site, SupporterProfile, User
from peerdesk.services.auth import Actor
from peerdesk.services.resources import ResourceInput, validate_resource
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


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int


def _read(path: Path, columns: dict[str, bool]) -> list[tuple[int, dict[str, str]]]:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise NotFoundError(f"file {path} does not exist") from exc
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path} is not UTF-8 text (save it as 'CSV UTF-8')") from exc
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFileError(f"{path} row 1: not a valid CSV header ({exc})") from exc
    if not header:
        raise ImportFileError(f"{path} is empty; the first row must name the columns")
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise ImportFileError(
            f"{path} row 1: unknown column '{unknown[0]}'; expected: {', '.join(columns)}"
        )
    missing = [c for c, required in columns.items() if required and c not in header]
    if missing:
        raise ImportFileError(f"{path} row 1: required column '{missing[0]}' is missing")
    reader.fieldnames = header
    rows = []
    try:
        for number, row in enumerate(reader, start=2):
            if None in row:
                raise ImportFileError(f"{path} row {number}: more values than columns")
            if not any((v or "").strip() for v in row.values()):
                continue  # blank line
            rows.append((number, {k: (v or "").strip() for k, v in row.items()}))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"{path}: more than {MAX_ROWS} rows; split the file")
    except csv.Error as exc:
        raise ImportFileError(f"{path} row {reader.line_num}: {exc}") from exc
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


def import_supporters(store: Store, actor: Actor, path: Path) -> ImportResult:
    actor.require("import.run", "import supporters")
    actor.require("supporters.write", "import supporters")
    rows = _read(path, SUPPORTER_COLUMNS)
    with store.session() as s:
        users = {name: uid for name, uid in s.execute(select(User.username, User.id))}
        linked = set(
            s.scalars(select(SupporterProfile.user_id).where(SupporterProfile.user_id.is_not(None)))
        )
        site_id = s.scalar(select(Site.id).limit(1))
        seen_users: set[str] = set()
        profiles = []
        for number, row in rows:
            capacity_text = row.get("capacity", "") or "10"
            if not capacity_text.isdigit():
                raise _fail(path, number, "capacity", f"'{capacity_text}' is not a whole number")
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
                capacity=int(capacity_text),
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
    with store.session() as s:
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

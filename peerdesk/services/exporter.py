"""Export every kind of record as UTF-8 CSV, one file per kind (coordinator; audited).

Cells are written by services.spreadsheet so Excel and LibreOffice read them right:
BOM, yes/no, ISO dates, text kept as text, formulas inert (docs/csv.md).

Private notes are never exported. Participant names and contact details are left out
unless asked for.

All or nothing: the files are written into a private temporary folder, the export is
audited, and only then are the finished files moved into place. The destination may be
a new folder (created; the temporary folder sits beside it and is renamed to it) or an
existing folder that holds none of the export's file names (the temporary folder is a
hidden one inside it, so the moves never cross disks, e.g. onto a USB stick's mount
point). Nothing is ever overwritten. If anything fails, the temporary folder is deleted
and the destination is left as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from peerdesk.errors import ValidationError
from peerdesk.models import (
    CheckIn,
    Course,
    Episode,
    OutcomeAnswer,
    Participant,
    Referral,
    ReferralStatusChange,
    Resource,
    SessionAttendance,
    SessionConcern,
    Site,
    SupervisionEntry,
    SupporterProfile,
    SupportSession,
    TrainingRecord,
    User,
)
from peerdesk.models.sealing import open_value, sealed_columns, sealer_of
from peerdesk.services.auth import Actor
from peerdesk.services.files import database_error_message, os_error_message
from peerdesk.services.output_paths import check_output_folder
from peerdesk.services.scope import EVERY_SITE, SiteScope, report_scope
from peerdesk.services.spreadsheet import write_rows
from peerdesk.services.store import Store

EXPORTS = [
    ("sites", Site, ()),
    ("users", User, ()),
    ("supporters", SupporterProfile, ()),
    ("courses", Course, ()),
    ("training_records", TrainingRecord, ()),
    ("supervision_entries", SupervisionEntry, ("notes",)),
    ("resources", Resource, ()),
    ("participants", Participant, ()),
    ("episodes", Episode, ()),
    ("sessions", SupportSession, ("notes",)),
    ("session_concerns", SessionConcern, ()),
    ("session_attendance", SessionAttendance, ()),
    ("referrals", Referral, ()),
    ("referral_status_changes", ReferralStatusChange, ()),
    ("checkins", CheckIn, ()),
    ("outcome_answers", OutcomeAnswer, ()),
]
IDENTIFYING = ("name", "contact")


def _site_rows(model: Any, w: SiteScope) -> ColumnElement[bool]:
    """The rows of one table that belong to the sites in w (services/scope.py); tables
    the whole organisation shares (sites, courses, resources) are exported whole."""
    if not w.filtered:
        return true()
    sessions = select(SupportSession.id).where(w.sessions())
    referrals = select(Referral.id).where(w.of_episode(Referral.episode_id))
    where: dict[Any, Callable[[], ColumnElement[bool]]] = {
        User: lambda: User.site_id.in_(w.site_ids or ()),
        SupporterProfile: w.supporters,
        TrainingRecord: lambda: w.of_supporter(TrainingRecord.supporter_id),
        SupervisionEntry: lambda: w.of_supporter(SupervisionEntry.supporter_id),
        Participant: w.participants,
        Episode: w.episodes,
        SupportSession: w.sessions,
        SessionConcern: lambda: SessionConcern.session_id.in_(sessions),
        SessionAttendance: lambda: SessionAttendance.session_id.in_(sessions),
        Referral: lambda: w.of_episode(Referral.episode_id),
        ReferralStatusChange: lambda: ReferralStatusChange.referral_id.in_(referrals),
        CheckIn: lambda: w.of_episode(CheckIn.episode_id),
        OutcomeAnswer: lambda: w.of_episode(OutcomeAnswer.episode_id),
    }
    return where[model]() if model in where else true()


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    files: dict[str, int]  # file name -> rows


def file_names() -> list[str]:
    """The files an export writes, in order."""
    return [f"{name}.csv" for name, _model, _private in EXPORTS]


def check_destination(out_dir: Path) -> None:
    """Refuse a destination that is a file or already holds one of the export's files."""
    out_dir = Path(out_dir)
    if os.path.lexists(out_dir) and not out_dir.is_dir():
        raise ValidationError(f"{out_dir} is a file; export into a new or empty folder")
    if out_dir.parent.exists() and not out_dir.parent.is_dir():
        raise ValidationError(f"{out_dir.parent} is a file; export into a new or empty folder")
    if out_dir.is_dir():
        clashes = [n for n in file_names() if os.path.lexists(out_dir / n)]
        if clashes:
            raise ValidationError(
                f"{out_dir} already holds {clashes[0]} (an earlier export?); "
                "export into a new or empty folder, nothing was written"
            )


def _write_csv(path: Path, header: list[str], rows: Iterable[Sequence[object]]) -> int:
    # Private to this user; O_BINARY so Windows does not turn the CSV's \r\n into \r\r\n.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    with open(fd, "w", encoding="utf-8", newline="") as fh:
        count = write_rows(fh, header, rows)
        fh.flush()
        os.fsync(fh.fileno())
    return count


def _fsync_dir(folder: Path) -> None:
    if os.name == "posix":
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _move_into_place(work: Path, out_dir: Path, names: list[str]) -> None:
    """Rename the finished files into out_dir; on failure, move back what was moved."""
    if not out_dir.exists():
        try:
            work.rename(out_dir)  # one rename: the whole folder appears at once
            _fsync_dir(out_dir.parent)
            return
        except OSError:
            if not out_dir.is_dir():
                raise
            # Someone made the folder meanwhile: move the files one by one below.
    check_destination(out_dir)
    moved: list[str] = []
    try:
        for name in names:
            if os.path.lexists(out_dir / name):
                check_destination(out_dir)  # raises, naming the file
            os.replace(work / name, out_dir / name)
            moved.append(name)
        _fsync_dir(out_dir)
    except BaseException:
        for name in moved:
            try:
                os.replace(out_dir / name, work / name)
            except OSError:
                pass
        raise


def _opened(
    s: Session, table: str, cols: list[Any], rows: Iterable[Sequence[object]]
) -> Iterable[Sequence[object]]:
    """Rows with their sealed columns opened (models/sealing.py): a column-level select
    reads what is stored, which on a server is sealed text."""
    names = [c.name for c in cols]
    sealed = [(i, n) for i, n in enumerate(names) if n in sealed_columns(table)]
    if not sealed:
        return rows
    sealer, at_id = sealer_of(s), names.index("id")

    def opened(row: Sequence[object]) -> Sequence[object]:
        out = list(row)
        for i, name in sealed:
            out[i] = open_value(sealer, table, name, str(row[at_id]), out[i])
        return out

    return (opened(row) for row in rows)


def export_all(
    store: Store, actor: Actor, out_dir: Path, include_names: bool = False
) -> ExportResult:
    actor.require("export.run", "export data")
    out_dir = check_output_folder(Path(out_dir), store.data_dir)
    check_destination(out_dir)
    try:
        if out_dir.is_dir():
            work = Path(tempfile.mkdtemp(prefix=f".peerdesk-export-{os.getpid()}-", dir=out_dir))
        else:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            work = Path(
                tempfile.mkdtemp(
                    prefix=f".{out_dir.name}.export-{os.getpid()}-", dir=out_dir.parent
                )
            )
    except OSError as exc:
        raise os_error_message(exc, out_dir) from exc
    files: dict[str, int] = {}
    try:
        with store.session() as s:
            # A coordinator exports their own site (all of a store with one site).
            w = EVERY_SITE if actor.emergency else report_scope(s, [actor.site_id or ""])
            for name, model, private in EXPORTS:
                skip = set(private)
                if model is Participant and not include_names:
                    skip |= set(IDENTIFYING)
                cols = [c for c in model.__table__.columns if c.name not in skip]
                order = list(model.__table__.primary_key.columns)
                rows = _opened(
                    s,
                    model.__table__.name,
                    cols,
                    s.execute(select(*cols).where(_site_rows(model, w)).order_by(*order)),
                )
                target = work / f"{name}.csv"
                try:
                    files[target.name] = _write_csv(target, [c.name for c in cols], rows)
                except OSError as exc:  # here, not as the store's error in store.session()
                    raise os_error_message(exc, out_dir) from exc
            store.audit(
                s,
                actor,
                "export.csv",
                "folder",
                out_dir.name,
                {
                    "files": len(files),
                    "include_names": include_names,
                    "all_sites": not w.filtered,
                },
            )
        # The audit event is committed before any file appears in out_dir.
        _move_into_place(work, out_dir, list(files))
    except OSError as exc:
        raise os_error_message(exc, out_dir) from exc
    except (sqlcipher3.Error, SQLAlchemyError) as exc:
        raise database_error_message(exc, store.db_path) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ExportResult(out_dir, files)

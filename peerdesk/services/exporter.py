"""Export every kind of record as UTF-8 CSV, one file per kind (coordinator; audited).

Private notes are never exported. Participant names and contact details are left out
unless asked for.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from peerdesk.models import (
    CheckIn,
    Course,
    Episode,
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
from peerdesk.services.auth import Actor
from peerdesk.services.files import atomic_path
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
]
IDENTIFYING = ("name", "contact")


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    files: dict[str, int]  # file name -> rows


def export_all(
    store: Store, actor: Actor, out_dir: Path, include_names: bool = False
) -> ExportResult:
    actor.require("export.run", "export data")
    out_dir = Path(out_dir)
    files: dict[str, int] = {}
    with store.session() as s:
        for name, model, private in EXPORTS:
            skip = set(private)
            if model is Participant and not include_names:
                skip |= set(IDENTIFYING)
            cols = [c for c in model.__table__.columns if c.name not in skip]
            order = list(model.__table__.primary_key.columns)
            rows = s.execute(select(*cols).order_by(*order))
            target = out_dir / f"{name}.csv"
            count = 0
            with atomic_path(target) as tmp:
                with open(tmp, "w", encoding="utf-8", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow([c.name for c in cols])
                    for row in rows:
                        writer.writerow(["" if v is None else v for v in row])
                        count += 1
            files[target.name] = count
        store.audit(
            s,
            actor,
            "export.csv",
            "folder",
            out_dir.name,
            {"files": len(files), "include_names": include_names},
        )
    return ExportResult(out_dir, files)

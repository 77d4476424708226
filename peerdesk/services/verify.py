"""`verify`: page checks, SQLite integrity, foreign keys, the audit chain and the keyslots."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from peerdesk.services import audit, notes, report_cache, report_data
from peerdesk.services.auth import Actor
from peerdesk.services.keyslots import DEFAULT_KDF
from peerdesk.services.rollback import WARNING as ROLLBACK_WARNING
from peerdesk.services.rollback import open_rollback
from peerdesk.services.store import Store


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    audit_events: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(store: Store, actor: Actor) -> VerifyReport:
    actor.require("audit.read", "verify the store")
    report = VerifyReport()
    with store.session() as s:
        pages = s.execute(text("PRAGMA cipher_integrity_check")).all()
        report.problems += [f"encrypted page check: {r[0]}" for r in pages]
        integrity = [r[0] for r in s.execute(text("PRAGMA integrity_check")).all()]
        if integrity != ["ok"]:
            report.problems += [f"database integrity: {line}" for line in integrity[:20]]
        for table, rowid, parent, _ in s.execute(text("PRAGMA foreign_key_check")).all()[:20]:
            report.problems.append(f"{table} row {rowid} points to a missing {parent} record")
        plain = notes.unsealed_count(s)
        if plain:
            report.warnings.append(
                f"{plain} private notes are not yet sealed with their author's key; "
                "they will be when each author next signs in"
            )
        # The report's kept month figures, recounted (stale rows are also dropped).
        report.problems += report_cache.check_months(s, report_data.count_month)
        if open_rollback(s) is not None:  # loud until an admin acknowledges it
            report.problems.append(f"rollback: {ROLLBACK_WARNING}")
        chain = audit.verify_chain(s, store.key)
        report.problems += chain.problems
        report.audit_events = chain.checked
        store.audit(
            s,
            actor,
            "store.verify",
            "store",
            store.keyslots.store_id,
            {"problems": len(report.problems)},
        )
    for slot in store.keyslots.slots:
        kdf = slot.get("kdf", {})
        if int(kdf.get("memory_kib", 0)) < DEFAULT_KDF["memory_kib"]:
            who = slot.get("username") or slot["kind"]
            report.warnings.append(
                f"the keyslot for {who} uses weaker key stretching than "
                "this release; reset that password to strengthen it"
            )
    return report

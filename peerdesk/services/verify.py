"""`verify`: page checks, SQLite integrity, foreign keys, the audit chain and the keyslots."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from peerdesk.models import User
from peerdesk.services import audit, integrity, notes
from peerdesk.services.auth import Actor
from peerdesk.services.keyslots import DEFAULT_KDF
from peerdesk.services.reports import cache as report_cache
from peerdesk.services.reports import data as report_data
from peerdesk.services.rollback import WARNING as ROLLBACK_WARNING
from peerdesk.services.rollback import open_rollback
from peerdesk.services.store import Store
from peerdesk.services.today import ADMIN_WATCH_DAYS, AdminChange, watched_changes


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    audit_events: int = 0
    # Accounts added, re-enabled or given a role in the last ADMIN_WATCH_DAYS (listed).
    admin_changes: list[AdminChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(store: Store, actor: Actor, day: date | None = None) -> VerifyReport:
    actor.require("audit.read", "verify the store")
    report = VerifyReport()
    with store.session() as s:
        # The engine's own checks: SQLCipher's pages, or the server's indexes.
        report.problems += store.backend.database_problems(s)
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
        # What a key holder can rewrite consistently, checked against what they cannot:
        # the administrators' signatures and the heads recorded outside the store.
        # Found when this person signed in (an administrator's sign-in also repaired them).
        report.problems += store.integrity.problems
        report.problems += integrity.verify_problems(store, s)
        report.problems += integrity.anchor_problems(store, s)
        since = datetime.combine(
            (day or date.today()) - timedelta(days=ADMIN_WATCH_DAYS), datetime.min.time()
        )
        report.admin_changes = watched_changes(s, since)
        store.audit(
            s,
            actor,
            "store.verify",
            "store",
            store.keyslots.store_id,
            {"problems": len(report.problems)},
        )
    report.problems = list(dict.fromkeys(report.problems))  # one line per finding
    if store.integrity.public is None and not report.problems:
        report.warnings.append(
            "accounts and policy are not signed yet; an administrator's next sign-in signs them"
        )
    with store.session() as s:  # slots name accounts by a keyed hash
        names = {store.keyslots.name_tag(n): n for n in s.scalars(select(User.username))}
    for slot in store.keyslots.slots:
        kdf = slot.get("kdf", {})
        if int(kdf.get("memory_kib", 0)) < DEFAULT_KDF["memory_kib"]:
            who = slot.get("username") or names.get(slot.get("user", ""), "") or slot["kind"]
            report.warnings.append(
                f"the keyslot for {who} uses weaker key stretching than "
                "this release; reset that password to strengthen it"
            )
    return report

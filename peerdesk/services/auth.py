"""The acting user and the role matrix. Every service call checks permissions here."""

from __future__ import annotations

from dataclasses import dataclass

from peerdesk.errors import PermissionDeniedError

SUPPORTER = "supporter"
COORDINATOR = "coordinator"
ADMIN = "admin"
# Sees every site's de-identified reports and the organisation report that merges them;
# no participant-level data, no notes, no accounts.
ORG_COORDINATOR = "org_coordinator"
ROLES = (SUPPORTER, COORDINATOR, ADMIN, ORG_COORDINATOR)
# Not an account role: what an unattended backup job unlocked with the backup keyslot may
# do. It cannot sign in to the app, read casework or notes, or export.
BACKUP_JOB = "backup-job"

# What each role may do; emergency access (recovery key) may do everything.
PERMISSIONS: dict[str, frozenset[str]] = {
    SUPPORTER: frozenset(
        {
            "casework.own",  # own participants, episodes, sessions, notes, referrals, check-ins
            "resources.read",
            "supporters.read_self",
            "courses.read",
        }
    ),
    COORDINATOR: frozenset(
        {
            "casework.program",  # all casework except private notes
            "resources.read",
            "resources.write",
            "supporters.read",
            "supporters.write",
            "courses.read",
            "courses.write",
            "reports.run",
            "reports.internal",  # any date range with suppression off (marked, audited)
            "export.run",
            "import.run",
            "audit.read",
            "accounts.read",
        }
    ),
    ORG_COORDINATOR: frozenset(
        {
            "reports.run",  # de-identified reports of any site (never internal ones)
            "reports.org",  # the organisation report that merges every site
            "sites.read",
            "courses.read",
            "resources.read",
        }
    ),
    ADMIN: frozenset(
        {
            "accounts.read",
            "accounts.write",
            "policy.write",
            "backup.run",
            "audit.read",
            "audit.export",  # a copy of who did what leaves the store: admins only
            "resources.read",
            "courses.read",
            "sites.read",
            "sites.write",
        }
    ),
    BACKUP_JOB: frozenset({"backup.run"}),
}


@dataclass(frozen=True)
class Actor:
    user_id: str | None
    username: str
    display_name: str
    role: str
    supporter_id: str | None = None
    emergency: bool = False
    # The site whose program data this person works with (coordinators, supporters); the
    # signed account list says which (services/integrity.py). None: emergency access,
    # the system, or a store from before sites had meaning.
    site_id: str | None = None

    def can(self, permission: str) -> bool:
        return self.emergency or permission in PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str, what: str) -> None:
        if not self.can(permission):
            raise PermissionDeniedError(f"your role ({self.role}) may not {what}")

    def require_any(self, permissions: tuple[str, ...], what: str) -> None:
        if not any(self.can(p) for p in permissions):
            raise PermissionDeniedError(f"your role ({self.role}) may not {what}")


SYSTEM = Actor(user_id=None, username="system", display_name="PeerDesk", role=ADMIN)

BACKUP_ACTOR = Actor(
    user_id=None, username="backup-job", display_name="Unattended backup", role=BACKUP_JOB
)

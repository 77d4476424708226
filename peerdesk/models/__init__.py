"""SQLAlchemy ORM for the encrypted store. Nothing here imports Qt."""

from peerdesk.models.accounts import Setting, Site, User
from peerdesk.models.audit import AuditEvent
from peerdesk.models.base import Base, new_id, utcnow
from peerdesk.models.casework import (
    CheckIn,
    Episode,
    NoteKey,
    OutcomeAnswer,
    Participant,
    SessionAttendance,
    SessionConcern,
    SupporterCheckIn,
    SupportSession,
)
from peerdesk.models.list_indexes import LIST_INDEXES
from peerdesk.models.referrals import Referral, ReferralStatusChange, Resource
from peerdesk.models.report_cache import ReportMonth
from peerdesk.models.server import KeyDocument
from peerdesk.models.supporters import Course, SupervisionEntry, SupporterProfile, TrainingRecord

__all__ = [
    "AuditEvent",
    "Base",
    "CheckIn",
    "Course",
    "Episode",
    "KeyDocument",
    "LIST_INDEXES",
    "NoteKey",
    "OutcomeAnswer",
    "Participant",
    "Referral",
    "ReferralStatusChange",
    "ReportMonth",
    "Resource",
    "SessionAttendance",
    "SessionConcern",
    "Setting",
    "Site",
    "SupervisionEntry",
    "SupportSession",
    "SupporterCheckIn",
    "SupporterProfile",
    "TrainingRecord",
    "User",
    "new_id",
    "utcnow",
]

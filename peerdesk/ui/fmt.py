"""Formatting for display: local times, dates, and readable labels for stored codes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import QCoreApplication


def tr(text: str) -> str:
    return QCoreApplication.translate("PeerDesk", text)


def local_dt(utc: datetime) -> datetime:
    """Stored datetimes are naive UTC; show them in the computer's time zone."""
    return utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def utc_dt(local: datetime) -> datetime:
    return local.astimezone(UTC).replace(tzinfo=None)


def fmt_dt(value: datetime | None) -> str:
    return local_dt(value).strftime("%Y-%m-%d %H:%M") if value else ""


def fmt_date(value: date | None) -> str:
    return value.isoformat() if value else ""


LABELS = {
    "in_person": "In person",
    "phone": "Phone",
    "video": "Video",
    "text": "Text",
    "individual": "Individual",
    "group": "Group",
    "staff": "Staff",
    "patient": "Patient",
    "caregiver": "Caregiver",
    "suggested": "Suggested",
    "made": "Made",
    "accepted": "Accepted",
    "declined": "Declined",
    "attended": "Attended",
    "no_show": "No-show",
    "closed": "Closed",
    "routine": "Routine",
    "soon": "Soon",
    "urgent": "Urgent",
    "eap": "Employee assistance",
    "crisis_line": "Crisis line",
    "mental_health": "Mental health service",
    "chaplaincy": "Chaplaincy",
    "community": "Community service",
    "supporter": "Supporter",
    "coordinator": "Coordinator",
    "admin": "Administrator",
    "active": "Active",
    "disabled": "Disabled",
    "on_leave": "On leave",
    "inactive": "Inactive",
    "one_to_one": "One to one",
    "org_coordinator": "Organisation coordinator",
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "before": "Before",
    "after": "After",
}


def label(code: str | None) -> str:
    if not code:
        return ""
    return tr(LABELS.get(code, code.replace("_", " ").capitalize()))


# "…" too: "add a new participant with New…" must not become "New…."
SENTENCE_ENDS = (".", "?", "!", "…")


def sentence(text: str) -> str:
    """Service messages are lower-case clauses; show them as sentences."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith(SENTENCE_ENDS) else text + "."

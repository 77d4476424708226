"""Participants, support episodes, sessions with attendance and concerns, check-ins."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peerdesk.models.base import Base, RecordMixin, VersionedMixin
from peerdesk.models.sealing import sealed_text


class Participant(VersionedMixin, RecordMixin, Base):
    __tablename__ = "participants"

    code: Mapped[str] = mapped_column(String(20), unique=True)  # pseudonymous, always present
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(20))  # staff | patient | caregiver
    role: Mapped[str] = mapped_column(String(100), default="")  # role or discipline
    department: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(50), default="")
    name: Mapped[str | None] = mapped_column(sealed_text(200))
    contact: Mapped[str | None] = mapped_column(sealed_text(200))
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_on: Mapped[date | None] = mapped_column(Date)


class Episode(VersionedMixin, RecordMixin, Base):
    __tablename__ = "episodes"

    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    supporter_id: Mapped[str | None] = mapped_column(ForeignKey("supporters.id"), index=True)
    reason: Mapped[str] = mapped_column(sealed_text(100))  # why support was sought
    opened_on: Mapped[date] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    risk_level: Mapped[str] = mapped_column(String(20), default="low")  # low | medium | high
    # Lived-experience areas the participant asked their supporter to share (comma list).
    lived_experience_wanted: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Sessions in a structured series, fixed when the episode opens (policy series_length).
    series_length: Mapped[int | None] = mapped_column(Integer)


class SupportSession(VersionedMixin, RecordMixin, Base):
    __tablename__ = "support_sessions"

    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    supporter_id: Mapped[str] = mapped_column(ForeignKey("supporters.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(20))  # in_person | phone | video | text
    format: Mapped[str] = mapped_column(String(20), default="individual")  # individual | group
    notes: Mapped[str] = mapped_column(Text, default="")  # private: author only
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    follow_up_done_on: Mapped[date | None] = mapped_column(Date)
    safety_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(sealed_text(300))
    # The supporter's answer to the referral prompt (end of a series or a safety flag):
    # referred | not_needed | declined.
    referral_decision: Mapped[str | None] = mapped_column(String(20))
    referral_decision_at: Mapped[datetime | None] = mapped_column(DateTime)


class SessionConcern(Base):
    __tablename__ = "session_concerns"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("support_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    concern: Mapped[str] = mapped_column(String(100), primary_key=True)


class SessionAttendance(Base):
    """Who attended a group session (the episode's own participant included)."""

    __tablename__ = "session_attendance"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("support_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    attended: Mapped[bool] = mapped_column(Boolean, default=True)


class SupporterCheckIn(RecordMixin, Base):
    """A supporter's own well-being check-in: visible to that supporter only."""

    __tablename__ = "supporter_checkins"

    supporter_id: Mapped[str] = mapped_column(ForeignKey("supporters.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(20))
    answers: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer)
    taken_on: Mapped[date] = mapped_column(Date, index=True)


class CheckIn(RecordMixin, Base):
    __tablename__ = "checkins"

    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(20))  # WHO-5 | PSS-4
    phase: Mapped[str] = mapped_column(String(10))  # before | after
    answers: Mapped[str] = mapped_column(String(100))  # comma separated item answers
    score: Mapped[int] = mapped_column(Integer)
    taken_on: Mapped[date] = mapped_column(Date)


class OutcomeAnswer(VersionedMixin, RecordMixin, Base):
    """Were the person's needs met, asked at the end of a series or when an episode closes
    (session_id empty), with an optional satisfaction rating."""

    __tablename__ = "outcome_answers"

    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("support_sessions.id"))
    answered_on: Mapped[date] = mapped_column(Date, index=True)
    needs_met: Mapped[str] = mapped_column(String(12))  # yes | partly | no | not_asked
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1 (very dissatisfied) - 5


class NoteKey(Base):
    """A supporter's notes key, sealed to the recovery public key (emergency access only)."""

    __tablename__ = "note_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    sealed_for_recovery: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

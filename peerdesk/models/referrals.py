"""The resource directory and closed-loop referrals with their status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peerdesk.models.base import Base, RecordMixin, VersionedMixin
from peerdesk.models.sealing import sealed_text


class Resource(VersionedMixin, RecordMixin, Base):
    __tablename__ = "resources"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(
        String(30)
    )  # eap|crisis_line|mental_health|chaplaincy|community
    phone: Mapped[str] = mapped_column(sealed_text(50), default="")
    email: Mapped[str] = mapped_column(sealed_text(200), default="")
    address: Mapped[str] = mapped_column(sealed_text(300), default="")
    hours: Mapped[str] = mapped_column(sealed_text(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Referral(VersionedMixin, RecordMixin, Base):
    __tablename__ = "referrals"

    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("support_sessions.id"))
    resource_id: Mapped[str] = mapped_column(ForeignKey("resources.id"), index=True)
    reason: Mapped[str] = mapped_column(sealed_text(300), default="")
    urgency: Mapped[str] = mapped_column(String(20), default="routine")  # routine | soon | urgent
    warm_handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="suggested", index=True)
    follow_up_on: Mapped[date | None] = mapped_column(Date)


class ReferralStatusChange(RecordMixin, Base):
    __tablename__ = "referral_status_changes"

    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(sealed_text(300), default="")

"""Supporter profiles, the course catalogue, training records and supervision."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peerdesk.models.base import Base, RecordMixin, VersionedMixin
from peerdesk.models.sealing import sealed_text


class SupporterProfile(VersionedMixin, RecordMixin, Base):
    __tablename__ = "supporters"

    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), unique=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))
    display_name: Mapped[str] = mapped_column(String(200))
    discipline: Mapped[str] = mapped_column(String(100), default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    specialty: Mapped[str] = mapped_column(String(100), default="")
    experience_band: Mapped[str] = mapped_column(String(20), default="")  # e.g. 0-2, 3-5, 6-10, 10+
    languages: Mapped[str] = mapped_column(String(200), default="")  # comma separated
    lived_experience: Mapped[str] = mapped_column(String(300), default="")  # comma separated
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|on_leave|inactive


class Course(VersionedMixin, RecordMixin, Base):
    __tablename__ = "courses"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # When required: for which supporter disciplines (comma list); empty means everyone.
    required_for: Mapped[str] = mapped_column(String(300), default="", server_default="")
    validity_months: Mapped[int | None] = mapped_column(Integer)


class TrainingRecord(VersionedMixin, RecordMixin, Base):
    __tablename__ = "training_records"

    supporter_id: Mapped[str] = mapped_column(ForeignKey("supporters.id"), index=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"))
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)


class SupervisionEntry(VersionedMixin, RecordMixin, Base):
    __tablename__ = "supervision_entries"

    supporter_id: Mapped[str] = mapped_column(ForeignKey("supporters.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(20), default="one_to_one")  # one_to_one | group
    supervisor: Mapped[str] = mapped_column(sealed_text(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

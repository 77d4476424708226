"""Sites, user accounts and store-wide settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from peerdesk.models.base import Base, CheckedVersionMixin, RecordMixin


class Site(RecordMixin, Base):
    __tablename__ = "sites"

    name: Mapped[str] = mapped_column(String(200))


class User(CheckedVersionMixin, RecordMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # supporter | coordinator | admin
    state: Mapped[str] = mapped_column(String(20), default="active")  # active | disabled
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class Setting(Base):
    """Key/value settings kept inside the encrypted store (demo marker, program settings)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

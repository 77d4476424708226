"""What a store on a PostgreSQL server keeps in tables that a local store keeps in files."""

from __future__ import annotations

from sqlalchemy import Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from peerdesk.models.base import Base


class KeyDocument(Base):
    """The key document (keyslots.json on a local store): wrapped data-key slots, throttle
    counters and queued sign-in failures, as one row updated under a row lock. Unused (and
    empty) in a local store, where keyslots.json sits beside the database file."""

    __tablename__ = "key_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    doc: Mapped[str] = mapped_column(Text)

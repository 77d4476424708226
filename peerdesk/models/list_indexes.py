"""Indexes for the session list, Today and the referral questions (migration 0005).

Each sort the session list offers walks one of these in order, ending with the id so
keyset paging has a total order; Today reads only the open follow-ups (a partial
index), not every follow-up ever set. See docs/performance.md, "Lists, Today and saving".
"""

from __future__ import annotations

from sqlalchemy import Index, text

from peerdesk.models.casework import SessionConcern, SupportSession
from peerdesk.models.supporters import SupporterProfile

_ss = SupportSession.__table__.c
_sc = SessionConcern.__table__.c
_su = SupporterProfile.__table__.c

OPEN_FOLLOW_UP = "follow_up_on IS NOT NULL AND follow_up_done_on IS NULL AND withdrawn_at IS NULL"

LIST_INDEXES = (
    Index("ix_support_sessions_list_started", _ss.started_at, _ss.id),
    Index("ix_support_sessions_list_minutes", _ss.minutes, _ss.id),
    Index("ix_support_sessions_list_mode", _ss.mode, _ss.id),
    Index("ix_support_sessions_list_format", _ss.format, _ss.id),
    # A supporter's own list, the filter by supporter, and the sort by supporter.
    Index("ix_support_sessions_list_supporter", _ss.supporter_id, _ss.started_at, _ss.id),
    # Others' sessions in a supporter's episodes, found from the index alone.
    Index("ix_support_sessions_episode_supporter", _ss.episode_id, _ss.supporter_id),
    Index("ix_support_sessions_list_decision", _ss.referral_decision, _ss.started_at, _ss.id),
    Index(
        "ix_support_sessions_open_follow_ups",
        _ss.follow_up_on,
        _ss.supporter_id,
        sqlite_where=text(OPEN_FOLLOW_UP),
        postgresql_where=text(OPEN_FOLLOW_UP),
    ),
    Index("ix_session_concerns_concern", _sc.concern, _sc.session_id),
    # Unique (id is), so SQLite knows each name-and-id step of the supporter sort is one
    # supporter and reads that supporter's sessions in index order, with no sort.
    Index("ix_supporters_list_name", _su.display_name, _su.id, unique=True),
)

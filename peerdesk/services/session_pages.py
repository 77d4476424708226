"""How the session list finds one page without reading the rest of the store.

Three things keep a page's cost bounded by the page rather than by the store:

* Keyset paging: the next page starts *after* the last row shown (its sort value and
  id), so page 1,000 costs what page 1 costs; OFFSET made SQLite step over every
  earlier row (10 s for the last page of 200,000 sessions).
* Every sort offered walks an index in order (migration 0005) and ends with the
  session id, so the order is total and ties are never lost or repeated between pages.
  The join order is fixed (CROSS JOIN) so SQLite walks that index instead of sorting
  the whole table when it guesses wrong.
* Text search looks up the concern words and participant codes that match first
  (a few dozen words; one pass over participant codes). No match: no session query at
  all. Few matching sessions: those are fetched by index and sorted. Many: the sorted
  index is walked and each row is checked, which finds a page after a few hundred rows.
  Session notes are sealed per author and are never searched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Join,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal

from peerdesk.models import Episode, Participant, SessionConcern, SupporterProfile, SupportSession


class CrossJoin(Join):
    """An inner join that SQLite must loop in the written order (its CROSS JOIN rule),
    optionally through a named index on the right-hand table (INDEXED BY)."""

    inherit_cache = True
    # The hint is part of the SQL, so part of the statement cache key too.
    _traverse_internals = [
        *Join._traverse_internals,
        ("indexed_by", InternalTraversal.dp_string),
    ]

    def __init__(self, left: Any, right: Any, onclause: Any, indexed_by: str = "") -> None:
        super().__init__(left, right, onclause)
        self.indexed_by = indexed_by


@compiles(CrossJoin)
def _cross_join(join: CrossJoin, compiler: Any, **kw: Any) -> str:
    kw["asfrom"] = True
    # Loop-order and index hints are SQLite's; elsewhere (server mode) a plain join.
    sqlite = compiler.dialect.name == "sqlite"
    hint = f" INDEXED BY {join.indexed_by}" if join.indexed_by and sqlite else ""
    return (
        join.left._compiler_dispatch(compiler, **kw)
        + (" CROSS JOIN " if sqlite else " JOIN ")
        + join.right._compiler_dispatch(compiler, **kw)
        + hint
        + " ON "
        + join.onclause._compiler_dispatch(compiler, **kw)
    )


_SS = SupportSession.__table__
_EP = Episode.__table__
_PA = Participant.__table__
_SU = SupporterProfile.__table__
_ON_EP = Episode.id == SupportSession.episode_id
_ON_PA = Participant.id == Episode.participant_id
_ON_SU = SupporterProfile.id == SupportSession.supporter_id


def session_from(order_by: str) -> FromClause:
    """support_sessions with its episode, participant and supporter, outer loop first."""
    if order_by == "participant":
        return CrossJoin(CrossJoin(CrossJoin(_PA, _EP, _ON_PA), _SS, _ON_EP), _SU, _ON_SU)
    if order_by == "supporter":
        return CrossJoin(CrossJoin(_sessions_by_supporter(), _EP, _ON_EP), _PA, _ON_PA)
    return CrossJoin(CrossJoin(CrossJoin(_SS, _EP, _ON_EP), _PA, _ON_PA), _SU, _ON_SU)


def sort_from(order_by: str, walk: bool) -> FromClause:
    """Only the tables a sort needs, to find a page's ids before reading its rows.

    walk: the sort's index is walked (outer loop fixed); otherwise the matching
    sessions are found first (sessions outer) and sorted.
    """
    if order_by == "participant":
        if walk:
            return CrossJoin(CrossJoin(_PA, _EP, _ON_PA), _SS, _ON_EP)
        return CrossJoin(CrossJoin(_SS, _EP, _ON_EP), _PA, _ON_PA)
    if order_by == "supporter":
        return _sessions_by_supporter() if walk else CrossJoin(_SS, _SU, _ON_SU)
    return _SS


def _sessions_by_supporter() -> CrossJoin:
    # Left alone, SQLite takes the one-column supporter index and sorts each
    # supporter's sessions; this index gives them in order.
    return CrossJoin(_SU, _SS, _ON_SU, "ix_support_sessions_list_supporter")


@dataclass(frozen=True)
class SortKey:
    """The columns a sort orders by, all in one direction, ending with the session id."""

    columns: tuple[ColumnElement[Any], ...]
    attrs: tuple[str, ...]  # the same values, read from a SessionInfo (the cursor)


SORTS: dict[str, SortKey] = {
    "started_at": SortKey((SupportSession.started_at, SupportSession.id), ("started_at", "id")),
    "minutes": SortKey((SupportSession.minutes, SupportSession.id), ("minutes", "id")),
    "mode": SortKey((SupportSession.mode, SupportSession.id), ("mode", "id")),
    "format": SortKey((SupportSession.format, SupportSession.id), ("format", "id")),
    "participant": SortKey((Participant.code, SupportSession.id), ("participant_code", "id")),
    # Two supporters may share a name: their id keeps each one's sessions together.
    "supporter": SortKey(
        (
            SupporterProfile.display_name,
            SupporterProfile.id,
            SupportSession.started_at,
            SupportSession.id,
        ),
        ("supporter_name", "supporter_id", "started_at", "id"),
    ),
}


def order_by(key: SortKey, descending: bool, use_index: bool = True) -> list[Any]:
    # coalesce(x, x) is x, but SQLite cannot walk an index for it: used when the
    # matching rows are few and sorting them is cheaper than walking the index.
    cols = [c if use_index else func.coalesce(c, c) for c in key.columns]
    return [c.desc() if descending else c.asc() for c in cols]


def after(key: SortKey, descending: bool, row: Any) -> ColumnElement[bool]:
    """Rows strictly after ``row`` in this order (row values compare left to right)."""
    values = [
        bindparam(None, getattr(row, attr), type_=col.type)
        for col, attr in zip(key.columns, key.attrs, strict=True)
    ]
    left, right = tuple_(*key.columns), tuple_(*values)
    return left < right if descending else left > right


# -- search -------------------------------------------------------------------------

# The distinct concern words, one index seek each (a "loose index scan"): a few dozen
# seeks instead of reading every session's concerns.
_CONCERN_WORDS = text(
    "WITH RECURSIVE w(x) AS ("
    " SELECT min(concern) FROM session_concerns"
    " UNION ALL"
    " SELECT (SELECT min(concern) FROM session_concerns WHERE concern > w.x) FROM w"
    " WHERE w.x IS NOT NULL)"
    " SELECT x FROM w WHERE x IS NOT NULL AND lower(x) LIKE lower(:like)"
)


@dataclass(frozen=True)
class Match:
    """What a search or filter matches, resolved before any session is read."""

    concerns: tuple[str, ...]
    code_like: str | None  # a LIKE pattern on participant codes, if any code matches
    found: int  # matching sessions in the whole store, counted up to the threshold
    few: bool  # few enough sessions to fetch them all and sort

    @property
    def empty(self) -> bool:
        return self.found == 0

    def condition(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.concerns:
            parts.append(
                exists().where(
                    SessionConcern.session_id == SupportSession.id,
                    SessionConcern.concern.in_(self.concerns),
                )
            )
        if self.code_like is not None:
            parts.append(SupportSession.episode_id.in_(_episodes_of_codes(self.code_like)))
        if not parts:
            return false()
        return or_(*parts)


def _episodes_of_codes(like: str) -> Any:
    """Episode ids of participants whose code matches: codes first, then by index."""
    codes = select(Participant.id).where(func.lower(Participant.code).like(func.lower(like)))
    return select(Episode.id).where(Episode.participant_id.in_(codes))


def few_threshold(s: Session) -> int:
    """Below this many matching sessions, fetch and sort them; above, walk the index.

    Walking finds a page of 200 after about 200 x N / matches rows; fetching all
    matches costs the matches. The two meet at sqrt(200 x N): the worst case grows
    with the square root of the store (about 6,300 rows at 200,000 sessions), the
    usual searches (a concern, one participant) with the page. On SQLite max(rowid) is
    one seek (rows are never deleted, so it is the number of sessions ever written).
    """
    if s.get_bind().dialect.name == "sqlite":
        total = s.execute(text("SELECT max(rowid) FROM support_sessions")).scalar() or 0
    else:
        total = s.execute(select(func.count()).select_from(SupportSession)).scalar() or 0
    return max(500, int(math.sqrt(200 * total)))


def _capped_count(s: Session, stmt: Any, cap: int) -> int:
    sub = stmt.limit(cap).subquery()
    return int(s.execute(select(func.count()).select_from(sub)).scalar() or 0)


def match_search(s: Session, like: str) -> Match:
    """A search term: concern words containing it, or participant codes containing it."""
    words = tuple(s.execute(_CONCERN_WORDS, {"like": like}).scalars())
    code_hit = s.execute(
        select(Participant.id).where(func.lower(Participant.code).like(func.lower(like))).limit(1)
    ).first()
    code_like = like if code_hit is not None else None
    cap = few_threshold(s)
    found = 0
    if words:
        found += _capped_count(
            s, select(SessionConcern.session_id).where(SessionConcern.concern.in_(words)), cap
        )
    if code_like is not None and found < cap:
        found += _capped_count(
            s,
            select(SupportSession.id).where(
                SupportSession.episode_id.in_(_episodes_of_codes(code_like))
            ),
            cap,
        )
    return Match(words, code_like, found, found < cap)


def match_concern(s: Session, concern: str) -> Match:
    """Sessions with exactly this concern (as stored: trimmed, lower case)."""
    word = concern.strip().lower()
    cap = few_threshold(s)
    found = _capped_count(
        s, select(SessionConcern.session_id).where(SessionConcern.concern == word), cap
    )
    return Match((word,), None, found, found < cap)


# -- a supporter's own list -----------------------------------------------------------


def supporter_page_ids(
    s: Session,
    supporter_id: str,
    conds: list[ColumnElement[bool]],
    descending: bool,
    limit: int,
) -> list[str]:
    """A page of a supporter's sessions by date, bounded by the page, not their history.

    A supporter sees their own sessions and others' sessions in their episodes. Each
    part is walked in date order through its own index (their sessions by
    (supporter_id, started_at, id); their episodes' sessions by (episode_id,
    supporter_id), reading index entries only) and the two short lists are merged.
    """
    key = SORTS["started_at"]
    own = (
        select(SupportSession.id, SupportSession.started_at)
        .select_from(_sessions_by_supporter())
        .where(SupporterProfile.id == supporter_id, *conds)
        .order_by(*order_by(key, descending))
        .limit(limit)
        .subquery()
    )
    in_own_episodes = CrossJoin(_EP, _SS, _ON_EP, "ix_support_sessions_episode_supporter")
    others = (
        select(SupportSession.id, SupportSession.started_at)
        .select_from(in_own_episodes)
        .where(
            Episode.supporter_id == supporter_id,
            SupportSession.supporter_id != supporter_id,
            *conds,
        )
        .order_by(*order_by(key, descending, use_index=False))
        .limit(limit)
        .subquery()
    )
    both = union_all(
        select(own.c.id, own.c.started_at), select(others.c.id, others.c.started_at)
    ).subquery()
    cols = (both.c.started_at, both.c.id)
    return list(
        s.scalars(
            select(both.c.id)
            .order_by(*[c.desc() if descending else c.asc() for c in cols])
            .limit(limit)
        )
    )

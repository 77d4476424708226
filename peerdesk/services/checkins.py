"""Check-ins: WHO-5 and PSS-4 scoring in one place, and recording them on an episode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from peerdesk.errors import NotFoundError, ValidationError
from peerdesk.models import CheckIn, Episode, new_id
from peerdesk.services.auth import Actor
from peerdesk.services.record_ids import insert_once
from peerdesk.services.scope import episode_filter
from peerdesk.services.store import Store

PHASES = ("before", "after")


@dataclass(frozen=True)
class Instrument:
    code: str
    items: int
    lowest: int
    highest: int
    reverse_items: tuple[int, ...]  # 1-based item numbers scored in reverse
    multiplier: int
    max_score: int
    higher_is_better: bool
    # The smallest change in score that counts as a real change, in score points.
    real_change: int
    # (highest score in the tier, what it means), lowest tier first.
    tiers: tuple[tuple[int, str], ...] = ()


INSTRUMENTS = {
    # WHO-5 Well-Being Index: five items 0-5; raw 0-25 times 4 gives 0-100. Published rules
    # (Topp et al. 2015, the WHO-5 guide): a change of 10 points or more is a real change;
    # 50 or below suggests poor well-being, 28 or below likely depression (screen further).
    "WHO-5": Instrument(
        "WHO-5",
        5,
        0,
        5,
        (),
        4,
        100,
        True,
        10,
        (
            (28, "28 or below: likely depression; consider a referral for assessment"),
            (50, "50 or below: poor well-being; worth talking about"),
        ),
    ),
    # PSS-4 perceived stress: four items 0-4; items 2 and 3 are positively worded
    # and reverse-scored; total 0-16, higher means more stress. It has no published
    # threshold for a real change or a cut-off, so any change of a point counts.
    "PSS-4": Instrument("PSS-4", 4, 0, 4, (2, 3), 1, 16, False, 1),
}


def tier(instrument: str, value: int) -> str:
    """What a score means by the instrument's published cut-offs ("" when none applies)."""
    for highest, meaning in INSTRUMENTS[instrument].tiers:
        if value <= highest:
            return meaning
    return ""


def change(instrument: str, before: float, after: float) -> str:
    """improved, worsened or unchanged, by the instrument's rule for a real change."""
    inst = INSTRUMENTS[instrument]
    gain = (after - before) if inst.higher_is_better else (before - after)
    if gain >= inst.real_change:
        return "improved"
    if -gain >= inst.real_change:
        return "worsened"
    return "unchanged"


def score(instrument: str, answers: Sequence[int | None]) -> int:
    inst = INSTRUMENTS.get(instrument)
    if inst is None:
        raise ValidationError(f"unknown instrument '{instrument}'; use WHO-5 or PSS-4")
    if len(answers) != inst.items or any(a is None for a in answers):
        raise ValidationError(f"{inst.code} needs an answer to each of its {inst.items} items")
    total = 0
    for number, answer in enumerate(answers, start=1):
        # bool is an int in Python: True would count as 1.
        if (
            isinstance(answer, bool)
            or not isinstance(answer, int)
            or not inst.lowest <= answer <= inst.highest
        ):
            raise ValidationError(
                f"{inst.code} item {number} must be a whole number from {inst.lowest} "
                f"to {inst.highest}"
            )
        total += (inst.highest - answer) if number in inst.reverse_items else answer
    return total * inst.multiplier


@dataclass(frozen=True)
class CheckInInfo:
    id: str
    episode_id: str
    instrument: str
    phase: str
    answers: tuple[int, ...]
    score: int
    taken_on: date


def record_checkin(
    store: Store,
    actor: Actor,
    episode_id: str,
    instrument: str,
    phase: str,
    answers: Sequence[int | None],
    taken_on: date | None = None,
    record_id: str | None = None,
) -> CheckInInfo:
    """A check-in. With record_id (services/record_ids.py), a second call with the same id
    returns the check-in the first call recorded."""
    if phase not in PHASES:
        raise ValidationError("a check-in is taken before or after")
    total = score(instrument, answers)

    def earlier(cid: str) -> CheckInInfo | None:
        with store.session() as s:
            c = s.get(CheckIn, cid)
            if c is None:
                return None
            if c.created_by != actor.user_id or c.episode_id != episode_id:
                raise ValidationError("this check-in was recorded by someone else")
            return _info(c)

    def insert() -> CheckInInfo:
        return _insert_checkin(
            store, actor, episode_id, instrument, phase, answers, total, taken_on, record_id
        )

    return insert_once(record_id, earlier, insert)


def _insert_checkin(
    store: Store,
    actor: Actor,
    episode_id: str,
    instrument: str,
    phase: str,
    answers: Sequence[int | None],
    total: int,
    taken_on: date | None,
    record_id: str | None,
) -> CheckInInfo:
    with store.session() as s:
        if not s.scalar(select(Episode.id).where(Episode.id == episode_id, episode_filter(actor))):
            raise NotFoundError("no such episode, or it is not yours")
        c = CheckIn(
            id=record_id or new_id(),
            episode_id=episode_id,
            instrument=instrument,
            phase=phase,
            answers=",".join(str(a) for a in answers),
            score=total,
            taken_on=taken_on or date.today(),
            created_by=actor.user_id,
            updated_by=actor.user_id,
        )
        s.add(c)
        s.flush()
        store.audit(s, actor, "checkin.create", "checkin", c.id, {"instrument": instrument})
        return _info(c)


def _info(c: CheckIn) -> CheckInInfo:
    answers = tuple(int(a) for a in c.answers.split(",") if a != "")
    return CheckInInfo(c.id, c.episode_id, c.instrument, c.phase, answers, c.score, c.taken_on)


def list_checkins(store: Store, actor: Actor, episode_id: str) -> list[CheckInInfo]:
    with store.session() as s:
        rows = s.scalars(
            select(CheckIn)
            .join(Episode, Episode.id == CheckIn.episode_id)
            .where(CheckIn.episode_id == episode_id, episode_filter(actor))
            .order_by(CheckIn.taken_on, CheckIn.created_at)
        )
        return [_info(c) for c in rows]

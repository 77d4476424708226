"""A demo store that looks like a real year (or N years) of a small peer support program.

Everything is synthetic and the store is marked as demo (settings.demo = "true", and the
site name says DEMO). The same seed and anchor date give the same data, ids included.
Rows are written with bulk inserts so 200,000 sessions take seconds, not minutes.
With years=N the sessions spread over N years ending today, staffed for the sessions of
one year, so a large store can be ten years of a busy program as well as one dense year.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from peerdesk.errors import PermissionDeniedError, StoreExistsError
from peerdesk.models import (
    CheckIn,
    Course,
    Episode,
    OutcomeAnswer,
    Participant,
    Referral,
    ReferralStatusChange,
    Resource,
    SessionAttendance,
    SessionConcern,
    Setting,
    Site,
    SupervisionEntry,
    SupporterCheckIn,
    SupporterProfile,
    SupportSession,
    TrainingRecord,
    User,
)
from peerdesk.models.sealing import seal_rows, sealer_of
from peerdesk.services import integrity
from peerdesk.services.accounts import generate_password
from peerdesk.services.auth import ADMIN, COORDINATOR, SUPPORTER, SYSTEM, Actor
from peerdesk.services.checkins import score
from peerdesk.services.notes import escrow, extras_for
from peerdesk.services.notes_crypto import new_notes_key, seal_note
from peerdesk.services.server_store import create_server_store, on_server
from peerdesk.services.storage.tuning import large_page_cache
from peerdesk.services.store import Store, create_store, open_store
from peerdesk.services.supporters import STANDARD_COURSES

SITE_NAME = "Riverside Community Clinic (DEMO)"
SUPPORTERS = [
    # name, discipline, department, specialty, band, languages, lived experience, capacity
    ("Zoë Martin", "nursing", "Emergency", "trauma", "6-10", "en,fr", "", 12),
    ("Łukasz Nowak", "medicine", "Intensive care", "critical care", "10+", "en,pl", "", 8),
    ("Ğül Yılmaz", "social work", "Oncology", "palliative", "3-5", "en,tr", "grief", 10),
    (
        "Ana Souza",
        "peer specialist",
        "Community",
        "recovery",
        "6-10",
        "en,pt,es",
        "substance use,mental health",
        14,
    ),
    ("Ben Okafor", "respiratory therapy", "Intensive care", "ventilation", "3-5", "en", "", 8),
    ("Chloé Dubois", "pharmacy", "Pharmacy", "oncology", "0-2", "en,fr", "", 6),
    ("Dev Patel", "medicine", "Paediatrics", "neonatal", "6-10", "en,hi,gu", "", 8),
    ("Erin Walsh", "chaplaincy", "Spiritual care", "bereavement", "10+", "en,ga", "grief", 12),
    (
        "Farah Haddad",
        "peer specialist",
        "Community",
        "caregiving",
        "3-5",
        "en,ar",
        "caregiving,mental health",
        14,
    ),
    ("Gustavo Ríos", "nursing", "Surgery", "perioperative", "0-2", "en,es", "", 8),
    ("Hana Kobayashi", "social work", "Emergency", "crisis", "6-10", "en,ja", "", 10),
    ("Ivan Petrov", "administration", "Patient services", "front desk", "3-5", "en,ru", "", 6),
]
RESOURCES = [
    ("Employee Assistance Program", "eap", "0800 555 0100", "Mon-Fri 08:00-20:00"),
    ("24/7 Crisis Line", "crisis_line", "0800 555 0199", "24 hours"),
    ("Community Mental Health Team", "mental_health", "0800 555 0120", "Mon-Fri 09:00-17:00"),
    ("Psychology Outpatients", "mental_health", "0800 555 0121", "Mon-Thu 09:00-17:00"),
    ("Hospital Chaplaincy", "chaplaincy", "ext. 4400", "Daily 08:00-22:00"),
    ("Carers' Support Network", "community", "0800 555 0140", "Mon-Sat 10:00-16:00"),
    ("Housing Advice Centre", "community", "0800 555 0150", "Mon-Fri 09:30-16:30"),
    ("Recovery Café", "community", "0800 555 0160", "Tue-Sun 11:00-19:00"),
]
STAFF_CONCERNS = [
    "adverse event",
    "patient death",
    "burnout",
    "workplace conflict",
    "moral distress",
    "grief",
    "anxiety",
]
PATIENT_CONCERNS = [
    "recovery goals",
    "substance use",
    "housing",
    "anxiety",
    "isolation",
    "family stress",
    "grief",
]
CAREGIVER_CONCERNS = ["caregiver strain", "grief", "family stress", "isolation", "anxiety"]
ROLES = {
    "staff": ["nurse", "physician", "resident", "allied health", "support staff"],
    "patient": ["outpatient", "inpatient", "community"],
    "caregiver": ["parent", "partner", "adult child", "friend"],
}
DEPARTMENTS = [
    "Emergency",
    "Intensive care",
    "Oncology",
    "Paediatrics",
    "Surgery",
    "Pharmacy",
    "Maternity",
    "Medicine",
]
LANGUAGES = ["en"] * 8 + ["es", "fr", "pl", "ar", "pt", "tr"]
MODES = ["in_person"] * 50 + ["phone"] * 25 + ["video"] * 15 + ["text"] * 10
# The demo store the desktop app creates by itself uses this published password; the
# command line generates one unless given. Demo data is synthetic, so nothing is at risk.
DEFAULT_DEMO_PASSWORD = "demo-peerdesk-2024"
LIVED_AREAS = ["substance use", "mental health", "grief", "caregiving"]
SERIES_LENGTH = 3
MAX_YEARS = 50
NOTE_LINES = [
    "Demo note: listened, reflected back feelings, agreed next steps.",
    "Demo note: talked through coping strategies and sleep.",
    "Demo note: reviewed goals; participant feels more settled.",
    "Demo note: discussed options for further support.",
]


@dataclass
class DemoResult:
    data_dir: Path
    password: str
    password_generated: bool
    recovery_key: str
    usernames: list[str]
    counts: dict[str, int] = field(default_factory=dict)


class _Ids:
    """Deterministic UUIDs from the seeded generator.

    time_ordered: UUIDv7 stamped with each record's creation time (as the app makes for
    new rows, models/base.py), from the same random bits, so everything else stays the
    same for a seed. Off by default: stores made before v7 ids hold random uuid4 ids.
    """

    def __init__(self, rng: random.Random, time_ordered: bool = False) -> None:
        self.rng = rng
        self.time_ordered = time_ordered

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def stamped(self, made: str, at: datetime) -> str:
        ms = int(at.replace(tzinfo=UTC).timestamp() * 1000) & ((1 << 48) - 1)
        low = uuid.UUID(made).int & ((1 << 76) - 1)  # random bits and variant, no version
        return str(uuid.UUID(int=ms << 80 | 0x7 << 76 | low))


def _username(name: str) -> str:
    import unicodedata

    name = name.translate(str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss"}))
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    first, last = plain.split()[0], plain.split()[-1]
    return f"{first}.{last[0]}"


def _season(day: date) -> float:
    # Busier in winter, quieter in late summer.
    return 1.0 + 0.35 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.0)


def build_demo(
    data_dir: Path,
    sessions: int = 3000,
    seed: int = 1,
    password: str | None = None,
    anchor: date | None = None,
    years: int = 1,
    time_ordered_ids: bool = False,
    sites: int = 1,
) -> DemoResult:
    """Create a demo store in an empty data_dir; return the shared password and accounts.

    sites > 1: the same program shared out over that many sites (each supporter and
    participant belongs to one), with a coordinator per site and an organisation
    coordinator (`orgcoord`); sites=1 is the one-site store, the same for a seed as ever.

    The sessions spread over `years` years ending on the anchor day (default today).
    time_ordered_ids: records get UUIDv7 ids from their creation time (benchmarks).
    """
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be 1 to {MAX_YEARS}")
    if not 1 <= sites <= len(SITE_NAMES):
        raise ValueError(f"sites must be 1 to {len(SITE_NAMES)}")
    generated = password is None
    pw = password if password is not None else generate_password()
    today = anchor or date.today()
    rng = random.Random(seed)
    ids = _Ids(rng, time_ordered_ids)
    common = ("admin", pw, "Demo Administrator", SITE_NAME)
    if on_server(data_dir):  # the server the machine policy names, not set up yet
        recovery = create_server_store(data_dir, *common, demo=True, id_factory=ids)
    else:
        # build_demo_store already builds in a hidden folder beside the target
        recovery = create_store(data_dir, *common, demo=True, id_factory=ids, beside=False)
    store, admin = open_store(data_dir, "admin", pw)
    with store:
        usernames, counts = _fill(store, admin, rng, ids, sessions, today, years, pw, seed, sites)
    return DemoResult(Path(data_dir), pw, generated, recovery, usernames, counts)


def fill_server_demo(
    store: Store,
    admin: Actor,
    sessions: int = 3000,
    seed: int = 1,
    password: str | None = None,
    anchor: date | None = None,
    years: int = 1,
) -> DemoResult:
    """Demo data and demo accounts in a server store that `peerdesk server init` set up and
    that holds no casework yet (an administrator's choice, for training or a trial)."""
    if admin.role != ADMIN or admin.emergency:
        raise PermissionDeniedError("only an administrator may fill the server with demo data")
    with store.session() as s:
        if s.scalar(select(func.count()).select_from(Participant)):
            raise StoreExistsError(
                "the server's store already holds participants; demo data goes only into a "
                "store that holds no casework yet"
            )
        s.execute(update(Setting).where(Setting.key == "demo").values(value="true"))
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be 1 to {MAX_YEARS}")
    generated = password is None
    pw = password if password is not None else generate_password()
    rng = random.Random(seed)
    ids = _Ids(rng)
    # A new demo store spends two ids on its site and admin first (store_setup): spent
    # here too, so a seed gives the same program data as `peerdesk demo` on a new store.
    ids(), ids()
    today = anchor or date.today()
    usernames, counts = _fill(store, admin, rng, ids, sessions, today, years, pw, seed)
    return DemoResult(store.data_dir, pw, generated, "", usernames, counts)


def _fill(
    store: Store,
    admin: Actor,
    rng: random.Random,
    ids: _Ids,
    sessions: int,
    today: date,
    years: int,
    pw: str,
    seed: int,
    sites: int = 1,
) -> tuple[list[str], dict[str, int]]:
    usernames, extras = _populate(store, rng, ids, max(0, sessions), today, years)
    usernames[0] = admin.username
    if sites > 1:
        more, more_extras = _share_out(store, sites, seed)
        usernames += more
        extras.update(more_extras)
    store.keyslots.set_shared_secret_slots("password", usernames[1:], pw, store.key, extras)
    # Made-up names the sign-in screen may show (real stores' slots name nobody).
    store.keyslots.data["demo_accounts"] = usernames
    store.keyslots.save()
    if pw == DEFAULT_DEMO_PASSWORD:
        # Lets the sign-in screen show the password; never set for other passwords.
        store.keyslots.data["demo_default_password"] = True
        store.keyslots.save()
    with store.session() as s:
        counts = {
            name: int(s.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in (
                ("supporters", SupporterProfile),
                ("participants", Participant),
                ("episodes", Episode),
                ("sessions", SupportSession),
                ("referrals", Referral),
                ("checkins", CheckIn),
            )
        }
        store.audit(
            s, SYSTEM, "demo.create", "store", store.keyslots.store_id, {"seed": seed, **counts}
        )
        integrity.sign_accounts(store, s)  # the bulk-made accounts, signed by the admin
    return usernames, counts


# The first site is SITE_NAME; a demo over several sites adds these (all marked DEMO).
SITE_NAMES = (
    SITE_NAME,
    "Hillside Outreach Centre (DEMO)",
    "Harbour Day Hospital (DEMO)",
    "Northgate Family Practice (DEMO)",
)


def _share_out(store: Store, sites: int, seed: int) -> tuple[list[str], dict[str, Any]]:
    """Share one demo program out over `sites` sites, consistently: supporters by turns,
    each participant to the site of the supporter of their first episode, and an episode
    held across sites handed (with its sessions) to a supporter of the participant's site.
    Its own generator, so the one-site demo of a seed never changes."""
    from peerdesk.services.auth import ORG_COORDINATOR

    rng = random.Random(f"demo sites {seed}")
    with store.session() as s:
        admin_id = s.scalar(select(User.id).where(User.username == "admin"))
        first_site = s.scalars(select(Site)).one()
        first, made = first_site.id, first_site.created_at
        site_ids = [first]
        for n, name in enumerate(SITE_NAMES[1:sites], start=1):
            site = Site(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), name=name)
            site.created_at = site.updated_at = made + timedelta(seconds=n)  # listed in turn
            site.created_by = site.updated_by = admin_id
            s.add(site)
            s.flush()
            site_ids.append(site.id)
        profiles = list(s.scalars(select(SupporterProfile).order_by(SupporterProfile.display_name)))
        site_of: dict[str, str] = {}
        for i, prof in enumerate(profiles):
            prof.site_id = site_ids[i % sites]
            site_of[prof.id] = prof.site_id
            if prof.user_id:
                s.get(User, prof.user_id).site_id = prof.site_id  # type: ignore[union-attr]
        by_site = {
            sid: [p.id for p in profiles if p.site_id == sid and p.status == "active"]
            for sid in site_ids
        }
        first_ep: dict[str, str | None] = {}
        for pid, sup in s.execute(
            select(Episode.participant_id, Episode.supporter_id).order_by(
                Episode.opened_on, Episode.id
            )
        ):
            first_ep.setdefault(pid, sup)
        people = list(s.scalars(select(Participant).order_by(Participant.code)))
        for i, person in enumerate(people):
            sup = first_ep.get(person.id)
            person.site_id = site_of.get(sup or "", site_ids[i % sites])
        home = {p.id: p.site_id for p in people}
        for ep in s.scalars(select(Episode).order_by(Episode.id)):
            if ep.supporter_id is None or site_of.get(ep.supporter_id) == home[ep.participant_id]:
                continue
            ep.supporter_id = rng.choice(by_site[home[ep.participant_id]])
            s.execute(
                SupportSession.__table__.update()
                .where(SupportSession.episode_id == ep.id)
                .values(supporter_id=ep.supporter_id)
            )
        # A group meets at one site: attendees from another site's caseload are dropped,
        # so every count of the organisation report is the sum of the sites' counts.
        attendance = SessionAttendance.__table__
        for sid, pid, own in s.execute(
            select(attendance.c.session_id, attendance.c.participant_id, Episode.participant_id)
            .join(SupportSession, SupportSession.id == attendance.c.session_id)
            .join(Episode, Episode.id == SupportSession.episode_id)
        ).all():
            if home.get(pid) != home[own]:
                s.execute(
                    attendance.delete().where(
                        attendance.c.session_id == sid, attendance.c.participant_id == pid
                    )
                )
        added: list[str] = []
        for n, sid in enumerate(site_ids[1:], start=2):
            added.append(f"coordinator{n}")
            s.add(_demo_user(rng, f"coordinator{n}", f"Demo Coordinator {n}", COORDINATOR, sid))
        added.append("orgcoord")
        s.add(_demo_user(rng, "orgcoord", "Demo Organisation Coordinator", ORG_COORDINATOR, first))
    public = store.note_keys.recovery_public
    return added, {name: extras_for({}, None, public) for name in added}


def _demo_user(rng: random.Random, name: str, display: str, role: str, site_id: str) -> User:
    user = User(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        username=name,
        display_name=display,
        role=role,
        state="active",
        site_id=site_id,
    )
    user.created_at = user.updated_at = datetime.combine(date.today(), time(8, 0))
    return user


def _populate(
    store: Store, rng: random.Random, ids: _Ids, n_sessions: int, today: date, years: int = 1
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    # One year is 364 days back from today, as before --years existed.
    span = 365 * years - 1
    start = today - timedelta(days=span)
    months = 12 * years
    # Staffing, capacity and participants follow one year's sessions, not the whole store.
    per_year = n_sessions // years
    # Monthly events (supervision, well-being check-ins): 30-day steps in one year, as
    # before; over many years, calendar-length months so the last ones stay recent.
    step = 30.0 if years == 1 else 365 / 12
    stamp = datetime.combine(start, time(8, 0))
    rows: dict[Any, list[dict[str, Any]]] = {
        t: []
        for t in (
            User,
            SupporterProfile,
            Course,
            TrainingRecord,
            SupervisionEntry,
            Resource,
            Participant,
            Episode,
            SupportSession,
            SessionConcern,
            SessionAttendance,
            Referral,
            ReferralStatusChange,
            CheckIn,
            SupporterCheckIn,
            OutcomeAnswer,
        )
    }

    with store.session() as s:
        site_id = s.scalar(select(Site.id))
        # The first administrator: "admin" in a demo store, the one who set up a server.
        admin_id = s.scalar(select(User.id).where(User.role == ADMIN).order_by(User.created_at))

    def rec(**kw: Any) -> dict[str, Any]:
        base = {
            "id": ids(),
            "created_at": stamp,
            "updated_at": stamp,
            "created_by": admin_id,
            "updated_by": admin_id,
        }
        base.update(kw)
        if ids.time_ordered:
            base["id"] = ids.stamped(base["id"], base["created_at"])
        return base

    # Needs-met answers draw from their own generator, so adding them left every other
    # figure of a seeded demo store as it was.
    # (hash of the state tuple alone: hash(None) in it differs per process before 3.12)
    orng = random.Random(hash(rng.getstate()[1]))

    def outcome(ep: dict[str, Any], day: date, sup: dict[str, Any], session_id: Any) -> None:
        if orng.random() < 0.15:
            return  # not every series end or close gets the question recorded
        needs = orng.choices(["yes", "partly", "no", "not_asked"], [55, 25, 8, 12])[0]
        rated = needs != "not_asked" and orng.random() < 0.7
        weights = {
            "yes": [1, 2, 8, 40, 49],
            "partly": [3, 12, 40, 35, 10],
            "no": [30, 35, 25, 9, 1],
        }
        when = datetime.combine(day, time(17, 0))
        rows[OutcomeAnswer].append(
            {
                "id": str(uuid.UUID(int=orng.getrandbits(128), version=4)),
                "created_at": when,
                "updated_at": when,
                "created_by": sup["user_id"],
                "updated_by": sup["user_id"],
                "episode_id": ep["id"],
                "session_id": session_id,
                "answered_on": day,
                "needs_met": needs,
                "satisfaction": orng.choices(range(1, 6), weights[needs])[0] if rated else None,
            }
        )

    usernames = ["admin"]
    store_id = store.keyslots.store_id
    note_keys: dict[str, tuple[str, bytes]] = {}
    extras: dict[str, dict[str, Any]] = {}
    coord = rec(
        username="coordinator",
        display_name="Demo Coordinator",
        role=COORDINATOR,
        state="active",
        site_id=site_id,
    )
    rows[User].append(coord)
    usernames.append("coordinator")
    extras["coordinator"] = extras_for({}, None, store.note_keys.recovery_public)

    # Supporters: the listed twelve, plus more for very large demo stores.
    extra = max(0, per_year // 10000)
    supporter_specs = list(SUPPORTERS)
    for i in range(extra):
        base = SUPPORTERS[i % len(SUPPORTERS)]
        supporter_specs.append((f"Demo Supporter {i + 13:02d}", *base[1:]))
    supporters: list[dict[str, Any]] = []
    # About 100 episodes are open at any time per 3,000 sessions a year; capacities scale
    # so a typical supporter is at 50-80% of theirs.
    scale = max(1.0, per_year / 3000) * 12 / len(supporter_specs)

    def cap_scale(cap: int) -> int:
        return max(1, round(cap * 1.6 * scale))

    for i, (name, disc, dept, spec, band, langs, lived, cap) in enumerate(supporter_specs):
        uname = _username(name) if i < len(SUPPORTERS) else f"supporter{i + 1:02d}"
        user = rec(
            username=uname, display_name=name, role=SUPPORTER, state="active", site_id=site_id
        )
        rows[User].append(user)
        usernames.append(uname)
        # Each supporter's notes are sealed with their own notes key (services/notes.py).
        note_keys[user["id"]] = new_notes_key()
        kid, key = note_keys[user["id"]]
        extras[uname] = extras_for({kid: key}, kid, store.note_keys.recovery_public)
        status = "on_leave" if name == "Ivan Petrov" else "active"
        prof = rec(
            user_id=user["id"],
            site_id=site_id,
            display_name=name,
            discipline=disc,
            department=dept,
            specialty=spec,
            experience_band=band,
            languages=langs,
            lived_experience=lived,
            capacity=cap_scale(cap),
            status=status,
        )
        rows[SupporterProfile].append(prof)
        supporters.append(prof)

    courses = []
    program_courses = (
        ("colleague", "Colleague support basics (program course)", True, None, ""),
        ("recovery-ethics", "Recovery coaching ethics", True, 24, "peer specialist"),
    )
    for code, cname, required, months, required_for in (
        tuple((*c, "") for c in STANDARD_COURSES) + program_courses
    ):
        c = rec(
            code=code,
            name=cname,
            required=required,
            validity_months=months,
            required_for=required_for,
        )
        rows[Course].append(c)
        courses.append(c)
    for i, prof in enumerate(supporters):
        for c in courses:
            if not c["required"] and rng.random() < 0.5:
                continue
            if c["required_for"] and prof["discipline"] not in c["required_for"].split(","):
                continue
            # Trained before the demo year; certificates that ran out were renewed
            # (a month before expiry), except the few chosen to show warnings.
            done = start - timedelta(days=rng.randint(30, 600))
            while True:
                expires = None
                if c["validity_months"]:
                    expires = done + timedelta(days=int(c["validity_months"] * 30.4))
                special = (c["code"] == "pfa" and i in (1, 5)) or (c["code"] == "crisis" and i == 9)
                if expires is not None and expires < today + timedelta(days=90) and not special:
                    rows[TrainingRecord].append(
                        rec(
                            supporter_id=prof["id"],
                            course_id=c["id"],
                            completed_on=done,
                            expires_on=expires,
                        )
                    )
                    done = expires - timedelta(days=rng.randint(10, 40))
                    continue
                break
            if i in (1, 5) and c["code"] == "pfa":
                expires = today + timedelta(days=20 if i == 1 else 50)  # expiring within 60 days
            if i == 9 and c["code"] == "crisis":
                expires = today - timedelta(days=12)  # lapsed
            rows[TrainingRecord].append(
                rec(
                    supporter_id=prof["id"],
                    course_id=c["id"],
                    completed_on=done,
                    expires_on=expires,
                )
            )
        for month in range(months):
            if i == 3 and month >= months - 2:
                continue  # one supporter without recent supervision
            held = start + timedelta(days=int(step * month) + rng.randint(0, 20))
            rows[SupervisionEntry].append(
                rec(
                    supporter_id=prof["id"],
                    held_on=held,
                    minutes=rng.choice([30, 45, 60, 90]),
                    format=rng.choice(["one_to_one", "one_to_one", "group"]),
                    supervisor="Demo Clinical Supervisor",
                    notes="",
                )
            )

    resources = []
    for name, kind, phone, hours in RESOURCES:
        r = rec(
            name=name,
            kind=kind,
            phone=phone,
            email="",
            address="",
            hours=hours,
            notes="Demo directory entry",
            active=True,
        )
        rows[Resource].append(r)
        resources.append(r)

    n_participants = max(150, n_sessions // 20)
    participants = []
    used_codes: set[str] = set()
    for number in range(1, n_participants + 1):
        kind = rng.choices(["staff", "patient", "caregiver"], [0.5, 0.35, 0.15])[0]
        code = ""
        while not code or code in used_codes:
            code = "D-" + "".join(rng.choice("ACDEFGHJKMNPQRTUVWXY34679") for _ in range(6))
        used_codes.add(code)
        p = rec(
            code=code,
            site_id=site_id,
            kind=kind,
            role=rng.choice(ROLES[kind]),
            department=rng.choice(DEPARTMENTS) if kind == "staff" else "",
            language=rng.choice(LANGUAGES),
            # Every eighth person has a made-up name and contact details (obviously demo,
            # an address that can never be delivered), so sealing shows on a server.
            name=f"Demo Person {number}" if number % 8 == 1 else None,
            contact=f"demo-{number}@example.invalid" if number % 8 == 1 else None,
            consent_given=True,
            consent_on=start,
        )
        rows[Participant].append(p)
        participants.append(p)

    active = [p for p in supporters if p["status"] == "active"]
    on_leave = [p for p in supporters if p["status"] == "on_leave"]
    leave_from = today - timedelta(days=45)
    remaining = n_sessions
    statuses = ["suggested", "made", "accepted", "declined", "attended", "no_show", "closed"]
    still_to_show = list(statuses)
    while remaining > 0:
        part = rng.choice(participants)
        kind = part["kind"]
        opened = start + timedelta(days=rng.randint(0, span - 1))
        while rng.random() * 1.35 > _season(opened):
            opened = start + timedelta(days=rng.randint(0, span - 1))
        pool = active + (on_leave if opened < leave_from - timedelta(days=60) else [])
        # Coordinators give more cases to those with more capacity.
        sup = rng.choices(pool, [p["capacity"] for p in pool])[0]
        n = (
            rng.choices([1, 2, 3, 4], [0.35, 0.3, 0.25, 0.1])[0]
            if kind == "staff"
            else min(20, 2 + int(rng.expovariate(1 / 6)))
        )
        n = min(n, remaining)
        concerns_pool = {
            "staff": STAFF_CONCERNS,
            "patient": PATIENT_CONCERNS,
            "caregiver": CAREGIVER_CONCERNS,
        }[kind]
        ep = rec(
            participant_id=part["id"],
            supporter_id=sup["id"],
            reason=rng.choice(concerns_pool),
            opened_on=opened,
            closed_on=None,
            risk_level=rng.choices(["low", "medium", "high"], [0.75, 0.2, 0.05])[0],
            lived_experience_wanted=(
                rng.choice(LIVED_AREAS) if kind != "staff" and rng.random() < 0.25 else ""
            ),
            series_length=SERIES_LENGTH,
            created_at=datetime.combine(opened, time(9, 0)),
        )
        rows[Episode].append(ep)
        # Days from the request for support to the first contact: the episode was opened
        # that much earlier (its own generator, so sessions and referrals stay as they were).
        wait = orng.choices([0, 1, 2, 3, 5, 8, 12, 20], [30, 20, 15, 12, 10, 7, 4, 2])[0]
        ep["opened_on"] = opened - timedelta(days=wait)
        ep["created_at"] = datetime.combine(ep["opened_on"], time(9, 0))
        day = opened
        last_day = opened
        made = 0
        for k in range(n):
            if day > today:
                break
            started = datetime.combine(day, time(rng.randint(7, 18), rng.choice([0, 15, 30, 45])))
            group = kind != "staff" and rng.random() < 0.12
            follow = day + timedelta(days=rng.randint(5, 14)) if rng.random() < 0.4 else None
            done = None
            # Old follow-ups were all done (a few late); recent ones are partly still due.
            recent = follow is not None and follow > today - timedelta(days=21)
            if follow and follow <= today and (not recent or rng.random() < 0.7):
                done = min(today, follow + timedelta(days=rng.choice([0, 0, 0, -1, 1, 3, 8])))
            ss = rec(
                episode_id=ep["id"],
                supporter_id=sup["id"],
                started_at=started,
                minutes=rng.choice([10, 20, 25, 30, 35, 40, 45, 50, 60, 75, 90]),
                mode=rng.choice(MODES),
                format="group" if group else "individual",
                notes=rng.choice(NOTE_LINES),
                follow_up_on=follow,
                follow_up_done_on=done,
                safety_flag=rng.random() < 0.03,
                referral_decision=None,
                referral_decision_at=None,
                withdrawn_at=None,
                withdrawn_reason=None,
                created_by=sup["user_id"],
                updated_by=sup["user_id"],
                created_at=started,
                updated_at=started,
            )
            kid, key = note_keys[sup["user_id"]]
            ss["notes"] = seal_note(store_id, kid, key, ss["id"], ss["notes"])
            rows[SupportSession].append(ss)
            made += 1
            for concern in sorted(
                {ep["reason"], *rng.sample(concerns_pool, rng.choice([0, 0, 1]))}
            ):
                rows[SessionConcern].append({"session_id": ss["id"], "concern": concern})
            if group:
                present = {part["id"]} | {
                    rng.choice(participants)["id"] for _ in range(rng.randint(2, 6))
                }
                for pid in sorted(present):
                    rows[SessionAttendance].append(
                        {
                            "session_id": ss["id"],
                            "participant_id": pid,
                            "attended": rng.random() < 0.9 or pid == part["id"],
                        }
                    )
            refer = ss["safety_flag"] or rng.random() < 0.06
            if refer:
                _demo_referral(
                    rows, rec, rng, ep, ss, sup, resources, statuses, today, still_to_show
                )
            if ss["safety_flag"] or (k + 1) % SERIES_LENGTH == 0:
                # The supporter answered the referral prompt.
                ss["referral_decision"] = (
                    "referred" if refer else rng.choice(["not_needed", "not_needed", "declined"])
                )
                ss["referral_decision_at"] = started + timedelta(minutes=ss["minutes"])
            if (k + 1) % SERIES_LENGTH == 0:
                outcome(ep, day, sup, ss["id"])
            if k == 0:
                _demo_checkin(rows, rec, rng, ep, kind, "before", day, sup)
            last_day = day
            day = day + timedelta(
                days=rng.randint(3, 14) if kind == "staff" else rng.randint(5, 21)
            )
        remaining -= max(made, 1) if made else 1
        if made and last_day < today - timedelta(days=21):
            ep["closed_on"] = last_day + timedelta(days=rng.randint(1, 14))
            if ep["closed_on"] <= today:
                outcome(ep, ep["closed_on"], sup, None)
            if made > 1 and rng.random() < 0.8:
                _demo_checkin(rows, rec, rng, ep, kind, "after", last_day, sup)

    # A few people referred in this week, waiting for a coordinator to match them.
    for _ in range(max(3, per_year // 1000)):
        part = rng.choice(participants)
        opened = today - timedelta(days=rng.randint(0, 6))
        rows[Episode].append(
            rec(
                participant_id=part["id"],
                supporter_id=None,
                reason=rng.choice(
                    {
                        "staff": STAFF_CONCERNS,
                        "patient": PATIENT_CONCERNS,
                        "caregiver": CAREGIVER_CONCERNS,
                    }[part["kind"]]
                ),
                opened_on=opened,
                closed_on=None,
                risk_level=rng.choice(["low", "low", "medium"]),
                lived_experience_wanted="",
                series_length=SERIES_LENGTH,
                created_at=datetime.combine(opened, time(9, 0)),
            )
        )

    for prof in supporters:
        for month in range(months):
            if rng.random() < 0.6:  # private well-being check-ins of supporters
                answers = [rng.randint(1, 5) for _ in range(5)]
                rows[SupporterCheckIn].append(
                    rec(
                        supporter_id=prof["id"],
                        instrument="WHO-5",
                        answers=",".join(map(str, answers)),
                        score=score("WHO-5", answers),
                        taken_on=start + timedelta(days=int(step * month) + 3),
                        created_by=prof["user_id"],
                        updated_by=prof["user_id"],
                    )
                )

    # Random UUID keys touch pages all over the file; a big page cache keeps SQLCipher
    # from encrypting and re-reading the same pages over and over.
    with store.session() as s, large_page_cache(s, 256 * 1024):
        sealer = sealer_of(s)  # bulk inserts go around the ORM: seal here (server mode)
        for table, items in rows.items():
            for i in range(0, len(items), 5000):
                chunk = seal_rows(sealer, table.__table__.name, items[i : i + 5000])
                s.execute(insert(table.__table__), chunk)
        for user_id, (kid, key) in note_keys.items():
            escrow(s, store_id, store.note_keys.recovery_public, user_id, {kid: key})
    return usernames, extras


def _demo_referral(
    rows: dict[Any, list[dict[str, Any]]],
    rec: Any,
    rng: random.Random,
    ep: dict[str, Any],
    ss: dict[str, Any],
    sup: dict[str, Any],
    resources: list[dict[str, Any]],
    statuses: list[str],
    today: date,
    still_to_show: list[str],
) -> None:
    res = resources[1] if ss["safety_flag"] else rng.choice(resources)
    path = {
        "suggested": ["suggested"],
        "made": ["made"],
        "accepted": ["made", "accepted"],
        "declined": ["made", "declined"],
        "attended": ["made", "accepted", "attended"],
        "no_show": ["made", "accepted", "no_show"],
        "closed": ["made", "accepted", "attended", "closed"],
    }
    if ss["started_at"].date() < today - timedelta(days=42):
        # Older referrals have reached the end of their loop.
        final = rng.choices(["declined", "attended", "closed"], [0.1, 0.28, 0.62])[0]
    elif still_to_show:
        final = still_to_show.pop(0)  # every status appears at least once
    else:
        final = rng.choices(statuses, [0.1, 0.25, 0.2, 0.08, 0.15, 0.05, 0.17])[0]
    when = ss["started_at"]
    ref = rec(
        episode_id=ep["id"],
        session_id=ss["id"],
        resource_id=res["id"],
        reason="Demo referral",
        urgency="urgent" if ss["safety_flag"] else rng.choice(["routine", "routine", "soon"]),
        warm_handoff=rng.random() < 0.4,
        status=final,
        follow_up_on=(when + timedelta(days=14)).date(),
        created_at=when,
        created_by=sup["user_id"],
        updated_by=sup["user_id"],
    )
    rows[Referral].append(ref)
    for step in path[final]:
        if when.date() > today:
            break
        rows[ReferralStatusChange].append(
            rec(
                referral_id=ref["id"],
                status=step,
                changed_at=when,
                note="",
                created_by=sup["user_id"],
            )
        )
        when = when + timedelta(days=rng.randint(2, 10))


def _demo_checkin(
    rows: dict[Any, list[dict[str, Any]]],
    rec: Any,
    rng: random.Random,
    ep: dict[str, Any],
    kind: str,
    phase: str,
    day: date,
    sup: dict[str, Any],
) -> None:
    shift = 1 if phase == "after" else 0
    if kind == "staff":
        answers = [min(4, max(0, rng.randint(1, 4) - shift)) for _ in range(4)]
        answers[1], answers[2] = 4 - answers[1], 4 - answers[2]
        instrument = "PSS-4"
    else:
        answers = [min(5, max(0, rng.randint(0, 4) + shift)) for _ in range(5)]
        instrument = "WHO-5"
    rows[CheckIn].append(
        rec(
            episode_id=ep["id"],
            instrument=instrument,
            phase=phase,
            answers=",".join(map(str, answers)),
            score=score(instrument, answers),
            taken_on=day,
            created_by=sup["user_id"],
        )
    )


def demo_summary(result: DemoResult) -> str:
    lines = [f"Demo store created in {result.data_dir} (marked as DEMO; all data is synthetic)."]
    lines += [f"  {k}: {v}" for k, v in result.counts.items()]
    lines.append("Accounts: " + ", ".join(result.usernames))
    if result.password_generated:
        lines.append(f"Password for every demo account: {result.password}")
    else:
        lines.append("Password for every demo account: the one you gave")
    return "\n".join(lines)

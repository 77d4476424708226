"""Two people correcting the same record: the second gets "changed by X at HH:MM; reload",
never a silent overwrite (services/record_versions.py, migration 0007)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from conftest import ADMIN_PW, COORD_PW, SUP_A_PW

from peerdesk.errors import StaleEditError
from peerdesk.services import accounts, episodes, participants, referrals, resources, sessions
from peerdesk.services.resources import ResourceInput
from peerdesk.services.sessions import SessionInput
from peerdesk.services.store import open_store
from peerdesk.services.supporters import (
    SupporterInput,
    add_supporter,
    get_supporter,
    update_supporter,
)

STALE = re.compile(
    r"This (?P<what>[a-z ]+) was changed by (?P<who>.+) at (?P<hhmm>\d\d:\d\d) \(local time\); "
    r"reload it to see their change\."
)


def _minutes_around(fn):  # noqa: ANN001, ANN202
    """Run fn; the local HH:MM values the clock showed while it ran (a minute may turn)."""
    before = datetime.now().strftime("%H:%M")
    result = fn()
    return result, {before, datetime.now().strftime("%H:%M")}


BEA_PW = "bea coordinator passphrase"


def _resource(store_dir, name="Night EAP line"):  # noqa: ANN001, ANN202
    """A resource, and a second coordinator (Bea Lund) to edit it."""
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "bea", "coordinator", BEA_PW, "Bea Lund")
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        return resources.add_resource(store, coord, ResourceInput(name, "eap", phone="555-0100"))


def test_second_correction_of_a_resource_is_refused_naming_the_first(store_dir):
    made = _resource(store_dir)
    assert made.version == 1
    # The coordinator opens the resource form (version 1) ...
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        loaded_by_coord = next(r for r in resources.list_resources(store, coord) if r.id == made.id)
    # ... Bea opens it too, and saves first.
    store, bea = open_store(store_dir.data_dir, "bea", BEA_PW)
    with store:
        first = ResourceInput("Night EAP line", "eap", phone="555-0199", hours="22-06")
        _, minutes = _minutes_around(
            lambda: resources.update_resource(store, bea, made.id, first, version=made.version)
        )
    # The coordinator's save: refused, naming Bea and the time.
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        mine = ResourceInput("Night EAP line", "eap", phone="555-0000", notes="coord's text")
        with pytest.raises(StaleEditError) as caught:
            resources.update_resource(store, coord, made.id, mine, version=loaded_by_coord.version)
        m = STALE.fullmatch(str(caught.value))
        assert m, str(caught.value)
        assert (m["what"], m["who"]) == ("resource", "Bea Lund")
        assert m["hhmm"] in minutes
        # The first edit is still there, and nothing of the second.
        now = next(r for r in resources.list_resources(store, coord) if r.id == made.id)
        assert (now.phone, now.hours, now.notes) == ("555-0199", "22-06", "")
        assert now.version == 2
    assert StaleEditError.exit_code == 18


def test_an_edit_without_a_conflict_saves_and_bumps_the_version(store_dir):
    made = _resource(store_dir)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        for expected in (2, 3):
            loaded = next(r for r in resources.list_resources(store, coord) if r.id == made.id)
            data = ResourceInput("Night EAP line", "eap", phone=f"555-010{expected}")
            resources.update_resource(store, coord, made.id, data, version=loaded.version)
            now = next(r for r in resources.list_resources(store, coord) if r.id == made.id)
            assert (now.version, now.phone) == (expected, f"555-010{expected}")


def test_a_session_correction_after_the_author_corrected_it_elsewhere(store_dir):
    """One supporter with the form open on two workstations: the older form is refused."""
    store, alice = open_store(store_dir.data_dir, "alice", SUP_A_PW)
    with store:
        p = participants.create_participant(store, alice, "staff")
        ep = episodes.open_episode(store, alice, p.id, "burnout")
        data = SessionInput(ep.id, 30, "phone", started_at=datetime(2026, 3, 4, 10, 0))
        ss = sessions.record_session(store, alice, data)
        assert ss.version == 1
        fixed = sessions.update_session(
            store, alice, ss.id, SessionInput(ep.id, 45, "phone", notes="first"), ss.version
        )
        assert fixed.version == 2
        with pytest.raises(StaleEditError, match="^This session was changed by Alice Supporter"):
            sessions.update_session(
                store, alice, ss.id, SessionInput(ep.id, 50, "video", notes="second"), ss.version
            )
        got = sessions.get_session(store, alice, ss.id)
        assert (got.minutes, got.mode, got.notes, got.version) == (45, "phone", "first", 2)
        # Withdrawing from the stale list row is refused the same way.
        with pytest.raises(StaleEditError):
            sessions.withdraw_session(store, alice, ss.id, "duplicate", version=1)
        assert not sessions.get_session(store, alice, ss.id).withdrawn


def test_episode_referral_supporter_and_account_edits_check_the_version(store_dir):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        p = participants.create_participant(store, coord, "staff")
        ep = episodes.open_episode(store, coord, p.id, "grief")
        sup = add_supporter(store, coord, SupporterInput("Sam Lee"))
        other = add_supporter(store, coord, SupporterInput("Kim Park"))
        res = resources.add_resource(store, coord, ResourceInput("Chaplain", "chaplaincy"))
        ref = referrals.create_referral(store, coord, ep.id, res.id)
        episodes.assign_episode(store, coord, ep.id, sup.id, version=ep.version)
        with pytest.raises(StaleEditError, match="^This episode was changed by Coordinator"):
            episodes.assign_episode(store, coord, ep.id, other.id, version=ep.version)
        with pytest.raises(StaleEditError):
            episodes.close_episode(store, coord, ep.id, version=ep.version)
        assert episodes.get_episode(store, coord, ep.id).supporter_id == sup.id
        moved = referrals.move_referral(store, coord, ref.id, "accepted", version=ref.version)
        assert moved.version == ref.version + 1
        with pytest.raises(StaleEditError, match="^This referral was changed by"):
            referrals.move_referral(store, coord, ref.id, "declined", version=ref.version)
        update_supporter(store, coord, sup.id, SupporterInput("Sam Lee", capacity=4), sup.version)
        with pytest.raises(StaleEditError, match="^This supporter was changed by"):
            update_supporter(store, coord, sup.id, SupporterInput("Sam X"), sup.version)
        assert get_supporter(store, coord, sup.id).display_name == "Sam Lee"
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        bob = next(u for u in accounts.list_users(store, admin) if u.username == "bob")
        accounts.disable_user(store, admin, "bob", version=bob.version)
        accounts.enable_user(store, admin, "bob", "a fresh passphrase 12")
        with pytest.raises(StaleEditError, match="^This account was changed by Admin"):
            accounts.disable_user(store, admin, "bob", version=bob.version)
        assert next(u for u in accounts.list_users(store, admin) if u.username == "bob").state == (
            "active"
        )


def test_an_unknown_editor_is_someone_else(store_dir):
    made = _resource(store_dir)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        with store.session() as s:  # a change made by an import or an old release
            from sqlalchemy import text

            s.execute(
                text("UPDATE resources SET version = 5, updated_by = NULL WHERE id = :i"),
                {"i": made.id},
            )
        with pytest.raises(StaleEditError) as caught:
            resources.update_resource(
                store, coord, made.id, ResourceInput("Night EAP line", "eap"), version=1
            )
        assert str(caught.value).startswith("This resource was changed by someone else at ")


def test_a_write_racing_the_check_is_refused_too(store_dir, monkeypatch):
    """The UPDATE's own WHERE version = :loaded: a change landing after the service's check
    (here in the same transaction, as another writer's commit would on a server) matches no
    row; Store.session turns SQLAlchemy's StaleDataError into the same StaleEditError."""
    from sqlalchemy import update

    from peerdesk.models import Resource
    from peerdesk.services import record_versions

    made = _resource(store_dir)
    real_check = record_versions.check

    def check_then_race(s, row, loaded):  # noqa: ANN001, ANN202
        real_check(s, row, loaded)
        # Core UPDATE: not through the ORM, so the loaded row still says version 1.
        s.execute(
            update(Resource).where(Resource.id == row.id).values(version=2),
            execution_options={"synchronize_session": False},
        )

    monkeypatch.setattr(record_versions, "check", check_then_race)
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        with pytest.raises(StaleEditError, match="^This resource was changed by "):
            resources.update_resource(
                store, coord, made.id, ResourceInput("Other", "eap"), version=1
            )
        monkeypatch.undo()
        now = next(r for r in resources.list_resources(store, coord) if r.id == made.id)
        assert (now.name, now.version) == ("Night EAP line", 1)  # all rolled back


VERSIONED = (
    "participants",
    "episodes",
    "support_sessions",
    "referrals",
    "resources",
    "supporters",
    "users",
)


def test_an_old_store_upgrades_and_its_rows_start_at_version_1(tmp_path):
    """The released-schema fixture (tests/fixtures/stores) gets the column in place: every
    existing row reads version 1, and the tables are not copied (same root pages)."""
    import shutil
    from pathlib import Path

    from sqlalchemy import text

    from peerdesk.models.engine import make_engine
    from peerdesk.services.keyslots import KeyslotFile

    fixture = Path(__file__).parent / "fixtures" / "stores" / "0001"
    data_dir = tmp_path / "old"
    shutil.copytree(fixture, data_dir)
    key = KeyslotFile(data_dir).unlock("password", "admin", "fixture passphrase 0001", 10)
    engine = make_engine(data_dir / "peerdesk.db", key)
    pages = "SELECT name, rootpage FROM sqlite_master WHERE type = 'table'"
    with engine.connect() as conn:
        before = dict(conn.execute(text(pages)).all())
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in VERSIONED}
    engine.dispose()
    assert all(counts[t] for t in ("participants", "episodes", "support_sessions", "users"))

    store, coord = open_store(data_dir, "coordinator", "fixture passphrase 0001")
    with store:
        with store.session() as s:
            for table in VERSIONED:
                # (users too: the sign-in wrote last_login_at, which moves no version)
                sql = f'SELECT DISTINCT version FROM "{table}"'
                assert s.execute(text(sql)).scalars().all() == ([1] if counts[table] else [])
            after = dict(s.execute(text(pages)).all())
            assert {t: after[t] for t in VERSIONED} == {t: before[t] for t in VERSIONED}
            ep = s.execute(text("SELECT id FROM episodes WHERE closed_on IS NULL LIMIT 1")).scalar()
        # And the first correction of an old row works from version 1.
        loaded = episodes.get_episode(store, coord, ep)
        assert loaded.version == 1
        episodes.close_episode(store, coord, ep, version=loaded.version)
        assert episodes.get_episode(store, coord, ep).version == 2


RACE_THEN_CLI = """
import sys
from sqlalchemy import update
from peerdesk.models import User
from peerdesk.services import record_versions

real = record_versions.check

def check_then_race(s, row, loaded):
    real(s, row, loaded)
    # what a second writer's commit does on a server, landing after the check
    s.execute(
        update(User).where(User.id == row.id).values(version=User.version + 1),
        execution_options={"synchronize_session": False},
    )

record_versions.check = check_then_race
from peerdesk.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_the_cli_says_it_in_one_line_with_its_own_exit_code(store_dir, tmp_path):
    """`peerdesk user disable` loads and writes in one transaction; a write racing it
    still ends in one line and exit code 18, and the account is unchanged."""
    import os
    import subprocess
    import sys

    from conftest import NO_MACHINE_POLICY, assert_one_line_error, fast_kdf_env

    launcher = tmp_path / "race_cli.py"
    launcher.write_text(RACE_THEN_CLI, encoding="utf-8")
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    env.update(
        PEERDESK_DATA_DIR=str(store_dir.data_dir),
        PEERDESK_POLICY=NO_MACHINE_POLICY,
        PEERDESK_LOG_DIR=str(tmp_path / "logs"),
        PEERDESK_PASSWORD=ADMIN_PW,
    )
    r = subprocess.run(
        [sys.executable, str(launcher), "user", "disable", "alice", "--user", "admin"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=os.getcwd(),
    )
    line = assert_one_line_error(r)
    assert r.returncode == 18, r.stderr
    assert line == (
        "peerdesk: error: This account was changed by someone else; reload it to see their change."
    )
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        alice = next(u for u in accounts.list_users(store, admin) if u.username == "alice")
        assert alice.state == "active"


def test_a_sign_in_moves_no_account_version_but_an_account_edit_does(store_dir):
    from conftest import SUP_B_PW

    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        listed = next(u for u in accounts.list_users(store, admin) if u.username == "bob")
    store, _bob = open_store(store_dir.data_dir, "bob", SUP_B_PW)  # bob signs in meanwhile
    store.close()
    store, admin = open_store(store_dir.data_dir, "admin", ADMIN_PW)
    with store:
        bob = next(u for u in accounts.list_users(store, admin) if u.username == "bob")
        assert bob.last_login_at is not None and bob.version == listed.version == 1
        accounts.disable_user(store, admin, "bob", version=listed.version)  # not refused
        after = next(u for u in accounts.list_users(store, admin) if u.username == "bob")
        assert (after.state, after.version) == ("disabled", 2)

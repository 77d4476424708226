"""The network fails (issue 13, part 5), against a real PostgreSQL server.

Every error here is produced for real: the server stopped ("immediate" is a crash, "fast"
ends the sessions with 57P01), a backend ended by an administrator, a listener that never
answers, a host name that does not resolve. Each must become the one ServerUnavailableError
sentence, and refusals that are not the network (a wrong password, a certificate for another
name) must not. Then: the same engine works again once the server is back, and a save
whose commit was lost is tried again without a second row.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine

from peerdesk.errors import ServerUnavailableError
from peerdesk.faults import connection_lost, is_connection_lost
from peerdesk.models import (
    AuditEvent,
    CheckIn,
    Episode,
    Participant,
    Referral,
    SupportSession,
    utcnow,
)
from peerdesk.models.pg_connect import engine_options
from peerdesk.services import (
    accounts,
    checkins,
    episodes,
    participants,
    referrals,
    resources,
    sessions,
)
from peerdesk.services.auth import Actor
from peerdesk.services.record_ids import new_record_id
from peerdesk.services.server_store import create_server_store
from peerdesk.services.store import Store, open_store
from tests.conftest import ADMIN_PW, COORD_PW, SUP_A_PW, assert_one_line_error, run_cli
from tests.pg_server import PgCluster
from tests.server.conftest import ServerSetup

HOST = "db.clinic.example"


def _caught(fn: object) -> BaseException:
    try:
        fn()  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 - the error itself is what is tested
        return exc
    raise AssertionError("no error was raised")


def _assert_one_sentence(exc: BaseException, cluster: PgCluster) -> None:
    lost = connection_lost(exc, HOST)
    assert isinstance(lost, ServerUnavailableError), f"not mapped: {exc!r}"
    message = str(lost)
    assert "\n" not in message and HOST in message
    assert cluster.password not in message and "peerdesk_dba" not in message
    assert "Traceback" not in message and "SELECT" not in message.upper()
    assert lost.exit_code == 16


@pytest.fixture
def engine(pg_cluster: PgCluster, pg_database: str) -> Iterator[Engine]:
    eng = create_engine(pg_cluster.url(pg_database), **engine_options(connect_timeout=3))
    yield eng
    if not pg_cluster.running():
        pg_cluster.start()
    eng.dispose()


# -- which errors are a lost connection ---------------------------------------------------


def test_server_down_when_connecting(pg_cluster: PgCluster, engine: Engine) -> None:
    pg_cluster.stop("immediate")
    exc = _caught(lambda: engine.connect().close())
    _assert_one_sentence(exc, pg_cluster)  # "Connection refused"


def test_server_crashes_in_the_middle_of_a_transaction(
    pg_cluster: PgCluster, engine: Engine
) -> None:
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (id text PRIMARY KEY)"))
        conn.commit()
        conn.execute(text("INSERT INTO t VALUES ('a')"))
        pg_cluster.stop("immediate")
        exc = _caught(lambda: conn.execute(text("INSERT INTO t VALUES ('b')")))
    assert getattr(exc, "connection_invalidated", False)  # SQLAlchemy saw the disconnect
    _assert_one_sentence(exc, pg_cluster)  # "consuming input failed: ... unexpected eof"


def test_server_shut_down_by_its_administrator(pg_cluster: PgCluster, engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        pg_cluster.stop("fast")
        exc = _caught(lambda: conn.execute(text("SELECT 1")))
    assert getattr(getattr(exc, "orig", None), "sqlstate", None) == "57P01"
    _assert_one_sentence(exc, pg_cluster)


def test_backend_ended_by_an_administrator(
    pg_cluster: PgCluster, pg_database: str, engine: Engine
) -> None:
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(
            pg_cluster.dsn(pg_database), password=pg_cluster.password, autocommit=True
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        exc = _caught(lambda: conn.execute(text("SELECT 1")))
    _assert_one_sentence(exc, pg_cluster)


def test_a_transaction_left_open_is_ended_by_the_server(
    pg_cluster: PgCluster, pg_database: str
) -> None:
    # A workstation that stops answering mid-transaction must not hold its locks (the
    # audit's advisory lock among them) for ever: the server ends the session.
    eng = create_engine(
        pg_cluster.url(pg_database), **engine_options(connect_timeout=3, idle_in_transaction_ms=500)
    )
    try:
        with eng.connect() as stuck:
            stuck.execute(text("SELECT pg_advisory_xact_lock(42)"))
            with eng.connect() as other:
                other.execute(text("SET lock_timeout = '5s'"))
                started = time.monotonic()
                other.execute(text("SELECT pg_advisory_xact_lock(42)"))  # waits, then gets it
                assert time.monotonic() - started < 5
                other.rollback()
            exc = _caught(lambda: stuck.execute(text("SELECT 1")))
        _assert_one_sentence(exc, pg_cluster)
    finally:
        eng.dispose()


def test_a_server_that_never_answers_times_out(pg_cluster: PgCluster) -> None:
    # A listener that accepts nothing: the TCP handshake completes in the kernel, then
    # the TLS request is never answered, as with a hung server or a half-dead network.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        eng = create_engine(pg_cluster.url().set(port=port), **engine_options(connect_timeout=2))
        started = time.monotonic()
        exc = _caught(lambda: eng.connect().close())
        waited = time.monotonic() - started
        eng.dispose()
    assert "timeout expired" in str(exc)
    assert waited < 10  # connect_timeout, not the OS's minutes
    _assert_one_sentence(exc, pg_cluster)


def test_a_host_name_that_does_not_resolve(pg_cluster: PgCluster) -> None:
    eng = create_engine(
        pg_cluster.url().set(host="no-such-server.invalid"), **engine_options(connect_timeout=2)
    )
    exc = _caught(lambda: eng.connect().close())
    eng.dispose()
    _assert_one_sentence(exc, pg_cluster)


def test_a_connection_psycopg_already_knows_is_dead(pg_cluster: PgCluster) -> None:
    conn = psycopg.connect(pg_cluster.dsn(), password=pg_cluster.password)
    conn.close()
    exc = _caught(lambda: conn.execute("SELECT 1"))
    _assert_one_sentence(exc, pg_cluster)  # "the connection is closed"


@pytest.mark.parametrize(
    "change",
    ["wrong password", "no such database", "certificate for another name", "sql error"],
)
def test_refusals_that_are_not_the_network_are_left_alone(
    pg_cluster: PgCluster, pg_database: str, change: str
) -> None:
    url = pg_cluster.url(pg_database)
    statement = "SELECT 1"
    if change == "wrong password":
        url = url.set(password="not the password")
    elif change == "no such database":
        url = url.set(database="no_such_database")
    elif change == "certificate for another name":
        query = dict(url.query)
        query["hostaddr"] = "127.0.0.1"
        url = url.set(host="db.other-clinic.example", query=query)
    else:
        statement = "SELECT * FROM no_such_table"
    eng = create_engine(url, **engine_options(connect_timeout=3))
    try:
        exc = _caught(lambda: eng.connect().execute(text(statement)))
    finally:
        eng.dispose()
    assert not is_connection_lost(exc)
    assert connection_lost(exc, HOST) is None


# -- the same engine works again once the server is back ------------------------------------


def test_the_next_call_through_the_same_engine_succeeds_after_a_restart(
    pg_cluster: PgCluster, engine: Engine
) -> None:
    with engine.connect() as conn:  # a connection now waits in the pool
        assert conn.execute(text("SELECT 1")).scalar() == 1
    with engine.connect() as conn:
        pg_cluster.stop("immediate")  # mid-work
        exc = _caught(lambda: conn.execute(text("SELECT 1")))
        assert is_connection_lost(exc)
    exc = _caught(lambda: engine.connect().execute(text("SELECT 1")))
    assert is_connection_lost(exc)  # still down: the same sentence, no hang
    pg_cluster.start()
    with engine.connect() as conn:  # the very first call after the restart
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_without_pre_ping_the_first_call_after_a_restart_fails(
    pg_cluster: PgCluster, pg_database: str
) -> None:
    # Why pool_pre_ping is in engine_options(): without it, the pooled connection from
    # before the restart is handed out and the first call fails although the server is up.
    options = engine_options(connect_timeout=3)
    options["pool_pre_ping"] = False
    eng = create_engine(pg_cluster.url(pg_database), **options)
    try:
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        pg_cluster.stop("immediate")
        pg_cluster.start()
        exc = _caught(lambda: eng.connect().execute(text("SELECT 1")))
        assert is_connection_lost(exc)
        with eng.connect() as conn:  # SQLAlchemy dropped the pool after that failure
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        eng.dispose()


# -- the real Store and services over the server ------------------------------------------


@dataclass
class Signed:
    store: Store
    actor: Actor
    resource_id: str


@pytest.fixture
def signed(server: ServerSetup) -> Iterator[Signed]:
    """A supporter signed in to a store on the test server, through the real backend."""
    create_server_store(server.data_dir, "boss", ADMIN_PW, "The Boss")
    admin_store, admin = open_store(server.data_dir, "boss", ADMIN_PW)
    with admin_store:
        accounts.add_user(admin_store, admin, "coord", "coordinator", COORD_PW, "Coordinator")
        accounts.add_user(admin_store, admin, "alice", "supporter", SUP_A_PW, "Alice")
    coord_store, coord = open_store(server.data_dir, "coord", COORD_PW)
    with coord_store:
        resource = resources.add_resource(
            coord_store, coord, resources.ResourceInput("Staff EAP", "eap", "555-0199")
        )
    store, alice = open_store(server.data_dir, "alice", SUP_A_PW)
    yield Signed(store, alice, resource.id)
    if not server.cluster.running():
        server.cluster.start()
    store.close()


def _count(store: Store, model: type, **where: object) -> int:
    with store.session() as s:
        q = select(func.count()).select_from(model)
        for name, value in where.items():
            q = q.where(getattr(model, name) == value)
        return int(s.scalar(q) or 0)


def test_store_session_says_the_one_sentence_and_recovers(
    pg_cluster: PgCluster, signed: Signed
) -> None:
    store, actor = signed.store, signed.actor
    pg_cluster.stop("immediate")
    with pytest.raises(ServerUnavailableError, match="cannot be reached \\(localhost\\)"):
        participants.create_participant(store, actor, "staff")
    pg_cluster.start()
    p = participants.create_participant(store, actor, "staff")  # same Store, no restart
    assert _count(store, Participant, id=p.id) == 1


def _lose_the_commit(
    monkeypatch: pytest.MonkeyPatch, store: Store, cluster: PgCluster, *, arrives: bool
) -> None:
    """The next commit of a transaction that wrote a row is lost, once: before it reaches
    the server (arrives=False: the server crashes after the INSERTs were flushed), or
    after the server committed it and before the reply came back (arrives=True).
    Read-only transactions (the retry's look-up) commit normally."""
    dialect = store.engine.dialect
    real = dialect.do_commit
    wrote: list[bool] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            wrote.append(True)

    event.listen(store.engine, "before_cursor_execute", note)

    def lossy(dbapi_connection: psycopg.Connection) -> None:
        if not wrote:
            real(dbapi_connection)
            return
        monkeypatch.setattr(dialect, "do_commit", real)  # once
        event.remove(store.engine, "before_cursor_execute", note)
        if arrives:
            real(dbapi_connection)
        cluster.stop("immediate")
        dbapi_connection.execute("SELECT 1")  # raises the driver's real error for a dead link

    monkeypatch.setattr(dialect, "do_commit", lossy)


@pytest.mark.parametrize("arrives", [False, True], ids=["commit-lost", "reply-lost"])
def test_a_session_saved_again_after_a_lost_commit_is_recorded_once(
    pg_cluster: PgCluster, signed: Signed, monkeypatch: pytest.MonkeyPatch, arrives: bool
) -> None:
    store, actor = signed.store, signed.actor
    p = participants.create_participant(store, actor, "staff")
    ep = episodes.open_episode(store, actor, p.id, "work stress")
    data = sessions.SessionInput(
        episode_id=ep.id,
        minutes=45,
        mode="phone",
        started_at=utcnow() - timedelta(hours=1),
        concerns=("sleep",),
        id=new_record_id(),  # made by the form, once
    )
    _lose_the_commit(monkeypatch, store, pg_cluster, arrives=arrives)
    with pytest.raises(ServerUnavailableError):
        sessions.record_session(store, actor, data)
    pg_cluster.start()
    assert _count(store, SupportSession, id=data.id) == (1 if arrives else 0)
    info = sessions.record_session(store, actor, data)  # the second press of Save
    assert info.id == data.id and info.minutes == 45 and info.concerns == ("sleep",)
    assert _count(store, SupportSession) == 1
    assert _count(store, AuditEvent, action="session.create", target_id=data.id) == 1


def test_input_changed_before_the_retry_is_kept(
    pg_cluster: PgCluster, signed: Signed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first save did arrive; the person, told it had failed, changed the minutes and
    # saved again: one session, with the new minutes (a correction, audited as such).
    store, actor = signed.store, signed.actor
    p = participants.create_participant(store, actor, "staff")
    ep = episodes.open_episode(store, actor, p.id, "work stress")
    first = sessions.SessionInput(ep.id, 30, "phone", utcnow(), id=new_record_id())
    _lose_the_commit(monkeypatch, store, pg_cluster, arrives=True)
    with pytest.raises(ServerUnavailableError):
        sessions.record_session(store, actor, first)
    pg_cluster.start()
    info = sessions.record_session(
        store, actor, sessions.SessionInput(**{**first.__dict__, "minutes": 50})
    )
    assert info.minutes == 50
    assert _count(store, SupportSession) == 1
    assert _count(store, AuditEvent, action="session.update", target_id=first.id) == 1


@pytest.mark.parametrize("arrives", [False, True], ids=["commit-lost", "reply-lost"])
def test_participant_episode_referral_and_checkin_saved_again_are_recorded_once(
    pg_cluster: PgCluster, signed: Signed, monkeypatch: pytest.MonkeyPatch, arrives: bool
) -> None:
    store, actor, resource_id = signed.store, signed.actor, signed.resource_id
    pid, eid, rid, cid = new_record_id(), new_record_id(), new_record_id(), new_record_id()

    def add_participant() -> participants.ParticipantInfo:
        return participants.create_participant(store, actor, "staff", record_id=pid)

    def add_episode() -> episodes.EpisodeInfo:
        return episodes.open_episode(store, actor, pid, "grief", record_id=eid)

    def add_referral() -> referrals.ReferralInfo:
        return referrals.create_referral(store, actor, eid, resource_id, record_id=rid)

    def add_checkin() -> checkins.CheckInInfo:
        answers = [3, 3, 2, 4, 3]
        return checkins.record_checkin(store, actor, eid, "WHO-5", "before", answers, record_id=cid)

    for save, model, rid_ in (
        (add_participant, Participant, pid),
        (add_episode, Episode, eid),
        (add_referral, Referral, rid),
        (add_checkin, CheckIn, cid),
    ):
        _lose_the_commit(monkeypatch, store, pg_cluster, arrives=arrives)
        with pytest.raises(ServerUnavailableError):
            save()
        pg_cluster.start()
        assert save().id == rid_
        assert _count(store, model) == 1
    assert _count(store, AuditEvent, action="participant.create") == 1
    assert _count(store, AuditEvent, action="episode.open") == 1
    assert _count(store, AuditEvent, action="referral.create") == 1
    assert _count(store, AuditEvent, action="checkin.create") == 1


# -- the command line with the server stopped and started again ----------------------------


def test_cli_with_the_server_stopped_says_one_line_and_works_once_it_is_back(
    server: ServerSetup,
) -> None:
    create_server_store(server.data_dir, "boss", ADMIN_PW, "The Boss")

    def user_list() -> subprocess.CompletedProcess[str]:
        return run_cli(
            "user", "list", "--user", "boss", "--password-stdin",
            stdin=ADMIN_PW + "\n", env=server.env, data_dir=server.data_dir,
        )  # fmt: skip

    server.cluster.stop("immediate")
    try:
        done = user_list()
        line = assert_one_line_error(done)
        assert done.returncode == 16
        assert "cannot be reached" in line
        assert ADMIN_PW not in done.stderr and server.cluster.password not in done.stderr
    finally:
        server.cluster.start()
    done = user_list()
    assert done.returncode == 0, done.stderr
    assert "boss" in done.stdout

"""The lost-connection error without a server: the command line's one line and exit 16,
and no local (SQLCipher) error ever taken for a network problem."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import psycopg
import pytest
import sqlcipher3
from conftest import ADMIN_PW, StoreInfo
from sqlalchemy.exc import OperationalError

from peerdesk import cli
from peerdesk.errors import ServerUnavailableError
from peerdesk.faults import connection_lost, is_connection_lost


def _refused() -> psycopg.OperationalError:
    """psycopg's real error for a port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when this block ends
    try:
        psycopg.connect(f"host=127.0.0.1 port={port} dbname=x user=x connect_timeout=2")
    except psycopg.OperationalError as exc:
        return exc
    raise AssertionError("a closed port accepted a connection")


def test_refused_connection_is_the_one_sentence() -> None:
    exc = _refused()
    assert "connection refused" in str(exc).lower()
    lost = connection_lost(exc, "db.clinic.example")
    assert isinstance(lost, ServerUnavailableError) and lost.exit_code == 16
    assert str(lost).startswith("the clinic server cannot be reached (db.clinic.example)")
    wrapped = OperationalError("SELECT 1", {}, exc)  # as SQLAlchemy hands it on
    assert is_connection_lost(wrapped)


@pytest.mark.parametrize(
    "error",
    [
        sqlcipher3.OperationalError("database is locked"),
        sqlcipher3.OperationalError("disk I/O error"),
        sqlite3.OperationalError("unable to open database file"),
        OperationalError("COMMIT", {}, sqlcipher3.OperationalError("database is locked")),
        ConnectionRefusedError(111, "Connection refused"),  # not the database driver's
    ],
)
def test_local_store_errors_are_never_a_lost_server(error: BaseException) -> None:
    assert connection_lost(error, "db.clinic.example") is None


@pytest.mark.parametrize("raised", ["mapped", "driver"])
def test_the_command_line_says_one_line_and_exits_16(
    store_dir: StoreInfo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    raised: str,
) -> None:
    # "mapped": the backend raised ServerUnavailableError; "driver": a driver error that
    # nothing caught reaches the command line's last resort.
    import peerdesk.services.store as store_module

    error = (
        ServerUnavailableError.for_host("db.clinic.example") if raised == "mapped" else _refused()
    )

    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(store_module, "open_store", unreachable)
    monkeypatch.setenv("PEERDESK_PASSWORD", ADMIN_PW)
    code = cli.main(["--data-dir", str(Path(store_dir.data_dir)), "verify", "--user", "admin"])
    err = capsys.readouterr().err
    assert code == 16
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("peerdesk: error: the clinic server cannot")
    assert ADMIN_PW not in err and "Traceback" not in err


def test_a_background_task_names_a_lost_server_not_an_unexpected_error() -> None:
    from peerdesk.ui.tasks import error_text

    text = error_text(_refused())  # a driver error that escaped every service
    assert text.startswith("The clinic server cannot be reached")
    assert "Something went wrong" not in text

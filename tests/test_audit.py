"""The audit chain: tampering behind the app's back is found by `verify`."""

from __future__ import annotations

import pytest
from conftest import ADMIN_PW, assert_one_line_error, run_cli
from sqlalchemy import text

from peerdesk.services.store import open_store


def _tamper(data_dir, sql: str) -> None:
    store, _ = open_store(data_dir, "admin", ADMIN_PW)
    with store, store.session() as s:
        for statement in sql.split(";"):
            if statement.strip():
                s.execute(text(statement))


def _verify(data_dir):
    return run_cli(
        "verify", "--user", "admin", data_dir=data_dir, env={"PEERDESK_PASSWORD": ADMIN_PW}
    )


def test_untouched_chain_verifies(store_dir):
    r = _verify(store_dir.data_dir)
    assert r.returncode == 0, r.stderr
    assert "chained correctly" in r.stdout


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("UPDATE audit_events SET actor_name = 'someone else' WHERE seq = 3", "was altered"),
        ("DELETE FROM audit_events WHERE seq = 4", "missing"),
        # Swap two rows' positions (their sequence numbers).
        (
            "UPDATE audit_events SET seq = -1 WHERE seq = 2;"
            " UPDATE audit_events SET seq = 2 WHERE seq = 3;"
            " UPDATE audit_events SET seq = 3 WHERE seq = -1",
            "does not follow",
        ),
        (
            "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)",
            "audit event 9 is missing",
        ),
    ],
)
def test_tampering_is_reported(store_dir, sql, expected):
    _tamper(store_dir.data_dir, sql)
    r = _verify(store_dir.data_dir)
    assert "verify found" in assert_one_line_error(r)
    assert expected in r.stdout

"""Engine settings that let a PeerDesk workstation live through network loss (server mode).

The PostgreSQL backend passes these to SQLAlchemy's create_engine:

    create_engine(url, **engine_options(connect_timeout=config.connect_timeout))

Why each one (measured against a real server in tests/server/test_network_loss.py, and
written up in docs/server-mode.md, "Network loss"):

- pool_pre_ping: a pooled connection is checked (a cheap round trip) before it is handed
  out. Without it, the first call after the server restarted failed on a dead pooled
  connection even though the server was back; with it, that call simply succeeds.
  SQLAlchemy also drops every older pooled connection once it has seen one disconnect.
- connect_timeout (libpq, seconds): a server or network that does not answer fails the
  attempt after this long instead of hanging the sign-in or a save.
- TCP keepalives and tcp_user_timeout (libpq): a connection whose peer vanished without a
  word (a cable pulled, a switch rebooted, a laptop's Wi-Fi gone) is declared dead by the
  workstation's kernel within about a minute, instead of the OS default of hours.
- The same keepalives on the server's side of this session, and
  idle_in_transaction_session_timeout: a workstation that vanishes in the middle of a
  transaction stops holding its row locks and the audit's advisory lock after a minute,
  so the other workstations are not held up behind it.
- No statement_timeout: it does not help the client notice a lost network (the server
  enforces it), and a long report on a big store would be cut off.
"""

from __future__ import annotations

from typing import Any

CONNECT_TIMEOUT_S = 10
# The kernel sends the first probe after KEEPALIVE_IDLE_S of silence, then one every
# KEEPALIVE_INTERVAL_S; after KEEPALIVE_COUNT unanswered probes the connection is dead.
KEEPALIVE_IDLE_S = 30
KEEPALIVE_INTERVAL_S = 10
KEEPALIVE_COUNT = 3
# Data sent and not acknowledged for this long: the connection is dead (Linux only;
# libpq ignores it elsewhere). Milliseconds.
TCP_USER_TIMEOUT_MS = 60_000
# A transaction left open by a workstation that stopped answering: ended by the server.
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
APPLICATION_NAME = "PeerDesk"


def server_session_options(idle_in_transaction_ms: int = IDLE_IN_TRANSACTION_TIMEOUT_MS) -> str:
    """libpq `options`: settings the server applies to this session's side."""
    return " ".join(
        (
            f"-c idle_in_transaction_session_timeout={idle_in_transaction_ms}",
            f"-c tcp_keepalives_idle={KEEPALIVE_IDLE_S}",
            f"-c tcp_keepalives_interval={KEEPALIVE_INTERVAL_S}",
            f"-c tcp_keepalives_count={KEEPALIVE_COUNT}",
        )
    )


def connect_args(
    connect_timeout: int = CONNECT_TIMEOUT_S,
    idle_in_transaction_ms: int = IDLE_IN_TRANSACTION_TIMEOUT_MS,
) -> dict[str, Any]:
    """libpq connection parameters (psycopg 3 passes them through)."""
    return {
        "connect_timeout": connect_timeout,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_S,
        "keepalives_interval": KEEPALIVE_INTERVAL_S,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        "application_name": APPLICATION_NAME,
        "options": server_session_options(idle_in_transaction_ms),
    }


def engine_options(
    connect_timeout: int = CONNECT_TIMEOUT_S,
    idle_in_transaction_ms: int = IDLE_IN_TRANSACTION_TIMEOUT_MS,
) -> dict[str, Any]:
    """Keyword arguments for sqlalchemy.create_engine on a postgresql+psycopg URL."""
    return {
        "pool_pre_ping": True,
        # A few connections per workstation: the GUI thread and a background page load or
        # report. Over that, wait briefly rather than open more on the clinic's server.
        "pool_size": 3,
        "max_overflow": 2,
        "pool_timeout": 30,
        # Firewalls and NAT forget idle connections after tens of minutes; a connection
        # older than this is replaced instead of being found dead by the pre-ping.
        "pool_recycle": 1800,
        "connect_args": connect_args(connect_timeout, idle_in_transaction_ms),
    }

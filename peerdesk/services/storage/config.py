"""Where the store lives, as the machine policy says: a local SQLCipher file (no `[store]`
table, the default) or a PostgreSQL server named by `[store] url`.

Only IT's machine policy may name a server; a data folder's policy.toml may not. The
policy never holds a secret: the database password comes from the machine's OS keyring
(or PEERDESK_DB_PASSWORD for scripts and tests), or the login is a client certificate.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from peerdesk.errors import ValidationError
from peerdesk.services.policy import machine_policy_path
from peerdesk.services.secret_store import keyring_get

DB_PASSWORD_ENV = "PEERDESK_DB_PASSWORD"
# The keyring entry IT sets on each workstation (`peerdesk server password`):
# service name, and the account "user@host:port/database".
KEYRING_SERVICE = "PeerDesk database"
_KEYS = {"url", "ca_file", "client_cert", "client_key", "connect_timeout"}
# Anything but verify-full would accept a server that cannot prove who it is.
_WEAK_SSLMODES = {"disable", "allow", "prefer", "require", "verify-ca"}


@dataclass(frozen=True)
class ServerConfig:
    url: URL  # postgresql+psycopg://user@host:port/database, no password, no sslmode
    ca_file: Path
    client_cert: Path | None = None
    client_key: Path | None = None
    connect_timeout: int = 10

    @property
    def label(self) -> str:
        """How messages name the server: host and database, never the login."""
        port = f":{self.url.port}" if self.url.port else ""
        return f"{self.url.host}{port}/{self.url.database}"

    @property
    def keyring_account(self) -> str:
        return f"{self.url.username}@{self.label}"


def _file(value: object, key: str, path: Path) -> Path:
    if not isinstance(value, str) or not value or not Path(value).is_absolute():
        raise ValidationError(f"policy file {path}: [store] '{key}' must be an absolute file path")
    return Path(value)


def parse_store_table(raw: object, path: Path | str) -> ServerConfig | None:
    """Check the machine policy's [store] table; None when it names no server."""
    path = Path(path)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError(f"policy file {path}: [store] must be a table")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ValidationError(f"policy file {path}: [store] has unknown setting '{unknown[0]}'")
    text = raw.get("url", "")
    if text == "":
        return None
    if not isinstance(text, str):
        raise ValidationError(f"policy file {path}: [store] 'url' must be text")
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise ValidationError(f"policy file {path}: [store] 'url' is not a database URL") from exc
    if url.get_backend_name() != "postgresql":
        raise ValidationError(
            f"policy file {path}: [store] 'url' must name a PostgreSQL server (postgresql://...)"
        )
    if url.password is not None:
        raise ValidationError(
            f"policy file {path}: [store] 'url' carries a password; keep it in the OS keyring "
            "('peerdesk server password') or PEERDESK_DB_PASSWORD, never in the policy"
        )
    if not url.host or not url.database or not url.username:
        raise ValidationError(
            f"policy file {path}: [store] 'url' must name the user, host and database"
        )
    sslmode = str(url.query.get("sslmode", "verify-full"))
    if sslmode in _WEAK_SSLMODES or sslmode != "verify-full":
        raise ValidationError(
            f"policy file {path}: [store] 'url' asks for sslmode={sslmode}; PeerDesk connects "
            "only with sslmode=verify-full (TLS, and the server proves its name)"
        )
    if "ca_file" not in raw:
        raise ValidationError(
            f"policy file {path}: [store] needs 'ca_file', the clinic CA that signed the "
            "server's certificate"
        )
    cert = raw.get("client_cert")
    key = raw.get("client_key")
    if (cert is None) != (key is None):
        raise ValidationError(
            f"policy file {path}: [store] 'client_cert' and 'client_key' go together"
        )
    timeout = raw.get("connect_timeout", 10)
    if type(timeout) is not int or not 1 <= timeout <= 300:
        raise ValidationError(
            f"policy file {path}: [store] 'connect_timeout' must be whole seconds, 1 to 300"
        )
    return ServerConfig(
        url=url.set(drivername="postgresql+psycopg", query={}),
        ca_file=_file(raw["ca_file"], "ca_file", path),
        client_cert=_file(cert, "client_cert", path) if cert is not None else None,
        client_key=_file(key, "client_key", path) if key is not None else None,
        connect_timeout=timeout,
    )


def server_config() -> ServerConfig | None:
    """The server the machine policy names, or None for the local encrypted file."""
    path = machine_policy_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ValidationError(f"policy file {path} cannot be read: {reason}") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"policy file {path} is not valid TOML: {exc}") from exc
    return parse_store_table(raw.get("store"), path)


def database_password(config: ServerConfig) -> str | None:
    """The login's password: PEERDESK_DB_PASSWORD, else the OS keyring; None with a client
    certificate (or when neither holds one: the server then refuses, with one line)."""
    env = os.environ.get(DB_PASSWORD_ENV)
    if env:
        return env
    return keyring_get(KEYRING_SERVICE, config.keyring_account)

"""A throwaway PostgreSQL cluster for tests: Debian's own server binaries, TLS only.

Each cluster lives in a temporary folder: `initdb`, a CA and a server certificate made
here with `cryptography`, `pg_hba.conf` that rejects anything but TLS with a password
(SCRAM), and `pg_ctl` to start and stop it, so tests can take the server away in the
middle of work and bring it back. PostgreSQL refuses to run as root, so when the tests
run as root (CI does) the server runs as the unprivileged `nobody`.

This is the harness for server mode (issue 13); it holds no PeerDesk code.
"""

from __future__ import annotations

import datetime as dt
import glob
import ipaddress
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.engine import URL

SUPERUSER = "peerdesk_dba"
_RUN_AS = "nobody"


def server_bin_dir() -> Path | None:
    """Where Debian's PostgreSQL server binaries are (the newest major version), if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A clinic CA and a server certificate for `localhost` and 127.0.0.1 signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PeerDesk test clinic CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / "clinic-ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file = folder / "server.crt"
    cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_file = folder / "server.key"
    _write_key(key_file, server_key)
    return ca_file, cert_file, key_file


@dataclass
class PgCluster:
    """One running (or stopped) cluster; `dsn()` gives a verify-full TLS connection string."""

    folder: Path
    bin_dir: Path
    port: int
    ca_file: Path
    password: str = field(repr=False)
    host: str = "localhost"

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def dsn(self, dbname: str = "postgres", *, user: str = SUPERUSER) -> str:
        return (
            f"host={self.host} port={self.port} dbname={dbname} user={user} "
            f"sslmode=verify-full sslrootcert={self.ca_file}"
        )

    def url(self, dbname: str = "postgres", *, user: str = SUPERUSER) -> URL:
        """The same connection as `dsn()`, for SQLAlchemy (psycopg 3 driver)."""
        return URL.create(
            "postgresql+psycopg",
            username=user,
            password=self.password,
            host=self.host,
            port=self.port,
            database=dbname,
            query={"sslmode": "verify-full", "sslrootcert": str(self.ca_file)},
        )

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        user = _RUN_AS if os.geteuid() == 0 else None
        done = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            user=user,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()}\n{self.log()[-2000:]}")
        return done

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `immediate` is a crash (no shutdown checkpoint)."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        user = _RUN_AS if os.geteuid() == 0 else None
        done = subprocess.run(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "status"],
            capture_output=True,
            user=user,
        )
        return done.returncode == 0

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


def create_cluster(folder: Path) -> PgCluster:
    """initdb a new cluster in `folder`, TLS only, and start it.

    When run as root, every folder above `folder` must be searchable by `nobody`
    (pytest's own temporary root is 0700, so use a folder made with tempfile).
    """
    bin_dir = server_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL server binaries not found (apt-get install postgresql)")
    folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    ca_file, cert_file, key_file = make_certificates(folder)
    pw_file = folder / "superuser.pw"
    pw_file.write_text(password + "\n")
    if os.geteuid() == 0:
        # The server's own files belong to the unprivileged account that runs it; the CA
        # stays readable for the tests (it is public).
        entry = pwd.getpwnam(_RUN_AS)
        folder.chmod(0o755)
        for path in (folder, cert_file, key_file, pw_file):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    cluster = PgCluster(folder, bin_dir, _free_port(), ca_file, password)
    cluster._run(
        "initdb",
        "-D",
        str(cluster.data_dir),
        "-U",
        SUPERUSER,
        f"--pwfile={pw_file}",
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--no-instructions",
    )
    pw_file.unlink()
    socket_dir = folder / "socket"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        os.chown(socket_dir, pwd.getpwnam(_RUN_AS).pw_uid, -1)
    conf = cluster.data_dir / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(
            "\n# PeerDesk test cluster\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {cluster.port}\n"
            f"unix_socket_directories = '{socket_dir}'\n"
            "ssl = on\n"
            f"ssl_cert_file = '{cert_file}'\n"
            f"ssl_key_file = '{key_file}'\n"
            "ssl_min_protocol_version = 'TLSv1.2'\n"
            # A throwaway cluster: no flushes to the disk itself. Commits still wait for
            # the server's WAL write (synchronous_commit stays on), so a test that kills
            # the server keeps every write it was told had committed.
            "fsync = off\nfull_page_writes = off\n"
        )
    # TLS with a password, or nothing: the same rule the clinic's server is asked to keep.
    (cluster.data_dir / "pg_hba.conf").write_text(
        "# TYPE     DATABASE USER ADDRESS      METHOD\n"
        "local      all      all               scram-sha-256\n"
        "hostssl    all      all  127.0.0.1/32 scram-sha-256\n"
        "hostnossl  all      all  0.0.0.0/0    reject\n"
    )
    cluster.start()
    return cluster


def main(argv: list[str]) -> int:
    """`python -m tests.pg_server start FOLDER DATABASE`: start a cluster in FOLDER (made
    searchable by the server's account), create DATABASE and print shell lines: the
    machine policy naming it and the login's password. `... stop FOLDER` stops it.
    Used by installer/ci-deb-check.sh to run the installed package in server mode."""
    import psycopg

    command, folder = argv[0], Path(argv[1])
    if command == "stop":
        user = _RUN_AS if os.geteuid() == 0 else None
        bin_dir = server_bin_dir()
        assert bin_dir is not None
        data = folder / "cluster" / "data"
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            check=True,
            capture_output=True,
            user=user,
        )
        return 0
    database = argv[2]
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    cluster = create_cluster(folder / "cluster")
    with psycopg.connect(cluster.dsn(), password=cluster.password, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    policy = folder / "policy.toml"
    policy.write_text(
        "[store]\n"
        f'url = "postgresql://{SUPERUSER}@{cluster.host}:{cluster.port}/{database}"\n'
        f'ca_file = "{cluster.ca_file}"\n',
        encoding="utf-8",
    )
    policy.chmod(0o644)
    print(f"PG_POLICY={policy}")
    print(f"PG_PASSWORD={cluster.password}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

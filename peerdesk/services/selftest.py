"""`self-test` checks that need no GUI: SQLCipher 4, key stretching, keyring, PDF.

The Qt check lives with the command (cli_commands), since services never import Qt.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _sqlcipher() -> Check:
    from peerdesk.models.engine import connect_raw

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "check.db"
        conn = connect_raw(path, os.urandom(32))
        version = conn.execute("PRAGMA cipher_version").fetchone()[0]
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES ('self-test')")
        conn.close()
        encrypted = not path.read_bytes().startswith(b"SQLite format 3")
    return Check(
        "SQLCipher",
        encrypted and str(version).startswith("4"),
        f"version {version}, file encrypted: {'yes' if encrypted else 'NO'}",
    )


def _kdf() -> Check:
    from peerdesk.services.keyslots import DEFAULT_KDF, _b64, _derive

    t = time.perf_counter()
    _derive("self-test", {"salt": _b64(os.urandom(16)), **DEFAULT_KDF})
    took = time.perf_counter() - t
    return Check("Argon2id unlock", True, f"{took:.2f} s with {DEFAULT_KDF}")


def _keyring() -> Check:
    import keyring

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    usable = "fail" not in name.lower() and "null" not in name.lower()
    detail = name if usable else f"{name}: no OS keyring; passwords will be used instead"
    return Check("OS keyring", True, detail)


def _pdf() -> Check:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "PeerDesk self-test")
    c.save()
    return Check(
        "PDF rendering", buf.getvalue().startswith(b"%PDF"), f"{len(buf.getvalue())} bytes"
    )


def run_checks() -> list[Check]:
    results = []
    for fn in (_sqlcipher, _kdf, _keyring, _pdf):
        try:
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - each check reports its own failure
            results.append(Check(fn.__name__.strip("_"), False, f"{type(exc).__name__}: {exc}"))
    return results

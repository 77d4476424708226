"""`self-test` checks that need no GUI: SQLCipher 4, key stretching, keyring, PDF, and
(for `self-test --gui`) a real store written, closed, reopened and read back.

The Qt checks live in peerdesk/ui/selftest_gui.py, since services never import Qt. The
same checks run from a pip install and from the frozen bundle, where they prove that the
migrations, fonts and native modules were packaged.
"""

from __future__ import annotations

import importlib
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
    import keyring.backend

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    usable = "fail" not in name.lower() and "null" not in name.lower()
    detail = name if usable else f"{name}: no OS keyring; passwords will be used instead"
    # Which OS backends this build carries (a frozen bundle that lost them shows none) and
    # which of them can work in this session (the Secret Service needs a desktop D-Bus).
    importable = []
    for module in ("SecretService", "libsecret", "kwallet", "Windows", "macOS"):
        try:
            importlib.import_module(f"keyring.backends.{module}")
            importable.append(module)
        except Exception:  # noqa: BLE001, S112 - absent on this OS is fine
            continue
    viable = sorted(
        {type(k).__module__.rsplit(".", 1)[-1] for k in keyring.backend.get_all_keyring()}
    )
    return Check(
        "OS keyring",
        bool(importable),
        f"{detail} (backends in this build: {', '.join(importable) or 'none'};"
        f" usable in this session: {', '.join(viable)})",
    )


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


@dataclass(frozen=True)
class StoreTrip:
    checks: list[Check]
    report_pdf: bytes | None  # a real monthly report from that store, for the GUI check


def store_round_trip(folder: Path) -> StoreTrip:
    """Create a store in folder, write a record, close, reopen, read it back; build a report.

    This runs the Alembic migrations, Argon2id keyslots, SQLCipher, the audit chain and the
    report layout (fonts included) exactly as the app does, on throwaway synthetic data.
    """
    import secrets
    from datetime import date

    from peerdesk.services import accounts
    from peerdesk.services.reports.period import Period
    from peerdesk.services.reports.run import render_report
    from peerdesk.services.resources import ResourceInput, add_resource, list_resources
    from peerdesk.services.store import create_store, open_store

    marker = f"Self-test line {secrets.token_hex(4)}"
    admin_pw, coord_pw = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    try:
        create_store(folder, "selftest-admin", admin_pw, site_name="Self-test")
        store, admin = open_store(folder, "selftest-admin", admin_pw)
        with store:
            accounts.add_user(store, admin, "selftest-coord", "coordinator", coord_pw)
        store, coord = open_store(folder, "selftest-coord", coord_pw)
        with store:
            add_resource(store, coord, ResourceInput(name=marker, kind="crisis_line"))
            today = date.today()
            pdf = render_report(store, coord, Period.of_month(today.year, today.month)).pdf
        store, coord = open_store(folder, "selftest-coord", coord_pw)
        with store:
            names = [r.name for r in list_resources(store, coord)]
    except Exception as exc:  # noqa: BLE001 - the self-test reports, never raises
        return StoreTrip([Check("Encrypted store", False, f"{type(exc).__name__}: {exc}")], None)
    files = [p for p in folder.iterdir() if p.name.startswith("peerdesk.db")]
    plain = [p.name for p in files if marker.encode() in p.read_bytes()]
    header_ok = not (folder / "peerdesk.db").read_bytes().startswith(b"SQLite format 3")
    ok = marker in names and header_ok and not plain
    detail = (
        "written, closed, reopened and read back; "
        + ("no plaintext on disk" if header_ok and not plain else f"PLAINTEXT in {plain}")
        if marker in names
        else "the record written was not read back"
    )
    report = Check("Monthly report", pdf.startswith(b"%PDF"), f"{len(pdf)} bytes of PDF laid out")
    return StoreTrip([Check("Encrypted store", ok, detail), report], pdf if report.ok else None)


def run_checks() -> list[Check]:
    results = []
    for fn in (_sqlcipher, _kdf, _keyring, _pdf):
        try:
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - each check reports its own failure
            results.append(Check(fn.__name__.strip("_"), False, f"{type(exc).__name__}: {exc}"))
    return results

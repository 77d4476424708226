"""`peerdesk --version` and `peerdesk self-test --gui` through the real command line."""

from __future__ import annotations

import io
import platform

import pytest
from conftest import run_cli

from peerdesk import __version__


def test_version_names_sqlcipher_sqlite_qt_and_python():
    import sqlcipher3
    from PySide6.QtCore import qVersion

    r = run_cli("--version")
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    assert first == f"peerdesk {__version__}"
    conn = sqlcipher3.connect(":memory:")
    cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
    conn.close()
    assert f"SQLCipher {cipher}" in second and cipher.startswith("4")
    assert f"SQLite {sqlcipher3.sqlite_version}," in second
    assert f"Qt {qVersion()} " in second
    assert f"Python {platform.python_version()}" in second


def test_self_test_gui_passes_and_names_every_part():
    r = run_cli("self-test", "--gui", env={"QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stdout + r.stderr
    lines = {line.split(":")[0].split("  ")[-1].strip(): line for line in r.stdout.splitlines()}
    for name in ("Encrypted store", "Monthly report", "Main window", "Report page", "OS keyring"):
        assert lines[name].startswith("ok"), r.stdout
    assert "read back" in lines["Encrypted store"]
    assert "no plaintext on disk" in lines["Encrypted store"]
    assert "'offscreen' platform" in lines["Main window"]
    assert "rendered by pypdfium2" in lines["Report page"]
    # The backend is named, and the Linux Secret Service backend is in the build.
    assert "keyring.backends." in lines["OS keyring"] and "SecretService" in lines["OS keyring"]
    assert "Traceback" not in r.stderr


def test_self_test_gui_without_display_falls_back_to_offscreen():
    env = {"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    r = run_cli("self-test", "--gui", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no display found; used 'offscreen'" in r.stdout


def test_self_test_without_gui_stays_quick_and_opens_no_window():
    r = run_cli("self-test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Main window" not in r.stdout and "Encrypted store" not in r.stdout


@pytest.mark.usefixtures("qapp")
def test_report_page_check_fails_on_a_blank_or_missing_page():
    from reportlab.pdfgen import canvas

    from peerdesk.ui.selftest_gui import _report_page

    assert not _report_page(None).ok
    buf = io.BytesIO()
    blank = canvas.Canvas(buf)
    blank.showPage()
    blank.save()
    check = _report_page(buf.getvalue())
    assert not check.ok, check.detail

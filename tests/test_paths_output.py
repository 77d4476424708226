"""Issue 11 item 1: no output file lands on a store (attacks through the real CLI)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from conftest import ADMIN_PW, COORD_PW, assert_one_line_error, run_cli

from peerdesk.errors import OutputPathError
from peerdesk.services.output_paths import check_output_path

ADMIN = {"PEERDESK_USER": "admin", "PEERDESK_PASSWORD": ADMIN_PW}
COORD = {"PEERDESK_USER": "coord", "PEERDESK_PASSWORD": COORD_PW}
WATCHED = ("peerdesk.db", "keyslots.json", "peerdesk.lock")


def _digest(data_dir: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((data_dir / name).read_bytes()).hexdigest()
        for name in WATCHED
        if (data_dir / name).exists()
    }


def _assert_refused(result, data_dir: Path, before: dict[str, str]) -> None:
    """Refused in one line, exit 9; the store files are what they were and still open."""
    line = assert_one_line_error(result)
    assert result.returncode == OutputPathError.exit_code == 9, result.stderr
    assert "data folder" in line
    assert not (data_dir / "policy.toml").exists()
    assert (data_dir / "peerdesk.lock").read_bytes() == b""
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".") and "tmp" in p.name]
    ok = run_cli("verify", env=ADMIN, data_dir=data_dir)
    assert ok.returncode == 0, ok.stderr
    before.update(_digest(data_dir))  # verify itself signs in (an audit event)


@pytest.mark.parametrize("name", ["peerdesk.db", "keyslots.json", "policy.toml", "x.pdbackup"])
def test_backup_into_the_data_folder_is_refused(store_dir, name):
    d = store_dir.data_dir
    before = _digest(d)
    result = run_cli("backup", "--out", str(d / name), env=ADMIN, data_dir=d)
    _assert_refused(result, d, before)


def test_backup_through_a_link_and_dotdot_is_refused(store_dir, tmp_path):
    d = store_dir.data_dir
    before = _digest(d)
    link = tmp_path / "elsewhere"
    link.symlink_to(d, target_is_directory=True)
    (tmp_path / "sub").mkdir()
    for out in (link / "b.pdbackup", tmp_path / "sub" / ".." / "store" / "b.pdbackup"):
        result = run_cli("backup", "--out", str(out), env=ADMIN, data_dir=d)
        _assert_refused(result, d, before)


@pytest.mark.parametrize("name", ["peerdesk.db", "keyslots.json", "peerdesk.lock", "policy.toml"])
def test_report_csv_onto_store_files_is_refused(store_dir, name):
    d = store_dir.data_dir
    before = _digest(d)
    result = run_cli("report", "--month", "2026-03", "--csv", str(d / name), env=COORD, data_dir=d)
    _assert_refused(result, d, before)


def test_report_csv_through_a_file_link_is_refused(store_dir, tmp_path):
    d = store_dir.data_dir
    before = _digest(d)
    link = tmp_path / "figures.csv"
    link.symlink_to(d / "peerdesk.db")
    result = run_cli("report", "--month", "2026-03", "--csv", str(link), env=COORD, data_dir=d)
    _assert_refused(result, d, before)


def test_report_pdf_and_export_into_the_data_folder_are_refused(store_dir):
    d = store_dir.data_dir
    before = _digest(d)
    pdf = str(d / "r.pdf")
    result = run_cli("report", "--month", "2026-03", "--out", pdf, env=COORD, data_dir=d)
    _assert_refused(result, d, before)
    result = run_cli("export", "--out", str(d), env=COORD, data_dir=d)
    _assert_refused(result, d, before)
    result = run_cli("export", "--out", str(d / "pending-events"), env=COORD, data_dir=d)
    _assert_refused(result, d, before)


def test_another_store_folder_is_protected_too(store_dir, tmp_path):
    """A second store (say the machine-wide one) is recognised by its marker files."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "keyslots.json").write_text("{}")
    d = store_dir.data_dir
    result = run_cli("backup", "--out", str(other / "b.pdbackup"), env=ADMIN, data_dir=d)
    assert result.returncode == 9 and "data folder" in assert_one_line_error(result)
    assert not (other / "b.pdbackup").exists()


def test_hard_link_to_the_database_is_refused(store_dir, tmp_path):
    d = store_dir.data_dir
    link = tmp_path / "innocent.pdbackup"
    try:
        os.link(d / "peerdesk.db", link)
    except OSError:
        pytest.skip("no hard links here")
    with pytest.raises(OutputPathError):
        check_output_path(link, d)


def test_the_backups_subfolder_and_other_folders_are_fine(store_dir, tmp_path):
    d = store_dir.data_dir
    result = run_cli("backup", "--out", str(d / "backups" / "b.pdbackup"), env=ADMIN, data_dir=d)
    assert result.returncode == 0, result.stderr
    result = run_cli("backup", "--out", str(tmp_path / "b.pdbackup"), env=ADMIN, data_dir=d)
    assert result.returncode == 0, result.stderr


def test_services_refuse_too(store_dir):
    """The GUI's save dialogs go through these same service functions."""
    from peerdesk.services import audit_log, recovery_sheet
    from peerdesk.services.store import open_store

    d = store_dir.data_dir
    with pytest.raises(OutputPathError):
        recovery_sheet.save_pdf(d / "peerdesk.db", store_dir.recovery_key, "Site", d)
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        with pytest.raises(OutputPathError):
            audit_log.export_csv(store, admin, d / "keyslots.json")
    open_store(d, "admin", ADMIN_PW)[0].close()  # the store still opens

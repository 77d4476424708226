"""Bad input and full disks: one clear line, the right exit code, nothing half-written.

The command line is run in a subprocess where the point is the one-line promise; the
rest runs in-process. The full-disk tests mount a small tmpfs and skip where that is
not permitted; the same paths are also covered by raising the driver's own error.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3
from conftest import ADMIN_PW, COORD_PW, assert_one_line_error, run_cli
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError as SAOperationalError

from peerdesk.cli import main
from peerdesk.errors import (
    DamagedStoreError,
    ImportFileError,
    PeerDeskError,
    StorageFullError,
    StoreExistsError,
    UsageError,
)
from peerdesk.models import AuditEvent, Resource
from peerdesk.services import backup, exporter, importer
from peerdesk.services.files import atomic_write_bytes, database_error_message
from peerdesk.services.reports.period import Period
from peerdesk.services.store import create_store, open_store

ADMIN_ENV = {"PEERDESK_PASSWORD": ADMIN_PW}
COORD_ENV = {"PEERDESK_PASSWORD": COORD_PW}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One store (admin, coord) and a good backup of it, shared by the module's tests."""
    from peerdesk.services import accounts

    root = tmp_path_factory.mktemp("robust")
    data_dir = root / "store"
    create_store(data_dir, "admin", ADMIN_PW, "Admin", "Test Clinic")
    store, admin = open_store(data_dir, "admin", ADMIN_PW)
    with store:
        accounts.add_user(store, admin, "coord", "coordinator", COORD_PW, "Coordinator")
        backup.backup_store(store, admin, root / "good.pdbackup")
    return {"root": root, "data_dir": data_dir, "backup": root / "good.pdbackup"}


def _rewrite(src: Path, dst: Path, **members: bytes | None) -> Path:
    """A copy of a backup with members replaced (bytes) or left out (None)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = members.get(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)
        for name, data in members.items():
            if name not in zin.namelist() and data is not None:
                zout.writestr(name, data)
    return dst


def _store_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*") if p.name.startswith(("peerdesk.db", "keys")))


def _count_events(data_dir: Path, action: str) -> int:
    store, _coord = open_store(data_dir, "coord", COORD_PW)
    with store, store.session() as s:
        return int(
            s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


# -- restore ---------------------------------------------------------------------------


def test_restore_bad_inputs_each_give_one_sentence(made, tmp_path):
    good = made["backup"]
    folder = tmp_path / "a-folder.pdbackup"
    folder.mkdir()
    a_file = tmp_path / "plain-file"
    a_file.write_text("not a folder")
    cases = [
        (folder, tmp_path / "r1", 4, "is a folder, not a PeerDesk backup file"),
        (
            _rewrite(good, tmp_path / "list.pdbackup", **{"manifest.json": b"[1, 2]"}),
            tmp_path / "r2",
            4,
            "is not a PeerDesk backup",
        ),
        (
            _rewrite(good, tmp_path / "noslots.pdbackup", **{"keyslots.json": None}),
            tmp_path / "r3",
            4,
            "is not a PeerDesk backup or is damaged",
        ),
        (
            _rewrite(
                good,
                tmp_path / "badslots.pdbackup",
                **{"keyslots.json": json.dumps({"format": "peerdesk-keyslots", "slots": 7})},
            ),
            tmp_path / "r4",
            4,
            "is not a PeerDesk backup or is damaged",
        ),
        (good, a_file, 1, "is a file, not a folder"),
    ]
    for backup_file, data_dir, code, text in cases:
        r = run_cli(
            "restore", str(backup_file), "--user", "admin", data_dir=data_dir, env=ADMIN_ENV
        )
        line = assert_one_line_error(r)
        assert r.returncode == code, line
        assert text in line and "unexpected" not in line
        if data_dir.is_dir():
            assert _store_files(data_dir) == []
    assert a_file.read_text() == "not a folder"


@pytest.mark.parametrize(
    "members",
    [
        {"keyslots.json": b"[1]"},
        {"keyslots.json": b"\xff\xfe not json"},
        {"keyslots.json": json.dumps({"format": "peerdesk-keyslots", "slots": [1]}).encode()},
        {"manifest.json": b'"just a string"'},
        {"manifest.json": None},
        {"peerdesk.db": None},
    ],
)
def test_damaged_backup_members_are_refused_and_leave_nothing(made, tmp_path, members):
    bad = _rewrite(made["backup"], tmp_path / "bad.pdbackup", **members)
    with pytest.raises(DamagedStoreError, match="not a PeerDesk backup"):
        backup.restore_backup(bad, tmp_path / "r", "admin", ADMIN_PW)
    assert not (tmp_path / "r").exists() or _store_files(tmp_path / "r") == []


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_restore_from_a_device_does_not_hang(tmp_path):
    with pytest.raises(DamagedStoreError, match="not a PeerDesk backup"):
        backup.restore_backup(Path("/dev/zero"), tmp_path / "r", "admin", ADMIN_PW)


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        PeerDeskError("something failed half-way"),
        KeyboardInterrupt(),
    ],
    ids=["disk-full", "peerdesk-error", "ctrl-c"],
)
def test_restore_failing_half_way_leaves_nothing_behind(made, tmp_path, monkeypatch, failure):
    target = tmp_path / "restore-here"

    def fail(*_args: object, **_kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(backup.shutil, "copyfileobj", fail)
    expected = StorageFullError if isinstance(failure, OSError) else type(failure)
    with pytest.raises(expected):
        backup.restore_backup(made["backup"], target, "admin", ADMIN_PW)
    assert not target.exists()  # created by the restore, removed again
    monkeypatch.undo()
    # The next restore is not told "already holds a store".
    backup.restore_backup(made["backup"], target, "admin", ADMIN_PW)
    assert _store_files(target) == ["keyslots.json", "peerdesk.db"]


def test_failed_restore_into_an_existing_folder_keeps_its_other_files(made, tmp_path, monkeypatch):
    target = tmp_path / "existing"
    target.mkdir()
    (target / "policy.toml").write_text("[policy]\n")

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup.shutil, "copyfileobj", fail)
    with pytest.raises(StorageFullError, match="the disk is full"):
        backup.restore_backup(made["backup"], target, "admin", ADMIN_PW)
    assert sorted(p.name for p in target.iterdir()) == ["policy.toml"]


def test_restore_never_touches_an_existing_store(made, tmp_path):
    before = (made["data_dir"] / "peerdesk.db").stat().st_size
    with pytest.raises(StoreExistsError):
        backup.restore_backup(made["backup"], made["data_dir"], "admin", ADMIN_PW)
    assert (made["data_dir"] / "keyslots.json").exists()
    assert (made["data_dir"] / "peerdesk.db").stat().st_size == before
    leftovers = tmp_path / "leftovers"
    leftovers.mkdir()
    (leftovers / "peerdesk.db-wal").write_bytes(b"old log")
    with pytest.raises(StoreExistsError, match="leftover"):
        backup.restore_backup(made["backup"], leftovers, "admin", ADMIN_PW)
    assert (leftovers / "peerdesk.db-wal").read_bytes() == b"old log"


# -- backup ----------------------------------------------------------------------------


def test_backup_on_a_full_disk_is_one_sentence_and_leaves_nothing(made, tmp_path, monkeypatch):
    out = tmp_path / "out" / "b.pdbackup"

    def full(*_args: object, **_kwargs: object) -> None:
        raise sqlcipher3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "_check_db", full)
    store, admin = open_store(made["data_dir"], "admin", ADMIN_PW)
    with store:
        with pytest.raises(StorageFullError) as caught:
            backup.backup_store(store, admin, out)
    assert str(caught.value) == f"the disk is full: could not write {out}; nothing was changed"
    assert list(out.parent.iterdir()) == []  # the work folder is gone too


def test_backup_is_audited_before_the_file_appears(made, tmp_path, monkeypatch):
    out = tmp_path / "b.pdbackup"
    store, admin = open_store(made["data_dir"], "admin", ADMIN_PW)
    with store:

        def audit_fails(*_args: object, **_kwargs: object) -> None:
            raise SAOperationalError(
                "INSERT ...", {}, sqlcipher3.OperationalError("disk I/O error")
            )

        monkeypatch.setattr(store, "audit", audit_fails)
        # faults.py names an I/O error as a failing disk, in one line.
        with pytest.raises(PeerDeskError, match="input/output error") as caught:
            backup.backup_store(store, admin, out)
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_backup_to_a_folder_says_so(made, tmp_path):
    r = run_cli(
        "backup",
        "--out",
        str(tmp_path),
        "--user",
        "admin",
        data_dir=made["data_dir"],
        env=ADMIN_ENV,
    )
    assert "is a folder; give a file name" in assert_one_line_error(r)


def test_database_errors_become_one_line():
    full = sqlcipher3.OperationalError("database or disk is full")
    assert isinstance(database_error_message(full, Path("x")), StorageFullError)
    wrapped = SAOperationalError("SELECT sqlcipher_export('backup_copy')", {}, full)
    assert "\n" in str(wrapped)  # SQLAlchemy's own text is several lines
    message = database_error_message(wrapped, Path("x"))
    assert isinstance(message, StorageFullError) and "\n" not in str(message)
    other = SAOperationalError("SELECT 1", {}, sqlcipher3.OperationalError("disk I/O error"))
    failing = database_error_message(other, Path("x"))
    assert failing.exit_code == 15 and "input/output error" in str(failing)
    odd = SAOperationalError("SELECT 1", {}, sqlcipher3.OperationalError("no such table: x"))
    assert str(database_error_message(odd, Path("x"))) == "could not write x: no such table: x"


def test_atomic_write_refuses_devices_and_pipes(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(PeerDeskError, match="not a regular file"):
        atomic_write_bytes(pipe, b"data")
    assert not pipe.is_file()  # still the pipe, not replaced by a file


# -- export ----------------------------------------------------------------------------


def test_export_folder_rules_through_the_cli(made, tmp_path):
    out = tmp_path / "new" / "export"
    r = run_cli(
        "export", "--out", str(out), "--user", "coord", data_dir=made["data_dir"], env=COORD_ENV
    )
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(exporter.file_names())
    first = (out / "sites.csv").read_bytes()
    r = run_cli(
        "export", "--out", str(out), "--user", "coord", data_dir=made["data_dir"], env=COORD_ENV
    )
    line = assert_one_line_error(r)
    assert r.returncode == 9 and "already holds" in line
    assert (out / "sites.csv").read_bytes() == first  # nothing overwritten
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    r = run_cli(
        "export",
        "--out",
        str(not_a_folder),
        "--user",
        "coord",
        data_dir=made["data_dir"],
        env=COORD_ENV,
    )
    assert r.returncode == 9 and "is a file" in assert_one_line_error(r)


def test_export_into_a_folder_with_other_files(made, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    store, coord = open_store(made["data_dir"], "coord", COORD_PW)
    with store:
        result = exporter.export_all(store, coord, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert set(result.files) == set(exporter.file_names())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder


def test_failed_export_leaves_no_files_and_no_audit_event(made, tmp_path, monkeypatch):
    before = _count_events(made["data_dir"], "export.csv")
    real_write = exporter._write_csv
    calls = []

    def fills_up(path: Path, header: list[str], rows: object) -> int:
        calls.append(path)
        if len(calls) == 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(path, header, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(exporter, "_write_csv", fills_up)
    out = tmp_path / "export"
    store, coord = open_store(made["data_dir"], "coord", COORD_PW)
    with store:
        with pytest.raises(StorageFullError) as caught:
            exporter.export_all(store, coord, out)
    assert str(caught.value) == f"the disk is full: could not write {out}; nothing was changed"
    assert list(tmp_path.iterdir()) == []
    assert _count_events(made["data_dir"], "export.csv") == before


def test_export_move_failure_puts_nothing_in_place(made, tmp_path, monkeypatch):
    (tmp_path / "keep.txt").write_text("mine")
    real_replace = os.replace
    moved = []

    def flaky(src: object, dst: object) -> None:
        if Path(str(dst)).parent == tmp_path:
            moved.append(dst)
            if len(moved) == 3:
                raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)  # type: ignore[arg-type]

    store, coord = open_store(made["data_dir"], "coord", COORD_PW)
    with store:
        monkeypatch.setattr(os, "replace", flaky)
        with pytest.raises(PeerDeskError, match="input/output error"):
            exporter.export_all(store, coord, tmp_path)
        monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_export_cells_are_safe_from_spreadsheet_formulas(store_dir, tmp_path):
    csv_file = tmp_path / "res.csv"
    csv_file.write_text('name,kind,notes\n"=HYPERLINK(""http://x"")",eap,@SUM(A1)\n')
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        importer.import_resources(store, coord, csv_file)
        exporter.export_all(store, coord, tmp_path / "out")
    text = (tmp_path / "out" / "resources.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert ",=" not in text and ",@" not in text


# -- import ----------------------------------------------------------------------------


def test_import_superscript_capacity_through_the_cli(made, tmp_path):
    f = tmp_path / "sup.csv"
    f.write_text("display_name,capacity\nAda,²\n", encoding="utf-8")
    r = run_cli(
        "import", "supporters", str(f), "--user", "coord", data_dir=made["data_dir"], env=COORD_ENV
    )
    line = assert_one_line_error(r)
    assert r.returncode == 9
    assert "row 2, column 'capacity': '²' is not a whole number" in line


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        ("supporters", "display_name,capacity\nAda,4\nBo,²\n", r"row 3, column 'capacity'"),
        ("supporters", f"display_name,capacity\nAda,{'9' * 5000}\n", r"not a whole number"),
        (
            "supporters",
            "display_name,capacity\nA\x00da,4\n",
            r"row 2, column 'display_name'.*\\x00",
        ),
        ("supporters", 'display_name,status\nAda,"act\nive"\n', r"row 2, column 'status'.*\\n"),
        ("resources", "name,kind,phone\nEAP,eap,1\x1b[2J\n", r"row 2, column 'phone'.*\\x1b"),
        ("resources", "name,kind,\x07\nEAP,eap,x\n", r"row 1: unknown column '\\x07'"),
        ("resources", "name,kind,name\nEAP,eap,x\n", r"column 'name' appears twice"),
        ("resources", "name,kind\n\nEAP,eap\n\nX,nope\n", r"row 5, column 'kind'"),
    ],
)
def test_import_refuses_bad_cells_naming_row_and_column(
    store_dir, tmp_path, kind, content, message
):
    f = tmp_path / "in.csv"
    f.write_bytes(content.encode("utf-8"))
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        call = importer.import_supporters if kind == "supporters" else importer.import_resources
        with pytest.raises(ImportFileError, match=message) as caught:
            call(store, coord, f)
        assert "\n" not in str(caught.value)
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Resource)) == 0


def test_import_allows_line_breaks_in_notes(store_dir, tmp_path):
    f = tmp_path / "in.csv"
    f.write_text('name,kind,address,notes\nEAP,eap,"1 Main St\nTown","Line one\nLine two"\n')
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        assert importer.import_resources(store, coord, f).rows == 1


def test_import_refuses_folders_devices_and_huge_files(store_dir, tmp_path, monkeypatch):
    store, coord = open_store(store_dir.data_dir, "coord", COORD_PW)
    with store:
        with pytest.raises(ImportFileError, match="not a regular file"):
            importer.import_resources(store, coord, tmp_path)
        if os.path.exists("/dev/zero"):
            with pytest.raises(ImportFileError, match="not a regular file"):
                importer.import_resources(store, coord, Path("/dev/zero"))
        big = tmp_path / "big.csv"
        big.write_text("name,kind\n" + "EAP,eap\n" * 200)
        monkeypatch.setattr(importer, "MAX_BYTES", 1000)
        with pytest.raises(ImportFileError, match="larger than 20 MB"):
            importer.import_resources(store, coord, big)


# -- reports and the one-line promise ---------------------------------------------------


def test_report_with_absurd_dates_is_one_sentence(made):
    r = run_cli(
        "report",
        "--from",
        "0001-01-01",
        "--to",
        "9999-12-31",
        "--json",
        "--user",
        "coord",
        data_dir=made["data_dir"],
        env=COORD_ENV,
    )
    line = assert_one_line_error(r)
    assert r.returncode == 2 and "2000-01-01 and 2100-12-31" in line


def test_report_periods_are_checked():
    for start, end in (("1999-12-31", "2000-01-31"), ("2026-01-01", "2101-01-01")):
        with pytest.raises(UsageError, match="must fall between"):
            Period.parse_range(start, end)
    with pytest.raises(UsageError, match="at most ten years"):
        Period.parse_range("2000-01-01", "2012-01-01")
    with pytest.raises(UsageError, match="ends before it starts"):
        Period.parse_range("2026-03-02", "2026-03-01")
    for month in ("9999-12", "0000-01", "1999-12", "2101-01"):
        with pytest.raises(UsageError, match="years 2000 to 2100"):
            Period.month(month)
    assert Period.parse_range("2016-01-01", "2025-12-31").days == 3653
    # Periods the report builds itself (the one before, trend months) are not limited.
    assert Period.month("2000-01").previous() == Period(date(1999, 12, 1), date(1999, 12, 31))


def test_cli_messages_stay_on_one_line(capsys):
    assert main(["report", "--month", "2026\n-03", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("peerdesk: error: '2026 -03' is not a month")


# -- a real full disk (tmpfs) ------------------------------------------------------------


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    if not sys.platform.startswith("linux"):
        pytest.skip("tmpfs needs Linux")
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot run mount")
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, timeout=10)


def _fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_full_disk_backup_export_restore(made, tmp_path):
    with small_disk(tmp_path / "small", "300k") as disk:
        r = run_cli(
            "backup",
            "--out",
            str(disk / "b.pdbackup"),
            "--user",
            "admin",
            data_dir=made["data_dir"],
            env=ADMIN_ENV,
        )
        line = assert_one_line_error(r)
        assert r.returncode == 11 and "the disk is full" in line, line
        assert list(disk.iterdir()) == []

        _fill(disk)  # leave no room even for small CSV files
        r = run_cli(
            "export",
            "--out",
            str(disk / "export"),
            "--user",
            "coord",
            data_dir=made["data_dir"],
            env=COORD_ENV,
        )
        assert r.returncode == 11 and "the disk is full" in assert_one_line_error(r)
        assert [p.name for p in disk.iterdir()] == ["filler"]
        (disk / "filler").unlink()

        for _attempt in range(2):  # the second attempt must not say "already holds a store"
            r = run_cli(
                "restore",
                str(made["backup"]),
                "--user",
                "admin",
                data_dir=disk / "restored",
                env=ADMIN_ENV,
            )
            line = assert_one_line_error(r)
            assert r.returncode == 11 and "the disk is full" in line, line
            assert not (disk / "restored" / "keyslots.json").exists()


def test_full_disk_import_imports_nothing(tmp_path):
    with small_disk(tmp_path / "small", "4m") as disk:
        from peerdesk.services import accounts

        create_store(disk / "store", "admin", ADMIN_PW)
        store, admin = open_store(disk / "store", "admin", ADMIN_PW)
        with store:
            accounts.add_user(store, admin, "coord", "coordinator", COORD_PW)
        f = tmp_path / "res.csv"
        f.write_text("name,kind,notes\n" + "".join(f"R{i},eap,{'x' * 500}\n" for i in range(400)))
        store, coord = open_store(disk / "store", "coord", COORD_PW)
        with store:
            with store.session():
                pass  # the write-ahead log and its index exist before the disk fills
            _fill(disk)
            with pytest.raises(StorageFullError, match="the disk is full"):
                importer.import_resources(store, coord, f)
            (disk / "filler").unlink()
            with store.session() as s:
                assert s.scalar(select(func.count()).select_from(Resource)) == 0

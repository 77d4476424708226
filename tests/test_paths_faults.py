"""Issue 11 item 4: damage is named as damage (faults.py), in every command, never exit 70.

Each attack runs the real CLI in a subprocess against a real store: a bad page in the
middle, a store cut in half, a folder this account may not use, a read-only disk and a
full disk (a file-size limit in the child, or a small tmpfs when this machine lets us
mount one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NO_MACHINE_POLICY, assert_one_line_error, fast_kdf_env

from peerdesk.errors import (
    DamagedStoreError,
    FolderAccessError,
    ReadOnlyStoreError,
    StorageFullError,
)

PW = "demo shared passphrase"
COMMANDS = {
    "verify": ["verify", "--user", "admin"],
    "report": ["report", "--month", "2026-01", "--csv", "{tmp}/r.csv", "--user", "coordinator"],
    "export": ["export", "--out", "{tmp}/export", "--user", "coordinator"],
    "backup": ["backup", "--out", "{tmp}/b.pdbackup", "--user", "admin"],
    "user add": ["user", "add", "newbie", "--role", "supporter", "--user", "admin"],
    "import": ["import", "resources", "{tmp}/res.csv", "--user", "coordinator"],
}


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory):
    """One demo store built once; each test gets its own copy."""
    from datetime import date

    from peerdesk.services.demo import build_demo

    base = tmp_path_factory.mktemp("faults") / "demo"
    build_demo(base, sessions=600, seed=3, password=PW, anchor=date(2026, 6, 30))

    def copy(to: Path) -> Path:
        shutil.copytree(base, to)
        return to

    return copy


def cli(*args: str, data_dir: Path, prefix: tuple[str, ...] = (), preexec=None):
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    env.update(
        PEERDESK_POLICY=NO_MACHINE_POLICY,
        PEERDESK_LOG_DIR=str(data_dir.parent / "it-logs"),
        PEERDESK_PASSWORD=PW,
        PEERDESK_NEW_PASSWORD="a brand new passphrase",
        PEERDESK_DATA_DIR=str(data_dir),
    )
    # --data-dir always: `demo` ignores PEERDESK_DATA_DIR and would use the home folder.
    return subprocess.run(
        [*prefix, sys.executable, "-m", "peerdesk", "--data-dir", str(data_dir), *args],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=preexec,
    )


def _args(name: str, tmp: Path) -> list[str]:
    (tmp / "res.csv").write_text("name,kind\nHelpline,crisis_line\n", encoding="utf-8")
    return [a.replace("{tmp}", str(tmp)) for a in COMMANDS[name]]


def _bad_page(db: Path) -> None:
    """Overwrite every fourth page of the middle half, so each command meets one."""
    pages = db.stat().st_size // 4096
    with open(db, "r+b") as fh:
        for page in range(pages // 4, 3 * pages // 4, 4):
            fh.seek(page * 4096)
            fh.write(os.urandom(4096))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_page_in_the_middle_is_named_as_damage(demo_copy, tmp_path, command):
    d = demo_copy(tmp_path / "store")
    _bad_page(d / "peerdesk.db")
    result = cli(*_args(command, tmp_path), data_dir=d)
    if command in ("user add", "import") and result.returncode == 0:
        pytest.skip("this command never read the damaged page")  # an honest outcome
    line = assert_one_line_error(result)
    assert result.returncode == DamagedStoreError.exit_code == 4, line
    assert "is damaged" in line and "restore" in line
    assert "unexpected" not in line and "full" not in line


@pytest.mark.parametrize("cut", ["half", "odd"])
@pytest.mark.parametrize("command", ["verify", "report", "backup", "export"])
def test_store_cut_short_is_named_so(demo_copy, tmp_path, command, cut):
    d = demo_copy(tmp_path / "store")
    db = d / "peerdesk.db"
    size = db.stat().st_size
    # "half": on a page boundary (only the header's own page count tells); "odd": mid-page.
    os.truncate(db, (size // 2) // 4096 * 4096 if cut == "half" else size // 2 + 1234)
    result = cli(*_args(command, tmp_path), data_dir=d)
    line = assert_one_line_error(result)
    assert result.returncode == 4, line
    assert "cut short" in line, line


def _without_dac_override() -> tuple[str, ...] | None:
    """Root ignores file modes; drop that power for the child (setpriv), or give up."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search") if setpriv else None


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("mode", [0o000, 0o500])
def test_folder_without_permission(demo_copy, tmp_path, mode):
    prefix = _without_dac_override()
    if prefix is None:
        pytest.skip("running as root without setpriv")
    d = demo_copy(tmp_path / "store")
    d.chmod(mode)
    try:
        for command in ("verify", "report"):
            result = cli(*_args(command, tmp_path), data_dir=d, prefix=prefix)
            line = assert_one_line_error(result)
            assert result.returncode == FolderAccessError.exit_code == 13, line
            assert "read-only" not in line
    finally:
        d.chmod(0o700)


def _limit_file_size(limit: int):
    def apply() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")
@pytest.mark.parametrize("command", ["init", "demo"])
def test_no_room_to_create_a_store_is_disk_full(tmp_path, command):
    d = tmp_path / "new"
    args = ["init", "--admin", "admin"] if command == "init" else ["demo", "--sessions", "400"]
    result = cli(*args, data_dir=d, preexec=_limit_file_size(64 * 1024))
    line = assert_one_line_error(result)
    assert result.returncode == StorageFullError.exit_code == 11, line
    assert "disk is full" in line
    assert not (d / "peerdesk.db").exists() and not (d / "keyslots.json").exists()


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")
def test_full_disk_while_adding_an_account_leaves_neither(demo_copy, tmp_path):
    """No room for the bigger key file: exit 11, and no account without its keyslot."""
    from peerdesk.services.keyslots import KeyslotFile

    d = demo_copy(tmp_path / "store")
    limit = (d / "keyslots.json").stat().st_size + 512
    result = cli(*_args("user add", tmp_path), data_dir=d, preexec=_limit_file_size(limit))
    line = assert_one_line_error(result)
    assert result.returncode == StorageFullError.exit_code == 11, line
    assert not KeyslotFile(d).has_account("newbie")
    listed = cli("user", "list", "--user", "admin", data_dir=d)
    assert listed.returncode == 0 and "newbie" not in listed.stdout, listed.stderr
    again = cli(*_args("user add", tmp_path), data_dir=d)  # and it can simply be added again
    assert again.returncode == 0, again.stderr


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    return done.returncode == 0


@pytest.mark.skipif(os.name != "posix", reason="tmpfs")
def test_read_only_disk(demo_copy, tmp_path):
    mnt = tmp_path / "ro"
    if not _mount_tmpfs(mnt, "16m"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        d = demo_copy(mnt / "store")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        result = cli(*_args("verify", tmp_path), data_dir=d)
        line = assert_one_line_error(result)
        assert result.returncode == ReadOnlyStoreError.exit_code == 14, line
        assert "read-only" in line
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


@pytest.mark.skipif(os.name != "posix", reason="tmpfs")
def test_tiny_tmpfs_full_disk_for_demo_and_backup(demo_copy, tmp_path):
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "200k"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        result = cli("demo", "--sessions", "400", data_dir=mnt / "demo")
        line = assert_one_line_error(result)
        assert result.returncode == 11, line
        d = demo_copy(tmp_path / "store")
        result = cli("backup", "--out", str(mnt / "b.pdbackup"), "--user", "admin", data_dir=d)
        line = assert_one_line_error(result)
        assert result.returncode == 11, line
        assert not list(mnt.glob("*.pdbackup"))
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)

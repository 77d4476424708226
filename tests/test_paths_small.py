"""Issue 11 item 7 and the small items: file modes after every writer, bounds on numbers,
text that is not UTF-8, control characters in names, and the CSV formula guard."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ADMIN_PW, NO_MACHINE_POLICY, assert_one_line_error, fast_kdf_env, run_cli

from peerdesk.errors import ValidationError
from peerdesk.services import accounts
from peerdesk.services.spreadsheet import is_formula, text_cell
from peerdesk.services.store import open_store

ADMIN = {"PEERDESK_USER": "admin", "PEERDESK_PASSWORD": ADMIN_PW}
DEMO_PW = "demo modes passphrase"
posix = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def _modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def _assert_private(root: Path) -> None:
    for name, mode in _modes(root).items():
        path = root / name
        wanted = 0o700 if path.is_dir() else 0o600
        assert mode == wanted, f"{name}: {oct(mode)}"


def _run_with_umask(*args: str, data_dir: Path, env: dict[str, str], stdin: str = ""):
    full = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    full.update(
        PEERDESK_POLICY=NO_MACHINE_POLICY,
        PEERDESK_LOG_DIR=str(data_dir.parent / "it-logs"),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "peerdesk", "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask: would give 0755/0644
    )


@posix
def test_modes_after_init_backup_restore_and_demo(store_dir, tmp_path):
    d = store_dir.data_dir
    out = tmp_path / "b.pdbackup"
    made = _run_with_umask("backup", "--out", str(out), data_dir=d, env=ADMIN)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    target = tmp_path / "restored" / "here"
    done = _run_with_umask("restore", str(out), "--user", "admin", data_dir=target, env=ADMIN)
    assert done.returncode == 0, done.stderr
    _assert_private(target)
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    demo = _run_with_umask(
        "demo", "--sessions", "30", data_dir=tmp_path / "demo", env={"PEERDESK_PASSWORD": DEMO_PW}
    )
    assert demo.returncode == 0, demo.stderr
    _assert_private(tmp_path / "demo")
    fresh = _run_with_umask(
        "init", "--admin", "boss", "--password-stdin", data_dir=tmp_path / "new", env={},
        stdin="a good passphrase\n",
    )  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr
    _assert_private(tmp_path / "new")


@posix
def test_open_takes_back_what_an_old_release_gave_away(store_dir):
    d = store_dir.data_dir
    d.chmod(0o755)
    (d / "peerdesk.db").chmod(0o644)
    (d / "backups").mkdir(mode=0o755)
    (d / "backups").chmod(0o755)
    open_store(d, "admin", ADMIN_PW)[0].close()
    _assert_private(d)


@posix
def test_group_shared_folder_keeps_group_never_others(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2770)  # as the installer makes /var/lib/peerdesk (group peerdesk)
    d = shared / "store"
    demo = _run_with_umask(
        "demo", "--sessions", "30", data_dir=d, env={"PEERDESK_PASSWORD": DEMO_PW}
    )
    assert demo.returncode == 0, demo.stderr
    for name, mode in _modes(d).items():
        assert not mode & 0o007, f"{name}: {oct(mode)} lets others in"
        path = d / name
        assert mode == (0o2770 if path.is_dir() else 0o660), f"{name}: {oct(mode)}"


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "abc", "1e9", "2000001", "0x10"])
def test_demo_numbers_are_bounded(tmp_path, value):
    result = run_cli("--data-dir", str(tmp_path / "d"), "demo", "--sessions", value)
    line = assert_one_line_error(result)
    assert result.returncode == 2 and "--sessions" in line
    assert not (tmp_path / "d").exists()
    result = run_cli("--data-dir", str(tmp_path / "d"), "demo", "--seed", value + "0" * 20)
    assert result.returncode == 2


@posix
def test_non_utf8_names_are_one_line_errors(store_dir):
    d = store_dir.data_dir
    bad = os.fsdecode(b"\xff\xfeadmin")
    for args, env in (
        (["user", "list", "--user", bad], {"PEERDESK_PASSWORD": ADMIN_PW}),
        (["user", "list"], {"PEERDESK_USER": bad, "PEERDESK_PASSWORD": ADMIN_PW}),
        (["user", "add", bad, "--role", "supporter", "--user", "admin"],
         {"PEERDESK_PASSWORD": ADMIN_PW}),
        (["user", "list", "--user", "admin"], {"PEERDESK_PASSWORD": os.fsdecode(b"pw\xff")}),
    ):  # fmt: skip
        result = run_cli(*args, env=env, data_dir=d)
        line = assert_one_line_error(result)
        assert result.returncode in (2, 9), line
        assert "unexpected" not in line


@posix
def test_unreadable_data_folder_is_one_line(store_dir, tmp_path):
    d = store_dir.data_dir
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        import shutil

        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("root without setpriv ignores modes")
        prefix = (setpriv, "--bounding-set=-dac_override,-dac_read_search")
    d.chmod(0)
    try:
        env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
        env.update(PEERDESK_POLICY=NO_MACHINE_POLICY, **ADMIN)
        env["PEERDESK_LOG_DIR"] = str(tmp_path / "logs")
        for args in (["verify"], ["user", "list"], ["backup", "--out", str(tmp_path / "b")]):
            result = subprocess.run(
                [*prefix, sys.executable, "-m", "peerdesk", "--data-dir", str(d), *args],
                capture_output=True, text=True, env=env, timeout=60,
            )  # fmt: skip
            line = assert_one_line_error(result)
            assert result.returncode == 13, line
    finally:
        d.chmod(0o700)


def test_control_characters_in_names_are_refused_and_shown_escaped(store_dir):
    d = store_dir.data_dir
    store, admin = open_store(d, "admin", ADMIN_PW)
    with store:
        for name in ("Eve\nadmin        admin", "Eve\x1b[2J", "Eve\u202egnp.exe", "Eve\x7f"):
            with pytest.raises(ValidationError):
                accounts.add_user(store, admin, "eve", "supporter", "eve's passphrase 1", name)
        accounts.add_user(store, admin, "eve", "supporter", "eve's passphrase 1", "Eve Ok")
        # A name stored by an older release (or behind the app's back) is shown escaped.
        from sqlalchemy import update

        from peerdesk.models import User

        with store.session() as s:
            s.execute(
                update(User).where(User.username == "eve").values(display_name="Eve\x1b[31m\nX")
            )
    result = run_cli("user", "list", env=ADMIN, data_dir=d)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("eve "))
    assert line.endswith("Eve\\x1b[31m\\nX")
    added = run_cli(
        "user", "add", "fay", "--role", "supporter", "--display-name", "Fay\r\nadmin",
        env={**ADMIN, "PEERDESK_NEW_PASSWORD": "fay's passphrase 1"}, data_dir=d,
    )  # fmt: skip
    assert added.returncode == 9 and "control" in assert_one_line_error(added)


@pytest.mark.parametrize(
    "text",
    [
        "＝1+1", "＋cmd|' /C calc'!A0", "－2+3", "＠SUM(A1)",
        "﹫SUM(A1)", "﹢cmd", "﹣cmd", "﹦1+1",
        "\u200b=HYPERLINK(\"http://x\")", "\ufeff=1+1", "\u2060@x", "\u00ad+x", "\u200e=1",
        " \u200b\u3000=1",
    ],
)  # fmt: skip
def test_formula_guard_catches_lookalikes_and_invisible_prefixes(text):
    assert is_formula(text)
    assert text_cell(text).startswith("'")


@pytest.mark.parametrize("text", ["+44 20 7946 0958", "3-5", "hello", "a=b", "\u200bplain"])
def test_formula_guard_leaves_plain_text_alone(text):
    assert not text_cell(text).startswith("'")

"""The command line in a subprocess: accounts, errors as one line, version, self-test."""

from __future__ import annotations

from conftest import ADMIN_PW, assert_one_line_error, run_cli

from peerdesk import __version__


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.splitlines()[0] == f"peerdesk {__version__}"


def test_self_test_passes_here():
    r = run_cli("self-test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SQLCipher: version 4" in r.stdout


def test_init_prints_recovery_key_once_and_refuses_twice(tmp_path):
    r = run_cli(
        "init",
        "--admin",
        "boss",
        "--password-stdin",
        data_dir=tmp_path / "s",
        stdin="a good admin passphrase\n",
    )
    assert r.returncode == 0, r.stderr
    assert "RECOVERY KEY" in r.stdout
    r = run_cli(
        "init",
        "--admin",
        "boss",
        "--password-stdin",
        data_dir=tmp_path / "s",
        stdin="a good admin passphrase\n",
    )
    assert "already exists" in assert_one_line_error(r)
    r = run_cli(
        "init", "--admin", "boss", "--password-stdin", data_dir=tmp_path / "t", stdin="short\n"
    )
    assert "at least 8" in assert_one_line_error(r)


def test_user_lifecycle(store_dir):
    env = {"PEERDESK_PASSWORD": ADMIN_PW}
    r = run_cli(
        "user",
        "add",
        "carol",
        "--role",
        "coordinator",
        "--display-name",
        "Carol Ü",
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    generated = r.stdout.split("Initial password: ")[1].split()[0]
    carol = {"PEERDESK_PASSWORD": generated}
    # The password the admin chose opens nothing until carol has chosen her own.
    r = run_cli("user", "list", "--user", "carol", data_dir=store_dir.data_dir, env=carol)
    line = assert_one_line_error(r)
    assert r.returncode == 6 and "peerdesk user password --user carol" in line
    r = run_cli(
        "user",
        "password",
        "--user",
        "carol",
        data_dir=store_dir.data_dir,
        env={**carol, "PEERDESK_NEW_PASSWORD": generated},
    )
    assert "different" in assert_one_line_error(r)
    r = run_cli(
        "user",
        "password",
        "--user",
        "carol",
        data_dir=store_dir.data_dir,
        env={**carol, "PEERDESK_NEW_PASSWORD": "carol chose this one"},
    )
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "user",
        "list",
        "--user",
        "carol",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": "carol chose this one"},
    )
    assert r.returncode == 0, r.stderr
    assert "carol" in r.stdout and "Carol Ü" in r.stdout
    r = run_cli(
        "user",
        "reset-password",
        "carol",
        "--user",
        "admin",
        data_dir=store_dir.data_dir,
        env={**env, "PEERDESK_NEW_PASSWORD": "carol's new passphrase"},
    )
    assert r.returncode == 0, r.stderr
    r = run_cli("user", "disable", "carol", "--user", "admin", data_dir=store_dir.data_dir, env=env)
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "user",
        "list",
        "--user",
        "carol",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": "carol's new passphrase"},
    )
    assert "wrong username or password" in assert_one_line_error(r)
    r = run_cli(
        "user",
        "add",
        "x",
        "--role",
        "admin",
        "--user",
        "alice",
        data_dir=store_dir.data_dir,
        env={"PEERDESK_PASSWORD": "supporter a passphrase"},
    )
    assert "may not add accounts" in assert_one_line_error(r)


def test_password_from_stdin_and_missing_password(store_dir):
    r = run_cli(
        "user",
        "list",
        "--user",
        "admin",
        "--password-stdin",
        data_dir=store_dir.data_dir,
        stdin=ADMIN_PW + "\n",
    )
    assert r.returncode == 0, r.stderr
    r = run_cli("user", "list", "--user", "admin", data_dir=store_dir.data_dir)
    assert "no password" in assert_one_line_error(r)
    r = run_cli("user", "list", data_dir=store_dir.data_dir, env={"PEERDESK_PASSWORD": "x"})
    assert "--user" in assert_one_line_error(r)


def test_usage_errors_are_one_line():
    r = run_cli("frobnicate")
    assert "invalid choice" in assert_one_line_error(r)
    r = run_cli("demo", "--sessions", "many")
    assert "--sessions: 'many' is not a whole number" in assert_one_line_error(r)
    assert r.returncode == 2

"""Windows-only locations, checked here by faking policy.on_windows() (the real thing runs in the
Windows CI workflow): machine policy and log under %ProgramData%\\PeerDesk, no POSIX modes."""

from __future__ import annotations

import os

from peerdesk.services import folder_access, it_log, policy


def test_machine_policy_lives_under_programdata(tmp_path, monkeypatch):
    monkeypatch.delenv("PEERDESK_POLICY", raising=False)
    monkeypatch.setenv("PROGRAMDATA", str(tmp_path / "ProgramData"))
    monkeypatch.setattr(policy, "on_windows", lambda: True)
    path = policy.machine_policy_path()
    assert path == tmp_path / "ProgramData" / "PeerDesk" / "policy.toml"


def test_log_goes_to_programdata_when_writable(tmp_path, monkeypatch):
    monkeypatch.delenv("PEERDESK_LOG_DIR", raising=False)
    monkeypatch.setenv("PROGRAMDATA", str(tmp_path / "ProgramData"))
    (tmp_path / "ProgramData" / "PeerDesk").mkdir(parents=True)
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o2770)
    monkeypatch.setattr(policy, "on_windows", lambda: True)
    where = it_log.log_folder(data)
    shared = folder_access.is_group_shared(data)  # ACLs, not mode bits, on Windows
    assert where == tmp_path / "ProgramData" / "PeerDesk" / "logs"
    assert shared is False


def test_without_programdata_access_the_log_uses_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PEERDESK_LOG_DIR", raising=False)
    monkeypatch.setenv("PROGRAMDATA", str(tmp_path / "missing"))
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setattr(policy, "on_windows", lambda: True)
    where = it_log.log_folder(data)
    assert where == data / "logs"

"""The installer's files agree with the app: policy templates parse, the bundle keeps every Qt
module the app imports, the backup jobs call the real command, removal keeps records.

The packages themselves are built and installed by installer/ci-deb-check.sh (in .ci/run)
and the MSI tables are checked by installer/windows/check-msi.sh.
"""

from __future__ import annotations

import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import fields
from pathlib import Path

import pytest

from peerdesk.services.policy import Policy, load_policy

ROOT = Path(__file__).resolve().parents[1]
INSTALLER = ROOT / "installer"
TEMPLATES = {
    "linux": (INSTALLER / "linux" / "policy.toml", "/var/lib/peerdesk", "/var/backups/peerdesk"),
    "windows": (
        INSTALLER / "windows" / "policy.toml",
        "C:\\ProgramData\\PeerDesk\\data",
        "C:\\ProgramData\\PeerDesk\\backups",
    ),
}


@pytest.mark.parametrize("system", sorted(TEMPLATES))
def test_machine_policy_template_is_accepted_by_the_app(tmp_path, monkeypatch, system):
    template = TEMPLATES[system][0]
    shutil.copy(template, tmp_path / "machine-policy.toml")
    monkeypatch.setenv("PEERDESK_POLICY", str(tmp_path / "machine-policy.toml"))
    (tmp_path / "data").mkdir()
    policy = load_policy(tmp_path / "data")  # raises on an unknown key or a wrong type
    assert policy.allow_keyring_unlock is False


@pytest.mark.parametrize("system", sorted(TEMPLATES))
def test_machine_policy_template_names_the_shared_folders(system):
    """Every OS account opens the package's shared folder, and backups go to its own."""
    template, data_dir, backup_dir = TEMPLATES[system]
    active = tomllib.loads(template.read_text(encoding="utf-8")).get("policy", {})
    assert {f.name for f in fields(Policy)} >= {"data_dir", "backup_dir"}
    assert (active.get("data_dir"), active.get("backup_dir")) == (data_dir, backup_dir)


def _spec_excluded_qt_modules() -> set[str]:
    spec = (INSTALLER / "peerdesk.spec").read_text(encoding="utf-8")
    block = spec.split("QT_EXCLUDES = [", 1)[1].split("]", 1)[0]
    return set(re.findall(r"\b(Qt[A-Za-z0-9]+)\b", block))


def test_bundle_keeps_every_qt_module_the_app_imports():
    used = set()
    for path in (ROOT / "peerdesk").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt[A-Za-z0-9]+)", path.read_text(encoding="utf-8")))
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    excluded = _spec_excluded_qt_modules()
    assert "QtQml" in excluded and "QtWebEngineCore" in excluded  # the list is read right
    assert used & excluded == set()


def test_systemd_backup_units_run_the_unattended_backup_with_the_credential():
    service = (INSTALLER / "linux" / "peerdesk-backup.service").read_text(encoding="utf-8")
    settings = dict(
        line.split("=", 1) for line in service.splitlines() if "=" in line and line[:1] != "#"
    )
    assert settings["ExecStart"] == "/usr/bin/peerdesk backup --unattended"
    assert settings["LoadCredentialEncrypted"] == "peerdesk-backup:/etc/peerdesk/backup.cred"
    assert settings["User"] == "peerdesk-backup" and settings["Group"] == "peerdesk"
    assert settings["PrivateNetwork"] == "yes"  # a backup never needs the network
    timer = (INSTALLER / "linux" / "peerdesk-backup.timer").read_text(encoding="utf-8")
    assert "OnCalendar=" in timer and "Persistent=true" in timer


def test_package_scripts_never_enable_the_timer_nor_delete_records():
    debian = INSTALLER / "linux" / "debian"
    for name in ("postinst", "prerm", "postrm"):
        code = [
            line.strip()
            for line in (debian / name).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
        assert not any("systemctl enable" in line for line in code), name
        for line in code:
            if re.search(r"\brm\b|rmdir|shred", line):
                assert "/var/lib" not in line and "/var/backups" not in line, (name, line)
    postinst = (debian / "postinst").read_text(encoding="utf-8")
    assert "install -d -o root -g peerdesk -m 2770" in postinst
    assert (debian / "conffiles").read_text().split() == ["/etc/peerdesk/policy.toml"]


def test_launcher_gives_files_to_the_group_and_nobody_else():
    launcher = (INSTALLER / "linux" / "peerdesk.sh").read_text(encoding="utf-8")
    assert "\numask 007\n" in launcher
    assert launcher.rstrip().endswith('exec /opt/peerdesk/peerdesk "$@"')


def test_desktop_entry_starts_peerdesk_with_its_icon():
    entry = (INSTALLER / "linux" / "peerdesk.desktop").read_text(encoding="utf-8")
    keys = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    assert keys["Exec"] == "peerdesk" and keys["Icon"] == "peerdesk"
    assert keys["Type"] == "Application" and keys["Terminal"] == "false"
    for size in (48, 128, 256):
        assert (INSTALLER / "icons" / f"peerdesk-{size}.png").read_bytes()[:4] == b"\x89PNG"


def test_windows_task_runs_the_unattended_backup_daily():
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    task = ET.parse(INSTALLER / "windows" / "peerdesk-backup-task.xml").getroot()
    exec_ = task.find("t:Actions/t:Exec", ns)
    assert exec_ is not None
    assert exec_.findtext("t:Command", namespaces=ns).endswith('\\PeerDesk\\peerdesk.exe"')
    assert exec_.findtext("t:Arguments", namespaces=ns) == "backup --unattended"
    assert task.find("t:Triggers/t:CalendarTrigger/t:ScheduleByDay", ns) is not None
    assert task.findtext("t:Settings/t:StartWhenAvailable", namespaces=ns) == "true"


def test_wix_source_keeps_records_and_policy_on_uninstall():
    wxs = ET.parse(INSTALLER / "windows" / "peerdesk.wxs").getroot()
    ns = {"w": "http://schemas.microsoft.com/wix/2006/wi"}
    product = wxs.find("w:Product", ns)
    assert product is not None
    assert product.get("UpgradeCode") == "E581386F-779B-4E32-8A7D-7EBB860AE8AC"
    components = {c.get("Id"): c for c in wxs.iter(f"{{{ns['w']}}}Component")}
    for name in ("MachinePolicy", "SharedDataFolder", "BackupFolder", "LogFolder"):
        assert components[name].get("Permanent") == "yes", name
    assert components["MachinePolicy"].get("NeverOverwrite") == "yes"

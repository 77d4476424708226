"""The policy IT sets: password rules, lock-out, idle lock, where the store and backups live.

Two files, read in this order:
1. the machine policy: /etc/peerdesk/policy.toml, %ProgramData%\\PeerDesk\\policy.toml, or the
   file PEERDESK_POLICY names (tests). IT owns it; users cannot write it.
2. the data folder's own policy.toml, which admins may change from the app.

A key the machine policy sets cannot be loosened by the folder's file: a stricter folder
value applies, a looser one is not used (the policy view says so). `data_dir` can only be
set by the machine policy, since the folder's file lives inside that folder.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from peerdesk.errors import FolderAccessError, ValidationError

POLICY_FILE = "policy.toml"
MACHINE_POLICY_ENV = "PEERDESK_POLICY"
DEPARTMENT_RULES = ("prefer_different", "require_different", "any")
PAGE_SIZES = ("A4", "Letter")
_TYPES = {"bool": bool, "int": int, "str": str}
MACHINE_ONLY = frozenset({"data_dir"})


@dataclass(frozen=True)
class Policy:
    min_password_length: int = 8
    max_failed_attempts: int = 10
    idle_lock_minutes: int = 10
    suppression_threshold: int = 11
    series_length: int = 3
    # "Unlock with this computer's login" (an OS keyring slot per OS user); off by default.
    allow_keyring_unlock: bool = False
    backups_to_keep: int = 10
    supervision_warning_weeks: int = 6
    expiry_warning_days: int = 60
    # Matching: "prefer_different" ranks supporters from another department higher,
    # "require_different" leaves out those from the participant's department, "any" ignores it.
    matching_department: str = "prefer_different"
    supporters_may_assign: bool = False
    # Machine-wide folders: every OS account on the workstation opens the same store, and
    # unattended backups go to backup_dir ("" = <data folder>/backups).
    data_dir: str = ""
    backup_dir: str = ""
    # Paper of the summary report PDF by default (the Reports page and the CLI can choose
    # per report). Neither size is stricter, so a machine value is fixed.
    report_page_size: str = "A4"

    def __post_init__(self) -> None:
        for key, value in asdict(self).items():
            reason = check_value(key, value)
            if reason:
                raise ValidationError(f"policy: '{key}' {reason}")


def _absolute(text: str) -> bool:
    return PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute()


def _check_folder(value: str) -> str | None:
    if value and not _absolute(value):
        return "must be an absolute folder path"
    if "\n" in value or "\x00" in value:
        return "must be one folder path"
    return None


# Each key's check: None if fine, else the reason (completes "'key' ...").
_CHECKS: dict[str, Callable[[Any], str | None]] = {
    # Above 64 is refused: a minimum beyond the longest password accepted (256) would
    # refuse every new password, and 64 is the most NIST SP 800-63B asks anyone to type.
    "min_password_length": lambda v: (
        "may not be below 8" if v < 8 else "may not be above 64" if v > 64 else None
    ),
    "max_failed_attempts": lambda v: "may not be below 3" if v < 3 else None,
    "idle_lock_minutes": lambda v: "must be at least 1" if v < 1 else None,
    "suppression_threshold": lambda v: "must be at least 1" if v < 1 else None,
    "series_length": lambda v: None if 1 <= v <= 50 else "must be between 1 and 50",
    "backups_to_keep": lambda v: None if 1 <= v <= 10000 else "must be between 1 and 10000",
    "supervision_warning_weeks": lambda v: None if 1 <= v <= 520 else "must be 1 to 520",
    "expiry_warning_days": lambda v: None if 1 <= v <= 3650 else "must be 1 to 3650",
    "matching_department": lambda v: (
        None if v in DEPARTMENT_RULES else f"must be one of {', '.join(DEPARTMENT_RULES)}"
    ),
    "data_dir": _check_folder,
    "backup_dir": _check_folder,
    "report_page_size": lambda v: None if v in PAGE_SIZES else "must be A4 or Letter",
}


def check_value(key: str, value: Any) -> str | None:
    check = _CHECKS.get(key)
    return check(value) if check else None


# "At least as strict as the machine's value" per key. A folder value for which this is
# False would loosen what IT set for the machine.
_DEPARTMENT_ORDER = {"any": 0, "prefer_different": 1, "require_different": 2}
_STRICT: dict[str, Callable[[Any, Any], bool]] = {
    "min_password_length": lambda folder, machine: folder >= machine,
    "max_failed_attempts": lambda folder, machine: folder <= machine,
    "idle_lock_minutes": lambda folder, machine: folder <= machine,
    # Smaller counts shown in reports identify people more easily.
    "suppression_threshold": lambda folder, machine: folder >= machine,
    "allow_keyring_unlock": lambda folder, machine: machine or not folder,
    # Fewer kept backups means less to restore from.
    "backups_to_keep": lambda folder, machine: folder >= machine,
    "supervision_warning_weeks": lambda folder, machine: folder <= machine,
    "expiry_warning_days": lambda folder, machine: folder >= machine,
    "matching_department": lambda folder, machine: (
        _DEPARTMENT_ORDER[folder] >= _DEPARTMENT_ORDER[machine]
    ),
    "supporters_may_assign": lambda folder, machine: machine or not folder,
}


def has_order(key: str) -> bool:
    """Whether a value of this key can be stricter than another (else it is just different)."""
    return key in _STRICT


def at_least_as_strict(key: str, folder: Any, machine: Any) -> bool:
    """Keys without an order (series_length, backup_dir, report_page_size) may only repeat
    the machine's value."""
    rule = _STRICT.get(key)
    return rule(folder, machine) if rule else folder == machine


def on_windows() -> bool:
    """One place to ask (tests fake it; pathlib cannot be faked by patching os.name)."""
    return os.name == "nt"


def machine_policy_path() -> Path:
    env = os.environ.get(MACHINE_POLICY_ENV)
    if env:
        return Path(env)
    if on_windows():
        return program_data() / "PeerDesk" / POLICY_FILE
    return Path("/etc/peerdesk") / POLICY_FILE


def program_data() -> Path:
    """%ProgramData% (C:\\ProgramData on a standard Windows install)."""
    return Path(os.environ.get("PROGRAMDATA") or r"C:\ProgramData")


def read_policy_file(path: Path, machine: bool = False) -> dict[str, Any]:
    """The keys a policy file sets, each checked; {} if the file does not exist.

    Any problem is one line naming the file, the key and the reason.
    """
    path = Path(path)
    try:
        present = path.exists()
    except PermissionError as exc:  # a shared data folder of a group this account is not in
        raise FolderAccessError.for_folder(path.parent) from exc
    if not present:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ValidationError(f"policy file {path} cannot be read: {reason}") from exc
    return parse_policy_text(text, path, machine)


def parse_policy_text(text: str, path: Path | str, machine: bool = False) -> dict[str, Any]:
    """Check a policy file's text; `path` names it in messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"policy file {path} is not valid TOML: {exc}") from exc
    if "store" in raw and not machine:
        raise ValidationError(
            f"policy file {path}: [store] (where the store lives) can only be set in the "
            f"machine policy ({machine_policy_path()})"
        )
    # [store] names a server (services/storage/config.py reads it); the rest is policy.
    section = raw.get("policy", {k: v for k, v in raw.items() if k != "store"})
    if not isinstance(section, dict):
        raise ValidationError(f"policy file {path}: [policy] must be a table of settings")
    known = {f.name: f.type for f in fields(Policy)}
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key not in known:
            raise ValidationError(f"policy file {path}: unknown setting '{key}'")
        if key in MACHINE_ONLY and not machine:
            raise ValidationError(
                f"policy file {path}: '{key}' can only be set in the machine policy "
                f"({machine_policy_path()})"
            )
        expected = _TYPES[str(known[key])]
        if type(value) is not expected:
            raise ValidationError(f"policy file {path}: '{key}' must be {expected.__name__}")
        reason = check_value(key, value)
        if reason:
            raise ValidationError(f"policy file {path}: '{key}' {reason}")
        values[key] = value
    return values


@dataclass(frozen=True)
class PolicyRow:
    """One setting in force, and where its value came from."""

    key: str
    value: Any
    source: str  # "default", "machine policy", "data folder"
    path: str  # the file it came from ("" for defaults)
    note: str = ""


@dataclass(frozen=True)
class PolicyLayers:
    machine_path: Path
    folder_path: Path
    machine: dict[str, Any]
    folder: dict[str, Any]

    @property
    def effective(self) -> Policy:
        values = dict(self.machine)
        for key, value in self.folder.items():
            if key not in self.machine or at_least_as_strict(key, value, self.machine[key]):
                values[key] = value
        return Policy(**values)

    def rows(self) -> list[PolicyRow]:
        policy = self.effective
        out = []
        for f in fields(Policy):
            key, value = f.name, getattr(policy, f.name)
            in_folder, in_machine = key in self.folder, key in self.machine
            if in_folder and (not in_machine or value == self.folder[key]):
                note = ""
                if in_machine and self.folder[key] != self.machine[key]:
                    note = f"stricter than the machine policy's {_show(self.machine[key])}"
                out.append(PolicyRow(key, value, "data folder", str(self.folder_path), note))
            elif in_machine:
                note = ""
                if in_folder and has_order(key):
                    note = f"folder's {_show(self.folder[key])} would loosen it: not used"
                elif in_folder:  # no stricter or looser (paper size, series length)
                    note = (
                        f"fixed by the machine policy: folder's {_show(self.folder[key])} not used"
                    )
                out.append(PolicyRow(key, value, "machine policy", str(self.machine_path), note))
            else:
                out.append(PolicyRow(key, value, "default", ""))
        return out


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f'"{value}"' if isinstance(value, str) else str(value)


def load_machine_policy() -> dict[str, Any]:
    return read_policy_file(machine_policy_path(), machine=True)


def load_layers(data_dir: Path) -> PolicyLayers:
    machine_path = machine_policy_path()
    folder_path = Path(data_dir) / POLICY_FILE
    machine = read_policy_file(machine_path, machine=True)
    folder = read_policy_file(folder_path)
    return PolicyLayers(machine_path, folder_path, machine, folder)


def load_policy(data_dir: Path) -> Policy:
    """The policy in force for a data folder: the machine policy, then the folder's own."""
    return load_layers(data_dir).effective


def policy_in_force(data_dir: Path) -> list[PolicyRow]:
    """Every setting, its value and where it came from (for the admin's view)."""
    return load_layers(data_dir).rows()


def dump_values(values: dict[str, Any]) -> str:
    lines = ["[policy]"]
    order = [f.name for f in fields(Policy)]
    for key in sorted(values, key=order.index):
        value = values[key]
        if isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, str):
            text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        else:
            text = str(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def dump_policy(policy: Policy) -> str:
    """Every setting of a folder policy (data_dir belongs to the machine policy only)."""
    values = asdict(policy)
    return dump_values({k: v for k, v in values.items() if k not in MACHINE_ONLY and v != ""})

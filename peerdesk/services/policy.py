"""The policy IT sets per data folder (policy.toml): password rules, lock-out, idle lock."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from peerdesk.errors import ValidationError

POLICY_FILE = "policy.toml"
DEPARTMENT_RULES = ("prefer_different", "require_different", "any")
_TYPES = {"bool": bool, "int": int, "str": str}


@dataclass(frozen=True)
class Policy:
    min_password_length: int = 8
    max_failed_attempts: int = 10
    idle_lock_minutes: int = 10
    suppression_threshold: int = 11
    series_length: int = 3
    allow_keyring_unlock: bool = False
    backups_to_keep: int = 10
    supervision_warning_weeks: int = 6
    expiry_warning_days: int = 60
    # Matching: "prefer_different" ranks supporters from another department higher,
    # "require_different" leaves out those from the participant's department, "any" ignores it.
    matching_department: str = "prefer_different"
    supporters_may_assign: bool = False

    def __post_init__(self) -> None:
        if self.min_password_length < 8:
            raise ValidationError("policy: min_password_length may not be below 8")
        if self.max_failed_attempts < 3:
            raise ValidationError("policy: max_failed_attempts may not be below 3")
        if self.idle_lock_minutes < 1:
            raise ValidationError("policy: idle_lock_minutes must be at least 1")
        if self.suppression_threshold < 1:
            raise ValidationError("policy: suppression_threshold must be at least 1")
        if not 1 <= self.series_length <= 50:
            raise ValidationError("policy: series_length must be between 1 and 50")
        if self.matching_department not in DEPARTMENT_RULES:
            raise ValidationError(
                f"policy: matching_department must be one of {', '.join(DEPARTMENT_RULES)}"
            )


def load_policy(data_dir: Path) -> Policy:
    path = Path(data_dir) / POLICY_FILE
    if not path.exists():
        return Policy()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"policy file {path} cannot be read: {exc}") from exc
    section = raw.get("policy", raw)
    known = {f.name: f.type for f in fields(Policy)}
    values = {}
    for key, value in section.items():
        if key not in known:
            raise ValidationError(f"policy file {path}: unknown setting '{key}'")
        expected = _TYPES[str(known[key])]
        if type(value) is not expected:
            raise ValidationError(f"policy file {path}: '{key}' must be {expected.__name__}")
        values[key] = value
    return Policy(**values)


def dump_policy(policy: Policy) -> str:
    lines = ["[policy]"]
    for f in fields(Policy):
        value = getattr(policy, f.name)
        if isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, str):
            text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        else:
            text = str(value)
        lines.append(f"{f.name} = {text}")
    return "\n".join(lines) + "\n"

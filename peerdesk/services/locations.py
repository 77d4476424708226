"""Where the data folder is: --data-dir, PEERDESK_DATA_DIR, the machine policy, or per OS user.

Kept apart from services/store.py (which loads SQLAlchemy and the models) so a second
launch of the app can find its folder and hand over to the first in a fraction of a second.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from peerdesk.services.policy import load_machine_policy


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("PeerDesk", "PeerDesk"))


def default_demo_dir() -> Path:
    """Demo stores live apart from real data: `peerdesk demo` and `peerdesk --demo`."""
    return default_data_dir() / "demo"


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir, else PEERDESK_DATA_DIR, else the machine policy's data_dir, else the
    per-OS-user default. A bad machine policy is refused here (ValidationError)."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("PEERDESK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    machine = load_machine_policy().get("data_dir")
    return Path(machine) if machine else default_data_dir()

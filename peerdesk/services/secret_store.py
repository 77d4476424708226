"""Where the operating system keeps a secret for PeerDesk: its keyring, or (Linux system
services, which have no keyring) a systemd encrypted credential.

Never a plaintext file: keyring backends that keep secrets in files (keyrings.alt) are
refused, as are the "fail" and "null" backends that keep nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from peerdesk.errors import SecretStoreError

# systemd passes a credential loaded with LoadCredentialEncrypted=NAME:FILE to the
# service as the file $CREDENTIALS_DIRECTORY/NAME.
CREDENTIAL_NAME = "peerdesk-backup"
CREDENTIAL_FILE_ENV = "PEERDESK_BACKUP_CREDENTIAL"  # tests and unusual layouts
DEFAULT_CREDENTIAL_FILE = Path("/etc/peerdesk/backup.cred")
# Module prefixes and class-name words of backends that keep nothing or keep plain files.
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")
_REFUSED_WORDS = ("plaintext", "file", "fail", "null", "uncrypted")


def backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _refused(backend: Any) -> bool:
    module = type(backend).__module__
    name = type(backend).__name__.lower()
    return module.startswith(_REFUSED_MODULES) or any(w in name for w in _REFUSED_WORDS)


def usable_keyring() -> Any | None:
    """The keyring backend if it is a real OS store (Credential Manager, Secret Service,
    macOS Keychain, or the tests' in-memory one), else None."""
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, ChainerBackend):
        parts = list(backend.backends)
        # set_password goes to the first backend that takes it: all must be acceptable.
        if not parts or any(_refused(b) for b in parts):
            return None
        return backend
    return None if _refused(backend) else backend


def keyring_set(service: str, account: str, secret: str) -> None:
    backend = usable_keyring()
    if backend is None:
        raise SecretStoreError("no OS keyring is available to keep the secret")
    try:
        backend.set_password(service, account, secret)
    except Exception as exc:  # noqa: BLE001 - keyring backends raise their own types
        raise SecretStoreError(
            f"the OS keyring ({backend_name(backend)}) did not take the secret: "
            f"{type(exc).__name__}"
        ) from exc


def keyring_get(service: str, account: str) -> str | None:
    backend = usable_keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(service, account)
    except Exception:  # noqa: BLE001 - a locked or absent keyring reads as "no secret"
        return None


def keyring_delete(service: str, account: str) -> bool:
    backend = usable_keyring()
    if backend is None:
        return False
    try:
        if backend.get_password(service, account) is None:
            return False
        backend.delete_password(service, account)
        return True
    except Exception:  # noqa: BLE001
        return False


def credential_file() -> Path:
    env = os.environ.get(CREDENTIAL_FILE_ENV)
    return Path(env) if env else DEFAULT_CREDENTIAL_FILE


def systemd_creds() -> str | None:
    return shutil.which("systemd-creds") if os.name == "posix" else None


def systemd_encrypt(secret: str, target: Path) -> None:
    """`systemd-creds encrypt --name=peerdesk-backup - FILE`, the secret on stdin only."""
    tool = systemd_creds()
    if tool is None:
        raise SecretStoreError("systemd-creds is not installed")
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [tool, "encrypt", f"--name={CREDENTIAL_NAME}", "-", str(target)],
            input=secret.encode("utf-8"),
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SecretStoreError(f"systemd-creds could not run: {exc}") from exc
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        why = lines[-1] if lines else f"exit code {done.returncode}"
        raise SecretStoreError(f"systemd-creds could not write {target}: {why}")
    os.chmod(target, 0o600)  # encrypted, but only root's service needs to read it


def systemd_credential() -> str | None:
    """The secret systemd handed this service (LoadCredentialEncrypted=), if any."""
    folder = os.environ.get("CREDENTIALS_DIRECTORY")
    if not folder:
        return None
    path = Path(folder) / CREDENTIAL_NAME
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None

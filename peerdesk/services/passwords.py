"""Password rules after NIST SP 800-63B: length, normalisation, a common-password list."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from peerdesk.errors import PasswordPolicyError

MAX_PASSWORD_LENGTH = 256  # at least 64 must be accepted; longer is fine up to this


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("peerdesk.resources").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def valid_username(username: str) -> str:
    """Usernames are lowercase everywhere (sign-in lowercases what is typed)."""
    name = username.strip().lower()
    if not (2 <= len(name) <= 64) or not set(name) <= USERNAME_CHARS:
        raise PasswordPolicyError(
            "a username is 2 to 64 characters: lowercase letters, digits, '.', '_' or '-'"
        )
    return name


def check_new_password(password: str, min_length: int, username: str = "") -> str:
    """Return the normalised password or raise PasswordPolicyError with the reason."""
    pw = normalise(password)
    if len(pw) < min_length:
        raise PasswordPolicyError(f"the password must be at least {min_length} characters long")
    if len(pw) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"the password may be at most {MAX_PASSWORD_LENGTH} characters")
    lowered = pw.lower()
    if lowered in _common_passwords():
        raise PasswordPolicyError("that password is on the list of commonly used passwords")
    if username and lowered == username.lower():
        raise PasswordPolicyError("the password may not be the same as the username")
    if len(set(pw)) == 1:
        raise PasswordPolicyError("the password may not repeat a single character")
    return pw

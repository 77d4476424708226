"""Keyslots: the data key wrapped once per account (and once for the recovery key).

keyslots.json sits beside the store. Each slot holds Argon2id parameters and salt and the
data key sealed with AES-256-GCM; the slot's identity (store id, slot id, kind, username)
is bound in as associated data so a slot cannot be moved to another user or store.
Throttling counters live with the slot so they survive restarts and are readable
before the store is unlocked. Slot kinds: "password", "recovery", and "keyring"
(reserved: a secret held by the OS keyring unwraps it).
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import math
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from peerdesk.errors import (
    AccountLockedError,
    AuthenticationError,
    DamagedStoreError,
    NotFoundError,
    ThrottledError,
)
from peerdesk.services.files import atomic_write_bytes
from peerdesk.services.passwords import normalise

KEYSLOTS_FILE = "keyslots.json"
FORMAT = "peerdesk-keyslots"
FORMAT_VERSION = 1

# Tuned on a 2-core build machine to about 0.3 s per unlock; stored per slot so a
# later release can raise them and re-wrap slots as people log in.
DEFAULT_KDF = {"memory_kib": 131072, "iterations": 4, "lanes": 2}
# Weak settings for the test suite only, so hundreds of unlocks stay quick. Nothing in the
# shipped app selects them (no environment variable or setting does): the suite replaces
# kdf_params() itself (tests/conftest.py, and tests/fast_kdf_run.py for subprocesses). Slots
# record their parameters, so a weak slot is visible to `verify`.
FAST_KDF = {"memory_kib": 8192, "iterations": 1, "lanes": 1}
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
# Failure counters for names without a slot live in this many buckets chosen by a keyed
# hash of the name: bounded, and nothing is ever evicted (an eviction that only unknown
# names suffer would tell them apart from real ones).
UNKNOWN_BUCKETS = 4096


def kdf_params() -> dict[str, int]:
    """Argon2id settings for new slots (the test suite replaces this function)."""
    return dict(DEFAULT_KDF)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


# A slot from a damaged or hostile file must not make the app allocate gigabytes.
KDF_LIMITS = {"memory_kib": (8, 2_097_152), "iterations": (1, 64), "lanes": (1, 16)}


def _derive(secret: str, kdf: dict[str, Any]) -> bytes:
    try:
        values = {name: int(kdf[name]) for name in KDF_LIMITS}
        salt = _unb64(kdf["salt"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DamagedStoreError("a keyslot's key-stretching settings are damaged") from exc
    for name, (low, high) in KDF_LIMITS.items():
        if not low <= values[name] <= high:
            raise DamagedStoreError(f"a keyslot asks for impossible key stretching ({name})")
    if len(salt) < 8:
        raise DamagedStoreError("a keyslot's salt is damaged")
    return Argon2id(
        salt=salt,
        length=32,
        iterations=values["iterations"],
        lanes=values["lanes"],
        memory_cost=values["memory_kib"],
    ).derive(normalise(secret).encode("utf-8", "surrogatepass"))


def new_recovery_key() -> str:
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(30))  # 150 bits
    return "-".join(chars[i : i + 5] for i in range(0, 30, 5))


def canonical_recovery_key(text: str) -> str:
    chars = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(chars[i : i + 5] for i in range(0, len(chars), 5))


@dataclass(frozen=True)
class Unlocked:
    key: bytes
    extras: dict[str, Any]
    replace_extras: Callable[[dict[str, Any]], None]
    # The password was set by an administrator (new account or reset): the person must
    # choose their own before working (the app asks; the CLI refuses until they have).
    must_change: bool = False


# Say how many tries remain once this few are left before a lock-out.
WARN_ATTEMPTS_LEFT = 3


@dataclass
class Throttle:
    failed: int = 0
    not_before: float = 0.0
    locked: bool = False

    @classmethod
    def from_dict(cls, raw: object) -> Throttle:
        """Read counters from the key file, ignoring anything malformed (never trusted)."""
        if not isinstance(raw, dict):
            return cls()
        try:
            failed = max(0, min(10**6, int(raw.get("failed", 0))))
            not_before = float(raw.get("not_before", 0.0))
            if not math.isfinite(not_before):
                not_before = 0.0
            return cls(failed=failed, not_before=not_before, locked=bool(raw.get("locked", False)))
        except (TypeError, ValueError, OverflowError):
            return cls()

    def as_dict(self) -> dict[str, Any]:
        return {"failed": self.failed, "not_before": self.not_before, "locked": self.locked}

    @staticmethod
    def delay_for(failed: int) -> float:
        # No delay for the first three slips, then 2, 4, 8 ... seconds, capped at 5 minutes.
        return 0.0 if failed < 3 else float(min(300, 2 ** (failed - 2)))


def check_document(doc: object, where: str) -> dict[str, Any]:
    """A key document (keyslots.json, or the server's key table) as this release reads it."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DamagedStoreError(f"{where} is not a PeerDesk key file")
    if (
        not isinstance(doc.get("store_id"), str)
        or not isinstance(doc.get("slots"), list)
        or not all(
            isinstance(slot, dict) and isinstance(slot.get("kind"), str) for slot in doc["slots"]
        )
    ):
        raise DamagedStoreError(f"the key file {where} is damaged (unexpected layout)")
    if doc.get("version") != FORMAT_VERSION:
        raise DamagedStoreError(
            f"{where} has key file version {doc.get('version')}; "
            "this PeerDesk release reads version 1"
        )
    return doc


class KeyslotFile:
    """Reads and rewrites keyslots.json atomically; never touches the database."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / KEYSLOTS_FILE
        self.data = self._load()
        # False for a process working beside the app (a backup): a successful unlock
        # then leaves the file alone, since the app owns it and saves its own copy.
        # Failed attempts are always written: throttling must hold.
        self.reset_on_success = True

    @classmethod
    def create(cls, data_dir: Path, store_id: str) -> KeyslotFile:
        path = Path(data_dir) / KEYSLOTS_FILE
        doc = {"format": FORMAT, "version": FORMAT_VERSION, "store_id": store_id, "slots": []}
        atomic_write_bytes(path, json.dumps(doc, indent=2).encode("utf-8"))
        return cls(data_dir)

    def _load(self) -> dict[str, Any]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise DamagedStoreError(
                f"the key file {self.path} is missing; restore the store from a backup"
            ) from exc
        except (OSError, ValueError) as exc:
            raise DamagedStoreError(f"the key file {self.path} is damaged: {exc}") from exc
        return check_document(doc, str(self.path))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Read-count-write steps (a failed attempt, a queued event) as one step. The file
        is kept by one instance at a time (its lock), so there is nothing more to hold; the
        server's key table (services/storage/keyslot_table.py) holds a row lock here."""
        yield

    def document(self) -> dict[str, Any]:
        """What is saved: the data without names learnt at sign-in ("_name")."""
        doc = dict(self.data)
        doc["slots"] = [{k: v for k, v in slot.items() if k != "_name"} for slot in self.slots]
        return doc

    def save(self) -> None:
        # A name learnt from the person signing in stays in memory only ("_name").
        atomic_write_bytes(self.path, json.dumps(self.document(), indent=2).encode("utf-8"))

    @property
    def store_id(self) -> str:
        return str(self.data["store_id"])

    @property
    def slots(self) -> list[dict[str, Any]]:
        return self.data["slots"]

    def _aad(self, slot: dict[str, Any]) -> bytes:
        # A password slot names its account only by a keyed hash; the name itself, as
        # typed at sign-in, is still part of the associated data.
        name = slot.get("username", slot.get("_name", ""))
        parts = [self.store_id, slot["id"], slot["kind"], name]
        # The "choose your own password" flag is sealed in: deleting it from the file makes
        # the slot fail to open instead of skipping the change. Slots without it keep their
        # original associated data.
        if "must_change" in slot:
            parts.append(f"must_change={json.dumps(slot['must_change'])}")
        return "\x1f".join(parts).encode("utf-8")

    def name_tag(self, username: str) -> str:
        """The keyed hash that stands for an account name in a password slot."""
        data = f"slot\x1f{username}".encode("utf-8", "surrogatepass")
        return hmac.new(self._name_key(), data, "sha256").hexdigest()[:32]

    def _is(self, slot: dict[str, Any], kind: str, username: str) -> bool:
        if slot["kind"] != kind:
            return False
        if "user" in slot:
            return slot["user"] == self.name_tag(username)
        return slot.get("username", "") == username

    def find(self, kind: str, username: str = "") -> dict[str, Any] | None:
        for slot in self.slots:
            if self._is(slot, kind, username):
                if "user" in slot:
                    slot["_name"] = username
                return slot
        return None

    def has_account(self, username: str) -> bool:
        return self.find("password", username) is not None

    def usernames(self) -> list[str]:
        """Names readable without unlocking: only those of slots from older releases not
        yet converted, and of demo stores (whose names are made up and shown anyway)."""
        clear = [s["username"] for s in self.slots if s["kind"] == "password" and "username" in s]
        demo = self.data.get("demo_accounts")
        if isinstance(demo, list):
            clear += [str(n) for n in demo if str(n) not in clear]
        return clear

    def hide_names(self) -> None:
        """Replace account names in password slots by their keyed hash (slots written by
        older releases); the associated data keeps the name, so nothing is re-sealed."""
        changed = False
        for slot in self.slots:
            if slot["kind"] == "password" and "username" in slot:
                name = slot.pop("username")
                slot["user"] = self.name_tag(name)
                slot["_name"] = name
                changed = True
        if changed:
            self.save()

    # -- writing slots -------------------------------------------------------

    def set_secret_slot(
        self,
        kind: str,
        username: str,
        secret: str,
        data_key: bytes,
        extras: dict[str, Any] | None = None,
        must_change: bool = False,
    ) -> None:
        """Add or replace the slot of this kind/username; the database is not touched.

        extras are secrets only this slot's owner may hold (notes keys, the recovery
        private key), sealed under the same password-derived key. must_change marks a
        password an administrator chose, which its owner must replace at first sign-in.
        """
        self.set_shared_secret_slots(
            kind,
            [username],
            secret,
            data_key,
            {username: extras} if extras else None,
            must_change=must_change,
        )

    def set_shared_secret_slots(
        self,
        kind: str,
        usernames: list[str],
        secret: str,
        data_key: bytes,
        extras: dict[str, dict[str, Any]] | None = None,
        must_change: bool = False,
    ) -> None:
        """Slots for several accounts that share one secret (demo stores), derived once.

        With one username this is the ordinary case: a fresh salt and one Argon2id run.
        """
        kdf = {"name": "argon2id", "salt": _b64(os.urandom(16)), **kdf_params()}
        wrapping = _derive(secret, kdf)
        kept = [s for s in self.slots if not any(self._is(s, kind, n) for n in usernames)]
        for username in usernames:
            slot: dict[str, Any] = {"id": secrets.token_hex(8), "kind": kind}
            if kind == "password":
                slot["user"] = self.name_tag(username)
                slot["_name"] = username
            else:
                slot["username"] = username
            slot.update({"kdf": kdf, "created_at": int(time.time())})
            if must_change:
                slot["must_change"] = True
            nonce = os.urandom(12)
            sealed = AESGCM(wrapping).encrypt(nonce, data_key, self._aad(slot))
            slot["aead"] = {"name": "aes-256-gcm", "nonce": _b64(nonce), "ciphertext": _b64(sealed)}
            slot["throttle"] = Throttle().as_dict()
            if extras and extras.get(username):
                self._seal_extras(slot, wrapping, extras[username])
            kept.append(slot)
        self.data["slots"] = kept
        self.save()

    def _seal_extras(self, slot: dict[str, Any], wrapping: bytes, extras: dict[str, Any]) -> None:
        nonce = os.urandom(12)
        sealed = AESGCM(wrapping).encrypt(
            nonce, json.dumps(extras).encode("utf-8"), self._aad(slot) + b"\x1fextras"
        )
        slot["extras"] = {"nonce": _b64(nonce), "ciphertext": _b64(sealed)}

    def _open_extras(self, slot: dict[str, Any], wrapping: bytes) -> dict[str, Any]:
        box = slot.get("extras")
        if not box:
            return {}
        try:
            plain = AESGCM(wrapping).decrypt(
                _unb64(box["nonce"]), _unb64(box["ciphertext"]), self._aad(slot) + b"\x1fextras"
            )
            extras = json.loads(plain)
        except (InvalidTag, KeyError, TypeError, ValueError) as exc:
            raise DamagedStoreError("the key file's slot secrets are damaged") from exc
        return extras if isinstance(extras, dict) else {}

    def remove_slot(self, kind: str, username: str = "") -> bool:
        before = len(self.slots)
        self.data["slots"] = [s for s in self.slots if not self._is(s, kind, username)]
        if len(self.slots) != before:
            self.save()
            return True
        return False

    # -- unlocking ----------------------------------------------------------

    def _name_key(self) -> bytes:
        """A random per-store key for hashing account names (made once, kept in the file)."""
        raw = self.data.get("name_key")
        try:
            key = _unb64(raw) if isinstance(raw, str) else b""
        except ValueError:
            key = b""
        if len(key) != 32:
            key = os.urandom(32)
            self.data["name_key"] = _b64(key)
        return key

    def _throttle_record(self, kind: str, username: str, now: float) -> dict[str, Any]:
        """The counters for this name: the slot's own, or a bucket picked by a keyed hash of
        an unknown name, so unknown names are throttled and locked like real ones and the
        messages never tell which usernames exist. Buckets are never emptied: a flood of
        other names cannot unlock a name (real ones are never evicted either), and it can
        only make an unknown name lock sooner, never later."""
        slot = self.find(kind, username)
        if slot is not None:
            return slot
        digest = hmac.new(
            self._name_key(), f"{kind}\x1f{username}".encode("utf-8", "surrogatepass"), "sha256"
        ).digest()
        bucket = str(int.from_bytes(digest[:4], "big") % UNKNOWN_BUCKETS)
        self.data.pop("unknown_throttle", None)  # older releases' table, with eviction
        table = self.data.setdefault("unknown_buckets", {})
        if not isinstance(table, dict):
            table = self.data["unknown_buckets"] = {}
        record = table.get(bucket)
        if not isinstance(record, dict):
            record = table[bucket] = {}
        return record

    def dummy_kdf(self) -> dict[str, Any]:
        """Key stretching as costly as the strongest password slot (never below this
        release's settings), for names without a slot: timing tells nothing."""
        best = kdf_params()
        for slot in self.slots:
            kdf = slot.get("kdf")
            if slot.get("kind") != "password" or not isinstance(kdf, dict):
                continue
            try:
                values = {k: int(kdf[k]) for k in KDF_LIMITS}
            except (KeyError, TypeError, ValueError):
                continue
            if all(KDF_LIMITS[k][0] <= v <= KDF_LIMITS[k][1] for k, v in values.items()) and (
                values["memory_kib"] * values["iterations"]
                > best["memory_kib"] * best["iterations"]
            ):
                best = values
        return {"salt": _b64(b"\0" * 16), **best}

    def unlock(
        self, kind: str, username: str, secret: str, max_failed: int, now: float | None = None
    ) -> bytes:
        """Return the data key, or raise with a message safe to show at a login screen."""
        return self.open_slot(kind, username, secret, max_failed, now).key

    def open_slot(
        self, kind: str, username: str, secret: str, max_failed: int, now: float | None = None
    ) -> Unlocked:
        """Unlock a slot: the data key, the slot's extras and a way to replace them.

        Counting a failure is one locked step, so guesses from two workstations at once
        are counted (and slowed, and locked out) like guesses from one."""
        with self.locked():
            return self._open_slot(kind, username, secret, max_failed, now)

    def _open_slot(
        self, kind: str, username: str, secret: str, max_failed: int, now: float | None
    ) -> Unlocked:
        now = time.time() if now is None else now
        slot = self.find(kind, username)
        if slot is None and kind == "recovery":
            raise NotFoundError("this store has no recovery key slot")
        record = self._throttle_record(kind, username, now)
        throttle = Throttle.from_dict(record.get("throttle"))
        what = "recovery key" if kind == "recovery" else "password"
        if throttle.locked:
            raise AccountLockedError(
                "this account is locked after too many failed attempts; "
                "ask an administrator to unlock it"
                if kind == "password"
                else "the recovery key is locked after too many failed attempts"
            )
        if now < throttle.not_before:
            wait = math.ceil(throttle.not_before - now)
            raise ThrottledError(f"too many failed attempts; try again in {wait} s", wait)
        key: bytes | None = None
        wrapping = b""
        if slot is None:
            # Same work as a real attempt, so timing does not tell which usernames exist.
            _derive(secret, self.dummy_kdf())
        else:
            try:
                wrapping = _derive(secret, slot["kdf"])
                aead = slot["aead"]
                key = AESGCM(wrapping).decrypt(
                    _unb64(aead["nonce"]), _unb64(aead["ciphertext"]), self._aad(slot)
                )
            except InvalidTag:
                key = None
            except (KeyError, ValueError, TypeError) as exc:
                raise DamagedStoreError(f"the key file's {what} slot is damaged") from exc
        if key is None:
            throttle.failed += 1
            throttle.not_before = now + Throttle.delay_for(throttle.failed)
            # The recovery key (150 bits) is slowed down but never locked: a lock-out there
            # would let anyone disable emergency access by guessing wrong ten times.
            throttle.locked = kind != "recovery" and throttle.failed >= max_failed
            record["throttle"] = throttle.as_dict()
            self.save()
            if throttle.locked:
                raise AccountLockedError(
                    f"wrong {what}; the account is now locked after {throttle.failed} failed "
                    "attempts; ask an administrator to unlock it",
                    just_locked=True,
                )
            if kind == "recovery":
                raise AuthenticationError("wrong recovery key")
            left = max_failed - throttle.failed
            if left <= WARN_ATTEMPTS_LEFT:
                # Unknown names count the same way, so this tells nothing about which exist.
                raise AuthenticationError(
                    f"wrong username or password; {left} attempt{'s' if left != 1 else ''} "
                    "left before the account is locked"
                )
            raise AuthenticationError("wrong username or password")
        if (throttle.failed or throttle.not_before) and self.reset_on_success:
            record["throttle"] = Throttle().as_dict()
            self.save()
        if self.reset_on_success:
            self.hide_names()  # slots from older releases stop naming their accounts
        assert slot is not None
        extras = self._open_extras(slot, wrapping)

        def replace_extras(new: dict[str, Any]) -> None:
            self._seal_extras(slot, wrapping, new)
            self.save()
            if new is not extras:  # Unlocked.extras stays the slot's current content
                extras.clear()
                extras.update(new)

        return Unlocked(key, extras, replace_extras, must_change=slot.get("must_change") is True)

    def matches(self, kind: str, username: str, secret: str) -> bool:
        """Whether secret opens this slot, without counting a failure (the caller is
        already signed in; used to refuse a "new" password equal to the current one)."""
        slot = self.find(kind, username)
        if slot is None:
            return False
        try:
            aead = slot["aead"]
            AESGCM(_derive(secret, slot["kdf"])).decrypt(
                _unb64(aead["nonce"]), _unb64(aead["ciphertext"]), self._aad(slot)
            )
        except (InvalidTag, KeyError, ValueError, TypeError):
            return False
        return True

    def unlock_account(self, kind: str, username: str) -> bool:
        """Lift a lock-out and the waiting time (an administrator's decision); True if the
        account was locked."""
        slot = self.find(kind, username)
        if slot is None:
            return False
        was = Throttle.from_dict(slot.get("throttle")).locked
        slot["throttle"] = Throttle().as_dict()
        self.save()
        return was

    def failed_attempts(self, kind: str, username: str = "") -> int:
        slot = self.find(kind, username)
        return Throttle.from_dict(slot.get("throttle")).failed if slot else 0

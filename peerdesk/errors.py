"""Errors a person can act on. Each carries one line that the CLI and GUI show as is."""

from __future__ import annotations


class PeerDeskError(Exception):
    """Base class: str(error) is a complete, user-facing sentence."""

    exit_code = 1


class UsageError(PeerDeskError):
    exit_code = 2


class StoreNotFoundError(PeerDeskError):
    exit_code = 3


class StoreExistsError(PeerDeskError):
    exit_code = 3


class DamagedStoreError(PeerDeskError):
    exit_code = 4


class TruncatedStoreError(DamagedStoreError):
    """The store file is shorter than it should be (an interrupted copy, a cut file)."""


class AlreadyOpenError(PeerDeskError):
    exit_code = 5

    def __init__(self, message: str, holder: object = None) -> None:
        super().__init__(message)
        self.holder = holder  # services.instance_lock.Holder, when known


class AuthenticationError(PeerDeskError):
    exit_code = 6


class ThrottledError(AuthenticationError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AccountLockedError(AuthenticationError):
    def __init__(self, message: str, just_locked: bool = False) -> None:
        super().__init__(message)
        self.just_locked = just_locked  # this attempt caused the lock-out (it is audited)


class PasswordChangeRequiredError(AuthenticationError):
    """The account still has the password an administrator set; its owner must choose one."""


class PermissionDeniedError(PeerDeskError):
    exit_code = 7


class NotFoundError(PeerDeskError):
    exit_code = 8


class ValidationError(PeerDeskError):
    exit_code = 9


class OutputPathError(ValidationError):
    """An output file aimed at a store's own files or into a data folder."""


class PasswordPolicyError(ValidationError):
    pass


class ImportFileError(ValidationError):
    pass


class StaleEditError(PeerDeskError):
    """Someone else saved the record after this person loaded it: nothing was saved.

    The message names who and when ("This session was changed by Sam Lee at 14:05 (local
    time); reload it to see their change."); the form that raised it keeps its input.
    """

    exit_code = 18  # 16 and 17 are server mode's (lost server, schema)


class IntegrityProblem(PeerDeskError):
    exit_code = 10


class StorageFullError(PeerDeskError):
    exit_code = 11


class ReadOnlyStoreError(PeerDeskError):
    """The store or an output is on a read-only disk or folder."""

    exit_code = 14


class DiskFailingError(PeerDeskError):
    """The disk reported an input/output error: failing, unplugged or a network share gone."""

    exit_code = 15


class SecretStoreError(PeerDeskError):
    """No OS secret store (keyring, systemd credential) for an unattended job's secret."""

    exit_code = 12


class FolderAccessError(PeerDeskError):
    """This OS account may not open the data folder (a shared folder of another group)."""

    exit_code = 13

    @classmethod
    def for_folder(cls, data_dir: object) -> FolderAccessError:
        return cls(
            f"this computer account may not open the PeerDesk data folder {data_dir}; ask IT "
            "to give it access (on a shared workstation: membership of the clinic's group, "
            "'peerdesk' on Linux)"
        )


class ServerUnavailableError(PeerDeskError):
    """The clinic's database server cannot be reached, refused the login, or the
    connection was lost; nothing unconfirmed was kept as saved. A save tried again with
    the same record id is never recorded twice (services/record_ids.py)."""

    exit_code = 16

    def __init__(self, message: str, host: str = "") -> None:
        super().__init__(message)
        self.host = host  # the server's name, for screens that word it their own way

    @classmethod
    def for_host(cls, host: str) -> ServerUnavailableError:
        """The sentence for a connection lost mid-work (faults.connection_lost)."""
        where = f" ({host})" if host else ""
        return cls(
            f"the clinic server cannot be reached{where}; your input is kept. Try again "
            "when the network is back: nothing is lost or saved twice",
            host,
        )


class ServerSchemaError(PeerDeskError):
    """The server's database is set up for another PeerDesk release (or not at all)."""

    exit_code = 17

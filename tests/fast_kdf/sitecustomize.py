"""Test suite only: weak Argon2id settings for PeerDesk run in a subprocess.

Subprocess tests put this folder first on PYTHONPATH (tests/conftest.py: FAST_KDF_ENV), so
Python imports this module at start-up and it replaces keyslots.kdf_params(). The shipped
app has no switch for this: neither an environment variable nor a setting selects weak
key stretching; only code loaded into the process can, as here.
"""

from peerdesk.services import keyslots


def _fast_kdf() -> dict[str, int]:
    return dict(keyslots.FAST_KDF)


keyslots.kdf_params = _fast_kdf

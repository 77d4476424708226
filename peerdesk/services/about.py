"""What "About PeerDesk" shows: versions of the parts that matter for support and audits,
and the licences of the components shipped with the app (resources/licenses and the
installed Python packages' own metadata)."""

from __future__ import annotations

import importlib.metadata as metadata
import platform
from dataclasses import dataclass
from importlib import resources

from peerdesk import __version__

# Runtime components (pyproject dependencies and what they bundle), in the order shown;
# the UI adds its own toolkit's distributions in front (services never name Qt).
COMPONENTS = (
    "sqlcipher3",
    "SQLAlchemy",
    "alembic",
    "cryptography",
    "keyring",
    "platformdirs",
    "reportlab",
    "pypdf",
    "pypdfium2",
)
# Packages whose metadata names no licence; what their own LICENSE file says.
KNOWN_LICENCES = {"sqlcipher3": "zlib (SQLCipher itself: BSD-3-Clause)"}


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str


def versions() -> list[tuple[str, str]]:
    """PeerDesk, Python, SQLCipher and SQLite (the UI adds its toolkit's versions)."""
    out = [("PeerDesk", __version__), ("Python", platform.python_version())]
    try:
        import sqlcipher3

        conn = sqlcipher3.connect(":memory:")
        try:
            row = conn.execute("PRAGMA cipher_version").fetchone()
        finally:
            conn.close()
        out.append(("SQLCipher", str(row[0]) if row else "not available"))
        out.append(("SQLite", str(sqlcipher3.sqlite_version)))
    except Exception as exc:  # noqa: BLE001 - About must open even if the driver is broken
        out.append(("SQLCipher", f"not available ({type(exc).__name__})"))
    return out


def _licence_of(meta: metadata.PackageMetadata, name: str) -> str:
    text = meta.get("License-Expression") or ""
    if not text:
        classifiers = [
            c.rsplit("::", 1)[-1].strip()
            for c in meta.get_all("Classifier") or []
            if c.startswith("License ::")
        ]
        text = ", ".join(classifiers) or (meta.get("License") or "").split("\n")[0]
    return KNOWN_LICENCES.get(name, text.strip()) or "see the package"


def components(extra: tuple[str, ...] = ()) -> list[Component]:
    out = []
    for name in extra + COMPONENTS:
        try:
            meta = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue
        out.append(Component(name, meta.get("Version") or "?", _licence_of(meta, name)))
    return out


def licence_texts() -> list[tuple[str, str]]:
    """(title, text) of every file in resources/licenses, by file name."""
    folder = resources.files("peerdesk.resources").joinpath("licenses")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt"):
            title = entry.name.removesuffix(".txt").replace("-", " ")
            out.append((title, entry.read_text(encoding="utf-8", errors="replace")))
    return out

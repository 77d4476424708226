"""Every package folder is listed in pyproject (the list is explicit because of resources/)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "peerdesk").rglob("__init__.py")
    }
    assert found - listed == set()


def test_models_and_services_never_import_qt():
    for folder in ("models", "services"):
        for path in (ROOT / "peerdesk" / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "PySide6" not in text and "QtCore" not in text, path

"""Unsaved input: what a person has typed into a form but not saved yet.

A lock closes every form (the window must show nothing), so before it does the window asks
each open form for its input (`snapshot`), seals it for the person who typed it
(`services/drafts.py`), and keeps only the sealed bytes in memory. When the same person
unlocks, the input goes back into the session form at once and into a dialog the next time
it opens (`restore`). Another person signing in, or the person signing out after a clear
question, discards it. Nothing here touches the disk.

Snapshots are generic: every input widget under a form, in the order Qt lists them, keyed by
type and position. A form rebuilt with the same arguments has the same widgets in the same
order, so the input goes back where it was typed. Password fields are never included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from peerdesk.ui.widgets import PasswordField

State = dict[str, Any]

SESSION_FORM = "QuickEntryForm"  # the draft key of the Sessions page's form


def _inputs(root: QWidget) -> list[tuple[str, QWidget]]:
    out: list[tuple[str, QWidget]] = []
    counts: dict[str, int] = {}
    for w in root.findChildren(QWidget):
        parent = w.parentWidget()
        if isinstance(parent, QAbstractSpinBox | QComboBox):
            continue  # the line edit inside a spin box or combo box: the box speaks for it
        if isinstance(w, PasswordField) or (
            isinstance(w, QLineEdit) and w.echoMode() != QLineEdit.EchoMode.Normal
        ):
            continue  # passwords are never kept, shown or hidden
        if isinstance(w, QAbstractButton) and not w.isCheckable():
            continue
        kind = next(
            (
                name
                for name, cls in (
                    ("line", QLineEdit),
                    ("text", QPlainTextEdit),
                    ("rich", QTextEdit),
                    ("combo", QComboBox),
                    ("date", QDateEdit),  # before its base class, QDateTimeEdit
                    ("datetime", QDateTimeEdit),
                    ("int", QSpinBox),
                    ("float", QDoubleSpinBox),
                    ("check", QAbstractButton),
                )
                if isinstance(w, cls)
            ),
            None,
        )
        if kind is None:
            continue
        n = counts.get(kind, 0)
        counts[kind] = n + 1
        out.append((f"{kind}{n}", w))
    return out


def _value(w: QWidget) -> Any:
    if isinstance(w, QLineEdit):
        return w.text()
    if isinstance(w, QPlainTextEdit | QTextEdit):
        return w.toPlainText()
    if isinstance(w, QComboBox):
        data = w.currentData()
        return {
            "data": data if isinstance(data, str | int | float | bool) else None,
            "index": w.currentIndex(),
            "text": w.currentText() if w.isEditable() else "",
        }
    if isinstance(w, QDateEdit):
        return w.date().toString("yyyy-MM-dd")
    if isinstance(w, QDateTimeEdit):
        return w.dateTime().toString("yyyy-MM-ddTHH:mm:ss")
    if isinstance(w, QSpinBox | QDoubleSpinBox):
        return w.value()
    if isinstance(w, QAbstractButton):
        return w.isChecked()
    return None


def snapshot(root: QWidget) -> State:
    """Every input's value under root (passwords left out)."""
    return {key: _value(w) for key, w in _inputs(root)}


def _set(w: QWidget, value: Any) -> None:
    if isinstance(w, QLineEdit):
        if not w.isReadOnly():
            w.setText(str(value))
    elif isinstance(w, QPlainTextEdit | QTextEdit):
        if not w.isReadOnly():
            w.setPlainText(str(value))
    elif isinstance(w, QComboBox) and isinstance(value, dict):
        i = w.findData(value.get("data")) if value.get("data") is not None else -1
        if i < 0 and value.get("data") is None and 0 <= int(value.get("index", -1)) < w.count():
            i = int(value["index"])
        w.setCurrentIndex(i)
        if w.isEditable() and value.get("text") and w.currentText() != value["text"]:
            w.setEditText(str(value["text"]))
    elif isinstance(w, QDateEdit):
        d = QDate.fromString(str(value), "yyyy-MM-dd")
        if d.isValid():
            w.setDate(d)
    elif isinstance(w, QDateTimeEdit):
        dt = QDateTime.fromString(str(value), "yyyy-MM-ddTHH:mm:ss")
        if dt.isValid():
            w.setDateTime(dt)
    elif isinstance(w, QSpinBox):
        w.setValue(int(value))
    elif isinstance(w, QDoubleSpinBox):
        w.setValue(float(value))
    elif isinstance(w, QAbstractButton):
        w.setChecked(bool(value))


def restore(root: QWidget, state: State) -> None:
    """Put a snapshot back. Check boxes first: they enable the fields that follow them. A
    value that rebuilds part of the form (a check-in's instrument brings its own questions)
    ends the pass, and the next pass fills the rebuilt widgets."""
    for _ in range(4):
        changed = False
        try:
            for checks in (True, False):
                for key, w in _inputs(root):
                    if key.startswith("check") != checks or key not in state:
                        continue
                    if _value(w) != state[key]:
                        _set(w, state[key])
                        changed = True
        except RuntimeError:  # a widget of this pass was deleted by a rebuild
            continue
        if not changed:
            return


@dataclass
class Draft:
    """One form's unsaved input: which form, when it was left, what was in it."""

    key: str  # form class and title, e.g. "CheckInDialog|WHO-5 check-in — P-7HK3QA"
    title: str  # for people: "the session form", "WHO-5 check-in — P-7HK3QA"
    saved_at: str  # local time, HH:MM
    state: State
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "saved_at": self.saved_at,
            "state": self.state,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Draft:
        return cls(d["key"], d["title"], d["saved_at"], d["state"], d.get("extra") or {})


def now_hhmm() -> str:
    return datetime.now().strftime("%H:%M")


class DraftBook:
    """Drafts waiting to be offered back, for the one person who typed them."""

    def __init__(self) -> None:
        self._drafts: dict[str, Draft] = {}

    def __bool__(self) -> bool:
        return bool(self._drafts)

    def titles(self) -> list[str]:
        return [d.title for d in self._drafts.values()]

    def put(self, draft: Draft) -> None:
        self._drafts[draft.key] = draft

    def take(self, key: str) -> Draft | None:
        return self._drafts.pop(key, None)

    def all(self) -> list[Draft]:
        return list(self._drafts.values())

    def clear(self) -> None:
        self._drafts.clear()


__all__ = ["SESSION_FORM", "Draft", "DraftBook", "now_hhmm", "restore", "snapshot"]

"""One-line names (display names, site names): refused with control characters on input,
and shown escaped wherever older data could still hold them (a terminal must never get a
raw escape sequence or a line break from a name)."""

from __future__ import annotations

import unicodedata

from peerdesk.errors import ValidationError

# Control characters (newline, escape, DEL, ...), line and paragraph separators, and the
# bidirectional overrides that make text display in another order than it is stored.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_REFUSED_CATEGORIES = ("Cc", "Zl", "Zp")


def _bad(ch: str) -> bool:
    return unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in _BIDI


def check_one_line(value: str, field: str, limit: int = 200) -> str:
    """The value stripped, or a ValidationError naming the field and the character."""
    text = value.strip()
    for ch in text:
        if _bad(ch):
            raise ValidationError(
                f"{field} may not contain control or line-break characters "
                f"(found {ch.encode('unicode_escape').decode('ascii')})"
            )
    if len(text) > limit:
        raise ValidationError(f"{field} is longer than {limit} characters")
    return text


def shown(value: str) -> str:
    """value with control, line-break and direction characters written as escapes."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if _bad(ch) else ch for ch in value)


def check_length(value: str | None, field: str, limit: int) -> None:
    """Refuse text longer than its column's plain-text limit. The database cannot hold the
    limit where the column is sealed (models/sealing.py: sealed text is longer, and the
    column is TEXT on a server), so the services do, the same on every engine."""
    if value is not None and len(value.strip()) > limit:
        raise ValidationError(f"{field} is longer than {limit} characters")

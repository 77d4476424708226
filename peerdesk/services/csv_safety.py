"""CSV cells that a spreadsheet program would run as a formula are written as text.

Excel, LibreOffice and Google Sheets treat a cell starting with =, +, -, @ (or a tab or
carriage return before one) as a formula, so a name like `=HYPERLINK(...)` typed into
PeerDesk could run when someone opens an export. A leading apostrophe makes it text.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """text, with a leading apostrophe if a spreadsheet would read it as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text

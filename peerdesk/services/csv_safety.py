"""Kept for older callers: the formula guard now lives in services.spreadsheet.

Every CSV cell goes through spreadsheet.cell / spreadsheet.text_cell (docs/csv.md).
"""

from __future__ import annotations

from peerdesk.services.spreadsheet import FORMULA_STARTS, text_cell

safe_cell = text_cell

__all__ = ["FORMULA_STARTS", "safe_cell"]

"""Small-cell suppression: counts from 1 to threshold-1 are hidden, and so is whatever
would let someone work them out again.

Primary: a non-zero count below the threshold shows as "<11". Secondary: where a sum
(a row, a column, a total) would then have exactly one hidden member, a second member is
hidden ("*") - the smallest non-zero part, or failing that the total - and this repeats
until no sum has a single hidden member. Derived: a percentage, mean or change computed
from a hidden cell, or from a small count not shown, is hidden too ("*").
"""

from __future__ import annotations

from dataclasses import dataclass

from peerdesk.services.report_tables import Cell, Pos, ReportTables, Table

PRIMARY = "primary"
SECONDARY = "secondary"
DERIVED = "derived"
SECONDARY_MARK = "*"
NONE_MARK = "–"


@dataclass(frozen=True)
class Suppression:
    enabled: bool = True
    threshold: int = 11

    @property
    def marker(self) -> str:
        return f"<{self.threshold}"

    @property
    def active(self) -> bool:
        return self.enabled and self.threshold > 1

    def describe(self) -> str:
        if not self.enabled:
            return "Small-cell suppression is OFF: for internal use only, do not share."
        return (
            f"Counts from 1 to {self.threshold - 1} are shown as {self.marker}; cells marked "
            f"{SECONDARY_MARK} are hidden so that those counts cannot be worked out."
        )


@dataclass(frozen=True)
class ShownCell:
    value: int | float | str | None  # what CSV and JSON carry
    text: str  # what the PDF prints
    hidden: str | None = None  # primary | secondary | derived


@dataclass(frozen=True)
class ShownRow:
    key: str
    label: str
    cells: dict[str, ShownCell]
    total: bool = False


@dataclass(frozen=True)
class ShownTable:
    key: str
    title: str
    row_header: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[ShownRow, ...]
    note: str
    chart: str
    chart_column: str
    section: str

    def cell(self, row_key: str, column: str) -> ShownCell:
        for r in self.rows:
            if r.key == row_key:
                return r.cells[column]
        raise KeyError(row_key)


def format_value(cell: Cell) -> str:
    v = cell.value
    if v is None:
        return NONE_MARK
    if cell.kind == "count" and isinstance(v, int):
        return f"{v:,}"
    if cell.kind == "percent":
        return f"{v:.1f}%"
    if cell.kind in ("number", "hours") and isinstance(v, int | float):
        return f"{v:,.1f}"
    if cell.kind == "change" and isinstance(v, int | float):
        return f"{v:+.0f}%"
    if cell.kind == "change_pts" and isinstance(v, int | float):
        return f"{v:+.1f} pts"
    return str(v)


def _is_small(value: object, threshold: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold


def hidden_cells(table: Table, rule: Suppression) -> dict[Pos, str]:
    """Which cells to hide, and why."""
    if not (rule.active and table.suppress):
        return {}
    cells: dict[Pos, Cell] = {(r.key, c): cell for r in table.rows for c, cell in r.cells.items()}
    order = {pos: i for i, pos in enumerate(cells)}
    hidden: dict[Pos, str] = {
        pos: PRIMARY
        for pos, cell in cells.items()
        if cell.kind == "count" and _is_small(cell.value, rule.threshold)
    }

    def count(pos: Pos) -> int:
        v = cells[pos].value if pos in cells else 0
        return v if isinstance(v, int) else 0

    changed = bool(hidden)
    while changed:
        changed = False
        for total, parts in table.sums:
            members = (total, *parts)
            if sum(1 for p in members if p in hidden) != 1:
                continue
            visible = [p for p in parts if p not in hidden]
            nonzero = [p for p in visible if count(p) > 0]
            if nonzero:
                pick = min(nonzero, key=lambda p: (count(p), order.get(p, 0)))
            elif total not in hidden:
                pick = total
            elif visible:
                pick = visible[0]
            else:
                continue
            hidden[pick] = SECONDARY
            changed = True

    for pos, cell in cells.items():
        if pos in hidden:
            continue
        from_hidden = any(src in hidden for src in cell.sources)
        from_small = any(_is_small(b, rule.threshold) for b in cell.basis)
        if from_hidden or from_small:
            hidden[pos] = DERIVED
    return hidden


def shown_table(table: Table, rule: Suppression) -> ShownTable:
    hidden = hidden_cells(table, rule)
    rows = []
    for r in table.rows:
        shown: dict[str, ShownCell] = {}
        for c, cell in r.cells.items():
            why = hidden.get((r.key, c))
            if why == PRIMARY:
                shown[c] = ShownCell(rule.marker, rule.marker, why)
            elif why:
                shown[c] = ShownCell(SECONDARY_MARK, SECONDARY_MARK, why)
            else:
                shown[c] = ShownCell(cell.value, format_value(cell))
        rows.append(ShownRow(r.key, r.label, shown, r.total))
    return ShownTable(
        table.key,
        table.title,
        table.row_header,
        table.columns,
        tuple(rows),
        table.note,
        table.chart,
        table.chart_column,
        table.section,
    )


@dataclass(frozen=True)
class ShownReport:
    """What every output (PDF, CSV, JSON, preview) prints: figures after suppression."""

    tables: ReportTables
    rule: Suppression
    headline: ShownTable
    sections: tuple[ShownTable, ...]

    @property
    def figures(self):  # noqa: ANN201 - ReportFigures (import kept one-way)
        return self.tables.figures

    def table(self, key: str) -> ShownTable:
        for t in self.sections:
            if t.key == key:
                return t
        raise KeyError(key)


def apply(tables: ReportTables, rule: Suppression) -> ShownReport:
    return ShownReport(
        tables,
        rule,
        shown_table(tables.headline, rule),
        tuple(shown_table(t, rule) for t in tables.tables),
    )

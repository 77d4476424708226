"""Small-cell suppression: counts from 1 to threshold-1 are hidden, and so is whatever
would let someone work them out again.

Primary: a non-zero count below the threshold shows as "<11". Secondary ("*"): the
tables of one report are planned together, with every sum inside a table and between
tables (see ReportTables.links); while a reader could work a hidden small count out
exactly from what is shown (bounds through the sums, then an exact search over whole
numbers), the cheapest shown cell beside it is hidden too. Derived: a percentage, mean or
change computed from a hidden cell, or from a small count not shown, is hidden ("*").
Rows that a table orders by size are put in order after suppression, hidden ones by name.
The rule and the attacks it is tested against: docs/reports.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import sub

from peerdesk.services.reports.period import short_date
from peerdesk.services.reports.tables import Cell, GPos, Pos, ReportTables, Table

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
    if cell.kind == "date" and isinstance(v, str):
        return short_date(date.fromisoformat(v))
    return str(v)


def _is_small(value: object, threshold: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold


Constraint = tuple[GPos, tuple[GPos, ...]]  # total = sum of parts
_UNBOUNDED = 10**12


class _Plan:
    """Chooses the hidden cells of a set of linked tables and checks them as a reader would.

    The reader is assumed to know everything the report prints and how it adds up: every
    table's totals, the sums that link tables (the same total printed twice, roles within
    types, a rate times its denominator), that "<11" means 1 to 10 and that "*" means 0 or
    at least the threshold (smaller counts would show "<11"). From these the reader
    narrows each hidden count to an interval (bounds propagated through every sum until
    nothing changes). A hidden small count whose interval shrinks to one value is
    disclosed, and another cell is hidden beside it until none is.
    """

    def __init__(self, tables: list[Table], links: tuple[Constraint, ...], threshold: int):
        self.t = threshold
        self.values: dict[GPos, int] = {}
        self.anchors: set[GPos] = set()
        self.order: dict[GPos, int] = {}
        for table in tables:
            for r in table.rows:
                for c, cell in r.cells.items():
                    v = cell.value
                    if cell.kind == "count" and isinstance(v, int) and not isinstance(v, bool):
                        pos = (table.key, r.key, c)
                        self.values[pos] = v
                        self.order[pos] = len(self.order)
            self.anchors |= {(table.key, *a) for a in table.anchors}
        inside: list[Constraint] = [
            ((table.key, *total), tuple((table.key, *p) for p in parts))
            for table in tables
            for total, parts in table.sums
        ]
        # A link the figures do not satisfy (two queries counting differently) is not
        # knowledge a reader has; it would only confuse the check.
        linked = [
            c
            for c in links
            if all(p in self.values for p in (c[0], *c[1]))
            and self.values[c[0]] == sum(self.values[p] for p in c[1])
        ]
        for total, parts in linked:  # a count printed elsewhere is hidden only as a last resort
            self.anchors |= {total, *parts}
        self.constraints = [
            c for c in (*inside, *linked) if all(p in self.values for p in (c[0], *c[1]))
        ]
        # "*" cells are searched up to the report's largest figure: this keeps the search
        # short, and a narrower range can only make a cell look pinned (hide more).
        self.ceiling = max(self.values.values(), default=0) + 1
        self._pinned_cache: dict[tuple, bool] = {}
        self.touching: dict[GPos, list[int]] = {}
        for i, (total, parts) in enumerate(self.constraints):
            for p in (total, *parts):
                self.touching.setdefault(p, []).append(i)
        # Where each part sits in its sum (to visit a sum's "*" parts in their order).
        self.part_index = [{p: k for k, p in enumerate(parts)} for _, parts in self.constraints]
        # Cells that share a sum with each cell (for walking a component quickly).
        self.neighbours: dict[GPos, set[GPos]] = {}
        for total, parts in self.constraints:
            members = {total, *parts}
            for p in members:
                self.neighbours.setdefault(p, set()).update(members)

    def _start(
        self, hidden: dict[GPos, str], only: set[GPos] | None = None
    ) -> tuple[dict[GPos, int], dict[GPos, int]]:
        lo: dict[GPos, int] = {}
        hi: dict[GPos, int] = {}
        cells = self.values.items() if only is None else ((p, self.values[p]) for p in only)
        for p, v in cells:
            why = hidden.get(p)
            if why is None:
                lo[p] = hi[p] = v
            elif why == PRIMARY:
                lo[p], hi[p] = 1, self.t - 1
            else:
                lo[p], hi[p] = 0, self.ceiling
        return lo, hi

    def _tighten(
        self, lo: dict, hi: dict, hidden: dict[GPos, str], p: GPos, new_lo: int, new_hi: int
    ) -> bool | None:
        """Narrow p's interval; True if it changed, None if nothing is left."""
        t = self.t
        if hidden.get(p) not in (None, PRIMARY):  # "*": zero, or the threshold or more
            if new_lo > 0:
                new_lo = max(new_lo, t)
            if new_hi < t:
                new_hi = min(new_hi, 0)
        new_lo, new_hi = max(lo[p], new_lo), min(hi[p], new_hi)
        if new_lo > new_hi:
            return None
        if (new_lo, new_hi) == (lo[p], hi[p]):
            return False
        lo[p], hi[p] = new_lo, new_hi
        return True

    @staticmethod
    def _star(hidden: dict[GPos, str]) -> set[GPos]:
        """The cells hidden as "*" (zero, or the threshold or more)."""
        return {p for p, why in hidden.items() if why not in (None, PRIMARY)}

    def _propagate(
        self,
        lo: dict,
        hi: dict,
        hidden: dict[GPos, str],
        start: list[int] | None = None,
        star: set[GPos] | None = None,
    ) -> bool:
        """Bounds through every sum until nothing changes; False if no solution is left.

        This is the inner loop of the exact search (hundreds of thousands of calls on a
        large sparse table), so the common case, a bound that narrows nothing on a cell
        that is shown or "<11", is tested inline; everything else goes through _tighten,
        with the same result and in the same order as calling it every time."""
        queue = list(range(len(self.constraints))) if start is None else list(start)
        queued = set(queue)
        constraints, touching, tighten = self.constraints, self.touching, self._tighten
        if star is None:
            star = self._star(hidden)
        part_index = self.part_index
        get = lo.__getitem__
        get_hi = hi.__getitem__
        while queue:
            i = queue.pop()
            queued.discard(i)
            total, parts = constraints[i]
            sum_lo = sum(map(get, parts))
            sum_hi = sum(map(get_hi, parts))
            changed = []
            narrowed = tighten(lo, hi, hidden, total, sum_lo, sum_hi)
            if narrowed is None:
                return False
            if narrowed:
                changed.append(total)
            lo_t, hi_t = lo[total], hi[total]
            # A shown or "<11" part narrows only if it is wider than the slack of the
            # sum; when none is, only "*" parts are left to look at.
            slack = min(sum_hi - lo_t, hi_t - sum_lo)
            if max(map(sub, map(get_hi, parts), map(get, parts)), default=0) <= slack:
                index = part_index[i]
                for p in sorted((c for c in star if c in index), key=index.__getitem__):
                    narrowed = tighten(
                        lo, hi, hidden, p, lo_t - (sum_hi - hi[p]), hi_t - (sum_lo - lo[p])
                    )
                    if narrowed is None:
                        return False
                    if narrowed:
                        changed.append(p)
                parts = ()
            for p in parts:
                lo_p, hi_p = lo[p], hi[p]
                new_lo = lo_t - (sum_hi - hi_p)
                new_hi = hi_t - (sum_lo - lo_p)
                if new_lo <= lo_p and new_hi >= hi_p and p not in star:
                    continue  # nothing to narrow (what _tighten would return False for)
                narrowed = tighten(lo, hi, hidden, p, new_lo, new_hi)
                if narrowed is None:
                    return False
                if narrowed:
                    changed.append(p)
            for p in changed:
                for j in touching.get(p, ()):
                    if j not in queued:
                        queued.add(j)
                        queue.append(j)
        return True

    def bounds(self, hidden: dict[GPos, str]) -> dict[GPos, tuple[int, int]]:
        """What a reader can work out about every cell: the interval it must lie in."""
        lo, hi = self._start(hidden)
        self._propagate(lo, hi, hidden)  # the true values always fit
        return {p: (lo[p], hi[p]) for p in self.values}

    def disclosed(self, hidden: dict[GPos, str]) -> list[GPos]:
        """Hidden small counts that bounds alone pin to one value (quick, not complete)."""
        b = self.bounds(hidden)
        return [p for p, why in hidden.items() if why == PRIMARY and b[p][0] == b[p][1]]

    def _component(self, hidden: dict[GPos, str], p: GPos) -> list[GPos]:
        """The hidden cells tied to p through sums."""
        seen = {p}
        todo = [p]
        neighbours = self.neighbours
        while todo:
            q = todo.pop()
            for m in neighbours.get(q, ()):
                if m in hidden and m not in seen:
                    seen.add(m)
                    todo.append(m)
        return sorted(seen, key=self.order.__getitem__)

    def _search(
        self,
        lo: dict,
        hi: dict,
        hidden: dict[GPos, str],
        cells: list[GPos],
        budget: list[int],
        star: set[GPos] | None = None,
    ) -> dict[GPos, int] | bool | None:
        """A whole-number solution (cell -> value), False if there is none, None when the
        search ran out of budget."""
        budget[0] -= 1
        if budget[0] < 0:
            return None
        # The narrowest open cell, the first of them in order (as min() would pick).
        q, narrowest = None, None
        for c in cells:
            width = hi[c] - lo[c]
            if width > 0 and (narrowest is None or width < narrowest):
                q, narrowest = c, width
        if q is None:
            return {c: lo[c] for c in cells}
        # Try the cell's true value first: another solution is usually the true one moved
        # a little around a cycle of sums, so most cells keep theirs and the search is
        # short. Then the values below it, then those above.
        x = self.values[q]
        if lo[q] <= x <= hi[q]:
            branches = [(x, x), (lo[q], x - 1), (x + 1, hi[q])]
        elif hidden.get(q) not in (None, PRIMARY) and lo[q] == 0:
            branches = [(0, 0), (self.t, hi[q])]
        else:
            mid = (lo[q] + hi[q]) // 2
            branches = [(lo[q], mid), (mid + 1, hi[q])]
        branches = [(a, b) for a, b in branches if a <= b]
        gave_up = False
        for a, b in branches:
            lo2, hi2 = dict(lo), dict(hi)
            if self._tighten(lo2, hi2, hidden, q, a, b) is not None and self._propagate(
                lo2, hi2, hidden, self.touching.get(q, []), star
            ):
                found = self._search(lo2, hi2, hidden, cells, budget, star)
                if found:
                    return found
                gave_up |= found is None
        return None if gave_up else False

    def _propagated(self, hidden: dict[GPos, str]) -> tuple[dict, dict]:
        lo, hi = self._start(hidden)
        self._propagate(lo, hi, hidden)  # the true values always fit
        return lo, hi

    def _scope(self, hidden: dict[GPos, str], p: GPos) -> tuple[list[GPos], list[int], set]:
        """p's component: the hidden cells tied to it, their sums, and every cell in those."""
        cells = self._component(hidden, p)
        sums = sorted({i for c in cells for i in self.touching.get(c, ())})
        scope = {m for i in sums for m in (self.constraints[i][0], *self.constraints[i][1])}
        return cells, sums, scope | {p}

    def local_bounds(self, hidden: dict[GPos, str], p: GPos) -> tuple[dict, dict]:
        """Bounds of p's component alone (other cells cannot change them)."""
        _, sums, scope = self._scope(hidden, p)
        lo, hi = self._start(hidden, scope)
        self._propagate(lo, hi, hidden, sums)
        return lo, hi

    def pinned(
        self, hidden: dict[GPos, str], p: GPos, base: tuple[dict, dict] | None = None
    ) -> bool:
        """Exact: does every whole-number solution give p its true value?

        Searches only p's component, from the bounds already known. A search that runs
        out of budget counts as pinned, so doubt hides more. Results are kept per
        component, which most steps of the greedy loop leave unchanged."""
        cells, _, scope = self._scope(hidden, p)
        key = (p, frozenset((c, hidden[c]) for c in cells))
        if key in self._pinned_cache:
            return self._pinned_cache[key]
        x = self.values[p]
        base_lo, base_hi = base or self.local_bounds(hidden, p)
        result = True
        for a, b in ((-_UNBOUNDED, x - 1), (x + 1, _UNBOUNDED)):
            lo = {c: base_lo[c] for c in scope}
            hi = {c: base_hi[c] for c in scope}
            if self._tighten(lo, hi, hidden, p, a, b) is None:
                continue
            if not self._propagate(lo, hi, hidden, self.touching.get(p, [])):
                continue
            found = self._search(lo, hi, hidden, cells, [4000], self._star(hidden))
            if found:
                # The solution found moves other cells too: none of them is pinned either.
                for c, v in found.items():
                    if v != self.values[c]:
                        self._pinned_cache[(c, key[1])] = False
                result = False
                break
        self._pinned_cache[key] = result
        return result

    def disclosed_exactly(
        self, hidden: dict[GPos, str], among: set[GPos] | None = None
    ) -> list[GPos]:
        base = self._propagated(hidden)
        return [
            p
            for p, why in hidden.items()
            if why == PRIMARY
            and (among is None or p in among)
            and (base[0][p] == base[1][p] or self.pinned(hidden, p, base))
        ]

    def cost(self, p: GPos) -> tuple[int, int, int, int]:
        """Hide the cell that loses least: small before large, never a printed-elsewhere
        figure unless nothing else will do; a zero only when no count will do."""
        v = self.values[p]
        return (p in self.anchors, v == 0, v, self.order[p])

    def candidates(self, p: GPos, hidden: dict[GPos, str], layers: int = 2) -> list[GPos]:
        """Shown cells in the sums around p and in the sums next to those, cheapest first."""
        seen_cells = {p}
        frontier = [p]
        found: set[GPos] = set()
        for _ in range(layers):
            nxt: list[GPos] = []
            for q in frontier:
                for i in self.touching.get(q, ()):
                    total, parts = self.constraints[i]
                    for m in (total, *parts):
                        if m not in seen_cells:
                            seen_cells.add(m)
                            nxt.append(m)
                            if m not in hidden:
                                found.add(m)
            frontier = nxt
        return sorted(found, key=self.cost)

    def choose(self, primary: dict[GPos, str]) -> dict[GPos, str]:
        """Greedy: for the first disclosed cell, hide the cheapest shown cell that protects
        it, or failing one the cheapest pair (a 2x2 rectangle in a two-way table). Bounds
        find most disclosures quickly; an exact search over whole numbers finds the rest
        (sums of sums), and the greedy step runs again for those."""
        hidden = dict(primary)
        for _ in range(len(self.values)):
            exposed = self.disclosed(hidden) or self.disclosed_exactly(hidden)
            if not exposed:
                break
            target = min(exposed, key=lambda p: self.order[p])
            options = self.candidates(target, hidden)
            if not options:
                options = sorted((q for q in self.values if q not in hidden), key=self.cost)
                if not options:
                    break
            for q in self._protecting(target, hidden, options):
                hidden[q] = SECONDARY
        # Show again any cell the final pattern does not need, largest first.
        for q in sorted((q for q, why in hidden.items() if why == SECONDARY), key=self.cost)[::-1]:
            trial = {k: v for k, v in hidden.items() if k != q}
            near = set(self._component(hidden, q))
            if not self.disclosed(trial) and not self.disclosed_exactly(trial, near):
                hidden = trial
        return hidden

    def _protecting(
        self, target: GPos, hidden: dict[GPos, str], options: list[GPos]
    ) -> tuple[GPos, ...]:
        def protects(picks: tuple[GPos, ...]) -> bool:
            trial = {**hidden, **dict.fromkeys(picks, SECONDARY)}
            lo, hi = self.local_bounds(trial, target)
            return lo[target] < hi[target] and not self.pinned(trial, target, (lo, hi))

        for q in options[:12]:
            if protects((q,)):
                return (q,)
        few = options[:10]
        pairs = sorted(
            ((a, b) for i, a in enumerate(few) for b in few[i + 1 :]),
            key=lambda ab: (
                self.cost(ab[0])[:2],
                self.cost(ab[1])[:2],
                sum(self.values[x] for x in ab),
            ),
        )
        for pair in pairs:
            if protects(pair):
                return pair
        return (options[0],)  # no pair will do: hide one and look again


def plan(tables: list[Table], links: tuple[Constraint, ...], rule: Suppression) -> dict[GPos, str]:
    """Which cells of these linked tables to hide, and why: primary, secondary, derived."""
    if not rule.active:
        return {}
    protected = [t for t in tables if t.suppress]
    p = _Plan(protected, links, rule.threshold)
    primary = {pos: PRIMARY for pos, v in p.values.items() if _is_small(v, rule.threshold)}
    hidden = p.choose(primary)
    # Derived: a value computed from a hidden cell or from a small count not shown. Repeat,
    # since a change can be computed from a rate that is itself derived.
    changed = True
    while changed:
        changed = False
        for table in protected:
            for r in table.rows:
                for c, cell in r.cells.items():
                    pos = (table.key, r.key, c)
                    if pos in hidden:
                        continue
                    sources = [s if len(s) == 3 else (table.key, *s) for s in cell.sources]
                    if any(src in hidden for src in sources) or any(
                        _is_small(b, rule.threshold) for b in cell.basis
                    ):
                        hidden[pos] = DERIVED
                        changed = True
    return hidden


def hidden_cells(table: Table, rule: Suppression) -> dict[Pos, str]:
    """Which cells of one table to hide, and why (the table on its own)."""
    if not table.suppress:
        return {}
    return {(r, c): why for (_, r, c), why in plan([table], (), rule).items()}


def _order(table: Table, rows: list[ShownRow]) -> list[ShownRow]:
    """Rows in order of size where the table wants it, but never by a hidden value:
    shown rows largest first, then hidden ones by name, then "Other", then the total."""
    if not table.order_by:
        return rows
    groups: dict[str, int] = {}
    for r in table.rows:
        groups.setdefault(r.group, len(groups))
    fixed = {r.key for r in table.rows if r.fixed}
    group_of = {r.key: r.group for r in table.rows}

    def key(r: ShownRow) -> tuple:
        cell = r.cells[table.order_by]
        size = cell.value if not cell.hidden and isinstance(cell.value, int | float) else 0
        return (
            r.total,
            groups[group_of[r.key]],
            r.key in fixed,
            bool(cell.hidden),
            -size,
            r.label.casefold(),
        )

    return sorted(rows, key=key)


def shown_table(
    table: Table, rule: Suppression, hidden: dict[Pos, str] | None = None
) -> ShownTable:
    hidden = hidden_cells(table, rule) if hidden is None else hidden
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
        tuple(_order(table, rows)),
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
    """Suppress the report's tables together: one plan over every table and their links."""
    every = [tables.headline, *tables.tables, *([tables.implied] if tables.implied else [])]
    hidden = plan(every, tables.links, rule)

    def of(table: Table) -> dict[Pos, str]:
        return {(r, c): why for (t, r, c), why in hidden.items() if t == table.key}

    return ShownReport(
        tables,
        rule,
        shown_table(tables.headline, rule, of(tables.headline)),
        tuple(shown_table(t, rule, of(t)) for t in tables.tables),
    )

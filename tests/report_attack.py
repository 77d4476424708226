"""An attacker for the tests: works out hidden counts from what a report publishes.

Written apart from the suppression code on purpose. It reads the published JSON (and
checks the CSV carries the same values), writes down everything a reader knows about how
the numbers fit together, and then searches exhaustively for every integer solution
that agrees with it. A hidden count is *recovered* when all solutions give it the same
value.

What the reader knows:
- "<T" means a count from 1 to T-1; "*" means 0 or T and more (smaller counts show "<T").
- Rows and columns add up to their totals; the same figure printed twice is the same;
  roles add up to their participant type; the closed-loop rate is (made - still open) /
  made and the follow-up rate is on time / due, to one decimal.
- With two reports: the same month's figures are the same in both.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from peerdesk.services.spreadsheet import plain

Var = tuple[str, str, str, str]  # (report, table, row, column)
BIG = 10**6


@dataclass
class Model:
    threshold: int
    lo: dict[Var, int] = field(default_factory=dict)
    hi: dict[Var, int] = field(default_factory=dict)
    star: set[Var] = field(default_factory=set)  # value is 0 or >= threshold
    small: set[Var] = field(default_factory=set)  # value is 1..threshold-1
    allowed: dict[Var, set[int]] = field(default_factory=dict)  # explicit finite domain
    equations: list[tuple[dict[Var, int], int]] = field(default_factory=list)  # sum a*x = c

    # -- building ------------------------------------------------------------------

    def value(self, var: Var, published: object) -> None:
        """A published cell: a number, or a marker meaning a hidden count."""
        t = self.threshold
        if var in self.lo:
            return
        if isinstance(published, bool) or published is None:
            return
        if isinstance(published, int | float):
            self.lo[var] = self.hi[var] = int(published)
        elif published == f"<{t}":
            self.lo[var], self.hi[var] = 1, t - 1
            self.small.add(var)
        elif published == "*":
            self.lo[var], self.hi[var] = 0, BIG
            self.star.add(var)

    def unknown(self, var: Var, allowed: set[int]) -> None:
        self.lo[var], self.hi[var] = min(allowed), max(allowed)
        self.allowed[var] = set(allowed)

    def equal_sum(self, total: Var, parts: list[Var]) -> None:
        if total not in self.lo or any(p not in self.lo for p in parts):
            return
        coeffs: dict[Var, int] = {total: -1}
        for p in parts:
            coeffs[p] = coeffs.get(p, 0) + 1
        self.equations.append((coeffs, 0))

    def same(self, a: Var, b: Var) -> None:
        self.equal_sum(a, [b])

    _touching: dict[Var, list[int]] = field(default_factory=dict)

    @property
    def hidden(self) -> list[Var]:
        return sorted(self.small | self.star)

    # -- solving -------------------------------------------------------------------

    def _tighten(self, lo: dict, hi: dict, v: Var, a: int, b: int) -> bool | None:
        a, b = max(lo[v], a), min(hi[v], b)
        if v in self.star:
            if a > 0:
                a = max(a, self.threshold)
            if b < self.threshold:
                b = min(b, 0)
        if v in self.allowed:
            inside = [x for x in self.allowed[v] if a <= x <= b]
            if not inside:
                return None
            a, b = min(inside), max(inside)
        if a > b:
            return None
        if (a, b) == (lo[v], hi[v]):
            return False
        lo[v], hi[v] = a, b
        return True

    def _index(self) -> dict[Var, list[int]]:
        touching: dict[Var, list[int]] = {}
        for i, (coeffs, _) in enumerate(self.equations):
            for v in coeffs:
                touching.setdefault(v, []).append(i)
        return touching

    def _propagate(self, lo: dict, hi: dict, start: list[int] | None = None) -> bool:
        touching = self._touching
        queue = list(range(len(self.equations))) if start is None else list(start)
        queued = set(queue)
        while queue:
            i = queue.pop()
            queued.discard(i)
            coeffs, c = self.equations[i]
            # bounds of each term from before this step (older bounds are still true)
            span = {u: sorted((k * lo[u], k * hi[u])) for u, k in coeffs.items()}
            all_lo = sum(x for x, _ in span.values())
            all_hi = sum(y for _, y in span.values())
            for v, a in coeffs.items():
                rest_lo, rest_hi = all_lo - span[v][0], all_hi - span[v][1]
                x, y = c - rest_hi, c - rest_lo  # a*v = c - rest
                if a < 0:
                    x, y = -y, -x
                a = abs(a)
                new = self._tighten(lo, hi, v, -((-x) // a), y // a)
                if new is None:
                    return False
                if new:
                    for j in touching.get(v, ()):
                        if j not in queued:
                            queued.add(j)
                            queue.append(j)
        return True

    def _component(self, v: Var) -> list[Var]:
        """The unknowns tied to v through equations (the rest cannot change v's value)."""
        seen, todo = {v}, [v]
        while todo:
            u = todo.pop()
            for i in self._touching.get(u, ()):
                for w in self.equations[i][0]:
                    if w not in seen and self.lo[w] < self.hi[w]:
                        seen.add(w)
                        todo.append(w)
        return sorted(seen)

    def solve(self, extra: dict[Var, tuple[int, int]] | None = None) -> dict[Var, int] | None:
        """A whole-number solution for the unknowns tied to the restricted cells (or all)."""
        self._touching = self._index()
        lo, hi = dict(self.lo), dict(self.hi)
        for v, (a, b) in (extra or {}).items():
            if self._tighten(lo, hi, v, a, b) is None:
                return None
        if not self._propagate(lo, hi):
            return None
        cells = sorted({w for v in extra for w in self._component(v)}) if extra else list(lo)
        return self._search(lo, hi, cells)

    def _search(self, lo: dict, hi: dict, cells: list[Var]) -> dict[Var, int] | None:
        open_vars = [v for v in cells if lo[v] < hi[v]]
        if not open_vars:
            return dict(lo)
        v = min(open_vars, key=lambda u: (hi[u] - lo[u], u))
        if v in self.star and lo[v] == 0:
            branches = [(0, 0), (self.threshold, hi[v])]
        else:
            mid = (lo[v] + hi[v]) // 2
            branches = [(lo[v], mid), (mid + 1, hi[v])]
        for a, b in branches:
            lo2, hi2 = dict(lo), dict(hi)
            if self._tighten(lo2, hi2, v, a, b) is None:
                continue
            if not self._propagate(lo2, hi2, self._touching.get(v, [])):
                continue
            found = self._search(lo2, hi2, cells)
            if found is not None:
                return found
        return None

    def recovered(self, targets: list[Var] | None = None) -> dict[Var, int]:
        """Hidden small counts ("<T") with one possible value, and that value."""
        first = self.solve()
        assert first is not None, "the published figures contradict each other"
        out = {}
        for v in targets if targets is not None else sorted(self.small):
            x = first[v]
            if self.solve({v: (-BIG, x - 1)}) is None and self.solve({v: (x + 1, BIG)}) is None:
                out[v] = x
        return out


# -- reading published reports ----------------------------------------------------------


def tables_of(doc: dict) -> dict[str, dict]:
    return {t["key"]: t for t in [doc["headline"], *doc["tables"]]}


def check_csv_matches(doc: dict, csv_text: str) -> None:
    """The CSV carries exactly the JSON's values (so attacking one attacks both)."""
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    published = [r for r in rows[1:] if r[0] != "report"]
    expected = []
    for t in tables_of(doc).values():
        labels = {c["key"]: c["label"] for c in t["columns"]}
        for r in t["rows"]:
            for c, v in r["values"].items():
                expected.append((labels[c], "" if v is None else str(v)))
    # What a spreadsheet shows: the writer's formula guard and invisible text marks off.
    got = [(plain(r[2]), plain(r[3])) for r in published]
    diff = [(g, e) for g, e in zip(got, expected, strict=False) if g != e][:3]
    assert got == expected, (len(got), len(expected), diff)


def model_of(doc: dict, name: str = "r", model: Model | None = None) -> Model:
    """Everything one report tells a reader, as a model to solve."""
    t = doc["suppression"]["threshold"]
    m = model or Model(t)
    tables = tables_of(doc)

    def var(table: str, row: str, col: str) -> Var:
        return (name, table, row, col)

    for key, table in tables.items():
        for r in table["rows"]:
            for c, v in r["values"].items():
                if c in ("pct", "loop", "before", "after", "hours", "supervision", "trained"):
                    continue
                if key == "headline" and r["key"] in ("closed_loop", "follow_ups"):
                    continue
                if key == "headline" and c == "change":
                    continue
                if key in ("headline",) and r["key"].endswith("hours"):
                    continue
                m.value(var(key, r["key"], c), v)

    def rows(key: str) -> list[str]:
        return [r["key"] for r in tables[key]["rows"] if not r["total"]] if key in tables else []

    def cols(key: str) -> list[str]:
        return [c["key"] for c in tables[key]["columns"]]

    # one-column distributions add up to their total row
    one_column = (
        "duration",
        "visit_number",
        "participant_types",
        "participant_roles",
        "follow_ups",
    )
    for key in (*one_column, "contacts_by_mode"):
        if key in tables and "n" in cols(key):
            m.equal_sum(var(key, "total", "n"), [var(key, r, "n") for r in rows(key)])
    # two-way tables: rows to the total column, columns to the total row
    for key, inner in (
        ("contacts_by_mode", ["individual", "group"]),
        ("referrals", ["open", "attended", "declined", "closed"]),
        ("checkins", ["before", "after"]),
    ):
        if key not in tables or "total" not in cols(key):
            continue
        for r in [*rows(key), "total"]:
            m.equal_sum(var(key, r, "total"), [var(key, r, c) for c in inner])
        for c in [*inner, "total"]:
            m.equal_sum(var(key, "total", c), [var(key, r, c) for r in rows(key)])
    for r in rows("outcomes"):
        if "not_improved" in cols("outcomes"):
            m.equal_sum(
                var("outcomes", r, "pairs"),
                [var("outcomes", r, "improved"), var("outcomes", r, "not_improved")],
            )
    if "supporters" in tables:
        m.equal_sum(
            var("supporters", "total", "contacts"),
            [var("supporters", r, "contacts") for r in rows("supporters")],
        )
    # the same figure in two places
    h = "headline"
    for other in (
        ("contacts_by_mode", "total", "total"),
        ("contacts_by_mode", "total", "n"),
        ("duration", "total", "n"),
        ("visit_number", "total", "n"),
        ("supporters", "total", "contacts"),
    ):
        m.same(var(h, "contacts", "current"), var(*other))
    for other in (("participant_types", "total", "n"), ("participant_roles", "total", "n")):
        m.same(var(h, "people", "current"), var(*other))
    m.same(var(h, "new_episodes", "current"), var("episodes", "new", "n"))
    m.same(var(h, "closed_episodes", "current"), var("episodes", "closed", "n"))
    m.same(var(h, "referrals", "current"), var("referrals", "total", "total"))
    period, previous = doc["period"]["start"][:7], doc["previous_period"]["start"][:7]
    for column, month in (("current", period), ("previous", previous)):
        for row in ("contacts", "people", "new_episodes"):
            m.same(var(h, row, column), var("trend", month, row))
    # roles add up to their participant type (row keys are "type:role")
    for kind in rows("participant_types"):
        parts = [
            var("participant_roles", r, "n")
            for r in rows("participant_roles")
            if r.split(":")[0] == kind
        ]
        if parts:
            m.equal_sum(var("participant_types", kind, "n"), parts)
    # a printed rate times its printed denominator gives its numerator
    head = {r["key"]: r["values"] for r in tables[h]["rows"]}
    for row, den_cell, num_of in (
        ("closed_loop", var(h, "referrals", "current"), "closed_loop"),
        ("follow_ups", var("follow_ups", "total", "n"), "on_time"),
    ):
        rate = head.get(row, {}).get("current")
        den = m.lo.get(den_cell) if den_cell in m.lo and m.lo[den_cell] == m.hi[den_cell] else None
        if not isinstance(rate, int | float) or not den:
            continue
        numerators = {k for k in range(den + 1) if round(100.0 * k / den, 1) == rate}
        x = (name, "rate", row, "numerator")
        m.unknown(x, numerators)
        if num_of == "closed_loop":
            m.equal_sum(var("referrals", "total", "total"), [x, var("referrals", "total", "open")])
        else:
            m.same(x, var("follow_ups", "on_time", "n"))
    return m


def link_reports(m: Model, a: tuple[str, dict], b: tuple[str, dict]) -> None:
    """Two reports of the same store: a month's figures agree wherever both print them."""
    (na, da), (nb, db) = a, b
    ta, tb = tables_of(da), tables_of(db)
    for month in {r["key"] for r in ta["trend"]["rows"]} & {r["key"] for r in tb["trend"]["rows"]}:
        for col in ("contacts", "people", "new_episodes"):
            m.same((na, "trend", month, col), (nb, "trend", month, col))
    if da["previous_period"]["start"] == db["period"]["start"]:
        for r in ta["headline"]["rows"]:
            m.same((na, "headline", r["key"], "previous"), (nb, "headline", r["key"], "current"))
    if da["period"] == db["period"]:
        for key in ta:
            for r in ta[key]["rows"]:
                for c in r["values"]:
                    m.same((na, key, r["key"], c), (nb, key, r["key"], c))


def load(json_text: str) -> dict:
    return json.loads(json_text)


def assume_sorted(m: Model, name: str, doc: dict, table: str, column: str) -> None:
    """The old row order: by value, largest first, ties by name. A reader who knows it gets
    an inequality between each pair of neighbouring rows."""
    rows = [r for r in tables_of(doc)[table]["rows"] if not r["total"]]
    for a, b in zip(rows, rows[1:], strict=False):
        va, vb = (name, table, a["key"], column), (name, table, b["key"], column)
        gap = (name, "order", f"{a['key']}>{b['key']}", column)
        strict = a["label"].casefold() > b["label"].casefold()
        m.lo[gap], m.hi[gap] = (1 if strict else 0), BIG
        m.equations.append(({va: 1, vb: -1, gap: -1}, 0))

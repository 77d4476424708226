"""Small-cell suppression: primary, secondary (rows and totals), derived values, switch."""

from __future__ import annotations

import random

from report_attack import Model

from peerdesk.services.reports.suppression import (
    DERIVED,
    PRIMARY,
    SECONDARY,
    Suppression,
    hidden_cells,
    shown_table,
)
from peerdesk.services.reports.tables import TOTAL, Cell, Row, Table, _cross, _distribution

RULE = Suppression(enabled=True, threshold=11)


def dist(values: dict[str, int]) -> Table:
    return _distribution("t", "T", "Row", "Count", ((k, k, v) for k, v in values.items()), "S")


def cross(values: dict[tuple[str, str], int], rows: list[str], cols: list[str]) -> Table:
    body, sums = _cross([(r, r) for r in rows], [(c, c) for c in cols], values)
    return Table(
        "x", "X", "Row", (*((c, c) for c in cols), (TOTAL, "All")), tuple(body), sums=tuple(sums)
    )


def test_a_cell_of_three_shows_below_threshold():
    t = shown_table(dist({"a": 3, "b": 50, "c": 40}), RULE)
    assert t.cell("a", "n").text == "<11"
    assert t.cell("a", "n").value == "<11"
    assert t.cell("a", "n").hidden == PRIMARY


def test_a_hidden_cell_recoverable_from_the_total_hides_a_second():
    t = shown_table(dist({"a": 3, "b": 50, "c": 40}), RULE)
    # 93 - 50 would give a away if only a were hidden: the smallest other cell goes too.
    assert t.cell("c", "n").hidden == SECONDARY
    assert t.cell("c", "n").text == "*"
    assert t.cell("b", "n").text == "50"
    assert t.cell(TOTAL, "n").text == "93"


def test_percentages_of_hidden_counts_are_hidden():
    t = shown_table(dist({"a": 3, "b": 50, "c": 40}), RULE)
    assert t.cell("a", "pct").hidden == DERIVED
    assert t.cell("c", "pct").hidden == DERIVED
    assert t.cell("b", "pct").text == "53.8%"


def test_only_zeros_left_means_the_total_is_hidden():
    t = shown_table(dist({"a": 30, "b": 0}), RULE)
    assert t.cell("a", "n").text == "30"
    t = shown_table(dist({"a": 4, "b": 0, "c": 0}), RULE)
    assert t.cell("a", "n").text == "<11"
    assert t.cell(TOTAL, "n").text == "<11"  # 4 is itself small


def test_a_row_of_zeros_beside_a_hidden_cell_hides_its_total():
    values = {("r1", "x"): 5, ("r1", "y"): 0, ("r2", "x"): 40, ("r2", "y"): 0}
    t = cross(values, ["r1", "r2"], ["x", "y"])
    hidden = hidden_cells(t, RULE)
    assert hidden[("r1", "x")] == PRIMARY and hidden[("r1", TOTAL)] == PRIMARY
    # column x needs a second hidden cell: 40; row r2 is then 40 + 0, so its total goes
    assert hidden[("r2", "x")] == SECONDARY
    assert hidden[("r2", TOTAL)] == SECONDARY
    _assert_no_sum_has_one_hidden(t, hidden)


def test_two_way_table_rows_columns_and_totals_are_protected():
    values = {
        ("a", "x"): 3,
        ("a", "y"): 40,
        ("a", "z"): 25,
        ("b", "x"): 30,
        ("b", "y"): 22,
        ("b", "z"): 18,
        ("c", "x"): 15,
        ("c", "y"): 60,
        ("c", "z"): 7,
    }
    t = cross(values, ["a", "b", "c"], ["x", "y", "z"])
    hidden = hidden_cells(t, RULE)
    assert hidden[("a", "x")] == PRIMARY and hidden[("c", "z")] == PRIMARY
    _assert_no_sum_has_one_hidden(t, hidden)
    assert hidden.get((TOTAL, TOTAL)) is None  # the grand total stays visible


def test_threshold_of_one_hides_nothing():
    t = dist({"a": 1, "b": 2, "c": 40})
    assert hidden_cells(t, Suppression(True, 1)) == {}
    shown = shown_table(t, Suppression(True, 1))
    assert shown.cell("a", "n").text == "1"


def test_switched_off_hides_nothing():
    t = dist({"a": 3, "b": 50, "c": 40})
    assert hidden_cells(t, Suppression(enabled=False)) == {}
    assert "OFF" in Suppression(enabled=False).describe()


def test_marker_follows_the_threshold():
    t = shown_table(dist({"a": 3, "b": 50}), Suppression(True, 5))
    assert t.cell("a", "n").text == "<5"


def test_staff_tables_are_not_suppressed():
    t = Table(
        "training", "T", "Course", (("n", "n"),), (Row("a", "A", {"n": Cell(2)}),), suppress=False
    )
    assert hidden_cells(t, RULE) == {}


def test_rates_with_small_basis_are_hidden():
    t = Table(
        "h",
        "H",
        "",
        (("rate", "Rate"),),
        (Row("r", "R", {"rate": Cell(50.0, "percent", basis=(2, 4))}),),
    )
    assert hidden_cells(t, RULE) == {("r", "rate"): DERIVED}


def _assert_no_sum_has_one_hidden(t: Table, hidden: dict) -> None:
    for total, parts in t.sums:
        assert sum(1 for p in (total, *parts) if p in hidden) != 1, (total, parts, hidden)


def test_random_tables_never_leave_one_hidden_member_in_a_sum_nor_a_small_count_pinned():
    """150 random two-way tables: no sum with one hidden member, and an exhaustive integer
    search over the published cells (bounds "<11" = 1..10, "*" = 0 or 11+) cannot pin any
    small count."""
    rng = random.Random(4)
    for _ in range(150):
        rows = [f"r{i}" for i in range(rng.randint(1, 5))]
        cols = [f"c{i}" for i in range(rng.randint(1, 4))]
        values = {
            (r, c): rng.choice((0, 0, 1, 3, 7, 10, 11, 12, 25, 80)) for r in rows for c in cols
        }
        t = cross(values, rows, cols)
        hidden = hidden_cells(t, RULE)
        for total, parts in t.sums:
            members = [p for p in (total, *parts) if p in hidden]
            # a lone hidden member would be pinned: allowed only for a cell that is not small
            assert len(members) != 1 or hidden[members[0]] != PRIMARY, (total, parts, hidden)
        assert pinned(t, hidden) == {}, (values, hidden)


def pinned(t: Table, hidden: dict) -> dict:
    """The attacker of tests/report_attack.py on one table's published cells."""
    shown = shown_table(t, RULE, hidden)
    m = Model(RULE.threshold)
    for r in shown.rows:
        for c, cell in r.cells.items():
            m.value(("r", "x", r.key, c), cell.value)
    for total, parts in t.sums:
        m.equal_sum(("r", "x", *total), [("r", "x", *p) for p in parts])
    return m.recovered()

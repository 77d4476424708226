"""The paged model with a keyset fetcher: pages come in the background, after the last
row loaded, in slices; a new sort or filter drops a page still on its way."""

from __future__ import annotations

import threading

from PySide6.QtCore import QModelIndex, Qt

from peerdesk.ui.table_models import SLICE_ROWS, Column, PagedTableModel


def _model(data: list[int], calls: list, gate: threading.Event | None = None) -> PagedTableModel:
    def fetch(offset, limit, key, desc, after):
        calls.append((offset, after, threading.current_thread() is threading.main_thread()))
        if gate is not None:
            gate.wait(5)
        rows = sorted(data, reverse=desc)
        if after is not None:
            rows = [r for r in rows if (r < after if desc else r > after)]
        return rows[:limit]

    return PagedTableModel(
        [Column("n", lambda n: n, "n")], fetch, page_size=50, sort_key="n", keyset=True
    )


def test_scrolling_fetches_after_the_last_row_off_the_gui_thread(qtbot, qtmodeltester):
    data = list(range(537))
    calls: list = []
    m = _model(data, calls)
    m.reload()
    qtbot.waitUntil(lambda: not m.loading)
    while m.canFetchMore(QModelIndex()) or m.fetching_more:
        m.fetchMore(QModelIndex())
        m.fetchMore(QModelIndex())  # a second scroll event while one is on its way: no-op
        m.settle()
    assert [m.row_at(i) for i in range(m.rowCount())] == sorted(data, reverse=True)
    assert m.exhausted and not m.canFetchMore(QModelIndex())
    # Each page asked for the rows after the previous page's last row, never by offset
    # alone, and never on the GUI thread.
    assert calls[0][1] is None
    assert [after for _o, after, _g in calls[1:]] == [536 - 50 * i + 1 for i in range(1, 11)]
    assert not any(on_gui for _o, _a, on_gui in calls)
    qtmodeltester.check(m, force_py=True)


def test_a_page_arrives_in_slices(qtbot):
    data = list(range(400))
    m = _model(data, [])
    m.page_size = 3 * SLICE_ROWS
    m.reload()
    qtbot.waitUntil(lambda: not m.loading)
    inserts: list[int] = []
    m.rowsInserted.connect(lambda _p, first, last: inserts.append(last - first + 1))
    m.fetchMore(QModelIndex())
    m.settle()
    assert inserts == [SLICE_ROWS] * 3
    assert m.rowCount() == 6 * SLICE_ROWS


def test_a_new_sort_drops_the_page_still_on_its_way(qtbot):
    data = list(range(300))
    gate = threading.Event()
    calls: list = []
    m = _model(data, calls, gate)
    gate.set()
    m.reload()
    qtbot.waitUntil(lambda: not m.loading)
    gate.clear()
    m.fetchMore(QModelIndex())  # blocked in the worker until the gate opens
    assert m.fetching_more
    m.sort(0, Qt.SortOrder.AscendingOrder)
    gate.set()
    m.settle()
    # Only the new first page (ascending) is shown: the old descending page was dropped.
    assert [m.row_at(i) for i in range(m.rowCount())] == list(range(50))

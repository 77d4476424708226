"""Qt item models over service results: a plain list model and a paged one.

The paged model never counts or loads everything: it asks the service for one page
at a time (fetchMore, as the view scrolls), and a new sort or filter starts over
with a fresh first page, so sorting and filtering happen in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from peerdesk.errors import PeerDeskError, ServerUnavailableError
from peerdesk.ui.fmt import fmt_date, fmt_dt

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's dataclass
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's id, when it has one
SORT_ROLE = Qt.ItemDataRole.UserRole + 3  # raw value

Index = QModelIndex | QPersistentModelIndex

# Cell tones as (background, text) pairs; fixed so the contrast holds in dark palettes too.
# A tone always comes with words in the cell ("lapsed", "overdue"): never colour alone.
TONES = {
    "bad": ("#f8d7da", "#58151c"),
    "warn": ("#fff3cd", "#523e02"),
    "good": ("#d1e7dd", "#0a3622"),
}
ALARM = "bad"  # the tone of highlighted rows

_R = Qt.ItemDataRole
_TEXT_ROLES = frozenset((int(_R.DisplayRole), int(_R.AccessibleTextRole)))
_IGNORED_ROLES = frozenset(
    int(r)
    for r in (
        _R.DecorationRole,
        _R.EditRole,
        _R.StatusTipRole,
        _R.WhatsThisRole,
        _R.SizeHintRole,
        _R.CheckStateRole,
        _R.AccessibleDescriptionRole,
    )
)
_ALIGN = int(_R.TextAlignmentRole)
_TOOLTIP = int(_R.ToolTipRole)
_FONT = int(_R.FontRole)
_BACKGROUND = int(_R.BackgroundRole)
_STYLE_ROLES = frozenset((_FONT, _BACKGROUND, int(_R.ForegroundRole)))
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Any], Any]
    sort_key: str = ""  # the service's sort name; empty = not sortable
    align_right: bool = False
    tooltip: str | Callable[[Any], str] = ""  # a fixed text, or one made from the row
    tone: Callable[[Any], str | None] | None = None  # a key of TONES, or None


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, datetime):
        return fmt_dt(value)
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value)
    return str(value)


class RowTableModel(QAbstractTableModel):
    """Rows are frozen dataclasses from services; columns say how to show them."""

    failed = Signal(str)

    def __init__(
        self,
        columns: Sequence[Column],
        highlight: Callable[[Any], bool] | None = None,
        parent: Any = None,
        highlight_tone: str | None = ALARM,  # None: bold only (a mark, not an alarm)
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.highlight = highlight
        self.highlight_tone = highlight_tone
        self._rows: list[Any] = []
        self._texts: dict[int, list[str]] = {}  # display text by row, made when first shown

    # -- Qt interface --------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every visible cell and every role at each repaint: plain int
        # comparisons and cached display text keep a repaint of a full page short.
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < len(self.columns)):
            return None
        role = int(role)
        if role in _TEXT_ROLES:
            texts = self._texts.get(r)
            if texts is None:
                row = self._rows[r]
                texts = self._texts[r] = [display(col.value(row)) for col in self.columns]
            return texts[c]
        if role in _IGNORED_ROLES:
            return None
        row = self._rows[r]
        col = self.columns[c]
        if role == _ALIGN:
            return _RIGHT if col.align_right else _LEFT
        if role == _TOOLTIP:
            tip = col.tooltip(row) if callable(col.tooltip) else col.tooltip
            return tip or None
        if role == ROW_ROLE:
            return row
        if role == ID_ROLE:
            return getattr(row, "id", None)
        if role == SORT_ROLE:
            return col.value(row)
        if role not in _STYLE_ROLES:
            return None
        if col.tone is not None and role != _FONT:
            tone = TONES.get(col.tone(row) or "")
            if tone is not None:
                back, text = tone
                return QBrush(QColor(back if role == _BACKGROUND else text))
        if self.highlight is not None and self.highlight(row):
            # Rows that need action now (overdue, a safety flag) in the alarm tone, bold as
            # well, and always with words in a cell: never colour alone. Not the link
            # colour: blue reads as "open this", not "late".
            if role == _FONT:
                font = QFont()
                font.setBold(True)
                return font
            if self.highlight_tone is not None:
                back, text = TONES[self.highlight_tone]
                return QBrush(QColor(back if role == _BACKGROUND else text))
        return None

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(self.columns)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole and self.columns[section].sort_key:
            return self.tr("Click to sort")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- helpers ---------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._texts = {}
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[Any]:
        return list(self._rows)


Fetcher = Callable[[int, int, str, bool], Sequence[Any]]
# A keyset fetcher also gets the last row already loaded (None for the first page) and
# returns the rows after it: every page then costs the same however far down it is.
KeysetFetcher = Callable[[int, int, str, bool, Any], Sequence[Any]]

# Rows added to the view per turn of the event loop when a page arrives, so painting
# and layout of a large page never hold the GUI thread for long.
SLICE_ROWS = 50


class PagedTableModel(RowTableModel):
    """Loads pages on demand from fetch(offset, limit, sort_key, descending[, after]).

    After a new filter or sort the first page is fetched off the GUI thread (a filter
    that matches nothing may scan a large table); while it runs ``loading`` is True and
    results of an older filter are dropped. With ``keyset`` the fetcher gets the last
    loaded row too, and scrolling fetches further pages off the GUI thread as well,
    adding them in slices of SLICE_ROWS; without it, scrolling fetches directly.
    """

    loadingChanged = Signal(bool)  # noqa: N815
    # The clinic server could not be reached (server mode): the list stops asking for more
    # pages and says so once (Page.watch_list); the next reload starts over and recovers.
    lost = Signal(object)

    def __init__(
        self,
        columns: Sequence[Column],
        fetch: Fetcher | KeysetFetcher,
        page_size: int = 200,
        sort_key: str = "",
        descending: bool = True,
        highlight: Callable[[Any], bool] | None = None,
        parent: Any = None,
        keyset: bool = False,
    ) -> None:
        super().__init__(columns, highlight, parent)
        self._fetch = fetch
        self.keyset = keyset
        self.page_size = page_size
        self.sort_key = sort_key
        self.descending = descending
        self._exhausted = True
        self._generation = 0
        self.loading = False
        self.background = True
        self.fetching_more = False  # a further page is being fetched in the background
        self._pending: list[Any] = []  # rows of an arrived page not yet added to the view
        self.unreachable = False  # the last load failed for a lost connection

    def _call_fetch(self, fetch: Any, offset: int, after: Any) -> list[Any]:
        if self.keyset:
            return list(fetch(offset, self.page_size, self.sort_key, self.descending, after))
        return list(fetch(offset, self.page_size, self.sort_key, self.descending))

    @property
    def more_on_the_way(self) -> bool:
        """A further page is being fetched or still being added to the view."""
        return self.fetching_more or bool(self._pending)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and not self._exhausted and not self.more_on_the_way

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or self._exhausted or self.fetching_more or self._pending:
            return
        if self.keyset and self.background:
            self._fetch_more_in_background()
            return
        self._fetch_now()

    def _fetch_now(self) -> None:
        """The next page, fetched on this thread."""
        try:
            page = self._call_fetch(self._fetch, len(self._rows), self.row_at(len(self._rows) - 1))
        except PeerDeskError as exc:
            self._exhausted = True
            self._report(exc)
            return
        if len(page) < self.page_size:
            self._exhausted = True
        self._append(page)

    def _append(self, page: list[Any]) -> None:
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    def _fetch_more_in_background(self) -> None:
        from peerdesk.ui.tasks import run_task  # tasks imports Qt widgets; keep it lazy

        generation, fetch = self._generation, self._fetch
        offset, last = len(self._rows), self.row_at(len(self._rows) - 1)
        self.fetching_more = True
        run_task(
            self,
            lambda: self._call_fetch(fetch, offset, last),
            on_result=lambda page: self._more_arrived(generation, page),
            on_error=lambda exc: self._more_failed(generation, exc),
            show_progress=False,
        )

    def _more_arrived(self, generation: int, page: list[Any]) -> None:
        if generation != self._generation:
            return
        self.fetching_more = False
        if len(page) < self.page_size:
            self._exhausted = True
        self._pending = list(page)
        self._add_slice(generation)

    def _add_slice(self, generation: int) -> None:
        if generation != self._generation or not self._pending:
            return
        part, self._pending = self._pending[:SLICE_ROWS], self._pending[SLICE_ROWS:]
        self._append(part)
        if self._pending:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, self, lambda: self._add_slice(generation))

    def _more_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.fetching_more = False
        self._exhausted = True
        self._report(exc)

    def _report(self, exc: BaseException) -> None:
        if isinstance(exc, ServerUnavailableError):
            self.unreachable = True
            self.lost.emit(exc)
        else:
            self.failed.emit(str(exc) if isinstance(exc, PeerDeskError) else type(exc).__name__)

    def settle(self, timeout_ms: int = 10000) -> None:
        """For tests and scripts: wait for background pages to be fetched and added."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        from peerdesk.ui.tasks import wait_all

        deadline = QDeadlineTimer(timeout_ms)
        while (self.loading or self.fetching_more or self._pending) and not deadline.hasExpired():
            wait_all(10)
            QCoreApplication.processEvents()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self.columns)) or not self.columns[column].sort_key:
            return
        self.sort_key = self.columns[column].sort_key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def set_fetch(self, fetch: Fetcher, background: bool | None = None) -> None:
        """A new filter: swap the fetcher and start again from the first page."""
        self._fetch = fetch
        self.reload(background)

    def _set_loading(self, on: bool) -> None:
        if self.loading != on:
            self.loading = on
            self.loadingChanged.emit(on)

    def reload(self, background: bool | None = None) -> None:
        self._generation += 1
        self.unreachable = False
        self.beginResetModel()
        self._rows = []
        self._texts = {}
        self._pending = []
        self.fetching_more = False
        self._exhausted = True
        self.endResetModel()
        if not (self.background if background is None else background):
            self._set_loading(False)
            self._exhausted = False
            self._fetch_now()
            return
        from peerdesk.ui.tasks import run_task  # tasks imports Qt widgets; keep it lazy

        generation, fetch = self._generation, self._fetch
        self._set_loading(True)
        run_task(
            self,
            lambda: self._call_fetch(fetch, 0, None),
            on_result=lambda page: self._first_page(generation, page),
            on_error=lambda exc: self._first_failed(generation, exc),
            show_progress=False,
        )

    def _first_page(self, generation: int, page: list[Any]) -> None:
        if generation != self._generation:
            return
        self._exhausted = len(page) < self.page_size
        if page:
            self.beginInsertRows(QModelIndex(), 0, len(page) - 1)
            self._rows = list(page)
            self._texts = {}
            self.endInsertRows()
        self._set_loading(False)

    def _first_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self._report(exc)

    def load_all_loaded_again(self) -> None:
        """Refresh keeping as many rows loaded as before (after an edit), right away.

        With nothing loaded yet (a page shown for the first time) it loads in the
        background instead.
        """
        if not self._rows and not self.loading:
            self.reload()
            return
        wanted = max(len(self._rows), self.page_size)
        self.reload(background=False)
        while not self._exhausted and len(self._rows) < wanted:
            self._fetch_now()

    @property
    def exhausted(self) -> bool:
        return self._exhausted

"""Small reusable widgets: password field with caps-lock hint, debounced search, tables
that show an empty state, headings and the demo banner."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QDateEdit,
    QDateTimeEdit,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QToolButton,
    QWidget,
)


def eye_icon(color: QColor, crossed: bool) -> QIcon:
    """An eye (or a crossed-out eye), drawn here so no icon theme or file is needed: a
    line edit shows only the icon of an action, so a text-only toggle was invisible."""
    icon = QIcon()
    for size in (16, 24, 32):
        pix = QPixmap(size, size)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = size / 16
        pen = QPen(color, 1.4 * s)
        p.setPen(pen)
        outline = QPainterPath()
        outline.moveTo(1.5 * s, 8 * s)
        outline.quadTo(8 * s, 0.5 * s, 14.5 * s, 8 * s)
        outline.quadTo(8 * s, 15.5 * s, 1.5 * s, 8 * s)
        p.drawPath(outline)
        p.setBrush(color)
        p.drawEllipse(QPointF(8 * s, 8 * s), 2.4 * s, 2.4 * s)
        if crossed:
            p.drawLine(QPointF(2.5 * s, 13.5 * s), QPointF(13.5 * s, 2.5 * s))
        p.end()
        icon.addPixmap(pix)
    return icon


class PasswordField(QLineEdit):
    """A password box that notices Caps Lock from what is typed (Qt cannot ask the OS),
    with an eye button at its end that shows or hides what was typed."""

    capsLockChanged = Signal(bool)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.caps_lock = False
        self._toggle = QAction(self.tr("Show password"), self)
        self._toggle.setCheckable(True)
        self._toggle.toggled.connect(self._show)
        self._show(False)
        self.addAction(self._toggle, QLineEdit.ActionPosition.TrailingPosition)
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhNoPredictiveText
        )

    @property
    def toggle_action(self) -> QAction:
        return self._toggle

    def toggle_button(self) -> QToolButton | None:
        """The button Qt made for the eye action (what a mouse clicks)."""
        for button in self.findChildren(QToolButton):
            if button.defaultAction() is self._toggle:
                return button
        return None

    def _show(self, on: bool) -> None:
        self.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        text = self.tr("Hide password") if on else self.tr("Show password")
        self._toggle.setText(text)
        self._toggle.setToolTip(text)
        self._toggle.setIcon(eye_icon(self.palette().color(QPalette.ColorRole.Text), on))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        text = event.text()
        if len(text) == 1 and text.isalpha() and text.upper() != text.lower():
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            caps = text.isupper() != shift
            if caps != self.caps_lock:
                self.caps_lock = caps
                self.capsLockChanged.emit(caps)
        elif event.key() == Qt.Key.Key_CapsLock:
            self.caps_lock = not self.caps_lock
            self.capsLockChanged.emit(self.caps_lock)
        super().keyPressEvent(event)


class DateTimeField(QDateTimeEdit):
    """Tab moves on to the next field instead of stepping through year, month, day, hour
    and minute; arrow keys, and typing a whole section, still move between sections."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002
        return QWidget.focusNextPrevChild(self, next)


class DateField(QDateEdit):
    """A date box that Tab leaves in one step (see DateTimeField)."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002
        return QWidget.focusNextPrevChild(self, next)


class Debounce(QObject):
    """Calls fire() once input has paused for delay_ms. Each poke only notes the time; the
    one timer is started at most once per pause, never once per keystroke (PySide6 6.12.0
    leaked a reference to None per QTimer.start())."""

    def __init__(self, delay_ms: int, fire: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._delay_ms = delay_ms
        self._fire = fire
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._due)

    def poke(self) -> None:
        self._last = time.monotonic()
        if not self._timer.isActive():
            self._timer.start(self._delay_ms)

    def cancel(self) -> None:
        self._timer.stop()

    def _due(self) -> None:
        left = self._delay_ms - int((time.monotonic() - self._last) * 1000)
        if left > 0:
            self._timer.start(left)  # typing went on: wait for the rest of the pause
        else:
            self._fire()


class SearchBox(QLineEdit):
    """Emits search(text) once typing pauses, so each keystroke does not hit the store."""

    search = Signal(str)

    def __init__(
        self, placeholder: str, delay_ms: int = 300, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setAccessibleName(placeholder)
        self.setClearButtonEnabled(True)
        self._debounce = Debounce(delay_ms, lambda: self.search.emit(self.text().strip()), self)
        self.textChanged.connect(lambda _t: self._debounce.poke())
        self.returnPressed.connect(self.flush)

    def flush(self) -> None:
        """Search now (Enter, or tests)."""
        self._debounce.cancel()
        self.search.emit(self.text().strip())


class NumberField(QSpinBox):
    """A whole number that keeps what was typed. QSpinBox silently turns a number outside
    its range into the previous value (0 minutes became 30) or the maximum (10000 became
    600); this box accepts any number up to 99,999 and problem() names the allowed range,
    so the form can say what is wrong instead of changing the number."""

    def __init__(
        self, lo: int, hi: int, what: str, unit: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.lo, self.hi, self.what, self.unit = lo, hi, what, unit
        self.setRange(min(0, lo), max(99_999, hi))
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)

    def stepBy(self, steps: int) -> None:  # noqa: N802
        # Arrow keys stay inside the allowed range; only typing can go outside it.
        self.setValue(max(self.lo, min(self.hi, self.value() + steps * self.singleStep())))

    def problem(self) -> str:
        if self.lo <= self.value() <= self.hi:
            return ""
        unit = f" {self.unit}" if self.unit else ""
        return (
            self.tr("%1 must be from %2 to %3%4; %5 is outside that range.")
            .replace("%1", self.what)
            .replace("%2", f"{self.lo:,}")
            .replace("%3", f"{self.hi:,}")
            .replace("%4", unit)
            .replace("%5", f"{self.value():,}")
        )


def number_problems(root: QWidget) -> str:
    """The first out-of-range number under root, as a sentence ("" when all are fine)."""
    for field in root.findChildren(NumberField):
        if field.isEnabled() and field.problem():
            field.setFocus()
            field.selectAll()
            return field.problem()
    return ""


def make_table(model: QAbstractItemModel, name: str, sortable: bool = True) -> QTableView:
    view = QTableView()
    if model.parent() is None:
        model.setParent(view)  # the model lives and dies with its view
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(False)
    if sortable:
        view.horizontalHeader().setSortIndicatorShown(True)
        view.horizontalHeader().setSectionsClickable(True)
        view.horizontalHeader().sortIndicatorChanged.connect(model.sort)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setDefaultSectionSize(130)
    # Fitting columns to contents reads the visible rows and this many more, not Qt's
    # default 1,000: on a 200-row page that was 120 ms of the GUI thread per table.
    view.horizontalHeader().setResizeContentsPrecision(40)
    view.setWordWrap(False)
    # Tab moves on to the next control instead of walking cells.
    view.setTabKeyNavigation(False)
    return view


def fit_columns(view: QTableView, stretch: int = 0) -> None:
    """Every column as wide as its contents and one column taking the rest: for short
    lists whose state words must not be cut off (never for paged lists)."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    for col in range(header.count()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if col == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(col, mode)


class EmptyStateTable(QStackedWidget):
    """A table that, when its model is empty, says what to do next instead."""

    def __init__(self, view: QTableView, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.empty = QLabel(empty_text)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.empty.setObjectName("emptyState")
        self.empty.setMargin(24)
        self.empty.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.addWidget(view)
        self.addWidget(self.empty)
        self._sized = False
        model = view.model()
        for sig in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            sig.connect(self._update)
        self._empty_text = empty_text
        self._loading = False
        loading = getattr(model, "loadingChanged", None)
        if loading is not None:
            loading.connect(self._set_loading)
        lost = getattr(model, "lost", None)
        if lost is not None:
            # An empty list after a lost connection is not "no records": say so.
            lost.connect(lambda _exc: self._not_loaded())
        self._update()

    def _not_loaded(self) -> None:
        self.empty.setText(
            self.tr(
                "Not loaded: the clinic server cannot be reached. Show this page again "
                "once the network is back."
            )
        )
        self._update()

    def set_empty_text(self, text: str) -> None:
        self._empty_text = text
        if not self._loading:
            self.empty.setText(text)

    def _set_loading(self, on: bool) -> None:
        self._loading = on
        self.empty.setText(self.tr("Loading…") if on else self._empty_text)
        self._update()

    def _update(self, *args: object) -> None:
        rows = self.view.model().rowCount()
        self.setCurrentIndex(0 if rows else 1)
        if rows and not self._sized:
            # Fit columns to the first rows shown, within reason, once per model.
            self._sized = True
            self.view.resizeColumnsToContents()
            header = self.view.horizontalHeader()
            for col in range(header.count() - 1):
                width = header.sectionSize(col)
                header.resizeSection(col, max(70, min(width + 12, 260)))

    @property
    def showing_empty(self) -> bool:
        return self.currentIndex() == 1 and not self._loading


def heading(text: str, level: int = 1) -> QLabel:
    lab = QLabel(text)
    font = lab.font()
    font.setPointSizeF(font.pointSizeF() * (1.45 if level == 1 else 1.15))
    font.setBold(True)
    lab.setFont(font)
    lab.setAccessibleName(text)
    lab.setWordWrap(True)
    return lab


def hint(text: str) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setEnabled(True)
    lab.setForegroundRole(lab.foregroundRole())
    font = lab.font()
    font.setItalic(False)
    lab.setFont(font)
    lab.setObjectName("hint")
    lab.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return lab


def demo_banner() -> QLabel:
    lab = QLabel(
        QLabel.tr("DEMO DATA — every person and record here is made up. Do not enter real data.")
    )
    lab.setObjectName("demoBanner")
    lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lab.setAccessibleName(lab.text())
    lab.setWordWrap(True)
    # Fixed colours with enough contrast in both light and dark palettes.
    lab.setStyleSheet(
        "QLabel#demoBanner { background: #ffd54f; color: #1a1a1a; font-weight: bold;"
        " padding: 6px; border-bottom: 1px solid #8d6e00; }"
    )
    return lab

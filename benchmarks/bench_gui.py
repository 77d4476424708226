"""How fast the window starts, signs in, lists, filters, sorts and scrolls on a large store.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py --data-dir DIR --password PW

Prints one line per measurement. benchmarks/run.py starts it as a separate process with
--json (one JSON object on the last line of stdout), so the time from process start to
the sign-in screen and the peak memory of a process that has the store open and the
list scrolled are measured as a user would see them.

"Stall" is the longest time the GUI thread went without running its event loop,
measured with a 10 ms heartbeat timer: anything over ~50 ms is felt as a hitch.
"""

from __future__ import annotations

import time

_T_IMPORT = time.time()  # as early as possible: the start of this process, near enough

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class Heartbeat:
    """A 10 ms timer on the GUI thread; the widest gap between its ticks is the stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.timer.start()

    def mark(self) -> float:
        self.ticks.clear()
        t = time.perf_counter()
        self.ticks.append(t)
        return t

    def since(self, t0: float) -> tuple[float, float]:
        """(elapsed ms, longest stall ms) since mark() returned t0."""
        end = time.perf_counter()
        points = [*self.ticks, end]
        stall = max(b - a for a, b in zip(points, points[1:], strict=False))
        return (end - t0) * 1000, stall * 1000

    def stop(self) -> None:
        self.timer.stop()


def settle(pred: Callable[[], bool], timeout: float = 600.0) -> None:
    from PySide6.QtCore import QCoreApplication

    end = time.perf_counter() + timeout
    while not pred():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not finish in time")
        QCoreApplication.processEvents()
        time.sleep(0.002)


def _column(model: Any, key: str) -> int | None:
    for i, col in enumerate(getattr(model, "columns", ())):
        if getattr(col, "sort_key", "") == key:
            return i
    return None


def measure(
    data_dir: Path,
    user: str,
    password: str,
    started: float,
    scroll_budget: float = 120.0,
    say: Callable[[str], None] = print,
) -> dict[str, float]:
    """One signed-in window, measured step by step; figures in ms (rows and MB named so)."""
    from PySide6.QtCore import QCoreApplication, QModelIndex, Qt

    from peerdesk.ui.app import make_app
    from peerdesk.ui.dialogs import ScriptedDialogs
    from peerdesk.ui.main_window import MainWindow
    from peerdesk.ui.tasks import wait_all

    out: dict[str, float] = {}
    app = make_app([sys.argv[0]])
    beat = Heartbeat()
    window = MainWindow(data_dir, dialogs=ScriptedDialogs())
    window.resize(1280, 800)
    window.start()
    app.processEvents()
    out["startup_to_signin_screen_ms"] = (time.time() - started) * 1000
    say(f"process start to sign-in screen      {out['startup_to_signin_screen_ms']:8.0f} ms")

    t0 = beat.mark()
    window.login.username.setText(user)
    window.login.password.setText(password)
    window.login.sign_in.click()
    settle(lambda: window.signed_in)
    ready, _ = beat.since(t0)
    today = window.workspace.pages["today"]
    settle(lambda: not today.loading)
    out["signin_to_today_ms"], out["signin_to_today_stall_ms"] = beat.since(t0)
    out["signin_to_window_ms"] = ready
    say(
        f"sign in -> window {ready:6.0f} ms, Today filled {out['signin_to_today_ms']:6.0f} ms"
        f" (stall {out['signin_to_today_stall_ms']:.0f} ms)"
    )

    ws = window.workspace
    t0 = beat.mark()
    ws.show_page("sessions")
    page = ws.pages["sessions"]
    model = page.model
    settle(lambda: not model.loading)
    out["gui_first_page_ms"], out["gui_first_page_stall_ms"] = beat.since(t0)
    t0 = beat.mark()
    wait_all(600_000)
    out["gui_count_ms"], out["gui_count_stall_ms"] = beat.since(t0)
    say(
        f"sessions: first page {out['gui_first_page_ms']:6.0f} ms (stall "
        f"{out['gui_first_page_stall_ms']:.0f}); count ({page.count.text()}) "
        f"{out['gui_count_ms']:.0f} ms more"
    )

    for key, term in (("search", "D-K"), ("filter_concern", "burnout"), ("no_match", "zzq")):
        t0 = beat.mark()
        page.search.setText(term)
        page.search.flush()
        settle(lambda: not model.loading)
        out[f"gui_{key}_ms"], out[f"gui_{key}_stall_ms"] = beat.since(t0)
        say(
            f"filter {term!r}: {out[f'gui_{key}_ms']:6.0f} ms "
            f"(stall {out[f'gui_{key}_stall_ms']:.0f})"
        )
        wait_all(600_000)  # the count runs on, in the background
    page.search.setText("")
    page.search.flush()
    settle(lambda: not model.loading)
    wait_all(600_000)

    sorts: list[tuple[float, float]] = []
    for key in ("participant", "supporter", "minutes", "started_at"):
        col = _column(model, key)
        if col is None:
            continue
        t0 = beat.mark()
        model.sort(col, Qt.SortOrder.AscendingOrder)
        settle(lambda: not model.loading)
        sorts.append(beat.since(t0))
        say(f"sort by {key}: {sorts[-1][0]:6.0f} ms (stall {sorts[-1][1]:.0f})")
    model.sort(_column(model, "started_at") or 0, Qt.SortOrder.DescendingOrder)
    settle(lambda: not model.loading)
    out["gui_sort_ms"] = max(s[0] for s in sorts)
    out["gui_sort_stall_ms"] = max(s[1] for s in sorts)

    # Scroll to the end as a user holding End or dragging the bar would: the view asks
    # for more rows each time it reaches the bottom. Stopped after scroll_budget seconds.
    t0 = beat.mark()
    page_times: list[float] = []
    worst = 0.0

    # The session list fetches further pages in the background (keyset paging) and adds
    # them in slices; wait for each page to be in before asking for the next.
    def more_coming() -> bool:
        return bool(getattr(model, "loading", False) or getattr(model, "more_on_the_way", False))

    while model.canFetchMore(QModelIndex()):
        if time.perf_counter() - t0 > scroll_budget:
            break
        before = model.rowCount()
        tp = time.perf_counter()
        page.view.scrollToBottom()
        QCoreApplication.processEvents()
        if model.rowCount() == before and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        settle(lambda: not more_coming())
        page_times.append((time.perf_counter() - tp) * 1000)
        worst = max(worst, beat.since(t0)[1])
    total, stall = beat.since(t0)
    out["gui_scroll_end_ms"] = total
    out["gui_scroll_stall_ms"] = max(stall, worst)
    out["gui_scroll_rows"] = float(model.rowCount())
    out["gui_scroll_complete"] = 0.0 if model.canFetchMore(QModelIndex()) else 1.0
    out["gui_scroll_page_max_ms"] = max(page_times, default=0.0)
    say(
        f"scroll to end: {model.rowCount()} rows in {total:.0f} ms "
        f"({'complete' if out['gui_scroll_complete'] else 'stopped at the budget'}), "
        f"slowest page {out['gui_scroll_page_max_ms']:.0f} ms, "
        f"stall {out['gui_scroll_stall_ms']:.0f}"
    )
    # Peak memory: the largest store open and its list scrolled, in this process alone.
    out["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"peak memory (ru_maxrss)              {out['peak_memory_mb']:8.0f} MB")
    beat.stop()
    wait_all(600_000)
    window.sign_out()
    window.close()
    window.deleteLater()
    app.processEvents()
    wait_all(600_000)  # nothing may run in the pool while the interpreter shuts down
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--password", default=os.environ.get("PEERDESK_BENCH_PASSWORD", ""))
    parser.add_argument("--user", default="coordinator")
    parser.add_argument("--started", type=float, help="time.time() when the parent spawned us")
    parser.add_argument("--scroll-budget", type=float, default=120.0)
    parser.add_argument("--json", action="store_true", help="last line of stdout: JSON")
    args = parser.parse_args(argv)
    say: Callable[[str], None] = (lambda _: None) if args.json else print
    figures = measure(
        args.data_dir, args.user, args.password, args.started or _T_IMPORT, args.scroll_budget, say
    )
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

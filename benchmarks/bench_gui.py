"""How fast the window opens, scrolls, filters and sorts on a large demo store.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py --sessions 200000 \
        --data-dir /tmp/peerdesk-bench-200k

The store is created once with the demo generator (slow) and reused afterwards.
Prints one line per measurement, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/peerdesk-bench-200k"))
    parser.add_argument("--sessions", type=int, default=200_000)
    parser.add_argument("--user", action="append", help="accounts to measure (default: both)")
    parser.add_argument("--scroll-to-end", action="store_true", help="load every page")
    parser.add_argument(
        "--password",
        default=os.environ.get("PEERDESK_BENCH_PASSWORD"),
        help="demo password, if the store was built by the CLI (it prints one)",
    )
    args = parser.parse_args(argv)

    from PySide6.QtCore import QCoreApplication, QModelIndex, Qt

    from peerdesk.services.demo import build_demo
    from peerdesk.services.keyslots import KeyslotFile
    from peerdesk.services.store import store_exists
    from peerdesk.ui.app import make_app
    from peerdesk.ui.dialogs import ScriptedDialogs
    from peerdesk.ui.main_window import DEMO_PASSWORD, MainWindow
    from peerdesk.ui.tasks import wait_all

    if not store_exists(args.data_dir):
        t = time.perf_counter()
        build_demo(args.data_dir, sessions=args.sessions, password=DEMO_PASSWORD)
        print(f"build demo store ({args.sessions} sessions): {time.perf_counter() - t:8.1f} s")
    app = make_app([sys.argv[0]])
    names = KeyslotFile(args.data_dir).usernames()
    supporter = next(n for n in names if n not in ("admin", "coordinator"))
    users = args.user or ["coordinator", supporter]

    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    heartbeat.start()

    def mark() -> float:
        ticks.clear()
        t = time.perf_counter()
        ticks.append(t)
        return t

    def ms(t0: float) -> str:
        """Elapsed time, and the longest the GUI thread went without running its loop."""
        end = time.perf_counter()
        points = [*ticks, end]
        stall = max(b - a for a, b in zip(points, points[1:], strict=False)) if ticks else 0
        return f"{(end - t0) * 1000:8.0f} ms   (longest GUI stall {stall * 1000:5.0f} ms)"

    def settle(pred, timeout: float = 120.0) -> None:  # noqa: ANN001
        give_up = time.perf_counter() + timeout
        while not pred():
            if time.perf_counter() > give_up:
                raise SystemExit("gave up waiting (wrong --password?)")
            QCoreApplication.processEvents()
            time.sleep(0.002)

    for user in users:
        print(f"-- {user}")
        window = MainWindow(args.data_dir, dialogs=ScriptedDialogs())
        window.resize(1280, 800)
        t0 = mark()
        window.start()
        app.processEvents()
        print(f"window shown (login screen)            {ms(t0)}")
        t0 = mark()
        window.login.username.setText(user)
        window.login.password.setText(args.password or DEMO_PASSWORD)
        window.login.sign_in.click()
        settle(lambda: window.signed_in)  # noqa: B023 - called at once
        print(f"sign in, window ready (incl. Argon2id)  {ms(t0)}")
        today = window.workspace.pages["today"]
        settle(lambda: not today.loading)  # noqa: B023 - called at once
        print(f"  ... Today filled in (background)      {ms(t0)}")
        ws = window.workspace
        t0 = mark()
        ws.show_page("sessions")
        page = ws.pages["sessions"]
        settle(lambda: not page.model.loading)  # noqa: B023 - called at once
        print(f"sessions page, first page of rows       {ms(t0)}")
        t0 = mark()
        wait_all(60_000)
        print(f"  background count ({page.count.text()}) {ms(t0)}")
        model = page.model

        def scroll_pages(n: int, model=model, page=page) -> None:  # noqa: ANN001
            """Scroll to the bottom as a user does, until n more pages have come in."""
            target = model.rowCount() + n * model.page_size
            while model.rowCount() < target and not model.exhausted:
                page.view.scrollToBottom()
                if model.canFetchMore(QModelIndex()):
                    model.fetchMore(QModelIndex())
                QCoreApplication.processEvents()
                time.sleep(0.001)
            settle(lambda: not getattr(model, "fetching_more", False))  # noqa: B023

        t0 = mark()
        scroll_pages(10)
        print(f"scroll: 10 more pages ({model.rowCount()} rows)   {ms(t0)}")
        if args.scroll_to_end:
            t0 = mark()
            scroll_pages(10**9)
            print(f"scroll to the end ({model.rowCount()} rows)   {ms(t0)}")
        t0 = mark()
        page.view.scrollToBottom()
        app.processEvents()
        print(f"scroll to bottom of loaded rows         {ms(t0)}")
        for term in ("burn", "D-K", "zzz-no-match"):
            t0 = mark()
            page.search.setText(term)
            page.search.flush()
            settle(lambda: not model.loading)  # noqa: B023 - called at once
            print(f"filter '{term}': first page ({model.rowCount()} rows)  {ms(t0)}")
        page.search.setText("")
        page.search.flush()
        settle(lambda: not model.loading)  # noqa: B023 - called at once
        for col, name in ((1, "participant"), (5, "minutes"), (0, "started")):
            t0 = mark()
            model.sort(col, Qt.SortOrder.AscendingOrder)
            settle(lambda: not model.loading)  # noqa: B023 - called at once
            print(f"sort by {name}: first page            {ms(t0)}")
        wait_all(60_000)
        for key in ws.keys():
            t0 = mark()
            ws.show_page(key)
            p = ws.pages[key]
            m = getattr(p, "model", None)
            settle(
                lambda p=p, m=m: (
                    not getattr(p, "loading", False) and not getattr(m, "loading", False)
                )
            )
            print(f"open page {key:<14}                {ms(t0)}")
        wait_all(60_000)
        window.sign_out()
        window.close()
        window.deleteLater()
        app.processEvents()
    heartbeat.stop()
    wait_all()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

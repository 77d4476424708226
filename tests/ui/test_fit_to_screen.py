"""The first window size fits the screen (issue 8, item 11; found in a real 1024x700 window,
where the 1200x760 first size left the right and bottom edges off screen)."""

from __future__ import annotations

from peerdesk.ui.app import fit_to_screen

from .conftest import sign_in


def test_first_size_is_shrunk_to_the_free_screen_area(qtbot, make_window, seeded):
    w = make_window(seeded.data_dir)
    free = w.screen().availableGeometry()
    assert (w.width(), w.height()) == (1200, 760)  # the default, larger than this screen
    assert free.width() < 1200 or free.height() < 760, "the test screen is too large"
    fit_to_screen(w)
    assert w.width() <= free.width() and w.height() <= free.height()
    sign_in(qtbot, w, "anna")  # and it still works at that size
    assert w.signed_in


def test_a_large_screen_keeps_the_first_size(qtbot, make_window, seeded, monkeypatch):
    w = make_window(seeded.data_dir)
    from PySide6.QtCore import QRect

    monkeypatch.setattr(
        type(w.screen()), "availableGeometry", lambda _self: QRect(0, 0, 1920, 1080)
    )
    fit_to_screen(w)
    assert (w.width(), w.height()) == (1200, 760)

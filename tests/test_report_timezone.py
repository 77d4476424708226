"""Report periods follow the computer's local days, though sessions are stored in UTC."""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest

from peerdesk.services.reports.period import Period


@pytest.fixture
def auckland(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_month_bounds_are_local_midnights_in_utc(auckland):
    start, end = Period(date(2026, 5, 1), date(2026, 5, 31)).bounds()
    # New Zealand is UTC+12 in May: local midnight is noon UTC the day before.
    assert start == datetime(2026, 4, 30, 12, 0)
    assert end == datetime(2026, 5, 31, 12, 0)


def test_utc_machine_keeps_calendar_days(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert Period(date(2026, 1, 1), date(2026, 1, 31)).bounds() == (
            datetime(2026, 1, 1),
            datetime(2026, 2, 1),
        )
    finally:
        monkeypatch.undo()
        time.tzset()

"""Report periods: a calendar month or any date range, the period before it, trend months."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from peerdesk.errors import UsageError

# Periods a person may ask for: dates outside these years are typing mistakes, and far
# dates would overflow when turned into UTC bounds (date.max + 1 day).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_DAYS = 3653  # ten years

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone(UTC).replace(tzinfo=None)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def short_date(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}"


@dataclass(frozen=True)
class Period:
    """Inclusive dates; bounds() gives the half-open datetime range used in queries."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UsageError("the period ends before it starts")

    @classmethod
    def month(cls, text: str) -> Period:
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise UsageError(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2026-03")
        year = int(m.group(1))
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise UsageError(
                f"reports cover the years {FIRST_DAY.year} to {LAST_DAY.year}; "
                f"{year} is outside them"
            )
        first = date(year, int(m.group(2)), 1)
        return cls(first, month_end(first))

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(first, month_end(first))

    @classmethod
    def parse_range(cls, start: str, end: str) -> Period:
        try:
            a, b = date.fromisoformat(start.strip()), date.fromisoformat(end.strip())
        except ValueError as exc:
            raise UsageError("dates are written as YYYY-MM-DD, e.g. 2026-03-01") from exc
        return cls(a, b).check_reportable()

    def check_reportable(self) -> Period:
        """Refuse periods no report should cover (typing mistakes such as 0001-01-01)."""
        if self.start < FIRST_DAY or self.end > LAST_DAY:
            raise UsageError(
                f"report dates must fall between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
            )
        if self.days > MAX_DAYS:
            raise UsageError(
                f"a report covers at most ten years ({MAX_DAYS} days); "
                f"this period has {self.days} days"
            )
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.start)

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        return f"{short_date(self.start)} – {short_date(self.end)}"

    @property
    def slug(self) -> str:
        if self.is_month:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as stored (naive UTC) times: local midnight to local midnight.

        Sessions are entered in the computer's local time and stored as UTC, so a
        contact at 00:30 local time belongs to the local day, whatever the offset.
        """
        return _local_midnight_utc(self.start), _local_midnight_utc(self.end + timedelta(days=1))

    def previous(self) -> Period:
        """The month before a month; otherwise the same number of days just before."""
        if self.is_month:
            first = add_months(self.start, -1)
            return Period(first, month_end(first))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def trend_months(self, count: int = 12) -> list[Period]:
        """The `count` calendar months ending with the month the period ends in."""
        last = month_start(self.end)
        return [
            Period(add_months(last, -i), month_end(add_months(last, -i)))
            for i in range(count - 1, -1, -1)
        ]

    @property
    def short_month_label(self) -> str:
        return f"{MONTH_NAMES[self.start.month - 1][:3]} {self.start.year % 100:02d}"

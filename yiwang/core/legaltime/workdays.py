"""Working-day arithmetic (工作日计算) over the calendar table, cached in memory per process.

Conventions: a weekday is a working day and a weekend day is not, unless the calendar table marks it a statutory
holiday (法定节假日) or a make-up workday (调休上班日). Counting starts the day AFTER the start date: the start
date is day 0, so ``add_working_days(d, 1)`` is the first working day after ``d``. A computation that passes
through a year with no official schedule loaded skips weekends only and is marked provisional.

Each process keeps one snapshot of the table and checks the version counter (``CalendarVersion``) at most every
``VERSION_RECHECK_SECONDS``; loading a year bumps the counter, so other processes notice within that time and
this process at once.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass

from yiwang.core.models import CalendarDay, CalendarDayKind, CalendarVersion, CalendarYear

VERSION_RECHECK_SECONDS = 2.0
ONE_DAY = datetime.timedelta(days=1)
SATURDAY = 5


@dataclass(frozen=True)
class WorkingCalendar:
    """An immutable snapshot of the calendar table: special days by date and the years with a schedule."""

    version: int
    special_days: dict[datetime.date, str]
    loaded_years: frozenset[int]

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.special_days.get(day)
        if kind is not None:
            return kind == CalendarDayKind.MAKEUP_WORKDAY
        return day.weekday() < SATURDAY

    def missing_years(self, first: datetime.date, last: datetime.date) -> list[int]:
        """The years from ``first`` to ``last`` (inclusive, either order) with no official schedule loaded."""
        low, high = sorted((first.year, last.year))
        return [year for year in range(low, high + 1) if year not in self.loaded_years]

    def is_provisional_between(self, first: datetime.date, last: datetime.date) -> bool:
        """Whether any day from ``first`` to ``last`` lies in a year with no official schedule."""
        return bool(self.missing_years(first, last))

    def add(self, start: datetime.date, days: int) -> WorkingDayResult:
        """The ``days``-th working day after ``start`` (before it when negative); ``start`` itself is day 0."""
        if days == 0:
            return WorkingDayResult(start, provisional=False)
        step = ONE_DAY if days > 0 else -ONE_DAY
        remaining = abs(days)
        day = start
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return WorkingDayResult(day, provisional=self.is_provisional_between(start + step, day))

    def count_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days ``d`` with ``start < d <= end`` (negative when ``end`` is before ``start``)."""
        if end < start:
            return -self.count_between(end, start)
        count = 0
        day = start + ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += ONE_DAY
        return count


@dataclass(frozen=True)
class WorkingDayResult:
    """A computed date, and whether it depends on a year with no official schedule loaded (provisional)."""

    date: datetime.date
    provisional: bool


_lock = threading.Lock()
_snapshot: WorkingCalendar | None = None
_checked_at = 0.0


def _stored_version() -> int:
    return CalendarVersion.objects.filter(singleton=1).values_list("version", flat=True).first() or 0


def _load_snapshot(version: int) -> WorkingCalendar:
    return WorkingCalendar(
        version=version,
        special_days=dict(CalendarDay.objects.values_list("date", "kind")),
        loaded_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )


def current_calendar() -> WorkingCalendar:
    """The calendar snapshot of this process, reloaded when another process (or this one) changed the table."""
    global _snapshot, _checked_at
    with _lock:
        now = time.monotonic()
        if _snapshot is not None and now - _checked_at < VERSION_RECHECK_SECONDS:
            return _snapshot
        version = _stored_version()
        if _snapshot is None or _snapshot.version != version:
            _snapshot = _load_snapshot(version)
        _checked_at = now
        return _snapshot


def clear_calendar_cache() -> None:
    """Forget this process's snapshot; the next computation reads the table again."""
    global _snapshot
    with _lock:
        _snapshot = None


def is_working_day(day: datetime.date) -> bool:
    """Whether ``day`` is a working day (工作日) under the loaded calendar."""
    return current_calendar().is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day after ``start`` (day 0); negative ``days`` count backwards."""
    return current_calendar().add(start, days).date


def add_working_days_checked(start: datetime.date, days: int) -> WorkingDayResult:
    """Like :func:`add_working_days`, also telling whether the result is provisional."""
    return current_calendar().add(start, days)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    return current_calendar().count_between(start, end)


CORRECTION_NOTICE_DAYS = 5


def correction_notice_due(received_on: datetime.date) -> datetime.date:
    """The last day for a correction notice (补正告知) after receipt (行政许可法 Art. 32: 5 working days)."""
    return add_working_days(received_on, CORRECTION_NOTICE_DAYS)


def deemed_acceptance_date(
    received_on: datetime.date, correction_notice_on: datetime.date | None
) -> datetime.date | None:
    """The date an application counts as accepted (视为受理, Art. 32), or None if a timely notice was given.

    Without a correction notice on or before the 5th working day after receipt, the application counts as
    accepted on the day it was received. A notice given in time means acceptance waits for the corrected
    materials, so there is no deemed acceptance date. The caller decides *when* to ask: with no notice the
    answer is final only once :func:`correction_notice_due` has passed.
    """
    if correction_notice_on is not None and correction_notice_on <= correction_notice_due(received_on):
        return None
    return received_on

"""Working-day arithmetic: exact dates around 2026 holidays, provisional years, caching, deemed acceptance."""

from __future__ import annotations

import datetime

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core.legaltime import (
    add_working_days,
    add_working_days_checked,
    correction_notice_due,
    current_calendar,
    deemed_acceptance_date,
    is_working_day,
    workdays,
    working_days_between,
)
from yiwang.core.legaltime.workdays import WorkingCalendar
from yiwang.core.models import CalendarDayKind, CalendarVersion

D = datetime.date
pytestmark = pytest.mark.usefixtures("seeded_calendar")

# The package's own view of the 2026 schedule, so the expectations below are checked, not assumed.
SPRING_FESTIVAL_2026 = [D(2026, 2, day) for day in range(15, 24)]
NATIONAL_DAY_2026 = [D(2026, 10, day) for day in range(1, 8)]
MAKEUP_WORKDAYS_2026 = [D(2026, 2, 14), D(2026, 2, 28), D(2026, 9, 20), D(2026, 10, 10)]


def test_2026_schedule_matches_the_package() -> None:
    assert all(chinese_calendar.is_holiday(day) for day in SPRING_FESTIVAL_2026 + NATIONAL_DAY_2026)
    assert all(chinese_calendar.is_workday(day) and day.weekday() >= 5 for day in MAKEUP_WORKDAYS_2026)
    assert not any(is_working_day(day) for day in SPRING_FESTIVAL_2026 + NATIONAL_DAY_2026)
    assert all(is_working_day(day) for day in MAKEUP_WORKDAYS_2026)


def test_every_day_2004_to_2026_agrees_with_chinese_calendar() -> None:
    calendar = current_calendar()
    day = D(2004, 1, 1)
    while day <= D(2026, 12, 31):
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Friday → the make-up Saturday
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # across the Spring Festival holiday
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 24), 4, D(2026, 2, 28)),  # the make-up Saturday after the festival counts
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Friday → the make-up Sunday
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # across National Day
        (D(2026, 10, 8), 2, D(2026, 10, 10)),  # the make-up Saturday after National Day
        (D(2026, 2, 24), -1, D(2026, 2, 14)),  # backwards across the festival
        (D(2026, 2, 15), 0, D(2026, 2, 15)),  # day 0 is the start itself
    ],
)
def test_add_working_days_around_2026_holidays(start: D, days: int, expected: D) -> None:
    result = add_working_days_checked(start, days)
    assert result.date == expected
    assert result.provisional is False


def test_20_working_days_from_acceptance_before_spring_festival() -> None:
    # Accepted Fri 2026-02-06: Feb 9-13 (5), 14 Sat (6), 24-27 (10), 28 Sat (11), Mar 2-6 (16), Mar 9-12 (20).
    assert add_working_days(D(2026, 2, 6), 20) == D(2026, 3, 12)
    assert working_days_between(D(2026, 2, 6), D(2026, 3, 12)) == 20


def test_a_result_in_2027_is_provisional_and_skips_weekends_only() -> None:
    result = add_working_days_checked(D(2026, 12, 31), 1)
    assert result == workdays.WorkingDayResult(D(2027, 1, 1), provisional=True)
    assert add_working_days_checked(D(2027, 1, 8), 1).date == D(2027, 1, 11)  # Fri → Mon
    assert add_working_days_checked(D(2026, 12, 1), 5).provisional is False


def test_working_days_between_is_antisymmetric() -> None:
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == -2
    assert working_days_between(D(2026, 2, 15), D(2026, 2, 15)) == 0


def test_computing_a_long_period_reads_the_database_once(django_assert_max_num_queries) -> None:
    current_calendar()
    with django_assert_max_num_queries(0):
        add_working_days(D(2010, 1, 1), 2000)


def test_another_process_loading_a_year_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    before = current_calendar()
    assert 2027 not in before.loaded_years
    # Another process loads 2027 and bumps the version counter; this process has not been told.
    from yiwang.core.models import CalendarDay, CalendarYear

    CalendarYear.objects.create(year=2027, source="other process", loaded_at="2026-12-01T00:00:00Z")
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDayKind.HOLIDAY, name="元旦")
    CalendarVersion.objects.filter(singleton=1).update(version=before.version + 1)
    assert current_calendar() is before  # still within the recheck interval
    monkeypatch.setattr(workdays, "VERSION_RECHECK_SECONDS", 0.0)
    assert add_working_days_checked(D(2026, 12, 31), 1) == workdays.WorkingDayResult(D(2027, 1, 4), False)


def test_deemed_acceptance_without_a_timely_correction_notice() -> None:
    received = D(2026, 2, 11)  # Wednesday before the Spring Festival
    assert correction_notice_due(received) == D(2026, 2, 25)  # 12, 13, 14 (Sat), 24, 25
    assert deemed_acceptance_date(received, None) == received
    assert deemed_acceptance_date(received, D(2026, 2, 12)) is None
    assert deemed_acceptance_date(received, D(2026, 2, 25)) is None  # the last day is still in time
    assert deemed_acceptance_date(received, D(2026, 2, 26)) == received  # too late: accepted on receipt


ANY_DATE = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 30))
PACKAGE_CALENDAR = WorkingCalendar(
    version=0,
    special_days={
        **{day: CalendarDayKind.HOLIDAY for day in chinese_calendar.constants.holidays},
        **{day: CalendarDayKind.MAKEUP_WORKDAY for day in chinese_calendar.constants.workdays},
    },
    loaded_years=frozenset(range(2004, 2027)),
)


@given(start=ANY_DATE, days=st.integers(min_value=1, max_value=120))
def test_the_result_is_a_working_day_and_exactly_n_working_days_later(start: D, days: int) -> None:
    result = PACKAGE_CALENDAR.add(start, days).date
    assert PACKAGE_CALENDAR.is_working_day(result)
    assert chinese_calendar.is_workday(result)
    assert PACKAGE_CALENDAR.count_between(start, result) == days
    assert PACKAGE_CALENDAR.count_between(start, result - datetime.timedelta(days=1)) == days - 1


@given(start=ANY_DATE, days=st.integers(min_value=0, max_value=120))
def test_adding_is_strictly_monotone_in_n(start: D, days: int) -> None:
    assert PACKAGE_CALENDAR.add(start, days).date < PACKAGE_CALENDAR.add(start, days + 1).date


@given(start=ANY_DATE, first=st.integers(0, 80), second=st.integers(0, 80))
def test_adding_composes(start: D, first: int, second: int) -> None:
    step = PACKAGE_CALENDAR.add(start, first).date
    assert PACKAGE_CALENDAR.add(step, second).date == PACKAGE_CALENDAR.add(start, first + second).date


@given(start=ANY_DATE, days=st.integers(1, 80))
def test_going_back_undoes_going_forward_from_a_working_day(start: D, days: int) -> None:
    working_start = PACKAGE_CALENDAR.add(start, 1).date
    forward = PACKAGE_CALENDAR.add(working_start, days).date
    assert PACKAGE_CALENDAR.add(forward, -days).date == working_start


@given(start=st.dates(min_value=D(2026, 1, 1), max_value=D(2027, 12, 31)), days=st.integers(1, 60))
def test_provisional_exactly_when_a_counted_day_falls_in_an_unloaded_year(start: D, days: int) -> None:
    result = PACKAGE_CALENDAR.add(start, days)
    assert result.provisional == (result.date.year >= 2027)

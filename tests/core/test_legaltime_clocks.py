"""Handling-time clocks: stops (Art. 45), extensions (Art. 42), overdue levels, stored deadlines."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.core.errors import ActionConflict
from yiwang.core.legaltime import (
    JOINT_LICENCE,
    LICENCE,
    OVERDUE_LEVEL_ORDER,
    OverdueLevel,
    add_working_days,
    clock_for,
    deadlines,
    extend,
    finish_clock,
    overdue_level,
    resume_clock,
    start_clock,
    stop_clock,
)
from yiwang.core.models import Clock, ClockExtension, ClockState, StopReason

D = datetime.date
pytestmark = pytest.mark.usefixtures("seeded_calendar")
_owner_ids = itertools.count(1)


def new_clock(
    started_on: D, legal_days: int = 20, promised_days: int | None = 10, extension_limit: int = 10
) -> Clock:
    with transaction.atomic():
        return start_clock(
            ("cases.case", str(next(_owner_ids))),
            legal_days,
            promised_days,
            started_on,
            extension_limit=extension_limit,
        )


def test_starting_stores_both_deadlines_counting_from_the_day_after_acceptance() -> None:
    clock = new_clock(D(2026, 2, 6))
    assert clock.legal_due_on == D(2026, 3, 12)
    assert clock.promised_due_on == D(2026, 2, 27)  # Feb 9-13, 14 (Sat), 24-27
    assert clock.provisional is False
    assert clock_for(("cases.case", clock.owner_id)) == clock
    assert Clock.objects.filter(state=ClockState.RUNNING, legal_due_on__lte=D(2026, 3, 12)).count() == 1


def test_promised_limit_cannot_exceed_the_legal_limit() -> None:
    with pytest.raises(ValidationError) as error:
        new_clock(D(2026, 3, 2), legal_days=20, promised_days=25)
    assert "promised_days" in error.value.message_dict
    assert not Clock.objects.exists()


def test_one_clock_per_owner() -> None:
    with transaction.atomic():
        start_clock(("hotline.ticket", "7"), 13, None, D(2026, 3, 2))
    with pytest.raises(ActionConflict), transaction.atomic():
        start_clock(("hotline.ticket", "7"), 13, None, D(2026, 3, 2))


def test_a_correction_stop_moves_the_deadline_by_the_stopped_working_days() -> None:
    clock = new_clock(D(2026, 3, 2))
    assert clock.legal_due_on == D(2026, 3, 30)
    with transaction.atomic():
        stopped = stop_clock(clock, StopReason.CORRECTION, D(2026, 3, 4), note="缺少营业执照复印件")
    assert stopped["state"] == ["running", "stopped"]
    assert stopped["legal_due_on"] == [D(2026, 3, 30), None]
    assert clock.legal_due_on is None  # unknown while stopped, so it never shows as overdue
    assert deadlines(clock, D(2026, 3, 20)).working_days_left == 18  # frozen at the stop
    with transaction.atomic():
        resumed = resume_clock(clock, D(2026, 3, 11))  # 5 working days stopped: 5, 6, 9, 10, 11
    assert resumed["stopped_working_days"] == 5
    assert clock.legal_due_on == add_working_days(D(2026, 3, 30), 5) == D(2026, 4, 7)  # Apr 3-6: Qingming
    assert [(s.running, s.reason) for s in clock.segments.order_by("id")] == [
        (True, ""),
        (False, "correction"),
        (True, ""),
    ]


def test_stop_and_resume_are_checked_against_the_state_and_dates() -> None:
    clock = new_clock(D(2026, 3, 2))
    with pytest.raises(ActionConflict), transaction.atomic():
        resume_clock(clock, D(2026, 3, 3))
    with pytest.raises(ValidationError), transaction.atomic():
        stop_clock(clock, StopReason.HEARING, D(2026, 3, 1))
    with pytest.raises(ValidationError), transaction.atomic():
        stop_clock(clock, "holiday", D(2026, 3, 3))
    with transaction.atomic():
        stop_clock(clock, StopReason.HEARING, D(2026, 3, 3))
    with pytest.raises(ActionConflict), transaction.atomic():
        stop_clock(clock, StopReason.HEARING, D(2026, 3, 4))
    with pytest.raises(ValidationError), transaction.atomic():
        resume_clock(clock, D(2026, 3, 2))
    clock.refresh_from_db()
    assert clock.state == ClockState.STOPPED
    assert clock.segments.count() == 2


def test_extension_within_the_limit_with_an_approval_record(django_user_model) -> None:
    head = django_user_model.objects.create_user(username="head", password="x")
    clock = new_clock(D(2026, 3, 2), extension_limit=LICENCE.extension_days)
    with transaction.atomic():
        changes = extend(clock, 10, head, "需要现场核查", on=D(2026, 3, 20))
    assert changes["extension_days"] == [0, 10]
    assert clock.legal_due_on == add_working_days(D(2026, 3, 30), 10)
    assert clock.promised_due_on == D(2026, 3, 16)  # the promise is not extended
    record = ClockExtension.objects.get(clock=clock)
    assert (record.days, record.approved_by, record.reason) == (10, head, "需要现场核查")
    with pytest.raises(ValidationError), transaction.atomic():
        extend(clock, 1, head, "再延一天", on=D(2026, 3, 21))


def test_extension_needs_a_reason_and_must_come_before_the_deadline() -> None:
    clock = new_clock(
        D(2026, 3, 2),
        legal_days=JOINT_LICENCE.decision_days,
        promised_days=None,
        extension_limit=JOINT_LICENCE.extension_days,
    )
    with pytest.raises(ValidationError), transaction.atomic():
        extend(clock, 15, None, "  ", on=D(2026, 3, 3))
    with pytest.raises(ActionConflict), transaction.atomic():
        extend(clock, 15, None, "联合审查未完成", on=add_working_days(clock.legal_due_on, 1))
    assert not ClockExtension.objects.exists()


@pytest.mark.parametrize(
    ("today", "level"),
    [
        (D(2026, 3, 25), OverdueLevel.ON_TIME),  # 3 working days left
        (D(2026, 3, 26), OverdueLevel.DUE_SOON),  # 2 left
        (D(2026, 3, 30), OverdueLevel.DUE_SOON),  # the deadline day itself
        (D(2026, 3, 31), OverdueLevel.OVERDUE),
        (D(2026, 4, 7), OverdueLevel.OVERDUE),  # 5 working days past (Apr 3-6 is Qingming)
        (D(2026, 4, 8), OverdueLevel.SERIOUSLY_OVERDUE),  # 6 working days past
    ],
)
def test_overdue_levels(today: D, level: OverdueLevel) -> None:
    clock = new_clock(D(2026, 3, 2), promised_days=None)
    assert clock.legal_due_on == D(2026, 3, 30)
    assert overdue_level(clock, today) == level


def test_a_weekend_after_a_friday_deadline_is_already_overdue() -> None:
    clock = new_clock(D(2026, 3, 2), legal_days=5, promised_days=None)
    assert clock.legal_due_on == D(2026, 3, 9)
    clock = new_clock(D(2026, 3, 6), legal_days=5, promised_days=None)
    assert clock.legal_due_on == D(2026, 3, 13)  # Friday
    assert overdue_level(clock, D(2026, 3, 14)) == OverdueLevel.OVERDUE


def test_promised_deadline_level_and_finished_clock_keeps_its_level() -> None:
    clock = new_clock(D(2026, 3, 2))
    assert overdue_level(clock, D(2026, 3, 17), deadline="promised") == OverdueLevel.OVERDUE
    assert overdue_level(clock, D(2026, 3, 17)) == OverdueLevel.ON_TIME
    with transaction.atomic():
        finish_clock(clock, D(2026, 3, 20))
    assert clock.state == ClockState.FINISHED
    assert overdue_level(clock, D(2026, 12, 1)) == OverdueLevel.ON_TIME
    assert deadlines(clock, D(2026, 12, 1)).working_days_used == 14  # Mar 3-6, 9-13, 16-20
    with pytest.raises(ActionConflict), transaction.atomic():
        stop_clock(clock, StopReason.TESTING, D(2026, 3, 21))


def test_a_clock_running_into_2027_is_provisional() -> None:
    clock = new_clock(D(2026, 12, 15))
    assert clock.provisional is True
    assert deadlines(clock).provisional is True


WORKING_STARTS = st.dates(min_value=D(2005, 1, 1), max_value=D(2025, 6, 30)).map(
    lambda day: add_working_days(day, 1)
)
PROPERTY_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY_SETTINGS
@given(
    start=WORKING_STARTS, legal=st.integers(1, 60), stop_after=st.integers(0, 60), stopped=st.integers(0, 30)
)
def test_stopping_for_k_working_days_moves_the_deadline_by_k(
    start: D, legal: int, stop_after: int, stopped: int
) -> None:
    clock = new_clock(start, legal_days=legal, promised_days=None)
    original = clock.legal_due_on
    assert original is not None
    stop_on = add_working_days(start, min(stop_after, legal - 1))  # stops before the deadline
    with transaction.atomic():
        stop_clock(clock, StopReason.EXPERT_REVIEW, stop_on)
        resume_clock(clock, add_working_days(stop_on, stopped))
    assert clock.legal_due_on == add_working_days(original, stopped)
    assert deadlines(clock, clock.legal_due_on).working_days_left == 0


@PROPERTY_SETTINGS
@given(start=WORKING_STARTS, legal=st.integers(1, 60), extension=st.integers(1, 15))
def test_extending_by_e_moves_the_deadline_by_e(start: D, legal: int, extension: int) -> None:
    clock = new_clock(start, legal_days=legal, promised_days=None, extension_limit=15)
    original = clock.legal_due_on
    assert original is not None
    with transaction.atomic():
        extend(clock, extension, None, "专家评审意见分歧", on=start)
    assert clock.legal_due_on == add_working_days(original, extension)


@PROPERTY_SETTINGS
@given(
    start=WORKING_STARTS,
    legal=st.integers(0, 30),
    stop_after=st.integers(0, 40),
    stopped=st.integers(0, 10),
    days=st.lists(st.integers(0, 80), min_size=2, max_size=6),
)
def test_the_overdue_level_never_improves_as_time_passes(
    start: D, legal: int, stop_after: int, stopped: int, days: list[int]
) -> None:
    clock = new_clock(start, legal_days=legal, promised_days=None)
    stop_on = add_working_days(start, stop_after)
    with transaction.atomic():
        stop_clock(clock, StopReason.PUBLICITY, stop_on)
        resume_clock(clock, add_working_days(stop_on, stopped))
    levels = [overdue_level(clock, start + datetime.timedelta(days=offset)) for offset in sorted(days)]
    ranks = [OVERDUE_LEVEL_ORDER.index(level) for level in levels]
    assert ranks == sorted(ranks)

"""Fixtures for the core tests: a fresh calendar snapshot per test and the seeded 2004–2026 calendar."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from yiwang.core.legaltime import clear_calendar_cache
from yiwang.core.legaltime.schedule import SEED_FIRST_YEAR, SEED_LAST_YEAR, seed_from_chinese_calendar
from yiwang.core.models import CalendarYear


@pytest.fixture(autouse=True)
def fresh_calendar_cache() -> Iterator[None]:
    """A rolled-back test must not leave its calendar snapshot to the next one."""
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def seeded_calendar(db: None) -> None:
    """The official schedules 2004–2026 (the data migration's rows; re-seeded if a flush removed them)."""
    if CalendarYear.objects.count() != SEED_LAST_YEAR - SEED_FIRST_YEAR + 1:
        seed_from_chinese_calendar()

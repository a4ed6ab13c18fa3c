"""Loading official holiday schedules (节假日安排) into the calendar table: seed and import.

A schedule file lists the special days of one or more years as CSV (header ``date,kind,name``) or JSON (a list
of ``{"date", "kind", "name"}`` objects). Loading a year replaces all its special days, marks it as having an
official schedule, bumps the calendar version and recomputes the open clocks — all in one transaction.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.models import CalendarDay, CalendarDayKind, CalendarVersion, CalendarYear

CHINESE_CALENDAR_SOURCE = "chinese-calendar package"
SEED_FIRST_YEAR = 2004
SEED_LAST_YEAR = 2026
NAME_MAX_LENGTH = 50

KIND_ALIASES = {
    "holiday": CalendarDayKind.HOLIDAY,
    "法定节假日": CalendarDayKind.HOLIDAY,
    "节假日": CalendarDayKind.HOLIDAY,
    "休": CalendarDayKind.HOLIDAY,
    "workday": CalendarDayKind.MAKEUP_WORKDAY,
    "调休上班日": CalendarDayKind.MAKEUP_WORKDAY,
    "上班": CalendarDayKind.MAKEUP_WORKDAY,
    "班": CalendarDayKind.MAKEUP_WORKDAY,
}


@dataclass(frozen=True)
class ScheduleDay:
    """One special day of an official schedule."""

    date: datetime.date
    kind: str
    name: str


class ScheduleError(Exception):
    """A schedule file that cannot be loaded; ``problems`` lists every problem found, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class LoadReport:
    """What a load changed: the years (re)loaded, special days written and clocks recomputed."""

    years: list[int]
    days: int
    clocks_recomputed: int


def chinese_calendar_days(
    first_year: int = SEED_FIRST_YEAR, last_year: int = SEED_LAST_YEAR
) -> list[ScheduleDay]:
    """The special days the ``chinese-calendar`` package knows for the given years."""
    from chinese_calendar import constants

    days = [
        ScheduleDay(day, CalendarDayKind.HOLIDAY, str(name))
        for day, name in constants.holidays.items()
        if first_year <= day.year <= last_year
    ]
    days += [
        ScheduleDay(day, CalendarDayKind.MAKEUP_WORKDAY, str(name))
        for day, name in constants.workdays.items()
        if first_year <= day.year <= last_year
    ]
    return sorted(days, key=lambda item: item.date)


def write_schedule(
    days: Iterable[ScheduleDay],
    years: Iterable[int],
    source: str,
    *,
    day_model: type[models.Model] = CalendarDay,
    year_model: type[models.Model] = CalendarYear,
    version_model: type[models.Model] = CalendarVersion,
) -> int:
    """Replace the special days of ``years`` with ``days`` and bump the version; returns days written.

    The model parameters let the data migration pass its historical models.
    """
    years = sorted(set(years))
    rows = [day_model(date=day.date, kind=day.kind, name=day.name) for day in days]
    now = timezone.now()
    with transaction.atomic():
        version_model.objects.get_or_create(singleton=1)  # type: ignore[attr-defined]
        version_model.objects.filter(singleton=1).update(version=F("version") + 1)  # type: ignore[attr-defined]
        day_model.objects.filter(date__year__in=years).delete()  # type: ignore[attr-defined]
        day_model.objects.bulk_create(rows, batch_size=500)  # type: ignore[attr-defined]
        for year in years:
            year_model.objects.update_or_create(  # type: ignore[attr-defined]
                year=year, defaults={"source": source, "loaded_at": now}
            )
    return len(rows)


def load_schedule(days: Sequence[ScheduleDay], source: str) -> LoadReport:
    """Load validated ``days`` (every year they touch), recompute open clocks; all or nothing."""
    from yiwang.core.legaltime.clocks import recompute_open_clocks
    from yiwang.core.legaltime.workdays import clear_calendar_cache

    years = sorted({day.date.year for day in days})
    try:
        with transaction.atomic():
            written = write_schedule(days, years, source)
            clear_calendar_cache()
            recomputed = recompute_open_clocks()
    finally:
        # Committed or rolled back, this process's snapshot may hold rows that are not (or no longer) there.
        clear_calendar_cache()
    return LoadReport(years=years, days=written, clocks_recomputed=recomputed)


def seed_from_chinese_calendar(
    first_year: int = SEED_FIRST_YEAR, last_year: int = SEED_LAST_YEAR
) -> LoadReport:
    """(Re)load the years ``first_year``..``last_year`` from the ``chinese-calendar`` package (idempotent)."""
    return load_schedule(chinese_calendar_days(first_year, last_year), CHINESE_CALENDAR_SOURCE)


def _row_problems(where: str, raw: Any) -> tuple[ScheduleDay | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [_("%(where)s: expected an object with date, kind and name") % {"where": where}]
    problems = []
    date_text = str(raw.get("date") or "").strip()
    kind_text = str(raw.get("kind") or "").strip()
    name = str(raw.get("name") or "").strip()
    day: datetime.date | None = None
    try:
        day = datetime.date.fromisoformat(date_text)
        if len(date_text) != len("2027-01-01"):
            raise ValueError(date_text)
    except ValueError:
        problems.append(
            _("%(where)s: date %(value)r is not a date in the form YYYY-MM-DD")
            % {"where": where, "value": date_text}
        )
        day = None
    kind = KIND_ALIASES.get(kind_text.lower())
    if kind is None:
        problems.append(
            _("%(where)s: kind %(value)r is not one of holiday (法定节假日) or workday (调休上班日)")
            % {"where": where, "value": kind_text}
        )
    if not name:
        problems.append(_("%(where)s: the name of the holiday is missing") % {"where": where})
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(
            _("%(where)s: the name is longer than %(limit)d characters")
            % {"where": where, "limit": NAME_MAX_LENGTH}
        )
    if day is not None and kind == CalendarDayKind.MAKEUP_WORKDAY and day.weekday() < 5:
        problems.append(
            _("%(where)s: %(date)s is a weekday, so it cannot be a make-up workday")
            % {"where": where, "date": day.isoformat()}
        )
    if problems or day is None or kind is None:
        return None, problems
    return ScheduleDay(day, kind, name), []


def parse_schedule(text: str, file_format: str) -> list[ScheduleDay]:
    """Parse and strictly validate a schedule; raises :class:`ScheduleError` listing every problem."""
    if file_format == "json":
        try:
            raw_rows = json.loads(text)
        except json.JSONDecodeError as error:
            raise ScheduleError([_("the file is not valid JSON: %(error)s") % {"error": error}]) from error
        if not isinstance(raw_rows, list):
            raise ScheduleError([_("the JSON file must hold a list of days")])
        numbered = [
            (_("entry %(number)d") % {"number": number}, row) for number, row in enumerate(raw_rows, 1)
        ]
    elif file_format == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [column.strip() for column in reader.fieldnames or []]
        if header[:3] != ["date", "kind", "name"]:
            raise ScheduleError([_("the CSV file must start with the header line: date,kind,name")])
        reader.fieldnames = header
        # Line numbers count the header as line 1, so a message points at the line to fix.
        numbered = [(_("line %(number)d") % {"number": reader.line_num}, row) for row in reader]
    else:
        raise ScheduleError(
            [_("unknown file format %(format)r: use .csv or .json") % {"format": file_format}]
        )

    days: list[ScheduleDay] = []
    problems: list[str] = []
    first_seen: dict[datetime.date, str] = {}
    for where, raw in numbered:
        day, row_problems = _row_problems(where, raw)
        problems += row_problems
        if day is None:
            continue
        if day.date in first_seen:
            problems.append(
                _("%(where)s: %(date)s is listed twice (first at %(first)s)")
                % {"where": where, "date": day.date.isoformat(), "first": first_seen[day.date]}
            )
            continue
        first_seen[day.date] = where
        days.append(day)
    if not numbered:
        problems.append(_("the file lists no days"))
    if problems:
        raise ScheduleError(problems)
    return sorted(days, key=lambda item: item.date)


def import_schedule_file(path: Path) -> LoadReport:
    """Validate and load a State Council schedule file (CSV or JSON, chosen by extension)."""
    file_format = path.suffix.lower().lstrip(".")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScheduleError(
            [_("cannot read %(path)s: %(error)s") % {"path": path, "error": error}]
        ) from error
    days = parse_schedule(text, file_format)
    return load_schedule(days, f"import {path.name}")

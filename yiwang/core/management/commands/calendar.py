"""``yiwang calendar``: the working-day calendar (工作日历) — seed, import, show, add-working-days."""

from __future__ import annotations

import datetime
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.legaltime import add_working_days_checked, current_calendar
from yiwang.core.legaltime.schedule import (
    SEED_FIRST_YEAR,
    SEED_LAST_YEAR,
    LoadReport,
    ScheduleError,
    import_schedule_file,
    seed_from_chinese_calendar,
)
from yiwang.core.models import CalendarDay, CalendarYear


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from error


class Command(BaseCommand):
    help = (
        "Working-day calendar. `seed` loads 2004-2026 from chinese-calendar; `import FILE` loads a State Council "
        "schedule (CSV date,kind,name or JSON); `show YEAR`; `add-working-days DATE N` prints the ISO date, "
        "followed by a provisional note when it passes through a year with no official schedule."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        seed = subcommands.add_parser("seed", help="(re)load years from the chinese-calendar package")
        seed.add_argument("--from-year", type=int, default=SEED_FIRST_YEAR)
        seed.add_argument("--to-year", type=int, default=SEED_LAST_YEAR)
        load = subcommands.add_parser("import", help="load one or more years from a CSV or JSON schedule")
        load.add_argument("file", type=Path)
        show = subcommands.add_parser("show", help="list a year's holidays and make-up workdays")
        show.add_argument("year", type=int)
        add = subcommands.add_parser(
            "add-working-days", help="the N-th working day after DATE (DATE is day 0)"
        )
        add.add_argument("date", type=iso_date)
        add.add_argument("days", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "seed":
            self._report(seed_from_chinese_calendar(options["from_year"], options["to_year"]))
        elif subcommand == "import":
            try:
                report = import_schedule_file(options["file"])
            except ScheduleError as error:
                raise CommandError(
                    f"{options['file']}: nothing was loaded:\n"
                    + "\n".join(f"  - {p}" for p in error.problems)
                ) from error
            self._report(report)
        elif subcommand == "show":
            self._show(options["year"])
        else:
            start, days = options["date"], options["days"]
            result = add_working_days_checked(start, days)
            line = result.date.isoformat()
            if result.provisional:
                first_counted = start + datetime.timedelta(days=1 if days > 0 else -1)
                missing = current_calendar().missing_years(first_counted, result.date)
                years = ", ".join(str(year) for year in missing)
                line += f" (provisional: no official schedule for {years} loaded)"
            self.stdout.write(line)

    def _report(self, report: LoadReport) -> None:
        years = f"{report.years[0]}-{report.years[-1]}" if len(report.years) > 1 else str(report.years[0])
        self.stdout.write(
            f"loaded {years}: {report.days} special days; {report.clocks_recomputed} open clocks recomputed"
        )

    def _show(self, year: int) -> None:
        loaded = CalendarYear.objects.filter(year=year).first()
        if loaded is None:
            self.stdout.write(
                f"{year}: no official schedule loaded (weekends only; deadlines are provisional)"
            )
            return
        self.stdout.write(f"{year}: {loaded.source}, loaded {loaded.loaded_at:%Y-%m-%d %H:%M}")
        for day in CalendarDay.objects.filter(date__year=year):
            self.stdout.write(f"{day.date.isoformat()} {day.date:%a} {day.kind:8} {day.name}")

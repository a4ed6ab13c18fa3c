"""Seed the working-day calendar (2004–2026) from the chinese-calendar package."""

from django.db import migrations


def seed_calendar(apps, schema_editor):
    from yiwang.core.legaltime.schedule import (
        CHINESE_CALENDAR_SOURCE,
        SEED_FIRST_YEAR,
        SEED_LAST_YEAR,
        chinese_calendar_days,
        write_schedule,
    )

    write_schedule(
        chinese_calendar_days(),
        range(SEED_FIRST_YEAR, SEED_LAST_YEAR + 1),
        CHINESE_CALENDAR_SOURCE,
        day_model=apps.get_model("core", "CalendarDay"),
        year_model=apps.get_model("core", "CalendarYear"),
        version_model=apps.get_model("core", "CalendarVersion"),
    )


def unseed_calendar(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.all().delete()
    apps.get_model("core", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_legal_time")]

    operations = [migrations.RunPython(seed_calendar, unseed_calendar)]

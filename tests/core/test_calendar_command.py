"""``yiwang calendar``: seed, import a new year's schedule (strictly validated), show, add-working-days."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from yiwang.core.legaltime import WorkingDayResult, add_working_days_checked, start_clock
from yiwang.core.models import CalendarDay, CalendarVersion, CalendarYear, Clock

D = datetime.date
pytestmark = pytest.mark.usefixtures("seeded_calendar")

# A made-up 2027 schedule in the State Council notice's shape (the real one is published late in 2026).
SCHEDULE_2027_CSV = """date,kind,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,法定节假日,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-14,holiday,春节
2027-02-20,调休上班日,春节
"""


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_add_working_days_prints_iso_dates_around_2026_holidays() -> None:
    assert run("add-working-days", "2026-02-13", "1") == "2026-02-14\n"
    assert run("add-working-days", "2026-02-14", "1") == "2026-02-24\n"
    assert run("add-working-days", "2026-09-30", "1") == "2026-10-08\n"
    assert run("add-working-days", "2026-09-18", "1") == "2026-09-20\n"
    assert run("add-working-days", "2026-10-09", "1") == "2026-10-10\n"


def test_add_working_days_marks_a_2027_result_provisional() -> None:
    assert run("add-working-days", "2026-12-25", "20") == (
        "2027-01-22 (provisional: no official schedule for 2027 loaded)\n"
    )


def test_add_working_days_rejects_a_bad_date() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("calendar", "add-working-days", "2026-02-30", "1")


def test_seed_is_idempotent() -> None:
    before = list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name"))
    version = CalendarVersion.objects.get().version
    assert "771 special days" in run("seed")
    assert list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name")) == before
    assert CalendarYear.objects.count() == 23
    assert CalendarVersion.objects.get().version == version + 1


def test_importing_next_year_makes_its_dates_official_and_recomputes_open_clocks(tmp_path: Path) -> None:
    with transaction.atomic():
        clock = start_clock(("cases.case", "1"), 20, 5, D(2026, 12, 28))
    assert (clock.legal_due_on, clock.promised_due_on, clock.provisional) == (
        D(2027, 1, 25),
        D(2027, 1, 4),
        True,
    )
    output = run("import", str(write(tmp_path, "2027.csv", SCHEDULE_2027_CSV)))
    assert output == "loaded 2027: 13 special days; 1 open clocks recomputed\n"
    clock.refresh_from_db()
    # Dec 29-31, then Jan 4-8, 11-15, 18-22, 25, 26: New Year's Day (Fri Jan 1) no longer counts.
    assert (clock.legal_due_on, clock.promised_due_on, clock.provisional) == (
        D(2027, 1, 26),
        D(2027, 1, 5),
        False,
    )
    assert add_working_days_checked(D(2027, 2, 5), 1) == WorkingDayResult(D(2027, 2, 15), provisional=False)
    assert add_working_days_checked(D(2027, 2, 19), 1).date == D(2027, 2, 20)  # the make-up Saturday
    assert run("add-working-days", "2026-12-31", "1") == "2027-01-04\n"
    shown = run("show", "2027")
    assert shown.startswith("2027: import 2027.csv, loaded ")
    assert "2027-02-20 Sat workday  春节" in shown


def test_json_import_with_several_years_replaces_each_year(tmp_path: Path) -> None:
    days = [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2028-01-01", "kind": "holiday", "name": "元旦"},
    ]
    assert run("import", str(write(tmp_path, "next.json", json.dumps(days, ensure_ascii=False)))).startswith(
        "loaded 2027-2028: 2 special days"
    )
    assert set(CalendarYear.objects.filter(year__gte=2027).values_list("year", flat=True)) == {2027, 2028}
    # Re-importing a year replaces its days rather than adding to them.
    run("import", str(write(tmp_path, "2027.csv", SCHEDULE_2027_CSV)))
    assert CalendarDay.objects.filter(date__year=2027).count() == 13
    assert CalendarDay.objects.filter(date__year=2028).count() == 1


@pytest.mark.parametrize(
    ("name", "text", "messages"),
    [
        (
            "bad.csv",
            "date,kind,name\n2027-02-19,workday,春节\n2027-13-01,holiday,元旦\n2027-01-02,rest,元旦\n2027-01-03,holiday,\n",
            [
                "第 2 行：2027-02-19 是工作日（周一至周五），不能标为调休上班日",
                "第 3 行：日期 '2027-13-01' 不是 YYYY-MM-DD 格式的有效日期",
                "第 4 行：类型 'rest' 无效",
                "第 5 行：缺少节日名称",
            ],
        ),
        (
            "dup.csv",
            "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-01,holiday,元旦\n",
            ["第 3 行：2027-01-01 重复出现（首次出现在第 2 行）"],
        ),
        ("noheader.csv", "2027-01-01,holiday,元旦\n", ["CSV 文件第一行必须是表头：date,kind,name"]),
        ("empty.json", "[]", ["文件中没有任何日期"]),
        ("broken.json", "[{", ["文件不是有效的 JSON"]),
        ("object.json", '{"date": "2027-01-01"}', ["JSON 文件应为日期列表"]),
        (
            "entry.json",
            '[{"date": "2027-01-01", "kind": "holiday"}, 5]',
            ["第 1 条：缺少节日名称", "第 2 条：应为包含"],
        ),
        ("schedule.txt", "", ["请使用 .csv 或 .json"]),
    ],
)
def test_a_bad_schedule_loads_nothing_and_names_every_problem(
    tmp_path: Path, name: str, text: str, messages: list[str]
) -> None:
    version = CalendarVersion.objects.get().version
    with pytest.raises(CommandError) as error:
        call_command("calendar", "import", str(write(tmp_path, name, text)))
    for message in messages:
        assert message in str(error.value)
    assert "nothing was loaded" in str(error.value)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert CalendarVersion.objects.get().version == version


def test_a_failure_while_writing_leaves_the_calendar_as_it_was(tmp_path: Path, monkeypatch) -> None:
    from yiwang.core.legaltime import schedule

    def fail() -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr("yiwang.core.legaltime.clocks.recompute_open_clocks", fail)
    with pytest.raises(RuntimeError):
        schedule.import_schedule_file(write(tmp_path, "2027.csv", SCHEDULE_2027_CSV))
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not Clock.objects.exists()
    assert add_working_days_checked(D(2026, 12, 31), 1).provisional is True


def test_show_a_year_without_a_schedule() -> None:
    assert (
        run("show", "2030")
        == "2030: no official schedule loaded (weekends only; deadlines are provisional)\n"
    )

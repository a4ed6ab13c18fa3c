"""Benchmark: the SLA scan (时限扫描) over 1,000,000 open work items.

Bulk-inserts BENCH_WORK_ITEMS (default 1,000,000) pending work items spread over 200 departments, with due dates
from 30 days ago to 60 days ahead (about a third overdue, a few per cent due soon), then times:
- baselines measured in the same run: ``SELECT count(*)`` of the pending items, and one full-table UPDATE;
- the first SLA scan (stamps every due-soon and overdue item, one grouped message per person);
- a second scan (nothing new: the steady state of a job running every five minutes).
Runs in a throw-away data directory / test database (SQLite by default; set DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_TESTING", "true")
os.environ.setdefault("QUEUE", "immediate")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from yiwang.accounts.models import User, UserKind  # noqa: E402
from yiwang.notify.models import Notification  # noqa: E402
from yiwang.org.models import Department, Division, Role, StaffRole  # noqa: E402
from yiwang.workflow.actions import do_activate_definition, do_load_definition, read_definition_file  # noqa: E402
from yiwang.workflow.definition import LICENCE_DEFINITION_FILE  # noqa: E402
from yiwang.workflow.models import ProcessInstance, WorkItem  # noqa: E402
from yiwang.workflow.tasks import scan_work_item_deadlines  # noqa: E402

WORK_ITEMS = int(os.environ.get("BENCH_WORK_ITEMS", "1000000"))
DEPARTMENTS = 200
INSTANCES = 10_000
BATCH = 50_000
COLUMNS = (
    "instance_id, node_id, name, branch, department_id, role, assignee_id, status, outcome, opinion, "
    "due_date, created_at"
)


def timed(label: str, work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - start
    print(f"  {label:<58} {elapsed:>8.2f} s")
    return elapsed, result


def make_organisation() -> tuple[list[int], dict[int, int]]:
    """200 departments, each with a window clerk and a supervisor; returns department ids and clerk per department."""
    division = Division.objects.create(code="999900000000", name="基准区", level="county")
    departments = Department.objects.bulk_create(
        Department(code=f"bench-{n}", name=f"基准{n}局", division=division) for n in range(DEPARTMENTS)
    )
    clerks: dict[int, int] = {}
    for department in departments:
        clerk = User.objects.create(username=f"clerk-{department.code}", kind=UserKind.STAFF)
        supervisor = User.objects.create(username=f"supervisor-{department.code}", kind=UserKind.STAFF)
        StaffRole.objects.create(user=clerk, department=department, role=Role.WINDOW_CLERK)
        StaffRole.objects.create(user=supervisor, department=department, role=Role.SUPERVISOR)
        clerks[department.pk] = clerk.pk
    return [department.pk for department in departments], clerks


def work_item_rows(
    instance_ids: list[int], department_ids: list[int], clerks: dict[int, int]
) -> Iterator[tuple]:
    rng = random.Random(20260101)
    today = timezone.localdate()
    now = timezone.now()
    for index in range(WORK_ITEMS):
        department_id = department_ids[index % len(department_ids)]
        claimed = rng.random() < 0.2
        yield (
            instance_ids[index % len(instance_ids)],
            f"step-{index}",  # unique per instance: the one-pending-item-per-step constraint holds
            "受理",
            "",
            department_id,
            Role.WINDOW_CLERK,
            clerks[department_id] if claimed else None,
            "claimed" if claimed else "open",
            "",
            "",
            today + dt.timedelta(days=rng.randint(-30, 60)),
            now,
        )


@transaction.atomic
def bulk_insert(rows: Iterator[tuple]) -> None:
    table = WorkItem._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["?"] * len(COLUMNS.split(",")))
        raw = connection.connection.cursor()  # the sqlite3 cursor itself: no per-row adaptation by Django
        sql = f"INSERT INTO {table} ({COLUMNS}) VALUES ({placeholders})"  # noqa: S608 - constant names
        batch: list[tuple] = []
        for row in rows:
            batch.append((*row[:-2], row[-2].isoformat(), row[-1].isoformat()))
            if len(batch) == BATCH:
                raw.executemany(sql, batch)
                batch = []
        if batch:
            raw.executemany(sql, batch)


def execute(sql: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() if sql.lstrip().upper().startswith("SELECT") else cursor.rowcount


def main() -> None:
    if connection.vendor == "sqlite":  # a real file (WAL, synchronous=NORMAL) as in production, not :memory:
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            os.environ["YIWANG_DATA_DIR"], "bench.sqlite3"
        )
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"SLA scan benchmark on {connection.vendor}, {WORK_ITEMS:,} pending work items")
        department_ids, clerks = make_organisation()
        stored = do_load_definition(None, read_definition_file(LICENCE_DEFINITION_FILE))
        definition = do_activate_definition(None, stored.key, stored.version)
        instances = ProcessInstance.objects.bulk_create(
            ProcessInstance(definition=definition, object_type="bench.case", object_id=str(n))
            for n in range(INSTANCES)
        )
        instance_ids = [instance.pk for instance in instances]
        timed("bulk insert", lambda: bulk_insert(work_item_rows(instance_ids, department_ids, clerks)))
        execute("ANALYZE")
        table = WorkItem._meta.db_table
        count_time, (count,) = timed(
            "baseline: SELECT count(*) of pending items",
            lambda: execute(f"SELECT count(*) FROM {table} WHERE status IN ('open', 'claimed')"),  # noqa: S608
        )
        update_time, _rows = timed(
            "baseline: one full-table UPDATE",
            lambda: execute(f"UPDATE {table} SET opinion = 'x'"),  # noqa: S608 - constant table name
        )
        first_time, first = timed("SLA scan, first run (stamps and notifies)", scan_work_item_deadlines)
        second_time, second = timed("SLA scan, second run (nothing new)", scan_work_item_deadlines)
        print(f"  pending items counted: {count:,}")
        print(
            f"  first scan: {first.reminded:,} reminded, {first.escalated:,} escalated, "
            f"{first.messages:,} people told ({Notification.objects.count():,} notifications)"
        )
        print(f"  second scan: {second.reminded} reminded, {second.escalated} escalated")
        print(f"  ratio first scan / count(*):        {first_time / count_time:8.1f}")
        print(f"  ratio first scan / full UPDATE:     {first_time / update_time:8.2f}")
        print(f"  ratio second scan / count(*):       {second_time / count_time:8.2f}")
        print(f"  target first scan <= 10 s: {'met' if first_time <= 10 else 'NOT met'} ({first_time:.2f} s)")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()

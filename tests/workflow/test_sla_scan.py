"""The SLA scan: stamps reminders and escalations set-wise and sends one message per person."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.workflow.conftest import Office, staff_with
from yiwang.core.legaltime import add_working_days
from yiwang.notify.models import Notification
from yiwang.org.models import Role
from yiwang.workflow.actions import do_claim_work_item
from yiwang.workflow.models import WorkItem
from yiwang.workflow.tasks import scan_work_item_deadlines, scan_work_item_deadlines_periodically


def start_many(office: Office, count: int) -> list[WorkItem]:
    return [office.start().work_items.get() for _ in range(count)]


def messages_to(user, key: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(recipient=user, template__key=key, channel="inbox"))


def test_due_soon_items_are_reminded_once_in_one_message_per_person(office: Office) -> None:
    today = timezone.localdate()
    colleague = staff_with(office.market, Role.WINDOW_CLERK)
    items = start_many(office, 3)
    WorkItem.objects.filter(pk__in=[item.pk for item in items]).update(due_date=add_working_days(today, 1))
    do_claim_work_item(office.clerk, items[0])

    result = scan_work_item_deadlines()
    assert (result.reminded, result.escalated) == (3, 0)
    assert WorkItem.objects.filter(reminded_at__isnull=False).count() == 3
    # The clerk claimed one item and also holds the role for the two open ones: one message listing all three.
    (clerk_message,) = messages_to(office.clerk, "work-item-due-soon")
    assert clerk_message.subject == "您有3件待办即将超期"
    assert clerk_message.body.count("· 受理（区市场监督管理局）") == 3
    (colleague_message,) = messages_to(colleague, "work-item-due-soon")
    assert colleague_message.body.count("· 受理") == 2
    assert messages_to(office.supervisor, "work-item-due-soon") == []

    again = scan_work_item_deadlines()
    assert (again.reminded, again.escalated, again.messages) == (0, 0, 0)
    assert len(messages_to(office.clerk, "work-item-due-soon")) == 1


def test_overdue_items_escalate_to_supervisors_and_assignees(office: Office) -> None:
    items = start_many(office, 12)
    WorkItem.objects.update(due_date=timezone.localdate() - dt.timedelta(days=1))
    do_claim_work_item(office.clerk, items[0])
    result = scan_work_item_deadlines()
    assert (result.reminded, result.escalated) == (0, 12)
    (supervisor_message,) = messages_to(office.supervisor, "work-item-overdue")
    assert supervisor_message.subject == "12件待办已超期"
    assert "……另有 2 件" in supervisor_message.body
    (assignee_message,) = messages_to(office.clerk, "work-item-overdue")
    assert assignee_message.subject == "1件待办已超期"
    assert scan_work_item_deadlines().escalated == 0


def test_items_not_yet_due_soon_and_finished_items_are_left_alone(office: Office) -> None:
    (item,) = start_many(office, 1)
    WorkItem.objects.filter(pk=item.pk).update(due_date=add_working_days(timezone.localdate(), 3))
    assert scan_work_item_deadlines().reminded == 0
    WorkItem.objects.filter(pk=item.pk).update(
        status="done", due_date=timezone.localdate() - dt.timedelta(days=9)
    )
    assert scan_work_item_deadlines().escalated == 0


def test_scan_as_seen_from_a_later_day(office: Office) -> None:
    (item,) = start_many(office, 1)  # due in five working days
    later = timezone.now() + dt.timedelta(days=30)
    result = scan_work_item_deadlines(now=later)
    assert result.escalated == 1
    item.refresh_from_db()
    assert item.escalated_at == later


def test_periodic_job_runs_the_scan(office: Office) -> None:
    start_many(office, 1)
    WorkItem.objects.update(due_date=timezone.localdate() - dt.timedelta(days=1))
    scan_work_item_deadlines_periodically.call_local()
    assert WorkItem.objects.filter(escalated_at__isnull=False).count() == 1

"""The SLA scan (时限扫描): a periodic job that reminds before a work item's deadline and escalates after it.

Set-based: two UPDATE statements stamp ``reminded_at`` / ``escalated_at`` on every newly due-soon / overdue item,
then grouped queries find who to tell — one message per person listing their items, never one per item.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from yiwang.accounts.models import User, UserKind
from yiwang.core.audit import record_audit
from yiwang.notify.actions import do_notify_user
from yiwang.org.models import Role, StaffRole
from yiwang.workflow.models import PENDING_STATUSES, WorkItem
from yiwang.workflow.queries import due_soon_filter, overdue_filter

logger = logging.getLogger(__name__)

DUE_SOON_TEMPLATE = "work-item-due-soon"
OVERDUE_TEMPLATE = "work-item-overdue"
ITEMS_LISTED = 10  # a message lists this many items, then says how many more


@dataclass(frozen=True)
class ScanResult:
    reminded: int
    escalated: int
    messages: int


def _active_staff_roles() -> QuerySet[StaffRole]:
    return StaffRole.objects.filter(user__is_active=True, user__kind=UserKind.STAFF)


def _due_soon_recipients(stamped: QuerySet[WorkItem]) -> dict[int, Q]:
    """The assignee of each claimed item; for open items, everyone holding the item's role in its department."""
    scopes: dict[int, Q] = defaultdict(Q)
    for row in stamped.filter(assignee__isnull=False).values("assignee_id").annotate(n=Count("pk")):
        scopes[row["assignee_id"]] |= Q(assignee_id=row["assignee_id"])
    pools = list(stamped.filter(assignee__isnull=True).values_list("department_id", "role").distinct())
    if pools:
        departments_by_role: dict[str, list[int]] = defaultdict(list)
        for department_id, role in pools:
            departments_by_role[role].append(department_id)
        pool_filter = Q(pk__in=[])
        for role, department_ids in departments_by_role.items():  # one term per role: the SQL stays shallow
            pool_filter |= Q(role=role, department_id__in=department_ids)
        for user_id, department_id, role in (
            _active_staff_roles().filter(pool_filter).values_list("user_id", "department_id", "role")
        ):
            scopes[user_id] |= Q(assignee__isnull=True, department_id=department_id, role=role)
    return scopes


def _overdue_recipients(stamped: QuerySet[WorkItem]) -> dict[int, Q]:
    """The supervisors (督查) of each department with newly overdue work, and each overdue item's assignee."""
    scopes: dict[int, Q] = defaultdict(Q)
    for row in stamped.filter(assignee__isnull=False).values("assignee_id").annotate(n=Count("pk")):
        scopes[row["assignee_id"]] |= Q(assignee_id=row["assignee_id"])
    department_ids = list(stamped.values_list("department_id", flat=True).distinct())
    for user_id, department_id in (
        _active_staff_roles()
        .filter(role=Role.SUPERVISOR, department_id__in=department_ids)
        .values_list("user_id", "department_id")
    ):
        scopes[user_id] |= Q(department_id=department_id)
    return scopes


def _item_line(item: WorkItem) -> str:
    return _("· %(name)s (%(department)s), due %(date)s") % {
        "name": item.name,
        "department": item.department.name,
        "date": date_format(item.due_date, "Y-m-d"),
    }


def _send(template_key: str, stamped: QuerySet[WorkItem], scopes: dict[int, Q]) -> int:
    users = User.objects.in_bulk(list(scopes))
    sent = 0
    for user_id, scope in sorted(scopes.items()):
        mine = stamped.filter(scope)
        count = mine.count()
        if not count or user_id not in users:
            continue
        listed = list(mine.select_related("department").order_by("due_date", "pk")[:ITEMS_LISTED])
        lines = [_item_line(item) for item in listed]
        if count > len(listed):
            lines.append(_("… and %(count)s more") % {"count": count - len(listed)})
        user = users[user_id]
        do_notify_user(user, template_key, {"name": str(user), "count": count, "items": "\n".join(lines)})
        sent += 1
    return sent


def scan_work_item_deadlines(now: dt.datetime | None = None) -> ScanResult:
    """Stamp and announce newly due-soon and newly overdue work items (one transaction, idempotent)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    pending = WorkItem.objects.filter(status__in=PENDING_STATUSES)
    with transaction.atomic():
        reminded = pending.filter(due_soon_filter(today), reminded_at__isnull=True).update(reminded_at=now)
        escalated = pending.filter(overdue_filter(today), escalated_at__isnull=True).update(escalated_at=now)
        messages = 0
        if reminded:
            stamped = pending.filter(due_soon_filter(today), reminded_at=now)
            messages += _send(DUE_SOON_TEMPLATE, stamped, _due_soon_recipients(stamped))
        if escalated:
            stamped = pending.filter(overdue_filter(today), escalated_at=now)
            messages += _send(OVERDUE_TEMPLATE, stamped, _overdue_recipients(stamped))
        if reminded or escalated:
            record_audit(
                None,
                "workflow.sla_scan",
                ("workflow.slascan", now.isoformat()),
                {"reminded": reminded, "escalated": escalated, "messages": messages},
            )
    if reminded or escalated:
        logger.info("SLA scan: %d reminded, %d escalated, %d messages", reminded, escalated, messages)
    return ScanResult(reminded, escalated, messages)


@db_periodic_task(crontab(minute="*/5"))
def scan_work_item_deadlines_periodically() -> None:
    """Every five minutes: the SLA scan."""
    scan_work_item_deadlines()

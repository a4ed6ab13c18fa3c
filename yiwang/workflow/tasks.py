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
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
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


Group = tuple[int, str, int | None]  # (department id, role, assignee id) of stamped work items


def _active_staff_roles() -> QuerySet[StaffRole]:
    return StaffRole.objects.filter(user__is_active=True, user__kind=UserKind.STAFF)


def _group_counts(stamped: QuerySet[WorkItem]) -> dict[Group, int]:
    rows = stamped.values_list("department_id", "role", "assignee_id").annotate(n=Count("pk")).order_by()
    return {(department_id, role, assignee_id): n for department_id, role, assignee_id, n in rows}


def _first_items(stamped: QuerySet[WorkItem]) -> dict[Group, list[WorkItem]]:
    """The earliest-due items of each group, at most ITEMS_LISTED each, in one windowed query."""
    ranked = (
        stamped.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("department_id"), F("role"), F("assignee_id")],
                order_by=[F("due_date").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=ITEMS_LISTED)
        .select_related("department")
    )
    items: dict[Group, list[WorkItem]] = defaultdict(list)
    for item in ranked:
        items[(item.department_id, item.role, item.assignee_id)].append(item)
    return items


def _holders(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], list[int]]:
    """Active staff holding each (department, role); one SQL term per role keeps the query shallow."""
    departments_by_role: dict[str, set[int]] = defaultdict(set)
    for department_id, role in pairs:
        departments_by_role[role].add(department_id)
    holders: dict[tuple[int, str], list[int]] = defaultdict(list)
    scope = Q(pk__in=[])
    for role, department_ids in departments_by_role.items():
        scope |= Q(role=role, department_id__in=department_ids)
    for user_id, department_id, role in (
        _active_staff_roles().filter(scope).values_list("user_id", "department_id", "role")
    ):
        holders[(department_id, role)].append(user_id)
    return holders


def _due_soon_recipients(groups: dict[Group, int]) -> dict[int, set[Group]]:
    """The assignee of claimed items; for open items, everyone holding the item's role in its department."""
    recipients: dict[int, set[Group]] = defaultdict(set)
    holders = _holders(
        {(department_id, role) for department_id, role, assignee_id in groups if not assignee_id}
    )
    for group in groups:
        department_id, role, assignee_id = group
        for user_id in [assignee_id] if assignee_id else holders[(department_id, role)]:
            recipients[user_id].add(group)
    return recipients


def _overdue_recipients(groups: dict[Group, int]) -> dict[int, set[Group]]:
    """The supervisors (督查) of each department with newly overdue work, and each overdue item's assignee."""
    recipients: dict[int, set[Group]] = defaultdict(set)
    supervisors = _holders({(department_id, Role.SUPERVISOR) for department_id, _role, _assignee in groups})
    for group in groups:
        department_id, _role, assignee_id = group
        for user_id in supervisors[(department_id, Role.SUPERVISOR)]:
            recipients[user_id].add(group)
        if assignee_id:
            recipients[assignee_id].add(group)
    return recipients


def _item_line(item: WorkItem) -> str:
    return _("· %(name)s (%(department)s), due %(date)s") % {
        "name": item.name,
        "department": item.department.name,
        "date": date_format(item.due_date, "Y-m-d"),
    }


def _send(template_key: str, stamped: QuerySet[WorkItem], overdue: bool) -> int:
    """One message per person, listing the earliest-due of their newly stamped items and how many there are."""
    groups = _group_counts(stamped)
    recipients = _overdue_recipients(groups) if overdue else _due_soon_recipients(groups)
    first_items = _first_items(stamped)
    users = User.objects.in_bulk(list(recipients))
    for user_id, their_groups in sorted(recipients.items()):
        count = sum(groups[group] for group in their_groups)
        listed = sorted(
            (item for group in their_groups for item in first_items[group]),
            key=lambda item: (item.due_date, item.pk),
        )[:ITEMS_LISTED]
        lines = [_item_line(item) for item in listed]
        if count > len(listed):
            lines.append(_("… and %(count)s more") % {"count": count - len(listed)})
        do_notify_user(
            users[user_id],
            template_key,
            {"name": str(users[user_id]), "count": count, "items": "\n".join(lines)},
        )
    return len(recipients)


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
            messages += _send(DUE_SOON_TEMPLATE, stamped, overdue=False)
        if escalated:
            stamped = pending.filter(overdue_filter(today), escalated_at=now)
            messages += _send(OVERDUE_TEMPLATE, stamped, overdue=True)
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

"""Read helpers of the workflow engine: inboxes (待办 / 已办 / 即将超期 / 已超期) and dashboard counts.

Due-soon and overdue are computed from ``due_date`` against today in SQL; nothing stores an overdue flag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import User
from yiwang.core.legaltime import DUE_SOON_DAYS, add_working_days
from yiwang.core.permissions import roles_of
from yiwang.org.models import Department
from yiwang.workflow.definition import Definition, validate_definition
from yiwang.workflow.models import (
    PENDING_STATUSES,
    DefinitionStatus,
    ProcessDefinition,
    WorkItem,
    WorkItemStatus,
)

PAGE_SIZE = 20


class Box(StrEnum):
    """The four work lists of a staff member."""

    TODO = "todo"  # 待办
    DONE = "done"  # 已办
    DUE_SOON = "due_soon"  # 即将超期
    OVERDUE = "overdue"  # 已超期


BOX_LABELS = {
    Box.TODO: _("To do"),
    Box.DONE: _("Done"),
    Box.DUE_SOON: _("Due soon"),
    Box.OVERDUE: _("Overdue"),
}


def due_soon_limit(today: dt.date) -> dt.date:
    """The last due date that counts as due soon on ``today``: within two working days."""
    return add_working_days(today, DUE_SOON_DAYS)


def _pending() -> QuerySet[WorkItem]:
    return WorkItem.objects.filter(status__in=PENDING_STATUSES)


def due_soon_filter(today: dt.date) -> Q:
    return Q(due_date__gte=today, due_date__lte=due_soon_limit(today))


def overdue_filter(today: dt.date) -> Q:
    return Q(due_date__lt=today)


def role_scope(user: User) -> Q:
    """Open work items for any (department, role) the user holds; matches nothing for a user without roles."""
    scope = Q(pk__in=[])
    for department_id, role in roles_of(user).values_list("department_id", "role"):
        scope |= Q(department_id=department_id, role=role)
    return scope


def work_box(user: User, box: Box, today: dt.date | None = None) -> QuerySet[WorkItem]:
    """One of the user's work lists, ordered by deadline (已办: most recently done first).

    To do = open items of the user's department roles (to claim) and items claimed by the user.
    """
    today = today or timezone.localdate()
    items = WorkItem.objects.select_related("department", "instance", "assignee")
    if box == Box.DONE:
        return items.filter(status=WorkItemStatus.DONE, assignee=user).order_by("-completed_at", "-pk")
    todo = items.filter(
        (Q(status=WorkItemStatus.OPEN) & role_scope(user)) | Q(status=WorkItemStatus.CLAIMED, assignee=user)
    )
    if box == Box.DUE_SOON:
        todo = todo.filter(due_soon_filter(today))
    elif box == Box.OVERDUE:
        todo = todo.filter(overdue_filter(today))
    return todo.order_by("due_date", "pk")


def box_counts(user: User, today: dt.date | None = None) -> dict[Box, int]:
    """How many items each of the user's lists holds (for the tab labels)."""
    return {box: work_box(user, box, today).count() for box in Box}


def department_role_items(department: Department, role: str) -> QuerySet[WorkItem]:
    """The pending work of one role in one department (部门岗位待办), by deadline."""
    return (
        _pending()
        .filter(department=department, role=role)
        .select_related("assignee")
        .order_by("due_date", "pk")
    )


@dataclass(frozen=True)
class DepartmentWorkCounts:
    department_id: int
    pending: int
    due_soon: int
    overdue: int


def department_counts(
    departments: Iterable[Department] | None = None, today: dt.date | None = None
) -> list[DepartmentWorkCounts]:
    """Pending, due-soon and overdue work per department, in one grouped query (for dashboards)."""
    today = today or timezone.localdate()
    pending = _pending()
    if departments is not None:
        pending = pending.filter(department__in=list(departments))
    rows = (
        pending.values("department_id")
        .annotate(
            pending=Count("pk"),
            due_soon=Count("pk", filter=due_soon_filter(today)),
            overdue=Count("pk", filter=overdue_filter(today)),
        )
        .order_by("department_id")
    )
    return [DepartmentWorkCounts(**row) for row in rows]


def paginate(items: QuerySet[WorkItem], page_number: str | int | None) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(page_number)


def work_item(pk: int) -> WorkItem:
    """A work item by id, or 404."""
    return get_object_or_404(WorkItem.objects.select_related("department", "instance", "assignee"), pk=pk)


def active_definition(key: str) -> ProcessDefinition | None:
    """The active version of definition ``key`` (启用版本), if any."""
    return ProcessDefinition.objects.filter(key=key, status=DefinitionStatus.ACTIVE).first()


def return_candidates(item: WorkItem, definition: Definition | None = None) -> list[WorkItem]:
    """Done work items ``item`` may be returned to (退回), newest first: earlier steps of its own branch, or steps
    outside any parallel block."""
    definition = definition or validate_definition(item.instance.definition.spec)
    block_of = definition.block_of
    block = block_of.get(item.node_id)
    done = (
        WorkItem.objects.filter(instance_id=item.instance_id, status=WorkItemStatus.DONE)
        .exclude(node_id=item.node_id)
        .select_related("department")
    )
    return [
        candidate
        for candidate in done.order_by("-completed_at", "-pk")
        if block is None
        or block_of.get(candidate.node_id) is None
        or (block_of.get(candidate.node_id) == block and candidate.branch == item.branch)
    ]

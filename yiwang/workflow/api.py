"""API endpoints of the workflow engine: a staff member's work lists and claiming (认领)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from yiwang.core import pagination
from yiwang.core.pagination import PageQuery
from yiwang.core.permissions import api_staff_user, check_department_access, not_found_unless_allowed
from yiwang.workflow import queries
from yiwang.workflow.actions import do_claim_work_item
from yiwang.workflow.models import WorkItem
from yiwang.workflow.queries import Box

router = Router(tags=["workflow"])


class WorkItemOut(Schema):
    id: int
    name: str
    step: str
    status: str
    status_label: str
    department_code: str
    department_name: str
    role: str
    assignee: str | None
    subject_type: str
    subject_id: str
    due_date: dt.date
    created_at: dt.datetime
    claimed_at: dt.datetime | None
    completed_at: dt.datetime | None
    outcome: str


class WorkItemPage(Schema):
    box: Box
    count: int
    page: int
    pages: int
    items: list[WorkItemOut]


class BoxQuery(PageQuery):
    box: Box = Box.TODO


def _work_item_out(item: WorkItem) -> WorkItemOut:
    return WorkItemOut(
        id=item.pk,
        name=item.name,
        step=item.node_id,
        status=item.status,
        status_label=str(item.get_status_display()),
        department_code=item.department.code,
        department_name=item.department.name,
        role=item.role,
        assignee=item.assignee.get_username() if item.assignee else None,
        subject_type=item.instance.object_type,
        subject_id=item.instance.object_id,
        due_date=item.due_date,
        created_at=item.created_at,
        claimed_at=item.claimed_at,
        completed_at=item.completed_at,
        outcome=item.outcome,
    )


@router.get("/work-items", response=WorkItemPage, summary="My work list: to do, done, due soon or overdue")
def list_work_items(request: HttpRequest, filters: Query[BoxQuery]) -> WorkItemPage:
    """待办 / 已办 / 即将超期 / 已超期 of the logged-in staff member, by deadline, 20 per page."""
    user = api_staff_user(request)
    items = queries.work_box(user, filters.box)
    count = items.count()
    offset, limit = pagination.window(filters, default_limit=queries.PAGE_SIZE)
    return WorkItemPage(
        box=filters.box,
        count=count,
        page=offset // limit + 1,
        pages=max(1, -(-count // limit)),
        items=[_work_item_out(item) for item in items[offset : offset + limit]],
    )


@router.post("/work-items/{item_id}/claim", response=WorkItemOut, summary="Claim an open work item")
def claim_work_item(request: HttpRequest, item_id: int) -> WorkItemOut:
    """认领: 409 if someone else claimed it first, 403 without the item's role in its department, 404 for staff of
    other departments (their work items are private)."""
    user = api_staff_user(request)
    item = queries.work_item(item_id)
    with not_found_unless_allowed():
        check_department_access(user, item.department)
    item = do_claim_work_item(user, item)
    return _work_item_out(queries.work_item(item.pk))

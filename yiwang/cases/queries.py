"""Read side of applications and cases (办件查询): status with countdown, timelines, staff lists, supervisor view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from yiwang.accounts.models import CompanyAgent
from yiwang.cases.actions import check_can_view_application, check_can_view_case
from yiwang.cases.models import Application, Case, CaseEvent
from yiwang.cases.states import OPEN_STATES
from yiwang.core.legaltime import deadlines, overdue_level
from yiwang.core.models import ClockSegment
from yiwang.core.permissions import departments_where, is_platform_admin
from yiwang.org.models import Department, Role
from yiwang.workflow.models import PENDING_STATUSES, WorkItem


def applications_of(user: Any) -> QuerySet[Application]:
    """Applications ``user`` made, is represented in, or (as an active agent) their company's."""
    now = timezone.now()
    companies = CompanyAgent.objects.filter(
        user=user, approved_at__isnull=False, revoked_at__isnull=True
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    return (
        Application.objects.filter(
            Q(applicant=user) | Q(citizen=user) | Q(company__in=companies.values("company_id"))
        )
        .select_related("item", "bundle", "company")
        .prefetch_related("cases")
        .distinct()
    )


def application_for(user: Any, pk: int) -> Application:
    """One application ``user`` may see (404 when missing, 403 when not theirs)."""
    application = get_object_or_404(Application.objects.select_related("company", "item", "bundle"), pk=pk)
    check_can_view_application(user, application)
    return application


def case_by_number(user: Any, number: str) -> Case:
    """One case ``user`` may see by its number (404 / 403)."""
    case = get_object_or_404(
        Case.objects.select_related("application", "item", "department", "clock", "process"), number=number
    )
    check_can_view_case(user, case)
    return case


@dataclass(frozen=True)
class CurrentStep:
    name: str
    department: str
    due_date: dt.date


@dataclass(frozen=True)
class CaseStatus:
    """What the applicant sees: state, the steps now open and who holds them, the countdown and clock segments."""

    case: Case
    steps: list[CurrentStep]
    holding_departments: list[str]
    legal_due_on: dt.date | None
    promised_due_on: dt.date | None
    working_days_left: int | None
    overdue_level: str | None
    provisional: bool
    clock_state: str | None
    segments: list[dict[str, Any]]


def case_status(case: Case, today: dt.date | None = None) -> CaseStatus:
    """The status of ``case`` as of ``today``, computed from the clock and the open work items."""
    steps = (
        [
            CurrentStep(item.name, item.department.name, item.due_date)
            for item in WorkItem.objects.filter(instance_id=case.process_id, status__in=PENDING_STATUSES)
            .select_related("department")
            .order_by("pk")
        ]
        if case.process_id
        else []
    )
    holding = list(dict.fromkeys(step.department for step in steps)) or [case.department.name]
    clock = case.clock
    if clock is None:
        return CaseStatus(case, steps, holding, None, None, None, None, False, None, [])
    figures = deadlines(clock, today)
    segments = [
        {"running": s.running, "reason": s.reason, "started_on": s.started_on, "ended_on": s.ended_on}
        for s in ClockSegment.objects.filter(clock=clock).order_by("started_on", "id")
    ]
    return CaseStatus(
        case=case,
        steps=steps,
        holding_departments=holding,
        legal_due_on=figures.legal_due_on,
        promised_due_on=figures.promised_due_on,
        working_days_left=figures.working_days_left,
        overdue_level=str(overdue_level(clock, today)),
        provisional=figures.provisional,
        clock_state=clock.state,
        segments=segments,
    )


def timeline(case: Case, staff: bool = False) -> QuerySet[CaseEvent]:
    """The case's events, oldest first; the applicant sees only events with a text for them."""
    events = case.events.select_related("department", "actor").order_by("at", "id")
    return events if staff else events.exclude(public_text="")


def department_cases(
    user: Any, department: Department | None = None, state: str = "", overdue: bool = False
) -> QuerySet[Case]:
    """Cases held by the departments where ``user`` works (or ``department``), by legal deadline (nearest first)."""
    allowed = Department.objects.all() if is_platform_admin(user) else departments_where(user)
    if department is not None:
        allowed = allowed.filter(pk=department.pk)
    cases = Case.objects.filter(department__in=allowed).select_related(
        "item", "department", "clock", "application"
    )
    cases = cases.filter(state=state) if state else cases.filter(state__in=OPEN_STATES)
    if overdue:
        cases = cases.filter(clock__legal_due_on__lt=timezone.localdate())
    return cases.order_by(F("clock__legal_due_on").asc(nulls_last=True), "pk")


@dataclass(frozen=True)
class DepartmentQueue:
    department: Department
    by_state: dict[str, int]
    overdue: int
    promised_overdue: int


def supervisor_overview(user: Any, today: dt.date | None = None) -> list[DepartmentQueue]:
    """Per department the supervisor oversees: open cases by state and how many are past their deadlines."""
    today = today or timezone.localdate()
    departments = (
        Department.objects.all() if is_platform_admin(user) else departments_where(user, Role.SUPERVISOR)
    )
    rows = (
        Case.objects.filter(department__in=departments, state__in=OPEN_STATES)
        .values("department_id", "state")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(clock__legal_due_on__lt=today)),
            promised_overdue=Count("pk", filter=Q(clock__promised_due_on__lt=today)),
        )
    )
    queues: dict[int, dict[str, Any]] = {
        department.pk: {"department": department, "by_state": {}, "overdue": 0, "promised_overdue": 0}
        for department in departments
    }
    for row in rows:
        queue = queues[row["department_id"]]
        queue["by_state"][row["state"]] = row["total"]
        queue["overdue"] += row["overdue"]
        queue["promised_overdue"] += row["promised_overdue"]
    return [DepartmentQueue(**queue) for queue in queues.values()]

"""Read side of applications and cases (办件查询): status with countdown, timelines, staff lists, supervisor view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.accounts.models import Company, CompanyAgent
from yiwang.accounts.queries import company_roles_of
from yiwang.cases import once_only
from yiwang.cases.actions import check_can_view_application, check_staff_can_view_case
from yiwang.cases.models import (
    ApplicantKind,
    Application,
    Case,
    CaseEvent,
    Material,
    MaterialFile,
    MaterialSource,
    MaterialStatus,
    Notice,
    SharedLookup,
)
from yiwang.cases.states import FINAL_STATES, OPEN_STATES
from yiwang.catalog.models import ServiceItem
from yiwang.core.legaltime import deadlines, overdue_level
from yiwang.core.masking import masked_name
from yiwang.core.models import ClockSegment
from yiwang.core.permissions import departments_where, is_platform_admin, not_found_unless_allowed
from yiwang.licences.models import Licence
from yiwang.org.models import Department, Role
from yiwang.registries.exchange import verify_response
from yiwang.workflow.models import PENDING_STATUSES, WorkItem, WorkItemStatus
from yiwang.workflow.queries import due_soon_limit


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
    """One application ``user`` may see (404 when missing or not theirs)."""
    application = get_object_or_404(Application.objects.select_related("company", "item", "bundle"), pk=pk)
    with not_found_unless_allowed():
        check_can_view_application(user, application)
    return application


def companies_acted_for(user: Any) -> list[Company]:
    """The companies ``user`` may apply for now: those where they are an approved agent in force."""
    now = timezone.now()
    return [role.company for role in company_roles_of(user) if role.is_active_at(now)]


def _case_by_number(number: str) -> Case:
    return get_object_or_404(
        Case.objects.select_related("application", "item", "department", "clock", "process"), number=number
    )


def case_for_applicant(user: Any, number: str) -> Case:
    """A case on the applicant's side (applicant, represented citizen, company agent); 404 for anyone else."""
    case = _case_by_number(number)
    with not_found_unless_allowed():
        check_can_view_application(user, case.application)
    return case


def case_for_staff(user: Any, number: str) -> Case:
    """A case for staff of a department working on it (or a platform admin); 404 for other staff."""
    case = _case_by_number(number)
    with not_found_unless_allowed():
        check_staff_can_view_case(user, case)
    return case


def case_for(user: Any, number: str) -> Case:
    """A case for whoever asks: staff through :func:`case_for_staff`, anyone else as the applicant side."""
    if getattr(user, "is_government_staff", False):
        return case_for_staff(user, number)
    return case_for_applicant(user, number)


def application_cases(application: Application) -> list[Case]:
    """The cases of an application (one per item), in submission order."""
    return list(application.cases.select_related("item", "department", "clock").order_by("pk"))


def application_materials(application: Application) -> list[Material]:
    """The material checklist of an application with its files, in guide order."""
    return list(application.materials.prefetch_related("files", "lookups").order_by("position", "pk"))


def needs_upload(material: Material) -> bool:
    """Whether the applicant hands ``material`` in: their own documents, and shared ones that could not be
    fetched (a registry had no record or refused)."""
    return material.source != MaterialSource.SHARED or bool(material.shared_problem)


def registry_household(application: Application) -> dict[str, Any] | None:
    """The applicant's household record (户籍信息) as the population registry answered it for this application,
    shown on the form beside the fields it prefilled; None when no material needed it or there was no record."""
    subject = once_only.principal_of(application)  # "" once a delegation ended: nothing is shown any more
    if not subject:
        return None
    lookup = application.shared_lookups.filter(
        data_service=once_only.HOUSEHOLD, subject=subject, outcome=once_only.FOUND
    ).first()
    return lookup.fields if lookup is not None else None


@dataclass(frozen=True)
class Newborn:
    """A recent child of the applicant as the birth registry listed it for a draft (shown masked)."""

    certificate_number: str
    masked_name: str
    sex: str
    birth_date: dt.date


def newborn_of(application: Application) -> tuple[Newborn | None, list[Newborn]]:
    """The child a newborn draft is for (chosen, else the youngest) and every recent child of the applicant the
    parent may choose among (from the birth-registry answer already fetched; nothing is read here)."""

    def shown(record: dict[str, Any]) -> Newborn:
        return Newborn(
            certificate_number=record["certificate_number"],
            masked_name=masked_name(record.get("child_name") or ""),
            sex=record.get("child_sex") or "",
            birth_date=dt.date.fromisoformat(record["birth_date"]),
        )

    chosen = once_only.chosen_newborn(application)
    return (shown(chosen) if chosen else None), [
        shown(record) for record in once_only.newborn_choices(application)
    ]


def verified_lookups(material: Material) -> list[tuple[SharedLookup, bool]]:
    """The signed exchange answers ``material`` rests on, each with whether its signature verifies (签名有效):
    the provider department's key, the unaltered payload, bound to its request."""
    return [
        (
            lookup,
            verify_response(
                lookup.payload, lookup.signature, lookup.kid, request_digest=lookup.request_digest
            ),
        )
        for lookup in material.lookups.all()
    ]


def current_files(material: Material) -> list[MaterialFile]:
    """The files of ``material`` in force (not replaced by a correction); uses a prefetch when there is one."""
    return [file for file in material.files.all() if file.replaced_at is None]


def case_materials(case: Case) -> list[Material]:
    """The materials ``case`` needs (a bundle's application shares its checklist among its cases)."""
    code = case.item.implementation_code
    return [material for material in application_materials(case.application) if code in material.item_codes]


def correction_materials(case: Case) -> list[Material]:
    """The materials of ``case`` its correction notice asks to correct (补正材料)."""
    return [m for m in case_materials(case) if m.status == MaterialStatus.NEEDS_CORRECTION]


def material_file_for(user: Any, file_id: int) -> MaterialFile:
    """A material file for the applicant side, or for staff of a department working on a case that needs it."""
    material_file = get_object_or_404(
        MaterialFile.objects.select_related("material__application"), pk=file_id
    )
    material = material_file.material
    if not getattr(user, "is_government_staff", False):
        with not_found_unless_allowed():
            check_can_view_application(user, material.application)
        return material_file
    for case in material.application.cases.filter(item__implementation_code__in=material.item_codes):
        try:
            check_staff_can_view_case(user, case)
        except PermissionDenied:
            continue
        return material_file
    raise Http404(_("Only staff of the departments handling this case may open its files."))


def case_licences(case: Case) -> QuerySet[Licence]:
    """The e-licences issued on ``case`` (电子证照), by number."""
    return Licence.objects.filter(case_reference=case.number).order_by("number")


def case_notices(case: Case) -> QuerySet[Notice]:
    """The written notices of ``case`` (文书), oldest first."""
    return case.notices.select_related("department").order_by("issued_at", "pk")


def notice_of(case: Case, number: str) -> Notice:
    """One notice of ``case`` by its number (404)."""
    return get_object_or_404(case_notices(case), number=number)


def department_opinions(case: Case) -> list[WorkItem]:
    """The opinions recorded on ``case`` (审查意见: each reviewing department's, then the decision), oldest first."""
    if case.process_id is None:
        return []
    return list(
        WorkItem.objects.filter(instance_id=case.process_id, status=WorkItemStatus.DONE)
        .exclude(opinion="")
        .select_related("department", "assignee")
        .order_by("completed_at", "pk")
    )


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


class DeadlineFilter(models.TextChoices):
    """The inbox's deadline filter (期限筛选), on the stored legal deadline."""

    DUE_SOON = "due_soon", gettext_lazy("Due soon (2 working days or fewer)")  # 即将超期
    OVERDUE = "overdue", gettext_lazy("Past the legal deadline")  # 已超期


def _deadline_q(level: str, today: dt.date) -> Q:
    if level == DeadlineFilter.DUE_SOON:
        return Q(clock__legal_due_on__gte=today, clock__legal_due_on__lte=due_soon_limit(today))
    if level == DeadlineFilter.OVERDUE:
        return Q(clock__legal_due_on__lt=today)
    return Q()


def staff_departments(user: Any) -> QuerySet[Department]:
    """The departments whose cases ``user`` works on: every department for a platform admin."""
    return Department.objects.order_by("code") if is_platform_admin(user) else departments_where(user)


def inbox_services(departments: Iterable[Department]) -> QuerySet[ServiceItem]:
    """The service items of ``departments``, by name (the inbox's service filter)."""
    return ServiceItem.objects.filter(department__in=list(departments)).order_by("name")


def department_cases(
    user: Any,
    department: Department | None = None,
    state: str = "",
    *,
    item: str = "",
    deadline: str = "",
    search: str = "",
    today: dt.date | None = None,
) -> QuerySet[Case]:
    """The inbox (办件箱): open cases (or those in ``state``) held by the departments where ``user`` works (or by
    ``department`` among them), narrowed by service item code, deadline level and a case number or name, nearest
    legal deadline first."""
    allowed = staff_departments(user)
    if department is not None:
        allowed = allowed.filter(pk=department.pk)
    cases = Case.objects.filter(department__in=allowed).select_related(
        "item", "department", "clock", "application", "application__company", "application__applicant"
    )
    cases = cases.filter(state=state) if state else cases.filter(state__in=OPEN_STATES)
    if item:
        cases = cases.filter(item__implementation_code=item)
    cases = cases.filter(_deadline_q(deadline, today or timezone.localdate()))
    if search:
        cases = cases.filter(
            Q(number__icontains=search)
            | Q(item__name__icontains=search)
            | Q(application__company__name__icontains=search)
            | Q(application__citizen_name__icontains=search)
            | Q(application__applicant__real_name__icontains=search)
        )
    return cases.order_by(F("clock__legal_due_on").asc(nulls_last=True), "pk")


@dataclass(frozen=True)
class DepartmentQueue:
    """One department's open cases for the supervisor (督查): by state, due soon, and past each deadline."""

    department: Department
    by_state: dict[str, int]
    due_soon: int
    overdue: int
    promised_overdue: int


def supervisor_overview(user: Any, today: dt.date | None = None) -> list[DepartmentQueue]:
    """Per department the user supervises (or administers): open cases by state, due soon and overdue."""
    today = today or timezone.localdate()
    departments = (
        Department.objects.order_by("code")
        if is_platform_admin(user)
        else departments_where(user, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN)
    )
    rows = (
        Case.objects.filter(department__in=departments, state__in=OPEN_STATES)
        .values("department_id", "state")
        .annotate(
            total=Count("pk"),
            due_soon=Count("pk", filter=_deadline_q(DeadlineFilter.DUE_SOON, today)),
            overdue=Count("pk", filter=_deadline_q(DeadlineFilter.OVERDUE, today)),
            promised_overdue=Count("pk", filter=Q(clock__promised_due_on__lt=today)),
        )
        .order_by()
    )
    queues: dict[int, dict[str, Any]] = {
        department.pk: {
            "department": department,
            "by_state": {},
            "due_soon": 0,
            "overdue": 0,
            "promised_overdue": 0,
        }
        for department in departments
    }
    for row in rows:
        queue = queues[row["department_id"]]
        queue["by_state"][row["state"]] = row["total"]
        for count in ("due_soon", "overdue", "promised_overdue"):
            queue[count] += row[count]
    return [DepartmentQueue(**queue) for queue in queues.values()]


# --- Parties to a case, for the exchange's staff-query rule (办件当事人) ---------------------------------------------

#: Words in a shared material's name by which a guide declares that it needs the applicant's household.
HOUSEHOLD_WORDS = ("家庭成员", "共同申请", "共同生活")


def case_parties(case_number: str, department: Department) -> frozenset[str] | None:
    """The resident ID numbers of the parties to the submitted, unfinished case ``case_number`` handled (or
    jointly reviewed) by ``department``: the applicant, the citizen a village agent acts for, the company's legal
    representative, the people the case's shared materials were fetched about (newborn, parents, spouse), and —
    where the guide declares materials about the household — the members of the applicant's household as the
    household registry listed them. None when the department has no such case (registered with the exchange as
    the resolver of matters of kind ``case``)."""
    case = (
        Case.objects.select_related("application__applicant", "application__company", "guide_version")
        .filter(number=case_number)
        .exclude(state__in=FINAL_STATES)
        .first()
        if case_number.isascii() and len(case_number) <= 30
        else None
    )
    if case is None or (
        case.department_id != department.pk and department.code not in (case.review_departments or [])
    ):
        return None
    application = case.application
    parties: set[str] = set()
    if application.applicant_kind == ApplicantKind.DELEGATED:
        parties.add(application.citizen_resident_id)
    elif application.applicant_kind == ApplicantKind.COMPANY and application.company is not None:
        parties.add(application.company.legal_representative_id)
    elif application.applicant.resident_id:
        parties.add(application.applicant.resident_id)
    lookups = list(application.shared_lookups.filter(outcome=once_only.FOUND))
    parties.update(lookup.subject for lookup in lookups)
    declares_household = any(
        material.get("source") == "shared"
        and any(word in material.get("name", "") for word in HOUSEHOLD_WORDS)
        for material in case.guide_version.content.get("materials", [])
    )
    if declares_household:
        for lookup in lookups:
            if lookup.data_service == once_only.HOUSEHOLD and lookup.subject in parties:
                parties.update(
                    member.get("resident_id", "") for member in lookup.fields.get("members", []) or []
                )
    return frozenset(party for party in parties if party)

"""API of applications and cases (申请与办件), calling the same actions as the pages.

Files travel as base64 inside ``POST /applications`` (create and submit in one request), or one at a time as a
multipart upload to ``POST /applications/{id}/materials/{material_id}`` (a draft, or a correction).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from yiwang.accounts.models import Company
from yiwang.cases import actions, delegation, queries
from yiwang.cases.models import ApplicantKind, Application, Case, Material
from yiwang.catalog.models import Bundle, ServiceItem
from yiwang.core.permissions import api_staff_user
from yiwang.core.ratelimit import client_ip
from yiwang.org.models import Department

router = Router(tags=["cases"])


class FileIn(Schema):
    filename: str
    content_base64: str


class MaterialIn(Schema):
    name: str
    files: list[FileIn]


class ApplicationIn(Schema):
    item: str | None = None  # implementation code
    bundle: str | None = None  # bundle code
    applicant_kind: Literal["person", "company", "delegated"] = "person"
    company_uscc: str = ""
    citizen_name: str = ""
    citizen_resident_id: str = ""
    form_data: dict[str, Any] = {}
    # A newborn bundle: the birth certificate number of the child it is for, one of the draft's newborn_choices
    # (default: the youngest child born recently).
    newborn_certificate: str = ""
    materials: list[MaterialIn] = []
    submit: bool = True


class StepOut(Schema):
    name: str
    department: str
    due_date: dt.date


class SegmentOut(Schema):
    running: bool
    reason: str
    started_on: dt.date
    ended_on: dt.date | None


class EventOut(Schema):
    action: str
    department: str | None
    text: str
    at: dt.datetime


class NoticeOut(Schema):
    number: str
    kind: str
    title: str
    issued_at: dt.datetime


class CaseOut(Schema):
    number: str
    item: str
    state: str
    state_label: str
    department: str
    holding_departments: list[str]
    current_steps: list[StepOut]
    received_on: dt.date
    accepted_on: dt.date | None
    decision: str
    legal_due_on: dt.date | None
    promised_due_on: dt.date | None
    working_days_left: int | None
    overdue_level: str | None
    provisional: bool
    clock_state: str | None
    clock_segments: list[SegmentOut]
    timeline: list[EventOut]
    notices: list[NoticeOut]
    version: int


class SharedAnswerOut(Schema):
    """A signed exchange answer a shared material rests on (verify it at POST /api/v1/exchange/verify)."""

    data_service: str
    provider: str
    responded_at: dt.datetime
    request_id: str
    request_digest: str
    payload: str
    signature: str
    kid: str


class MaterialOut(Schema):
    id: int
    name: str
    source: str
    necessity: str
    status: str
    problem: str
    shared_problem: str
    shared_answers: list[SharedAnswerOut]


class NewbornOut(Schema):
    """A recent child of the applicant from the birth registry (name masked)."""

    certificate_number: str
    name: str
    sex: str
    birth_date: dt.date


class NewbornChoiceIn(Schema):
    certificate_number: str


class DelegationOut(Schema):
    citizen_name: str
    confirmed_at: dt.datetime | None
    method: str = Field(description="code | in_person | empty while unconfirmed")
    ended_at: dt.datetime | None


class ApplicationOut(Schema):
    id: int
    status: str
    applicant_kind: str
    holder: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    materials: list[MaterialOut]
    cases: list[CaseOut]
    newborn: NewbornOut | None = None  # the child a newborn application is for
    newborn_choices: list[NewbornOut] = []  # the applicant's recent children it may be for instead
    delegation: DelegationOut | None = None  # when acting for another citizen (代办)


class ApplicantActionIn(Schema):
    action: Literal["withdraw", "resubmit"]
    case: str | None = None  # case number; withdraw without it withdraws every open case
    reason: str = ""


class StaffActionIn(Schema):
    action: Literal[
        "accept",
        "refuse",
        "request_correction",
        "opinion",
        "return",
        "transfer",
        "add_department",
        "request_extension",
        "approve_extension",
        "start_procedure",
        "end_procedure",
        "supervise",
        "decide",
        "deliver",
        "close",
    ]
    expected_version: int | None = None
    reason: str = ""
    note: str = ""
    problems: dict[int, str] = {}
    outcome: str = ""
    opinion: str = ""
    department: str = ""  # department code
    step: str = ""  # return: accept | review | review:<department code>; empty = the previous step
    days: int = 0
    approve: bool = True
    kind: str = ""
    expected_days: int | None = None
    result: str = ""
    message: str = ""
    decision: str = ""
    reasons: str = ""
    remedies: str = ""
    licence_details: dict[str, Any] = {}
    method: str = "electronic"


def case_out(case: Case, staff: bool = False) -> CaseOut:
    status = queries.case_status(case)
    return CaseOut(
        number=case.number,
        item=case.item.name,
        state=case.state,
        state_label=str(case.get_state_display()),
        department=case.department.name,
        holding_departments=status.holding_departments,
        current_steps=[
            StepOut(name=s.name, department=s.department, due_date=s.due_date) for s in status.steps
        ],
        received_on=case.received_on,
        accepted_on=case.accepted_on,
        decision=case.decision,
        legal_due_on=status.legal_due_on,
        promised_due_on=status.promised_due_on,
        working_days_left=status.working_days_left,
        overdue_level=status.overdue_level,
        provisional=status.provisional,
        clock_state=status.clock_state,
        clock_segments=[SegmentOut(**segment) for segment in status.segments],
        timeline=[
            EventOut(
                action=event.action,
                department=event.department.name if event.department else None,
                text=event.public_text
                + (f"（{event.internal_note}）" if staff and event.internal_note else ""),
                at=event.at,
            )
            for event in queries.timeline(case, staff=staff)
        ],
        notices=[
            NoticeOut(number=n.number, kind=n.kind, title=str(n.get_kind_display()), issued_at=n.issued_at)
            for n in queries.case_notices(case)
        ],
        version=case.version,
    )


def application_out(application: Application) -> ApplicationOut:
    newborn, children = queries.newborn_of(application)
    return ApplicationOut(
        id=application.pk,
        status=application.status,
        applicant_kind=application.applicant_kind,
        holder=application.holder_name,
        created_at=application.created_at,
        submitted_at=application.submitted_at,
        materials=[material_out(material) for material in queries.application_materials(application)],
        cases=[case_out(case) for case in queries.application_cases(application)],
        newborn=_newborn_out(newborn) if newborn else None,
        newborn_choices=[_newborn_out(child) for child in children],
        delegation=DelegationOut(
            citizen_name=application.citizen_name,
            confirmed_at=application.delegation_confirmed_at,
            method=application.delegation_method,
            ended_at=application.delegation_ended_at,
        )
        if application.applicant_kind == ApplicantKind.DELEGATED
        else None,
    )


def _newborn_out(child: queries.Newborn) -> NewbornOut:
    return NewbornOut(
        certificate_number=child.certificate_number,
        name=child.masked_name,
        sex=child.sex,
        birth_date=child.birth_date,
    )


def material_out(material: Material) -> MaterialOut:
    return MaterialOut(
        id=material.pk,
        name=material.name,
        source=material.source,
        necessity=material.necessity,
        status=material.status,
        problem=material.problem,
        shared_problem=material.shared_problem,
        shared_answers=[
            SharedAnswerOut(
                data_service=lookup.data_service,
                provider=lookup.provider_name,
                responded_at=lookup.responded_at,
                request_id=lookup.request_id,
                request_digest=lookup.request_digest,
                payload=lookup.payload,
                signature=lookup.signature,
                kid=lookup.kid,
            )
            for lookup in material.lookups.all()
        ],
    )


def _decode(file: FileIn) -> bytes:
    try:
        return base64.b64decode(file.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            {"file": _("%(name)s is not valid base64.") % {"name": file.filename}}
        ) from None


@router.post("/applications", response={201: ApplicationOut})
def create_application(request: HttpRequest, payload: ApplicationIn) -> tuple[int, ApplicationOut]:
    """Create an application, attach base64 files by material name and (by default) submit it."""
    item = get_object_or_404(ServiceItem, implementation_code=payload.item) if payload.item else None
    bundle = get_object_or_404(Bundle, code=payload.bundle) if payload.bundle else None
    company = get_object_or_404(Company, uscc=payload.company_uscc) if payload.company_uscc else None
    with transaction.atomic():
        application = actions.do_create_application(
            request.user,  # type: ignore[arg-type]
            item=item,
            bundle=bundle,
            applicant_kind=payload.applicant_kind,
            company=company,
            citizen_name=payload.citizen_name,
            citizen_resident_id=payload.citizen_resident_id,
            form_data=payload.form_data,
        )
        if payload.newborn_certificate:
            application = actions.do_choose_newborn(
                request.user,  # type: ignore[arg-type]
                application,
                certificate_number=payload.newborn_certificate,
            )
        for entry in payload.materials:
            material = application.materials.filter(name=entry.name).first()
            if material is None:
                raise ValidationError(
                    {"materials": _("%(name)s is not on the checklist.") % {"name": entry.name}}
                )
            for file in entry.files:
                actions.do_add_material_file(
                    request.user,  # type: ignore[arg-type]
                    material,
                    content=_decode(file),
                    filename=file.filename,
                )
        if payload.submit:
            actions.do_submit_application(request.user, application)  # type: ignore[arg-type]
    application.refresh_from_db()
    return 201, application_out(application)


@router.get("/applications/{application_id}", response=ApplicationOut)
def get_application(request: HttpRequest, application_id: int) -> ApplicationOut:
    """Status, cases with current steps and departments, deadlines, clock segments and timeline."""
    return application_out(queries.application_for(request.user, application_id))


@router.post("/applications/{application_id}/newborn", response=ApplicationOut)
def choose_newborn(request: HttpRequest, application_id: int, payload: NewbornChoiceIn) -> ApplicationOut:
    """A newborn draft: choose which of the applicant's recent children (``newborn_choices``) it is for; what is
    fetched about the child and its parents is fetched again. Any other certificate number is refused (400)."""
    application = queries.application_for(request.user, application_id)
    actions.do_choose_newborn(
        request.user,  # type: ignore[arg-type]
        application,
        certificate_number=payload.certificate_number,
    )
    application.refresh_from_db()
    return application_out(application)


@router.post("/applications/{application_id}/materials/{material_id}", response={201: MaterialOut})
def upload_material(
    request: HttpRequest, application_id: int, material_id: int, file: File[UploadedFile]
) -> tuple[int, MaterialOut]:
    """Upload one file (multipart field ``file``) for a draft's material or a material that needs correction."""
    application = queries.application_for(request.user, application_id)
    material = get_object_or_404(Material, pk=material_id, application=application)
    actions.do_add_material_file(request.user, material, content=file.read(), filename=file.name or "file")  # type: ignore[arg-type]
    material.refresh_from_db()
    return 201, material_out(material)


@router.post("/applications/{application_id}/actions", response=ApplicationOut)
def applicant_action(request: HttpRequest, application_id: int, payload: ApplicantActionIn) -> ApplicationOut:
    """Applicant actions: ``withdraw`` (one case, or every open one) and ``resubmit`` (after correction)."""
    application = queries.application_for(request.user, application_id)
    user: Any = request.user
    case = get_object_or_404(Case, application=application, number=payload.case) if payload.case else None
    if payload.action == "withdraw":
        if case is None:
            actions.do_withdraw_application(user, application, reason=payload.reason)
        else:
            actions.do_withdraw_case(user, case, reason=payload.reason)
    else:
        if case is None:
            raise ValidationError({"case": _("Name the case you hand corrections in for.")})
        actions.do_resubmit_case(user, case, note=payload.reason)
    return application_out(application)


@router.get("/cases/{number}", response=CaseOut)
def get_case(request: HttpRequest, number: str) -> CaseOut:
    """One case; staff of its departments also see internal notes."""
    case = queries.case_for(request.user, number)
    return case_out(case, staff=getattr(request.user, "is_government_staff", False))


# The fields of StaffActionIn each action takes: the keyword arguments of its do_* function.
STAFF_ACTION_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "accept": (),
    "refuse": ("reason",),
    "request_correction": ("problems", "note"),
    "opinion": ("outcome", "opinion", "department"),
    "return": ("reason", "step"),
    "transfer": ("department", "reason"),
    "add_department": ("department", "reason"),
    "request_extension": ("days", "reason"),
    "approve_extension": ("approve", "note"),
    "start_procedure": ("kind", "reason", "expected_days"),
    "end_procedure": ("result",),
    "supervise": ("message",),
    "decide": ("decision", "reasons", "remedies", "licence_details"),
    "deliver": ("method",),
    "close": (),
}


@router.post("/cases/{number}/actions", response=CaseOut)
def staff_action(request: HttpRequest, number: str, payload: StaffActionIn) -> CaseOut:
    """Staff actions on a case; pass ``expected_version`` to get 409 if someone acted first."""
    user = api_staff_user(request)
    case = queries.case_for_staff(user, number)
    arguments: dict[str, Any] = {
        name: getattr(payload, name) for name in STAFF_ACTION_ARGUMENTS[payload.action]
    }
    if "department" in arguments:
        arguments["department"] = _department(payload.department, required=payload.action != "opinion")
    actions.STAFF_ACTIONS[payload.action](user, case, expected_version=payload.expected_version, **arguments)
    case.refresh_from_db()
    return case_out(case, staff=True)


def _department(code: str, *, required: bool) -> Department | None:
    if not code:
        if required:
            raise ValidationError({"department": _("Choose a department.")})
        return None
    return get_object_or_404(Department, code=code)


class CodeSentOut(Schema):
    throttled: bool
    retry_after_seconds: int


class DelegationCodeIn(Schema):
    code: str = Field(max_length=20)


@router.post("/applications/{application_id}/delegation/code", response=CodeSentOut)
def send_delegation_code(request: HttpRequest, application_id: int) -> CodeSentOut:
    """Text the represented citizen a confirmation code (代办确认码) — only ever to the mobile number of the
    citizen's own verified account; 422 when they have none (then confirm in person at a window or station)."""
    application = queries.application_for(request.user, application_id)
    sent = delegation.do_send_delegation_code(
        request.user,  # type: ignore[arg-type]
        application,
        client_ip=client_ip(request),
    )
    return CodeSentOut(throttled=sent.throttled, retry_after_seconds=sent.retry_after_seconds)


@router.post("/applications/{application_id}/delegation/confirm", response=ApplicationOut)
def confirm_delegation(request: HttpRequest, application_id: int, body: DelegationCodeIn) -> ApplicationOut:
    """Confirm with the code the citizen received; then the shared materials are fetched for the citizen."""
    application = queries.application_for(request.user, application_id)
    user: Any = request.user
    return application_out(delegation.do_confirm_delegation(user, application, code=body.code))


class DelegationForMeOut(Schema):
    application_id: int
    service: str
    agent: str
    created_at: dt.datetime
    status: str
    confirmed_at: dt.datetime | None
    ended_at: dt.datetime | None


def _delegation_for_me_out(application: Application) -> DelegationForMeOut:
    return DelegationForMeOut(
        application_id=application.pk,
        service=str(application.bundle or application.item),
        agent=str(application.applicant),
        created_at=application.created_at,
        status=application.status,
        confirmed_at=application.delegation_confirmed_at,
        ended_at=application.delegation_ended_at,
    )


@router.get("/me/delegations", response=list[DelegationForMeOut])
def my_delegations(request: HttpRequest) -> list[DelegationForMeOut]:
    """The applications others made for me (我被代办的事项); empty until I am verified."""
    return [_delegation_for_me_out(entry) for entry in delegation.delegations_of(request.user)]  # type: ignore[arg-type]


@router.post("/me/delegations/{application_id}/end", response=DelegationForMeOut)
def end_delegation(request: HttpRequest, application_id: int) -> DelegationForMeOut:
    """End a delegation (终止代办): no more registry reads for it, and it cannot be submitted."""
    user: Any = request.user
    application = next(
        (entry for entry in delegation.delegations_of(user) if entry.pk == application_id), None
    )
    if application is None:
        raise Http404
    return _delegation_for_me_out(delegation.do_end_delegation(user, application))

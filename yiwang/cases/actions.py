"""Every state change of applications and cases (办件生命周期, 行政许可法 Art. 32, 42–45).

Each ``do_*`` runs in one transaction: guards (``check_*``, the state table in :mod:`yiwang.cases.states`), the
change, a timeline event, one audit record and the applicant's notification — or, on any error, nothing at all.
Staff actions lock the case row (``select_for_update``) and compare the ``expected_version`` the caller saw, so of
two people acting at once one wins and the other gets :class:`~yiwang.core.errors.ActionConflict`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yiwang.accounts.models import Company, CompanyAgent, User, UserKind
from yiwang.accounts.queries import verified_citizen_with_resident_id
from yiwang.accounts.verification import NOT_CONFIRMED_MESSAGE, registry_confirms
from yiwang.cases import delegation, once_only, states
from yiwang.cases.models import (
    ApplicantKind,
    Application,
    ApplicationStatus,
    Case,
    CaseEvent,
    CaseNumberSequence,
    CaseState,
    Decision,
    DeliveryMethod,
    ExtensionRequest,
    ExtensionStatus,
    Material,
    MaterialFile,
    MaterialNecessity,
    MaterialSource,
    MaterialStatus,
    Notice,
    NoticeKind,
    SpecialProcedure,
)
from yiwang.cases.storage import check_upload, get_store
from yiwang.catalog.models import Bundle, GuideVersion, ServiceItem
from yiwang.catalog.queries import published_version
from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.legaltime import (
    JOINT_LICENCE,
    LICENCE,
    LICENCE_DELIVERY_DAYS,
    LimitRule,
    add_working_days,
    change_limit,
    correction_notice_due,
    deemed_acceptance_date,
    extend,
    finish_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from yiwang.core.models import Clock, StopReason
from yiwang.core.permissions import check_role, has_role, is_platform_admin
from yiwang.core.validators import (
    normalise_resident_id,
    validate_resident_id,
)
from yiwang.licences.actions import do_issue_licence
from yiwang.licences.models import HolderKind, Licence, LicenceType
from yiwang.licences.queries import default_valid_until
from yiwang.notify.actions import do_notify_user
from yiwang.org.models import Department, Role
from yiwang.workflow.actions import (
    do_add_branch,
    do_cancel_instance,
    do_complete_work_item,
    do_return_work_item,
    do_start_instance,
)
from yiwang.workflow.models import PENDING_STATUSES, InstanceState, WorkItem
from yiwang.workflow.queries import return_candidates

PROCESS_KEY = "licence"
REVIEW_BLOCK = "review"  # the parallel review block (并联审查) of the licence process
RETURNING_STEPS = {
    "decide": "review_task",
    "review_task": "accept",
}  # 退回: who holds which step returns where
NECESSITY_STRICTNESS: list[str] = [
    MaterialNecessity.OPTIONAL,
    MaterialNecessity.DEFERRABLE,
    MaterialNecessity.REQUIRED,
]
DEFAULT_REMEDIES = (
    "如不服本决定，可以自收到本决定之日起六十日内依法申请行政复议，"
    "或者自收到本决定之日起六个月内依法向人民法院提起行政诉讼。"
)


# --- Guards --------------------------------------------------------------------------------------------------


def _acts_for_company(user: User, company: Company) -> bool:
    now = timezone.now()
    return any(agent.is_active_at(now) for agent in CompanyAgent.objects.filter(company=company, user=user))


def check_can_view_application(user: Any, application: Application) -> None:
    """Raise PermissionDenied unless ``user`` applied, is the represented citizen, or acts for the company."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in to see this application."))
    if application.applicant_id == user.pk or application.citizen_id == user.pk:
        return
    if application.company is not None and _acts_for_company(user, application.company):
        return
    raise PermissionDenied(_("This application is not yours."))


def check_is_applicant(user: Any, application: Application) -> None:
    """Raise PermissionDenied unless ``user`` is the person who applied (only they change the application)."""
    if not getattr(user, "is_authenticated", False) or application.applicant_id != user.pk:
        raise PermissionDenied(_("Only the person who applied may change this application."))


def case_departments(case: Case) -> list[Department]:
    """The departments working on ``case``: the holding department and every reviewing department."""
    codes = list(dict.fromkeys([case.department.code, *case.review_departments]))
    return list(Department.objects.filter(code__in=codes))


def check_staff_can_view_case(user: Any, case: Case) -> None:
    """Raise PermissionDenied unless ``user`` is staff of a department working on ``case`` (or a platform
    admin)."""
    if getattr(user, "is_government_staff", False) and (
        is_platform_admin(user)
        or any(
            has_role(user, role, department)
            for department in case_departments(case)
            for role in (Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR)
        )
    ):
        return
    raise PermissionDenied(_("Only staff of the departments handling this case may see it."))


def _pending_items(case: Case, node_id: str | None = None) -> list[WorkItem]:
    if case.process_id is None:
        return []
    items = WorkItem.objects.filter(instance_id=case.process_id, status__in=PENDING_STATUSES).select_related(
        "department"
    )
    if node_id is not None:
        items = items.filter(node_id=node_id)
    return list(items.order_by("pk"))


def _held_items(actor: Any, case: Case, node_id: str | None = None) -> list[WorkItem]:
    """Pending work items of ``case`` that ``actor`` may act on (their role in the item's department)."""
    return [
        item
        for item in _pending_items(case, node_id)
        if has_role(actor, item.role, item.department)
        and (item.assignee_id is None or item.assignee_id == actor.pk)
    ]


def case_actions_for(user: Any, case: Case) -> list[str]:
    """The action names ``user`` can take on ``case`` now — state, role and the case's open steps — for showing
    exactly the buttons that will work."""
    allowed = []
    for action in states.allowed_actions(case.state):
        try:
            _check_role_for(action, user, case)
            _check_ready(action, case)
        except (PermissionDenied, ActionConflict):
            continue
        allowed.append(action)
    return allowed


def _pending_extension(case: Case) -> ExtensionRequest | None:
    return ExtensionRequest.objects.filter(case=case, status=ExtensionStatus.PENDING).first()


def _check_ready(action: str, case: Case) -> None:
    """Raise ActionConflict when the state allows ``action`` but the case is not ready for it: no extension
    request waiting (or one already waiting, or none left), the reviews not finished, nothing to deliver, or no
    department left to add."""
    if action == "approve_extension" and _pending_extension(case) is None:
        raise ActionConflict(_("There is no extension request waiting for approval."))
    if action == "request_extension":
        if _pending_extension(case) is not None:
            raise ActionConflict(_("An extension request is already waiting for approval."))
        if _clock(case).extension_days >= _clock(case).extension_limit:
            raise ActionConflict(_("No more extension is allowed for this case."))
    if action in {"decide", "deliver"} and not _pending_items(case, action):
        raise ActionConflict(
            _("The reviews are not finished yet; the case cannot be decided.")
            if action == "decide"
            else _("The decision has no delivery step open.")
        )
    if (
        action in {"transfer", "add_department"}
        and not Department.objects.exclude(code__in=case.review_departments).exists()
    ):
        raise ActionConflict(_("Every department already works on this case."))
    if (
        action == "add_department"
        and case.state == CaseState.REVIEW
        and (case.process is None or REVIEW_BLOCK not in case.process.joins)
    ):
        raise ActionConflict(_("The reviews are finished; no department can be added any more."))


def _check_role_for(action: str, actor: Any, case: Case) -> None:
    """Raise PermissionDenied unless ``actor`` holds the role ``action`` needs on ``case``."""
    if action in {"resubmit", "withdraw"}:
        check_is_applicant(actor, case.application)
        return
    if not getattr(actor, "is_government_staff", False):
        raise PermissionDenied(_("Only staff handling the case may do this."))
    if action in {"accept", "refuse", "request_correction", "deliver", "close"}:
        check_role(actor, Role.WINDOW_CLERK, department=case.department)
    elif action == "transfer":
        check_role(actor, Role.WINDOW_CLERK, Role.SUPERVISOR, department=case.department)
    elif action == "add_department":
        check_role(actor, Role.WINDOW_CLERK, Role.REVIEWER, Role.SUPERVISOR, department=case.department)
    elif action == "opinion":
        if not _held_items(actor, case, "review_task"):
            raise PermissionDenied(_("You have no review step open on this case."))
    elif action == "return":
        if not _returning_items(actor, case):
            raise PermissionDenied(
                _("Only the reviewer or approver holding the current step may return the case.")
            )
    elif action in {"request_extension", "start_procedure", "end_procedure"}:
        if not is_platform_admin(actor) and not any(
            has_role(actor, role, department)
            for department in case_departments(case)
            for role in (Role.REVIEWER, Role.APPROVER)
        ):
            raise PermissionDenied(_("Only a reviewer or approver of this case may do this."))
    elif action in {"approve_extension", "decide"}:
        check_role(actor, Role.APPROVER, department=case.department)
    elif action == "supervise":
        check_role(actor, Role.SUPERVISOR, department=case.department)


def _clock(case: Case) -> Clock:
    """The case's clock (started on submission; every submitted case has one)."""
    if case.clock is None:
        raise ActionConflict(_("This case has no clock; it was never submitted."))
    return case.clock


# --- Shared steps --------------------------------------------------------------------------------------------


def _lock_case(case: Case, expected_version: int | None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("application", "item", "department", "guide_version", "clock")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ActionConflict(
            _("Someone else changed this case while you were looking at it; reload to see its current state.")
        )
    return locked


def _begin(action: str, actor: Any, case: Case, expected_version: int | None) -> tuple[Case, str]:
    """Lock the case, check role, state and readiness; the locked case and the state the action leads to."""
    locked = _lock_case(case, expected_version)
    _check_role_for(action, actor, locked)
    target = states.check_transition(action, locked.state)
    _check_ready(action, locked)
    return locked, target


def _recipients(application: Application) -> list[User]:
    people = [application.applicant]
    if application.citizen is not None and application.citizen_id != application.applicant_id:
        people.append(application.citizen)
    return people


def _record(
    actor: Any,
    case: Case,
    action: str,
    target: str,
    *,
    public_text: str,
    internal_note: str = "",
    department: Department | None = None,
    changes: Mapping[str, Any] | None = None,
    notify: bool = True,
) -> CaseEvent:
    """Move ``case`` to ``target`` (bumping its version), add the timeline event, audit, tell the applicant."""
    before = case.state
    case.state = target
    case.version += 1
    case.save()
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        department=department or case.department,
        state_before=before,
        state_after=target,
        public_text=public_text,
        internal_note=internal_note,
    )
    record_audit(
        actor,
        f"cases.{action}",
        case,
        {"number": case.number, "state": [before, target], "version": case.version, **dict(changes or {})},
    )
    if notify:
        for person in _recipients(case.application):
            do_notify_user(
                person,
                "case-updated",
                {
                    "number": case.number,
                    "item": case.item.name,
                    "state": str(CaseState(target).label),
                    "message": public_text,
                },
            )
    return event


def _issue_notice(actor: Any, case: Case, kind: str, paragraphs: list[str], **fields: Any) -> Notice:
    count = Notice.objects.filter(case=case).count()
    today = timezone.localdate()
    body = {
        "applicant": case.application.holder_name,
        "item": case.item.name,
        "case_number": case.number,
        "department": case.department.name,
        "date": today.isoformat(),
        "paragraphs": paragraphs,
        **fields,
    }
    return Notice.objects.create(
        case=case,
        number=f"{case.number}-{count + 1:02d}",
        kind=kind,
        body=body,
        department=case.department,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )


def next_case_number(day: dt.date) -> str:
    """Allocate the next case number of ``day`` (办件编号), e.g. ``YW20260302000001``; the sequence row stays
    locked until the caller's transaction ends, so concurrent submissions never share a number."""
    CaseNumberSequence.objects.get_or_create(day=day)
    sequence = CaseNumberSequence.objects.select_for_update().get(day=day)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"YW{day:%Y%m%d}{sequence.last_value:06d}"


# --- Applications (申请) --------------------------------------------------------------------------------------


def _items_of(item: ServiceItem | None, bundle: Bundle | None) -> list[ServiceItem]:
    return bundle.ordered_items() if bundle is not None else [item] if item is not None else []


def _published_guides(items: Iterable[ServiceItem]) -> list[tuple[ServiceItem, GuideVersion]]:
    guides = []
    for item in items:
        version = published_version(item)
        if version is None:
            raise ValidationError(
                {
                    "item": _("%(item)s has no published guide and cannot be applied for yet.")
                    % {"item": item.name}
                }
            )
        guides.append((item, version))
    return guides


def _create_materials(application: Application, guides: list[tuple[ServiceItem, GuideVersion]]) -> None:
    """The checklist from every guide: one row per document (:func:`once_only.document_key`; a name is never
    listed twice for one source), the strictest necessity winning."""
    merged: dict[tuple[str, ...], Material] = {}
    beneficiary = once_only.beneficiary_of(application)
    for item, version in guides:
        for entry in version.content.get("materials", []):
            key = once_only.document_key(entry, beneficiary)
            material = merged.get(key) or next(
                (
                    row
                    for row in merged.values()
                    if (row.name, row.source) == (entry["name"], entry["source"])
                ),
                None,
            )
            if material is None:
                material = merged[key] = Material(
                    application=application,
                    name=entry["name"],
                    source=entry["source"],
                    necessity=entry["necessity"],
                    data_service=entry.get("data_service", ""),
                    notes=entry.get("notes", ""),
                    position=len(merged),
                    status=MaterialStatus.SHARED_PENDING
                    if entry["source"] == MaterialSource.SHARED
                    else MaterialStatus.MISSING,
                )
            elif NECESSITY_STRICTNESS.index(entry["necessity"]) > NECESSITY_STRICTNESS.index(
                material.necessity
            ):
                material.necessity = entry["necessity"]
            material.item_codes = [*material.item_codes, item.implementation_code]
    Material.objects.bulk_create(merged.values())


def _clean_citizen(name: str, resident_id: str) -> tuple[str, str]:
    """The represented citizen's name and number, confirmed by the population registry for a living person."""
    errors: dict[str, Any] = {}
    name = name.strip()
    if not name:
        errors["citizen_name"] = _("Enter the name of the citizen you act for.")
    resident_id = normalise_resident_id(resident_id)
    try:
        validate_resident_id(resident_id)
    except ValidationError as error:
        errors["citizen_resident_id"] = error.messages
    if errors:
        raise ValidationError(errors)
    try:
        confirmed = registry_confirms(name, resident_id)
    except ValidationError as unavailable:
        raise ValidationError({"citizen_resident_id": unavailable.messages}) from None
    if not confirmed:
        raise ValidationError({"citizen_resident_id": [ValidationError(NOT_CONFIRMED_MESSAGE)]})
    return name, resident_id


def do_create_application(
    actor: User,
    *,
    item: ServiceItem | None = None,
    bundle: Bundle | None = None,
    applicant_kind: str = ApplicantKind.PERSON,
    company: Company | None = None,
    citizen_name: str = "",
    citizen_resident_id: str = "",
    form_data: Mapping[str, Any] | None = None,
) -> Application:
    """Start a draft application (申请草稿) for one item or one bundle, with the material checklist of each guide.

    A company is applied for by its approved, active agent; a village agent (代办员) names the citizen they act
    for, who later confirms (:mod:`yiwang.cases.delegation`); the citizen is told at once. Anyone may keep a
    draft; registry data is fetched only for a verified person (:func:`once_only.principal_of`).
    """
    if not getattr(actor, "is_authenticated", False) or actor.kind != UserKind.CITIZEN:
        raise PermissionDenied(_("Log in with a citizen account to apply."))
    if (item is None) == (bundle is None):
        raise ValidationError({"item": _("Choose one service item or one life event.")})
    citizen: User | None = None
    name = resident_id = ""
    if applicant_kind == ApplicantKind.COMPANY:
        if company is None:
            raise ValidationError({"company": _("Choose the company you apply for.")})
        if not _acts_for_company(actor, company):
            raise PermissionDenied(
                _("You are not an approved agent of %(company)s.") % {"company": company.name}
            )
    elif applicant_kind == ApplicantKind.DELEGATED:
        if not actor.is_verified_citizen:
            raise PermissionDenied(
                _(
                    "Verify your identity before you act for another citizen: their data goes only to a verified agent."
                )
            )
        if normalise_resident_id(citizen_resident_id) in (actor.resident_id, actor.claimed_resident_id):
            raise ValidationError({"citizen_resident_id": _("Apply for yourself directly, not as an agent.")})
        name, resident_id = _clean_citizen(citizen_name, citizen_resident_id)
        citizen = verified_citizen_with_resident_id(resident_id)
    elif applicant_kind != ApplicantKind.PERSON:
        raise ValidationError({"applicant_kind": _("Choose who you apply for.")})
    guides = _published_guides(_items_of(item, bundle))
    with transaction.atomic():
        application = Application.objects.create(
            applicant=actor,
            applicant_kind=applicant_kind,
            company=company if applicant_kind == ApplicantKind.COMPANY else None,
            citizen=citizen,
            citizen_name=name,
            citizen_resident_id=resident_id,
            item=item,
            bundle=bundle,
            form_data=dict(form_data or {}),
        )
        _create_materials(application, guides)
        if applicant_kind == ApplicantKind.DELEGATED:
            delegation.tell_citizen(application, "case-delegation-started", {})
        _fetch_or_withhold(actor, application, guides)
        record_audit(
            actor,
            "cases.application_create",
            application,
            {
                "item": item.implementation_code if item else None,
                "bundle": bundle.code if bundle else None,
                "applicant_kind": applicant_kind,
                "company": company.uscc if company and applicant_kind == ApplicantKind.COMPANY else None,
            },
        )
    return application


def _may_fetch_shared_data(application: Application) -> bool:
    """Registry data is fetched for a company by its approved agent, and for a person only once verified (or,
    when someone acts for them, once they confirmed): never for an L1 account."""
    return application.applicant_kind == ApplicantKind.COMPANY or bool(once_only.principal_of(application))


def _fetch_or_withhold(
    actor: User, application: Application, guides: list[tuple[ServiceItem, GuideVersion]]
) -> None:
    """Fetch the shared materials when registry data may flow for this application; otherwise record (audit)
    that they were withheld and why — an unverified applicant, or a citizen who has not confirmed or has ended a
    delegation — so that attempts are visible."""
    if _may_fetch_shared_data(application):
        _resolve_shared_materials(actor, application, guides)
        return
    if not application.materials.filter(source=MaterialSource.SHARED).exists():
        return
    if not actor.is_verified_citizen:
        reason = "applicant_not_verified"
    elif application.delegation_ended_at is not None:
        reason = "delegation_ended"
    else:
        reason = "delegation_not_confirmed"
    record_audit(actor, "cases.shared_materials_withheld", application, {"reason": reason})


def _resolve_shared_materials(
    actor: User, application: Application, guides: list[tuple[ServiceItem, GuideVersion]]
) -> None:
    if not application.case_numbers:
        today = timezone.localdate()
        application.case_numbers = {item.implementation_code: next_case_number(today) for item, _v in guides}
        application.save(update_fields=["case_numbers", "updated_at"])
    resolver = once_only.Resolver(application, guides)
    # The explanations are stored, so they are written in the platform's language (as notices are).
    with translation.override(settings.LANGUAGE_CODE):
        settled = resolver.run()
    if not settled:
        return
    services = sorted({lookup.data_service for lookup in resolver.lookups.values() if not lookup.refusal})
    if application.applicant_kind == ApplicantKind.DELEGATED and services:
        delegation.tell_citizen(application, "case-delegation-reads", {"services": "、".join(services)})
    prefill = {
        name: value for name, value in resolver.prefill().items() if not application.form_data.get(name)
    }
    if prefill:
        application.form_data = {**application.form_data, **prefill}
        application.save(update_fields=["form_data", "updated_at"])
    record_audit(
        actor,
        "cases.shared_materials_fetch",
        application,
        {
            "materials": {material.name: material.status for material in settled},
            "requests": sorted(lookup.request_id for lookup in resolver.lookups.values()),
            "refused": resolver.refused,
            "prefilled": sorted(prefill),
        },
    )


def do_resolve_shared_materials(actor: User, application: Application) -> Application:
    """Fetch the draft's shared materials through the exchange (共享获取, 免提交) and prefill the form from the
    registries; the case numbers are reserved first so every read names its case. Materials already settled are
    not fetched again."""
    guides = _published_guides(_items_of(application.item, application.bundle))
    with transaction.atomic():
        application = _lock_draft(actor, application)
        _fetch_or_withhold(actor, application, guides)
    return application


def _lock_draft(actor: Any, application: Application) -> Application:
    check_is_applicant(actor, application)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.DRAFT:
        raise ActionConflict(_("This application has already been submitted."))
    return locked


def do_save_draft(actor: User, application: Application, *, form_data: Mapping[str, Any]) -> Application:
    """Save the form of a draft (保存草稿)."""
    if not isinstance(form_data, Mapping):
        raise ValidationError({"form_data": _("The form must be a set of named fields.")})
    with transaction.atomic():
        application = _lock_draft(actor, application)
        kept = {key: application.form_data[key] for key in SYSTEM_FORM_KEYS if key in application.form_data}
        application.form_data = {
            **{key: value for key, value in form_data.items() if key not in SYSTEM_FORM_KEYS},
            **kept,
        }
        application.save(update_fields=["form_data", "updated_at"])
        record_audit(actor, "cases.application_save", application, {"fields": sorted(form_data)})
    return application


# Form data only its own action changes (saving the form keeps it): the child a newborn draft is for.
SYSTEM_FORM_KEYS = (once_only.NEWBORN_CHOICE,)
# Whom a material may be about that depends on which child the draft is for.
NEWBORN_ROLES = ("newborn", "mother", "father", "parents")


def check_newborn_choice(actor: User, application: Application, certificate_number: str) -> dict[str, Any]:
    """The birth certificate record of the child chosen, if it is one of the applicant's recent children the
    birth registry listed for this draft; else ValidationError (nothing is read about another person)."""
    check_is_applicant(actor, application)
    record = next(
        (
            record
            for record in once_only.newborn_choices(application)
            if record["certificate_number"] == certificate_number
        ),
        None,
    )
    if record is None:
        raise ValidationError(
            {
                "certificate_number": _(
                    "Choose one of your children the birth certificate registry lists for this application."
                )
            }
        )
    return record


def do_choose_newborn(actor: User, application: Application, *, certificate_number: str) -> Application:
    """Choose which of the applicant's recent children a draft is for (选择新生儿), among those the birth
    registry lists as theirs; the materials about the child and its parents are fetched again for that child.
    A choice outside the list is refused and the refusal recorded."""
    try:
        record = check_newborn_choice(actor, application, certificate_number)
    except ValidationError:
        record_audit(
            actor,
            "cases.newborn_choice_refused",
            application,
            {"certificate_number": certificate_number[:40]},
        )
        raise
    with transaction.atomic():
        application = _lock_draft(actor, application)
        application.form_data = {**application.form_data, once_only.NEWBORN_CHOICE: certificate_number}
        application.save(update_fields=["form_data", "updated_at"])
        for material in application.materials.filter(source=MaterialSource.SHARED):
            if once_only.role_of(material) in NEWBORN_ROLES:
                material.lookups.clear()
                material.status, material.shared_problem = MaterialStatus.SHARED_PENDING, ""
                material.save(update_fields=["status", "shared_problem"])
        record_audit(
            actor, "cases.newborn_chosen", application, {"certificate_number": record["certificate_number"]}
        )
    return do_resolve_shared_materials(actor, application)


def _awaiting_correction(material: Material) -> bool:
    return (
        material.status == MaterialStatus.NEEDS_CORRECTION
        and material.application.cases.filter(state=CaseState.CORRECTION).exists()
    )


def do_add_material_file(actor: User, material: Material, *, content: bytes, filename: str) -> MaterialFile:
    """Attach a file to a material (上传材料), checked by type and size and stored content-addressed.

    Allowed on a draft, and for a material that needs correction while a case awaits it (the new file replaces
    the old ones). Shared materials are fetched, never uploaded.
    """
    application = material.application
    check_is_applicant(actor, application)
    if material.source == MaterialSource.SHARED and not material.shared_problem:
        raise ValidationError({"file": _("This material is fetched from shared data; do not upload it.")})
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        material = Material.objects.select_for_update().select_related("application").get(pk=material.pk)
        correcting = _awaiting_correction(material)
        if application.status != ApplicationStatus.DRAFT and not correcting:
            raise ActionConflict(
                _("Files can be added only to a draft or to materials that need correction.")
            )
        used = (
            MaterialFile.objects.filter(
                material__application=application, replaced_at__isnull=True
            ).aggregate(total=Sum("size"))["total"]
            or 0
        )
        content_type = check_upload(content, used)
        stored = get_store().save(content)
        if correcting:
            material.files.filter(
                replaced_at__isnull=True, uploaded_at__lt=_correction_time(material)
            ).update(replaced_at=timezone.now())
        upload = MaterialFile.objects.create(
            material=material,
            sha256=stored.sha256,
            size=stored.size,
            content_type=content_type,
            original_name=(filename or "file")[:255],
            uploaded_by=actor,
        )
        if not correcting:
            material.status = MaterialStatus.PROVIDED
            material.save(update_fields=["status"])
        record_audit(
            actor,
            "cases.material_upload",
            upload,
            {"material": material.name, "sha256": stored.sha256, "size": stored.size, "type": content_type},
        )
    return upload


def _correction_time(material: Material) -> dt.datetime:
    notice = (
        Notice.objects.filter(case__application=material.application, kind=NoticeKind.CORRECTION)
        .order_by("-issued_at")
        .first()
    )
    return notice.issued_at if notice else timezone.now()


def do_remove_material_file(actor: User, material_file: MaterialFile) -> None:
    """Remove a file from a draft's material (the stored bytes stay: other files may share them)."""
    material = material_file.material
    with transaction.atomic():
        _lock_draft(actor, material.application)
        record_audit(
            actor,
            "cases.material_remove",
            material_file,
            {"material": material.name, "sha256": material_file.sha256},
        )
        material_file.delete()
        if (
            not material.files.filter(replaced_at__isnull=True).exists()
            and material.status == MaterialStatus.PROVIDED
        ):
            material.status = MaterialStatus.MISSING
            material.save(update_fields=["status"])


def _limits(version: GuideVersion, departments: int) -> tuple[int, int | None, int]:
    """Legal days, promised days and extension allowed: joint handling (several departments) is 45 + 15."""
    content = version.content
    promised = content.get("promised_limit_days")
    if departments > 1:
        legal, extension = JOINT_LICENCE.decision_days, JOINT_LICENCE.extension_days
    else:
        legal, extension = int(content["legal_limit_days"]), LICENCE.extension_days
    return legal, (min(int(promised), legal) if promised is not None else None), extension


def do_submit_application(actor: User, application: Application) -> list[Case]:
    """Submit (提交申请): one case per item (a bundle fans out), each with its clock started on receipt — all in one
    transaction. Every required material the applicant provides must have a file; a village agent's citizen
    must have confirmed. Shared materials not fetched yet are fetched first (and kept, whatever follows): one
    that falls back to an upload must then be uploaded."""
    do_resolve_shared_materials(actor, application)
    with transaction.atomic():
        application = _lock_draft(actor, application)
        if not getattr(actor, "is_verified_citizen", False):
            raise ValidationError(
                {
                    "applicant": _(
                        "Verify your identity before you submit: registry data and decisions need a verified "
                        "applicant."
                    )
                }
            )
        if application.applicant_kind == ApplicantKind.DELEGATED and (
            application.delegation_confirmed_at is None or application.delegation_ended_at is not None
        ):
            raise ValidationError(
                {"code": _("The citizen you act for has not confirmed, or has ended the delegation.")}
            )
        missing = [
            material.name
            for material in application.materials.all()
            if material.necessity == MaterialNecessity.REQUIRED and material.status == MaterialStatus.MISSING
        ]
        if missing:
            raise ValidationError(
                {
                    "materials": _("Provide these required materials: %(names)s.")
                    % {"names": "、".join(missing)}
                }
            )
        guides = _published_guides(_items_of(application.item, application.bundle))
        today = timezone.localdate()
        application.status, application.submitted_at = ApplicationStatus.SUBMITTED, timezone.now()
        application.save(update_fields=["status", "submitted_at", "updated_at"])
        record_audit(actor, "cases.application_submit", application, {"items": len(guides)})
        cases = []
        for item, version in guides:
            co_codes = list(
                Department.objects.filter(code__in=version.content.get("co_departments", []))
                .exclude(pk=item.department_id)
                .values_list("code", flat=True)
            )
            case = Case.objects.create(
                number=application.case_numbers.get(item.implementation_code) or next_case_number(today),
                application=application,
                item=item,
                guide_version=version,
                department=item.department,
                review_departments=[item.department.code, *co_codes],
                received_on=today,
            )
            legal, promised, extension = _limits(version, len(case.review_departments))
            case.clock = start_clock(case, legal, promised, today, extension_limit=extension)
            case.save(update_fields=["clock"])
            _record(
                actor,
                case,
                "submit",
                CaseState.SUBMITTED,
                public_text=_("Your application was received by %(department)s.")
                % {"department": case.department.name},
                changes={"item": item.implementation_code, "legal_days": legal, "promised_days": promised},
            )
            cases.append(case)
    return cases


# --- Applicant actions on cases ------------------------------------------------------------------------------


def do_resubmit_case(actor: User, case: Case, *, note: str = "") -> Case:
    """Hand in the corrected materials (补正提交): the clock resumes and the case waits for acceptance again."""
    with transaction.atomic():
        case, target = _begin("resubmit", actor, case, None)
        listed = (
            Notice.objects.filter(case=case, kind=NoticeKind.CORRECTION).order_by("-issued_at", "-id").first()
        )
        if listed is None:
            raise ActionConflict(_("No correction notice was issued for this case."))
        pending = []
        for material in Material.objects.filter(
            application=case.application, status=MaterialStatus.NEEDS_CORRECTION
        ):
            if case.item.implementation_code not in material.item_codes:
                continue
            if not material.files.filter(
                replaced_at__isnull=True, uploaded_at__gte=listed.issued_at
            ).exists():
                pending.append(material.name)
        if pending:
            raise ValidationError(
                {"materials": _("Upload corrected files for: %(names)s.") % {"names": "、".join(pending)}}
            )
        _settle_corrected_materials(case)
        changes = resume_clock(_clock(case), timezone.localdate())
        _record(
            actor,
            case,
            "resubmit",
            target,
            public_text=_("You handed in the corrected materials; the clock runs again."),
            internal_note=note.strip(),
            changes={"clock": changes},
        )
    return case


def _settle_corrected_materials(case: Case) -> None:
    """Materials corrected for ``case`` are provided again, unless another case still waits for them."""
    for material in Material.objects.filter(
        application=case.application, status=MaterialStatus.NEEDS_CORRECTION
    ):
        if case.item.implementation_code not in material.item_codes:
            continue
        others_waiting = (
            Case.objects.filter(
                application=case.application,
                state=CaseState.CORRECTION,
                item__implementation_code__in=material.item_codes,
            )
            .exclude(pk=case.pk)
            .exists()
        )
        if not others_waiting:
            material.status, material.problem = MaterialStatus.PROVIDED, ""
            material.save(update_fields=["status", "problem"])


def _end_process(actor: Any, case: Case, reason: str) -> None:
    if case.process is not None and case.process.state == InstanceState.RUNNING:
        do_cancel_instance(actor, case.process, reason)


def do_withdraw_case(actor: User, case: Case, *, reason: str = "") -> Case:
    """Withdraw a case before its decision (撤回申请): the clock finishes and the process stops."""
    with transaction.atomic():
        case, target = _begin("withdraw", actor, case, None)
        _end_process(actor, case, reason or "withdrawn")
        changes = finish_clock(_clock(case), timezone.localdate())
        _record(
            actor,
            case,
            "withdraw",
            target,
            public_text=_("You withdrew the application."),
            internal_note=reason.strip(),
            changes={"clock": changes, "reason": reason.strip()},
        )
    return case


def do_withdraw_application(actor: User, application: Application, *, reason: str = "") -> list[Case]:
    """Withdraw every case of an application that is still open (not yet decided)."""
    check_is_applicant(actor, application)
    with transaction.atomic():
        open_cases = list(application.cases.filter(state__in=states.OPEN_STATES).order_by("pk"))
        if not open_cases:
            raise ActionConflict(_("Nothing is left to withdraw: every case is decided or closed."))
        return [do_withdraw_case(actor, case, reason=reason) for case in open_cases]


# --- Acceptance (受理) ----------------------------------------------------------------------------------------


def _first_correction_on(case: Case) -> dt.date | None:
    notice = Notice.objects.filter(case=case, kind=NoticeKind.CORRECTION).order_by("issued_at").first()
    return timezone.localdate(notice.issued_at) if notice else None


def do_accept_case(actor: User, case: Case, *, expected_version: int | None = None) -> Case:
    """Accept the case (受理): start the review process in every reviewing department and write the receipt.

    Without a correction notice within 5 working days of receipt the case counts as accepted on receipt (视为受理,
    Art. 32); the clock has run since receipt either way. A case a reviewer returned to the window (退回受理) is
    accepted again by completing its reopened acceptance step: the review starts afresh in every reviewing
    department, the acceptance date and receipt stay those of the first acceptance.
    """
    with transaction.atomic():
        case, target = _begin("accept", actor, case, expected_version)
        clock = _clock(case)
        variables = {
            "item_department": case.department.code,
            "review_departments": case.review_departments,
            "limit_working_days": clock.legal_days,
        }
        reopened = _pending_items(case, "accept")
        if reopened:
            do_complete_work_item(actor, reopened[0], "accepted", variables=variables)
            _record(
                actor,
                case,
                "accept",
                target,
                public_text=_("Checked again at the window; the review continues."),
                changes={"again": True, "review_departments": case.review_departments},
            )
            return case
        today = timezone.localdate()
        deemed = deemed_acceptance_date(case.received_on, _first_correction_on(case))
        case.deemed_accepted = deemed is not None and today > correction_notice_due(case.received_on)
        accepted_on = case.accepted_on = case.received_on if case.deemed_accepted else today
        case.process = do_start_instance(actor, PROCESS_KEY, "cases.case", str(case.pk), variables)
        (accept_item,) = _pending_items(case, "accept")
        do_complete_work_item(actor, accept_item, "accepted")
        reviewers = "、".join(department.name for department in _review_departments(case))
        notice = _issue_notice(
            actor,
            case,
            NoticeKind.RECEIPT,
            [
                _("Your application has been accepted on %(date)s and is reviewed by %(departments)s.")
                % {"date": accepted_on.isoformat(), "departments": reviewers},
                _("The legal deadline is %(legal)s; we promise to decide by %(promised)s.")
                % {"legal": _iso(clock.legal_due_on), "promised": _iso(clock.promised_due_on)},
            ],
        )
        _record(
            actor,
            case,
            "accept",
            target,
            public_text=_("Accepted. Receipt %(notice)s.") % {"notice": notice.number},
            changes={
                "accepted_on": case.accepted_on,
                "deemed": case.deemed_accepted,
                "notice": notice.number,
            },
        )
    return case


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def _review_departments(case: Case) -> list[Department]:
    by_code = {d.code: d for d in Department.objects.filter(code__in=case.review_departments)}
    return [by_code[code] for code in case.review_departments if code in by_code]


def do_refuse_case(actor: User, case: Case, *, reason: str, expected_version: int | None = None) -> Case:
    """Refuse to accept (不予受理) with the reason, in a written decision; the clock finishes."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for not accepting; the applicant is told it.")})
    with transaction.atomic():
        case, target = _begin("refuse", actor, case, expected_version)
        _end_process(actor, case, reason.strip())  # a case returned to the window has a process running
        changes = finish_clock(_clock(case), timezone.localdate())
        notice = _issue_notice(
            actor,
            case,
            NoticeKind.REFUSAL,
            [_("Your application is not accepted for this reason: %(reason)s") % {"reason": reason.strip()}],
            reason=reason.strip(),
            remedies=DEFAULT_REMEDIES,
        )
        case.reasons, case.remedies = reason.strip(), DEFAULT_REMEDIES
        _record(
            actor,
            case,
            "refuse",
            target,
            public_text=_("Not accepted: %(reason)s") % {"reason": reason.strip()},
            changes={"clock": changes, "notice": notice.number, "reason": reason.strip()},
        )
    return case


def do_request_correction(
    actor: User,
    case: Case,
    *,
    problems: Mapping[int, str],
    note: str = "",
    expected_version: int | None = None,
) -> Notice:
    """Ask for corrections (补正告知) in one complete notice listing every missing or defective material; the
    clock stops until the applicant hands them in."""
    cleaned = {int(pk): str(text).strip() for pk, text in problems.items()}
    if not cleaned:
        raise ValidationError({"problems": _("List every material that is missing or needs correcting.")})
    if any(not text for text in cleaned.values()):
        raise ValidationError({"problems": _("Say what is wrong with each listed material.")})
    with transaction.atomic():
        case, target = _begin("request_correction", actor, case, expected_version)
        materials = list(
            Material.objects.filter(application=case.application, pk__in=cleaned).order_by("position", "pk")
        )
        if len(materials) != len(cleaned) or any(
            case.item.implementation_code not in material.item_codes for material in materials
        ):
            raise ValidationError({"problems": _("Only materials of this case can be listed.")})
        for material in materials:
            material.status, material.problem = MaterialStatus.NEEDS_CORRECTION, cleaned[material.pk]
            material.save(update_fields=["status", "problem"])
        listed = [{"id": m.pk, "name": m.name, "problem": m.problem} for m in materials]
        notice = _issue_notice(
            actor,
            case,
            NoticeKind.CORRECTION,
            [
                _(
                    "Please correct or add the materials below all at once; the time limit stops until you do."
                ),
                *([note.strip()] if note.strip() else []),
            ],
            materials=listed,
        )
        changes = stop_clock(_clock(case), StopReason.CORRECTION, timezone.localdate(), note=notice.number)
        _record(
            actor,
            case,
            "request_correction",
            target,
            public_text=_("Please correct %(count)d materials (notice %(notice)s).")
            % {"count": len(listed), "notice": notice.number},
            changes={"clock": changes, "notice": notice.number, "materials": [m["name"] for m in listed]},
        )
    return notice


def do_transfer_case(
    actor: User, case: Case, *, department: Department, reason: str, expected_version: int | None = None
) -> Case:
    """Transfer a case sent to the wrong department (转办) before acceptance; the new department reviews it."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case goes to another department.")})
    with transaction.atomic():
        case, target = _begin("transfer", actor, case, expected_version)
        if department.pk == case.department_id:
            raise ValidationError({"department": _("The case is already with this department.")})
        old = case.department
        _end_process(actor, case, reason.strip())  # returned to the window: the new department starts afresh
        case.department = department
        case.review_departments = [
            department.code,
            *[code for code in case.review_departments if code not in {old.code, department.code}],
        ]
        _record(
            actor,
            case,
            "transfer",
            target,
            department=old,
            public_text=_("Your case was transferred from %(old)s to %(new)s.")
            % {"old": old.name, "new": department.name},
            internal_note=reason.strip(),
            changes={"department": [old.code, department.code], "reason": reason.strip()},
        )
    return case


def do_add_department(
    actor: User, case: Case, *, department: Department, reason: str, expected_version: int | None = None
) -> Case:
    """Add a co-department to the parallel review (加签), before acceptance or while the review runs.

    During the review the department's review step opens at once and the decision waits for it too. A case
    handled by one department until now becomes joint handling (Art. 42 para. 2): its legal limit becomes 45
    working days (+15 by extension) if that is longer — unless the legal deadline has already passed, when the
    limit stays as it was (a new rule must not make an overdue case look on time). Days counted stay counted;
    the promised limit of the guide does not change.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Say why another department reviews the case.")})
    with transaction.atomic():
        case, target = _begin("add_department", actor, case, expected_version)
        if department.code in case.review_departments:
            raise ValidationError({"department": _("This department already reviews the case.")})
        clock = _clock(case)
        limit_changes = _limit_for_departments(case, clock, len(case.review_departments) + 1)
        case.review_departments = [*case.review_departments, department.code]
        opened = []
        if case.state == CaseState.REVIEW and case.process is not None:
            opened = do_add_branch(
                actor,
                case.process,
                REVIEW_BLOCK,
                department.code,
                variables={"limit_working_days": clock.legal_days},
            )
        public_text = _("%(department)s will also review your case.") % {"department": department.name}
        if limit_changes:
            public_text += " " + _(
                "Several departments now handle it jointly: the legal time limit is %(days)d working days."
            ) % {"days": clock.legal_days}
        _record(
            actor,
            case,
            "add_department",
            target,
            public_text=public_text,
            internal_note=reason.strip(),
            changes={
                "added": department.code,
                "reason": reason.strip(),
                "opened": [item.pk for item in opened],
                "clock": limit_changes,
            },
        )
    return case


def _limit_for_departments(case: Case, clock: Clock, departments: int) -> dict[str, Any]:
    """Switch the clock to the joint-handling limit when ``departments`` make it joint and that limit is longer,
    unless the legal deadline has passed; the clock's changes (empty: the limit stays)."""
    legal, _promised, extension = _limits(case.guide_version, departments)
    if legal <= clock.legal_days:
        return {}
    try:
        return change_limit(clock, LimitRule(legal, extension), timezone.localdate())
    except ActionConflict:  # the legal deadline has passed: the limit stays
        return {}


# --- Review and decision (审查 / 决定) ------------------------------------------------------------------------


def _one_held_item(actor: Any, case: Case, node_id: str | None, department: Department | None) -> WorkItem:
    items = _held_items(actor, case, node_id)
    if department is not None:
        items = [item for item in items if item.department_id == department.pk]
    if not items:
        raise PermissionDenied(_("You do not hold the current step of this case."))
    if len(items) > 1:
        raise ValidationError({"department": _("Choose the department you act for.")})
    return items[0]


def do_record_opinion(
    actor: User,
    case: Case,
    *,
    outcome: str,
    opinion: str,
    department: Department | None = None,
    expected_version: int | None = None,
) -> Case:
    """Record a reviewing department's opinion (审查意见), completing its review step; the last one needed moves
    the case to the decision."""
    if outcome not in {"approve", "object"}:
        raise ValidationError({"outcome": _("Choose approve or object.")})
    if not opinion.strip():
        raise ValidationError({"opinion": _("Write the review opinion.")})
    with transaction.atomic():
        case, target = _begin("opinion", actor, case, expected_version)
        item = _one_held_item(actor, case, "review_task", department)
        do_complete_work_item(actor, item, outcome, opinion)
        _record(
            actor,
            case,
            "opinion",
            target,
            department=item.department,
            public_text=_("%(department)s finished its review.") % {"department": item.department.name},
            internal_note=opinion.strip(),
            changes={"department": item.department.code, "outcome": outcome},
        )
    return case


def _returning_items(actor: Any, case: Case) -> list[WorkItem]:
    """The steps ``actor`` holds from which a case can be returned: the decision, or a review."""
    return [item for item in _held_items(actor, case) if item.node_id in RETURNING_STEPS]


def return_steps(user: Any, case: Case) -> list[tuple[str, str]]:
    """The steps ``user`` may return ``case`` to now (退回), as ``(step, label)``, the previous step first: from
    the decision to the review by every department (``review``) or by one (``review:<code>``); from a review to
    acceptance at the window (``accept``)."""
    held = _returning_items(user, case)
    if not held:
        return []
    item = held[0]
    earlier = [c for c in return_candidates(item) if c.node_id == RETURNING_STEPS[item.node_id]]
    if not earlier:
        return []
    if item.node_id == "review_task":
        return [("accept", str(_("Acceptance at the window")))]
    departments = {c.branch: c.department for c in earlier}
    ordered = [code for code in case.review_departments if code in departments]
    return [
        ("review", str(_("Review by every reviewing department"))),
        *[
            (f"review:{code}", str(_("Review by %(department)s") % {"department": departments[code].name}))
            for code in ordered
        ],
    ]


def do_return_case(
    actor: User, case: Case, *, reason: str, step: str = "", expected_version: int | None = None
) -> Case:
    """Return the case to an earlier step (退回) with the reason: the approver from the decision to the review
    (every department, or the one chosen as ``review:<code>``); a reviewer from the review to acceptance at the
    window (``accept``), which cancels the other open reviews. ``step`` defaults to the previous step (the
    first of :func:`return_steps`). The clock keeps running: the legal time does not start again."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is returned.")})
    with transaction.atomic():
        case, _same = _begin("return", actor, case, expected_version)
        steps = dict(return_steps(actor, case))
        chosen = step or next(iter(steps), "")
        if chosen not in steps:
            raise ValidationError(
                {
                    "step": _("Choose one of these steps: %(steps)s.")
                    % {"steps": "、".join(f"{label} ({value})" for value, label in steps.items())}
                }
            )
        node, _separator, branch = chosen.partition(":")
        target = states.check_transition("return", case.state, node)
        item = _returning_items(actor, case)[0]
        do_return_work_item(actor, item, reason, RETURNING_STEPS[item.node_id], branch or None)
        _record(
            actor,
            case,
            "return",
            target,
            department=item.department,
            public_text=_("Your case went back to an earlier step for another look.")
            if node == "review"
            else _("Your case went back to the window for another check; the time limit keeps running."),
            internal_note=reason.strip(),
            changes={"from": item.node_id, "to": chosen, "reason": reason.strip()},
        )
    return case


def do_request_extension(
    actor: User, case: Case, *, days: int, reason: str, expected_version: int | None = None
) -> ExtensionRequest:
    """Ask the head to extend the legal limit (延期申请, Art. 42) by ``days`` working days, with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension; the applicant is told it.")})
    with transaction.atomic():
        case, target = _begin("request_extension", actor, case, expected_version)
        allowed = _clock(case).extension_limit - _clock(case).extension_days
        if not 1 <= days <= allowed:
            raise ValidationError(
                {"days": _("Ask for 1 to %(allowed)d working days.") % {"allowed": allowed}}
            )
        request = ExtensionRequest.objects.create(
            case=case, days=days, reason=reason.strip(), requested_by=actor
        )
        _record(
            actor,
            case,
            "request_extension",
            target,
            public_text="",
            internal_note=reason.strip(),
            changes={"days": days, "reason": reason.strip()},
            notify=False,
        )
    return request


def do_approve_extension(
    actor: User, case: Case, *, approve: bool = True, note: str = "", expected_version: int | None = None
) -> ExtensionRequest:
    """Approve (or reject) the pending extension request (批准延期); on approval the applicant is told the reason
    in an extension notice."""
    with transaction.atomic():
        case, target = _begin("approve_extension", actor, case, expected_version)
        request = ExtensionRequest.objects.select_for_update().get(case=case, status=ExtensionStatus.PENDING)
        request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note.strip()
        request.save()
        clock_changes: dict[str, Any] = {}
        public_text = ""
        if approve:
            clock_changes = extend(_clock(case), request.days, actor, request.reason)
            notice = _issue_notice(
                actor,
                case,
                NoticeKind.EXTENSION,
                [
                    _(
                        "The time limit of your case is extended by %(days)d working days for this reason: %(reason)s"
                    )
                    % {"days": request.days, "reason": request.reason}
                ],
                reason=request.reason,
                days=request.days,
            )
            public_text = _(
                "The time limit was extended by %(days)d working days (notice %(notice)s): %(reason)s"
            ) % {
                "days": request.days,
                "notice": notice.number,
                "reason": request.reason,
            }
        _record(
            actor,
            case,
            "approve_extension" if approve else "reject_extension",
            target,
            public_text=public_text,
            internal_note=note.strip(),
            changes={"request": request.pk, "approved": approve, "clock": clock_changes},
            notify=approve,
        )
    return request


def do_start_special_procedure(
    actor: User,
    case: Case,
    *,
    kind: str,
    reason: str,
    expected_days: int | None = None,
    expected_version: int | None = None,
) -> SpecialProcedure:
    """Start a special procedure (特别程序: hearing, testing, expert review …, Art. 45): the clock stops and the
    applicant is told in writing."""
    if kind not in StopReason.values or kind == StopReason.CORRECTION:
        raise ValidationError({"kind": _("Choose a special procedure the law allows.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the special procedure is needed.")})
    with transaction.atomic():
        case, target = _begin("start_procedure", actor, case, expected_version)
        today = timezone.localdate()
        procedure = SpecialProcedure.objects.create(
            case=case,
            kind=kind,
            reason=reason.strip(),
            expected_days=expected_days,
            started_on=today,
            started_by=actor,
        )
        notice = _issue_notice(
            actor,
            case,
            NoticeKind.SPECIAL_PROCEDURE,
            [
                _("Your case needs %(kind)s: %(reason)s. This time does not count toward the time limit.")
                % {"kind": StopReason(kind).label, "reason": reason.strip()}
            ],
            procedure=str(StopReason(kind).label),
            reason=reason.strip(),
            expected_days=expected_days,
        )
        changes = stop_clock(_clock(case), kind, today, note=notice.number)
        _record(
            actor,
            case,
            "start_procedure",
            target,
            public_text=_("Special procedure started: %(kind)s (notice %(notice)s).")
            % {"kind": StopReason(kind).label, "notice": notice.number},
            internal_note=reason.strip(),
            changes={"clock": changes, "kind": kind, "notice": notice.number},
        )
    return procedure


def do_end_special_procedure(
    actor: User, case: Case, *, result: str = "", expected_version: int | None = None
) -> SpecialProcedure:
    """End the special procedure: the clock runs again."""
    with transaction.atomic():
        case, target = _begin("end_procedure", actor, case, expected_version)
        procedure = SpecialProcedure.objects.select_for_update().get(case=case, ended_on__isnull=True)
        today = timezone.localdate()
        procedure.ended_on, procedure.ended_by, procedure.result = today, actor, result.strip()
        procedure.save()
        changes = resume_clock(_clock(case), today)
        _record(
            actor,
            case,
            "end_procedure",
            target,
            public_text=_("The %(kind)s has ended; the time limit runs again.")
            % {"kind": procedure.get_kind_display()},
            internal_note=result.strip(),
            changes={"clock": changes},
        )
    return procedure


def do_supervise_case(actor: User, case: Case, *, message: str, expected_version: int | None = None) -> Case:
    """Supervise (督办): tell everyone holding the current steps to act, with the supervisor's message."""
    if not message.strip():
        raise ValidationError({"message": _("Write what the department must do.")})
    with transaction.atomic():
        case, target = _begin("supervise", actor, case, expected_version)
        items = _pending_items(case)
        holders: dict[int, User] = {}
        for item in items:
            if item.assignee is not None:
                holders[item.assignee.pk] = item.assignee
            else:
                for staff in User.objects.filter(
                    roles__department=item.department, roles__role=item.role, is_active=True
                ).distinct():
                    holders[staff.pk] = staff
        if not items:
            for staff in User.objects.filter(
                roles__department=case.department, roles__role=Role.WINDOW_CLERK, is_active=True
            ).distinct():
                holders[staff.pk] = staff
        for person in holders.values():
            do_notify_user(
                person,
                "case-supervised",
                {"number": case.number, "item": case.item.name, "message": message.strip()},
            )
        _record(
            actor,
            case,
            "supervise",
            target,
            public_text="",
            internal_note=message.strip(),
            changes={"told": sorted(holders)},
            notify=False,
        )
    return case


def _holder(application: Application) -> tuple[str, str, str]:
    if application.applicant_kind == ApplicantKind.COMPANY and application.company is not None:
        return HolderKind.COMPANY, application.company.name, application.company.uscc
    if application.applicant_kind == ApplicantKind.DELEGATED:
        return HolderKind.PERSON, application.citizen_name, application.citizen_resident_id
    applicant = application.applicant
    return HolderKind.PERSON, applicant.real_name, applicant.resident_id or ""


def _issue_licences(actor: User, case: Case, details: Mapping[str, Any] | None) -> list[Licence]:
    type_name = (case.guide_version.content.get("result") or {}).get("licence_type", "")
    if not type_name:
        return []
    licence_type = LicenceType.objects.filter(name=type_name).first()
    if licence_type is None:
        raise ValidationError(
            {
                "decision": _(
                    "The licence type %(name)s is not registered; an administrator must add it first."
                )
                % {"name": type_name}
            }
        )
    holder_kind, holder_name, holder_identifier = _holder(case.application)
    valid_from = timezone.localdate()
    valid_until = default_valid_until(licence_type, valid_from)
    return [
        do_issue_licence(
            actor,
            licence_type=licence_type,
            department=case.department,
            holder_kind=holder_kind,
            holder_name=holder_name,
            holder_identifier=holder_identifier,
            valid_from=valid_from,
            valid_until=valid_until,
            details=dict(details or {}),
            case_reference=case.number,
        )
    ]


def do_decide_case(
    actor: User,
    case: Case,
    *,
    decision: str,
    reasons: str,
    remedies: str = "",
    licence_details: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """Decide (准予 / 不予许可) with reasons and remedies (救济途径) once the reviews are in; on grant the e-licence
    of the guide's result is issued with the case number. The clock finishes."""
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose grant or deny.")})
    if not reasons.strip():
        raise ValidationError({"reasons": _("Give the reasons for the decision.")})
    with transaction.atomic():
        case, target = _begin("decide", actor, case, expected_version)
        do_complete_work_item(actor, _pending_items(case, "decide")[0], decision, reasons)
        today = timezone.localdate()
        clock_changes = finish_clock(_clock(case), today)
        licences = _issue_licences(actor, case, licence_details) if decision == Decision.GRANT else []
        case.decision, case.reasons = decision, reasons.strip()
        case.remedies, case.decided_on = remedies.strip() or DEFAULT_REMEDIES, today
        granted = decision == Decision.GRANT
        notice = _issue_notice(
            actor,
            case,
            NoticeKind.GRANT if granted else NoticeKind.DENIAL,
            [
                _("Your application is granted.") if granted else _("Your application is denied."),
                reasons.strip(),
                _("Delivery by %(date)s.")
                % {"date": add_working_days(today, LICENCE_DELIVERY_DAYS).isoformat()},
            ],
            reason=reasons.strip(),
            remedies=case.remedies,
            licences=[licence.number for licence in licences],
        )
        _record(
            actor,
            case,
            "decide",
            target,
            public_text=(_("Granted.") if granted else _("Denied."))
            + " "
            + _("Decision %(notice)s.") % {"notice": notice.number},
            changes={
                "decision": decision,
                "clock": clock_changes,
                "notice": notice.number,
                "licences": [licence.number for licence in licences],
            },
        )
    return case


def do_deliver_case(
    actor: User, case: Case, *, method: str = DeliveryMethod.ELECTRONIC, expected_version: int | None = None
) -> Case:
    """Deliver the decision and licence (送达, within 10 working days of the decision, Art. 44)."""
    if method not in DeliveryMethod.values:
        raise ValidationError({"method": _("Choose electronic delivery, collection at the window or post.")})
    with transaction.atomic():
        case, target = _begin("deliver", actor, case, expected_version)
        (deliver_item,) = _pending_items(case, "deliver")
        do_complete_work_item(actor, deliver_item, "done", method)
        case.delivered_on = timezone.localdate()
        _record(
            actor,
            case,
            "deliver",
            target,
            public_text=_("The decision was delivered (%(method)s).")
            % {"method": DeliveryMethod(method).label},
            changes={"method": method},
        )
    return case


def do_close_case(actor: User, case: Case, *, expected_version: int | None = None) -> Case:
    """Close the case (办结) and invite the applicant to rate the service (好差评)."""
    with transaction.atomic():
        case, target = _begin("close", actor, case, expected_version)
        case.closed_on, case.rating_invited_at = timezone.localdate(), timezone.now()
        _record(
            actor,
            case,
            "close",
            target,
            public_text=_("Your case is closed. Please rate the service you received."),
        )
    return case


# Every staff action by its name in :mod:`yiwang.cases.states`, called as
# ``STAFF_ACTIONS[name](actor, case, expected_version=…, **arguments)``: the pages and the API dispatch through it.
STAFF_ACTIONS: dict[str, Callable[..., Any]] = {
    "accept": do_accept_case,
    "refuse": do_refuse_case,
    "request_correction": do_request_correction,
    "opinion": do_record_opinion,
    "return": do_return_case,
    "transfer": do_transfer_case,
    "add_department": do_add_department,
    "request_extension": do_request_extension,
    "approve_extension": do_approve_extension,
    "start_procedure": do_start_special_procedure,
    "end_procedure": do_end_special_procedure,
    "supervise": do_supervise_case,
    "decide": do_decide_case,
    "deliver": do_deliver_case,
    "close": do_close_case,
}

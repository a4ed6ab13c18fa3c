"""Acting for another citizen (代办): how the represented citizen confirms, is told, and ends it.

The agent (a family member, a village agent) names the citizen; the platform never texts a number the agent types.

* **Code** (本人确认码): the code goes only to the mobile number of the citizen's own verified (L2+) account, and
  only while the carrier's confirmation of that number is recent (numbers are recycled: ``PHONE_TRUST_MAX_AGE_DAYS``;
  the citizen re-verifies the number in their account first).
* **In person** (现场确认): where the citizen has no such account, a window or service-station clerk checks the
  identity document and records the confirmation (who, where, which document).

Registry reads about the citizen wait for the confirmation. The citizen is told of the delegation, of its
confirmation and of every registry read made for it, and can end it while the application is a draft.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import CodePurpose, IdentityDocument, User
from yiwang.accounts.onetime import CodeRequest, do_check_code, do_send_code
from yiwang.accounts.queries import verified_citizen_with_resident_id
from yiwang.accounts.verification import check_in_person_verifier, phone_trust_is_current
from yiwang.cases.models import (
    ApplicantKind,
    Application,
    ApplicationStatus,
    DelegationMethod,
    MaterialStatus,
)
from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.validators import normalise_resident_id
from yiwang.notify.actions import do_send_notification
from yiwang.notify.models import Channel
from yiwang.org.models import Department

CODE_TEMPLATE = "case-delegation-code"


def _scope(application: Application) -> str:
    return f"application:{application.pk}"


def tell_citizen(application: Application, template_key: str, personalisation: dict[str, Any]) -> None:
    """An in-site message to the represented citizen's verified account, when there is one."""
    citizen = verified_citizen_with_resident_id(application.citizen_resident_id)
    if citizen is not None:
        do_send_notification(
            template_key,
            Channel.INBOX,
            recipient=citizen,
            personalisation={
                "agent": application.applicant.real_name or application.applicant.username,
                "service": str(application.bundle or application.item),
                "reference": application.pk,
                **personalisation,
            },
        )


def _lock_delegated_draft(application: Application) -> Application:
    locked = Application.objects.select_for_update().select_related("applicant").get(pk=application.pk)
    if locked.applicant_kind != ApplicantKind.DELEGATED:
        raise ValidationError(_("Only an application made for another citizen needs their confirmation."))
    if locked.status != ApplicationStatus.DRAFT:
        raise ActionConflict(_("This application has already been submitted."))
    if locked.delegation_ended_at is not None:
        raise ActionConflict(_("The citizen has ended this delegation."))
    return locked


def _check_agent(actor: Any, application: Application) -> None:
    if not getattr(actor, "is_authenticated", False) or application.applicant_id != actor.pk:
        raise PermissionDenied(_("Only the person who applied may change this application."))


def _code_recipient(application: Application) -> User:
    """The citizen's verified account whose number may receive the code; a clear error says what to do else."""
    citizen = verified_citizen_with_resident_id(application.citizen_resident_id)
    if citizen is None or not citizen.phone:
        raise ValidationError(
            {
                "code": _(
                    "The citizen has no verified account, so no code can be sent. Go with the citizen and their "
                    "ID card to a service window or village service station to confirm in person."
                )
            }
        )
    if not phone_trust_is_current(citizen):
        raise ValidationError(
            {
                "code": _(
                    "The citizen's mobile number was last confirmed too long ago. The citizen must re-verify "
                    "the number in their own account first, or confirm in person at a service window."
                )
            }
        )
    return citizen


def do_send_delegation_code(actor: User, application: Application, *, client_ip: str = "") -> CodeRequest:
    """Text the represented citizen a confirmation code, to their own verified number only (代办确认码)."""
    _check_agent(actor, application)
    with transaction.atomic():
        application = _lock_delegated_draft(application)
        citizen = _code_recipient(application)
        request = do_send_code(
            CodePurpose.DELEGATION,
            citizen.phone or "",
            scope=_scope(application),
            recipient=citizen,
            template=CODE_TEMPLATE,
            personalisation={"agent": actor.real_name or actor.username},
            client_ip=client_ip,
        )
        if not request.throttled:
            record_audit(
                actor, "cases.delegation_code_sent", application, {"phone": (citizen.phone or "")[-4:]}
            )
    return request


def _confirm(application: Application, actor: User, method: str, changes: dict[str, Any]) -> None:
    application.delegation_confirmed_at = timezone.now()
    application.delegation_method = method
    application.save(
        update_fields=[
            "delegation_confirmed_at",
            "delegation_method",
            "delegation_confirmed_by",
            "delegation_place",
            "updated_at",
        ]
    )
    record_audit(actor, "cases.delegation_confirm", application, {"method": method, **changes})
    tell_citizen(application, "case-delegation-confirmed", {})


def do_confirm_delegation(actor: User, application: Application, *, code: str) -> Application:
    """Record the citizen's confirmation with the code their own number received (single use, expiring); then
    the shared materials are fetched for the citizen."""
    _check_agent(actor, application)
    with transaction.atomic():
        application = _lock_delegated_draft(application)
        if application.delegation_confirmed_at is not None:
            return _fetch_for_confirmed(application)
        citizen = _code_recipient(application)
        matches = do_check_code(CodePurpose.DELEGATION, citizen.phone or "", code, scope=_scope(application))
        if matches:
            _confirm(application, actor, DelegationMethod.CODE, {})
        else:
            record_audit(actor, "cases.delegation_confirm_failed", application, {})
    if not matches:
        raise ValidationError(
            {"code": _("The code is not right, has expired or was used up; send a new one.")}
        )
    return _fetch_for_confirmed(application)


def delegation_for_station(reference: str) -> Application | None:
    """The delegated draft awaiting confirmation that a clerk looks up by its reference (申请编号)."""
    reference = reference.strip()
    if not reference.isascii() or not reference.isdigit() or len(reference) > 12:
        return None
    return (
        Application.objects.select_related("applicant", "item", "bundle")
        .filter(
            pk=int(reference),
            applicant_kind=ApplicantKind.DELEGATED,
            status=ApplicationStatus.DRAFT,
            delegation_confirmed_at__isnull=True,
            delegation_ended_at__isnull=True,
        )
        .first()
    )


def do_confirm_delegation_in_person(
    staff: User, application: Application, *, place: Department, document: str, resident_id: str
) -> Application:
    """A window or service-station clerk confirms the delegation with the citizen and their ID document present
    (现场确认): the number read from the document must be the one the agent named. Then the shared materials are
    fetched for the citizen."""
    check_in_person_verifier(staff, place)
    if document not in IdentityDocument.values:
        raise ValidationError({"document": _("Choose the document you checked.")})
    with transaction.atomic():
        application = _lock_delegated_draft(application)
        if normalise_resident_id(resident_id) != application.citizen_resident_id:
            record_audit(staff, "cases.delegation_confirm_failed", application, {"method": "in_person"})
            raise ValidationError(
                {
                    "resident_id": _(
                        "The number on the document is not the one of the citizen named in the application."
                    )
                }
            )
        if application.delegation_confirmed_at is None:
            application.delegation_confirmed_by = staff
            application.delegation_place = place
            _confirm(
                application, staff, DelegationMethod.IN_PERSON, {"place": place.code, "document": document}
            )
    return _fetch_for_confirmed(application)


def _fetch_for_confirmed(application: Application) -> Application:
    """Once confirmed, the shared materials are fetched for the citizen (for the agent's draft)."""
    from yiwang.cases.actions import do_resolve_shared_materials  # the actions import this module

    return do_resolve_shared_materials(application.applicant, application)


def _forget_registry_data(application: Application) -> int:
    """What the agent holds about the citizen ends with the delegation: the registry answers kept for the draft
    (the access log keeps the record of each read) and the form fields they filled in. Returns how many answers
    were removed."""
    answers = list(application.shared_lookups.all())
    registry_values = {
        str(value) for lookup in answers for value in lookup.fields.values() if isinstance(value, str | int)
    }
    application.form_data = {
        name: value for name, value in application.form_data.items() if str(value) not in registry_values
    }
    application.materials.filter(status=MaterialStatus.SHARED).update(
        status=MaterialStatus.SHARED_PENDING, shared_problem=""
    )
    application.shared_lookups.all().delete()
    return len(answers)


def do_end_delegation(citizen: User, application: Application) -> Application:
    """The represented citizen ends the delegation (终止代办): no more registry reads, no submission."""
    if not (citizen.is_verified_citizen and citizen.resident_id == application.citizen_resident_id):
        raise PermissionDenied(_("Only the citizen represented can end this delegation."))
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status != ApplicationStatus.DRAFT:
            raise ActionConflict(
                _("The application was already submitted; ask the department handling it to stop it.")
            )
        if locked.delegation_ended_at is None:
            locked.delegation_ended_at = timezone.now()
            forgotten = _forget_registry_data(locked)
            locked.save(update_fields=["delegation_ended_at", "form_data", "updated_at"])
            record_audit(citizen, "cases.delegation_end", locked, {"answers_removed": forgotten})
            do_send_notification(
                "case-delegation-ended",
                Channel.INBOX,
                recipient=locked.applicant,
                personalisation={"citizen": locked.citizen_name, "reference": locked.pk},
            )
    return locked


def delegations_of(citizen: User) -> list[Application]:
    """The applications others made for this verified citizen (我被代办的事项), newest first."""
    if not citizen.is_verified_citizen:
        return []
    return list(
        Application.objects.select_related("applicant", "item", "bundle")
        .filter(applicant_kind=ApplicantKind.DELEGATED, citizen_resident_id=citizen.resident_id)
        .order_by("-created_at", "-id")
    )

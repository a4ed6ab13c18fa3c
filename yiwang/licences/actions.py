"""State changes of the licences app: issuing (签发) and revoking (注销) e-licences, rotating signing keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.core.errors import ActionConflict
from yiwang.core.permissions import check_role
from yiwang.core.validators import normalise_resident_id, normalise_uscc, validate_resident_id, validate_uscc
from yiwang.licences.models import (
    HolderKind,
    Licence,
    LicenceNumberSequence,
    LicenceStatus,
    LicenceType,
    SigningKey,
)
from yiwang.licences.queries import holder_accounts
from yiwang.licences.signer import canonical_payload, get_signer, licence_payload
from yiwang.notify.actions import do_notify_user
from yiwang.org.models import Department, Role

SEQUENCE_DIGITS = 6


def check_can_sign_for(actor: Any, department: Department) -> None:
    """Raise PermissionDenied unless ``actor`` may issue or revoke ``department``'s licences: its approver
    (决定) or department administrator, or a platform administrator. ``actor=None`` is the system itself (a case
    decision)."""
    if actor is not None:
        check_role(actor, Role.APPROVER, Role.DEPARTMENT_ADMIN, department=department)


def clean_holder(holder_kind: str, holder_name: str, holder_identifier: str) -> tuple[str, str, str]:
    """The holder's kind, name and identifier, normalised; ValidationError with a message per field."""
    errors: dict[str, Any] = {}
    name = holder_name.strip()
    if not name:
        errors["holder_name"] = _("Enter the holder's name.")
    if holder_kind == HolderKind.PERSON:
        identifier = normalise_resident_id(holder_identifier)
        validate = validate_resident_id
    elif holder_kind == HolderKind.COMPANY:
        identifier = normalise_uscc(holder_identifier)
        validate = validate_uscc
    else:
        raise ValidationError({"holder_kind": _("The holder is either a person or a company.")})
    try:
        validate(identifier)
    except ValidationError as error:
        errors["holder_identifier"] = error.messages
    if errors:
        raise ValidationError(errors)
    return holder_kind, name, identifier


def next_licence_number(licence_type: LicenceType, year: int) -> str:
    """Allocate the next number of ``licence_type`` in ``year`` (证照编号), e.g. ``JY2511602`` ``2026`` ``000001``.

    The sequence row is locked until the caller's transaction ends, so concurrent issuers never share a number.
    """
    LicenceNumberSequence.objects.get_or_create(licence_type=licence_type, year=year)
    sequence = LicenceNumberSequence.objects.select_for_update().get(licence_type=licence_type, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{licence_type.number_prefix}{year}{sequence.last_value:0{SEQUENCE_DIGITS}d}"


def _notify_holder(licence: Licence, template_key: str) -> None:
    for account in holder_accounts(licence):
        do_notify_user(
            account,
            template_key,
            {"licence": licence.type_name, "number": licence.number, "department": licence.issuer_name},
        )


def do_issue_licence(
    actor: Any,
    *,
    licence_type: LicenceType,
    department: Department,
    holder_kind: str,
    holder_name: str,
    holder_identifier: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    details: dict[str, Any] | None = None,
    case_reference: str = "",
) -> Licence:
    """Issue a licence signed with ``department``'s current key (签发电子证照), audited, the holder notified.

    ``valid_until`` is the last valid day (``None`` = long-term); ``details`` holds the type's own fields such as
    经营项目 and 经营场所.
    """
    check_can_sign_for(actor, department)
    holder_kind, holder_name, holder_identifier = clean_holder(holder_kind, holder_name, holder_identifier)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The licence cannot end before it starts.")})
    if details is not None and not isinstance(details, dict):
        raise ValidationError({"details": _("Details are a set of named fields.")})
    signer = get_signer()
    with transaction.atomic():
        issued_at = timezone.now().replace(microsecond=0)
        licence = Licence(
            number=next_licence_number(licence_type, timezone.localdate(issued_at).year),
            licence_type=licence_type,
            type_name=licence_type.name,
            holder_kind=holder_kind,
            holder_name=holder_name,
            holder_identifier=holder_identifier,
            department=department,
            issuer_name=department.name,
            valid_from=valid_from,
            valid_until=valid_until,
            details=details or {},
            case_reference=case_reference,
            issued_at=issued_at,
            signing_key=signer.current_key(department),
        )
        licence.signature = signer.sign(
            licence.signing_key, canonical_payload(licence_payload(licence)).encode()
        )
        licence.save(force_insert=True)
        record_audit(
            actor,
            "licences.issue",
            licence,
            {
                "number": licence.number,
                "type": licence_type.code,
                "department": department.code,
                "holder_kind": holder_kind,
                "case": case_reference,
                "kid": licence.signing_key.kid,
            },
        )
        _notify_holder(licence, "licence-issued")
    return licence


def do_revoke_licence(actor: Any, licence: Licence, reason: str) -> Licence:
    """Revoke a licence (注销) with the reason told to the holder and to every verifier; audited."""
    check_can_sign_for(actor, licence.department)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking the licence.")})
    with transaction.atomic():
        locked = Licence.objects.select_for_update().select_related("department").get(pk=licence.pk)
        if locked.status == LicenceStatus.REVOKED:
            raise ActionConflict(_("This licence has already been revoked."))
        locked.status = LicenceStatus.REVOKED
        locked.revoked_at = timezone.now()
        locked.revocation_reason = reason
        locked.save(update_fields=["status", "revoked_at", "revocation_reason"])
        record_audit(actor, "licences.revoke", locked, {"number": locked.number, "reason": reason})
        _notify_holder(locked, "licence-revoked")
    return locked


def do_rotate_signing_key(actor: Any, department: Department) -> SigningKey:
    """Make a new current signing key for ``department`` (密钥轮换); licences signed before keep verifying.
    Its department administrator, a platform administrator or the system (the ``rotate-key`` command) may."""
    if actor is not None:
        check_role(actor, Role.DEPARTMENT_ADMIN, department=department)
    with transaction.atomic():
        key = get_signer().rotate(department)
        record_audit(actor, "licences.rotate_key", key, {"department": department.code, "kid": key.kid})
    return key

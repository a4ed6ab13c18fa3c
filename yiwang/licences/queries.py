"""Read helpers of the licences app: holders' licences, who may see one, and verification (证照核验)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from yiwang.accounts.models import AgentRole, CompanyAgent, User, UserKind
from yiwang.accounts.queries import mask_resident_id
from yiwang.core.permissions import can_view_department_private
from yiwang.licences.models import (
    HolderKind,
    Licence,
    LicenceStatus,
    LicenceType,
    SigningKey,
    VerificationStatus,
)
from yiwang.licences.signer import (
    b64url_decode,
    b64url_encode,
    canonical_payload,
    licence_payload,
    signature_matches,
)


@dataclasses.dataclass(frozen=True)
class Verification:
    status: VerificationStatus
    reason: str
    licence: Licence | None = None


def _licences() -> QuerySet[Licence]:
    return Licence.objects.select_related("licence_type", "department", "signing_key")


def licence_by_number(number: str) -> Licence | None:
    return _licences().filter(number=number.strip().upper()).first()


def licences_of_holder(identifier: str) -> QuerySet[Licence]:
    """Every licence held by the person or company with ``identifier`` (resident ID number or USCC), newest
    first — revoked and expired ones included; narrow with ``in_force_on(day)``."""
    return _licences().filter(holder_identifier=identifier.strip().upper())


def represented_company_usccs(user: User) -> list[str]:
    """The USCCs of the companies ``user`` may act for now (approved, not revoked, not expired)."""
    now = timezone.now()
    return list(
        CompanyAgent.objects.filter(user=user, approved_at__isnull=False, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("company__uscc", flat=True)
    )


def holder_identifiers_of(user: Any) -> list[str]:
    """The identifiers whose licences ``user`` holds: their resident ID number and the companies they act for."""
    if not getattr(user, "is_authenticated", False) or not user.is_citizen:
        return []
    own = [user.resident_id] if user.resident_id else []
    return own + represented_company_usccs(user)


def licences_for_user(user: Any) -> QuerySet[Licence]:
    """ "My licences" (我的证照): the user's own and those of the companies they act for."""
    return _licences().filter(holder_identifier__in=holder_identifiers_of(user))


def holder_accounts(licence: Licence) -> QuerySet[User]:
    """The accounts to tell about ``licence``: the person, or the company's legal representative and agents."""
    citizens = User.objects.filter(kind=UserKind.CITIZEN, is_active=True)
    if licence.holder_kind == HolderKind.PERSON:
        return citizens.filter(resident_id=licence.holder_identifier)
    now = timezone.now()
    agents = CompanyAgent.objects.filter(
        company__uscc=licence.holder_identifier,
        role__in=[AgentRole.LEGAL_REPRESENTATIVE, AgentRole.AUTHORISED_AGENT],
        approved_at__isnull=False,
        revoked_at__isnull=True,
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    return citizens.filter(pk__in=agents.values("user_id")).order_by("pk")


def can_view_licence(user: Any, licence: Licence) -> bool:
    """The holder (or an agent of the holding company), or staff of the issuing department."""
    return licence.holder_identifier in holder_identifiers_of(user) or can_view_department_private(
        user, licence.department
    )


def default_valid_until(licence_type: LicenceType, valid_from: dt.date) -> dt.date | None:
    """The last valid day for a licence of ``licence_type`` starting on ``valid_from`` (None = long-term)."""
    years = licence_type.validity_years
    if years is None:
        return None
    try:
        anniversary = valid_from.replace(year=valid_from.year + years)
    except ValueError:  # from 29 February into a common year
        anniversary = dt.date(valid_from.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def mask_name(name: str) -> str:
    """A person's name partly hidden (脱敏): 张*, 张*明, 欧阳**华."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def public_holder(licence: Licence) -> tuple[str, str]:
    """The holder's name and identifier as shown to anyone verifying: a person's are masked; a company's are
    public registration data (企业信息公示) and shown in full."""
    if licence.holder_kind == HolderKind.PERSON:
        return mask_name(licence.holder_name), mask_resident_id(licence.holder_identifier)
    return licence.holder_name, licence.holder_identifier


def public_keys() -> QuerySet[SigningKey]:
    """Every signing key ever used, current and retired, for offline verification (公钥发布)."""
    return SigningKey.objects.select_related("department").order_by("department__code", "created_at")


def _signed_when_key_was_current(licence: Licence) -> bool:
    retired_at = licence.signing_key.retired_at
    return retired_at is None or licence.issued_at <= retired_at


def verify_licence(number: str, today: dt.date | None = None) -> Verification:
    """Check the register's licence ``number``: genuine (its stored fields match its signature, made while the
    key was current), then revoked, expired or valid on ``today``."""
    licence = licence_by_number(number)
    if licence is None:
        return Verification(VerificationStatus.NOT_GENUINE, _("No licence with this number has been issued."))
    return check_licence(licence, today)


def check_licence(licence: Licence, today: dt.date | None = None) -> Verification:
    """:func:`verify_licence` for a licence already loaded (with its key and department)."""
    message = canonical_payload(licence_payload(licence)).encode()
    if not signature_matches(licence.signing_key, message, licence.signature) or not (
        _signed_when_key_was_current(licence)
    ):
        return Verification(
            VerificationStatus.NOT_GENUINE,
            _("The licence's content does not match the issuing department's signature."),
        )
    return _status_of(licence, today or timezone.localdate())


def _status_of(licence: Licence, today: dt.date) -> Verification:
    if licence.status == LicenceStatus.REVOKED:
        assert licence.revoked_at is not None  # noqa: S101 - set together with the status
        return Verification(
            VerificationStatus.REVOKED,
            _("Revoked on %(date)s: %(reason)s")
            % {
                "date": date_format(timezone.localtime(licence.revoked_at).date()),
                "reason": licence.revocation_reason,
            },
            licence,
        )
    if licence.is_expired_on(today):
        assert licence.valid_until is not None  # noqa: S101 - only a dated licence expires
        return Verification(
            VerificationStatus.EXPIRED,
            _("Expired: it was valid until %(date)s.") % {"date": date_format(licence.valid_until)},
            licence,
        )
    if licence.valid_until is None:
        reason = _("Genuine and in force; long-term.")
    else:
        reason = _("Genuine and in force until %(date)s.") % {"date": date_format(licence.valid_until)}
    return Verification(VerificationStatus.VALID, reason, licence)


def verify_presented(payload: str, signature: str, kid: str, today: dt.date | None = None) -> Verification:
    """Check a copy someone presents (a QR code, a file): ``payload`` is the signed canonical JSON text.

    Genuine only if the signature is the issuing key's, the copy matches the register's licence exactly, and the
    register's licence itself verifies; then its status is as for :func:`verify_licence`.
    """
    key = SigningKey.objects.select_related("department").filter(kid=kid).first()
    if key is None:
        return Verification(
            VerificationStatus.NOT_GENUINE, _("The copy is signed with a key no department here has used.")
        )
    if not signature_matches(key, payload.encode(), signature):
        return Verification(
            VerificationStatus.NOT_GENUINE,
            _("The copy's content does not match its signature: it has been altered."),
        )
    try:
        number = json.loads(payload)["number"]
    except (ValueError, KeyError, TypeError):
        number = None
    licence = licence_by_number(number) if isinstance(number, str) else None
    if licence is None or canonical_payload(licence_payload(licence)) != payload:
        return Verification(
            VerificationStatus.NOT_GENUINE, _("The copy does not match the licence in the register.")
        )
    return check_licence(licence, today)


def verification_url(licence: Licence) -> str:
    """The address in the licence's QR code: its verification page, carrying the signed content, the key id and
    the signature, so a phone can check the copy offline and the page can check it against the register."""
    query = urlencode(
        {
            "p": b64url_encode(canonical_payload(licence_payload(licence)).encode()),
            "kid": licence.signing_key.kid,
            "sig": licence.signature,
        }
    )
    path = reverse("licences:verify_result", args=[licence.number])
    return f"{settings.SITE_ROOT.rstrip('/')}{path}?{query}"


def verify_presented_copy(
    number: str, encoded_payload: str, signature: str, kid: str, today: dt.date | None = None
) -> Verification:
    """Check the copy carried by a verification address (:func:`verification_url`) for licence ``number``."""
    try:
        payload = b64url_decode(encoded_payload).decode()
    except ValueError:
        return Verification(VerificationStatus.NOT_GENUINE, _("The copy is damaged and cannot be read."))
    result = verify_presented(payload, signature, kid, today)
    if result.licence is not None and result.licence.number != number.strip().upper():
        return Verification(
            VerificationStatus.NOT_GENUINE, _("The copy does not match the licence in the register.")
        )
    return result


def public_licence_fields(licence: Licence) -> dict[str, Any]:
    """What anyone verifying may see of a licence: a person's name and ID number are masked."""
    holder_name, holder_identifier = public_holder(licence)
    return {
        "number": licence.number,
        "type": licence.licence_type.code,
        "type_name": licence.type_name,
        "holder_kind": licence.holder_kind,
        "holder_name": holder_name,
        "holder_identifier": holder_identifier,
        "issuer_code": licence.department.code,
        "issuer_name": licence.issuer_name,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "details": licence.details,
        "issued_at": licence.issued_at,
    }

"""Identity verification (实名核验): binding a resident ID number to an account, at L2 or L3.

* **L1** (自行注册): the account only *claims* a number (``claimed_resident_id``). No registry data flows to it.
* **L2** (人口库核验 + 运营商三要素核验): the population registry confirms that name and number belong to one
  living person, and the carrier check that the account's mobile number — proved at registration with a code — is
  registered to that person. Then the number is bound (``resident_id``).
* **L3** (现场核验): a window clerk or a service-station clerk checks the identity document in person; who, where
  and with which document is recorded.

Binding is first-come only among *verified* accounts: a squatting account that merely claimed the number loses the
claim when the real person verifies, and is told why. Failed L2 attempts are yes/no questions to the registry, so
they are limited per account (``identity-verify-per-account``) and audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.accounts.identity import (
    IdentityVerificationUnavailable,
    get_identity_verifier,
    get_phone_owner_verifier,
)
from yiwang.accounts.models import (
    AssuranceLevel,
    IdentityDocument,
    IdentityVerification,
    User,
    VerificationMethod,
)
from yiwang.core import ratelimit
from yiwang.core.audit import record_audit
from yiwang.core.permissions import departments_where, is_verified_staff
from yiwang.core.validators import normalise_resident_id, validate_resident_id
from yiwang.notify.actions import do_send_notification
from yiwang.notify.models import Channel, NotificationTemplate
from yiwang.org.models import Department, Role

NOT_CONFIRMED_MESSAGE = gettext_lazy(
    "The population registry does not confirm this name and resident ID number (check both as on your ID "
    "card; a deceased person's number cannot be used)."
)
VERIFY_RULE = "identity-verify-per-account"
IN_PERSON_ROLES = (Role.WINDOW_CLERK, Role.STATION_CLERK)


def registry_confirms(real_name: str, resident_id: str) -> bool:
    """Whether the population registry confirms name and number of one living person (人口.身份核验, yes/no).

    An unavailable registry is a field error, never a yes.
    """
    try:
        return get_identity_verifier().verify(real_name=real_name, resident_id=resident_id)
    except IdentityVerificationUnavailable as unavailable:
        raise ValidationError({"resident_id": [ValidationError(unavailable.message)]}) from None


def phone_trust_is_current(user: User) -> bool:
    """Whether the carrier confirmed the user's number recently enough to trust it for a delegation (numbers are
    recycled: ``PHONE_TRUST_MAX_AGE_DAYS``)."""
    if user.phone_verified_at is None:
        return False
    return timezone.now() - user.phone_verified_at <= timedelta(days=settings.PHONE_TRUST_MAX_AGE_DAYS)


def _notify(template_key: str, user: User, personalisation: dict[str, Any]) -> None:
    if NotificationTemplate.objects.filter(key=template_key, channel=Channel.INBOX).exists():
        do_send_notification(template_key, Channel.INBOX, recipient=user, personalisation=personalisation)


def _record_failure(user: User, reason: str) -> None:
    """Count and audit a failed attempt; it commits even though the action then fails."""
    ratelimit.hit(VERIFY_RULE, str(user.pk))
    with transaction.atomic():
        record_audit(user, "accounts.identity_verification_failed", user, {"reason": reason})


def _check_carrier(user: User, real_name: str, resident_id: str, refusal: str) -> None:
    """The three-element check of the account's number (运营商三要素核验); a "no" is counted, audited and raised
    as ``refusal`` on the phone field."""
    try:
        matches = get_phone_owner_verifier().phone_belongs_to(
            real_name=real_name, resident_id=resident_id, phone=user.phone or ""
        )
    except IdentityVerificationUnavailable as unavailable:
        raise ValidationError({"phone": [ValidationError(unavailable.message)]}) from None
    if not matches:
        _record_failure(user, "carrier")
        raise ValidationError({"phone": [ValidationError(refusal)]})


def _bind(user: User, resident_id: str, real_name: str, level: int, verification: dict[str, Any]) -> User:
    """Bind ``resident_id`` to ``user`` at ``level`` (never lowering it); other accounts' claims of the number
    end, and their holders are told. Runs inside the caller's transaction."""
    user = User.objects.select_for_update().get(pk=user.pk)
    holder = User.objects.filter(resident_id=resident_id).exclude(pk=user.pk).first()
    if holder is not None:
        raise ValidationError(
            {
                "resident_id": _(
                    "This resident ID number is already verified for another account. Log in with that "
                    "account, or ask a service window for help."
                )
            }
        )
    if user.resident_id and user.resident_id != resident_id:
        raise ValidationError({"resident_id": _("This account is already verified for another person.")})
    for squatter in (
        User.objects.select_for_update().filter(claimed_resident_id=resident_id).exclude(pk=user.pk)
    ):
        squatter.claimed_resident_id = ""
        squatter.save(update_fields=["claimed_resident_id"])
        record_audit(None, "accounts.identity_claim_removed", squatter, {"verified_by_account": user.pk})
        _notify("identity-claim-removed", squatter, {"name": squatter.real_name or squatter.username})
    now = timezone.now()
    user.resident_id, user.claimed_resident_id, user.real_name = resident_id, "", real_name
    user.assurance_level = max(user.assurance_level, level)
    user.assurance_verified_at = now
    if verification["method"] == VerificationMethod.POPULATION_REGISTRY:
        user.phone_verified_at = now
    user.save(
        update_fields=[
            "resident_id",
            "claimed_resident_id",
            "real_name",
            "assurance_level",
            "assurance_verified_at",
            "phone_verified_at",
        ]
    )
    IdentityVerification.objects.create(user=user, level=level, resident_id=resident_id, **verification)
    return user


def _clean_identity(real_name: str, resident_id: str) -> tuple[str, str]:
    real_name, resident_id = real_name.strip(), normalise_resident_id(resident_id)
    errors: dict[str, list[ValidationError]] = {}
    if not real_name:
        errors["real_name"] = [ValidationError(_("Enter your real name as on your ID card."))]
    try:
        validate_resident_id(resident_id)
    except ValidationError as error:
        errors["resident_id"] = error.error_list
    if errors:
        raise ValidationError(errors)
    return real_name, resident_id


def do_verify_identity_l2(user: User, *, real_name: str = "", resident_id: str = "") -> User:
    """Verify a citizen against the population registry and the carrier (人口库核验 + 三要素核验, L2).

    Name and number default to those given at registration. Refused (and counted) when the registry does not
    confirm them for a living person or the carrier does not confirm the account's number as theirs.
    """
    if not (user.is_active and user.is_citizen):
        raise PermissionDenied(_("Only citizen accounts verify their identity here."))
    real_name, resident_id = _clean_identity(
        real_name or user.real_name, resident_id or user.claimed_resident_id or user.resident_id or ""
    )
    ratelimit.check(VERIFY_RULE, str(user.pk))
    if not user.phone:
        raise ValidationError({"phone": _("Add a mobile number to your account first.")})
    if not registry_confirms(real_name, resident_id):
        _record_failure(user, "registry")
        raise ValidationError({"resident_id": [ValidationError(NOT_CONFIRMED_MESSAGE)]})
    _check_carrier(
        user,
        real_name,
        resident_id,
        _(
            "The mobile operator does not confirm that this number is registered in your name. Use a number "
            "registered to you, or have your identity verified at a service window."
        ),
    )
    with transaction.atomic():
        user = _bind(
            user,
            resident_id,
            real_name,
            AssuranceLevel.L2,
            {"method": VerificationMethod.POPULATION_REGISTRY},
        )
        record_audit(user, "accounts.identity_verified", user, {"level": 2, "method": "population_registry"})
    ratelimit.clear(VERIFY_RULE, str(user.pk))
    return user


def do_reverify_phone(user: User) -> User:
    """Ask the carrier again whether the account's number is still the verified person's (numbers are recycled)."""
    if not user.is_verified_citizen or not user.phone or not user.resident_id:
        raise PermissionDenied(_("Verify your identity first."))
    ratelimit.check(VERIFY_RULE, str(user.pk))
    _check_carrier(
        user,
        user.real_name,
        user.resident_id,
        _("The mobile operator no longer confirms this number as yours. Change your number first."),
    )
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(phone_verified_at=timezone.now())
        record_audit(user, "accounts.phone_reverified", user)
    user.refresh_from_db(fields=["phone_verified_at"])
    return user


# --- In person (现场核验, L3) --------------------------------------------------------------------------------


def in_person_places(staff: Any) -> list[Department]:
    """The departments where ``staff`` verifies identities in person: a window or a village service station."""
    if not is_verified_staff(staff):
        return []
    return list(departments_where(staff, *IN_PERSON_ROLES))


def check_in_person_verifier(staff: Any, place: Department | None = None) -> None:
    """Only window clerks and service-station clerks (in ``place`` when given) verify in person."""
    places = in_person_places(staff)
    if not places or (place is not None and place not in places):
        raise PermissionDenied(
            _(
                "Only window clerks and service-station clerks verify identities in person, at their own place."
            )
        )


def do_verify_in_person(
    staff: User,
    citizen: User,
    *,
    place: Department,
    document: str,
    real_name: str,
    resident_id: str,
) -> User:
    """A clerk checks the identity document in hand and binds the number at L3 (现场核验).

    The document's name and number are typed by the clerk from the document; the registry must still confirm
    that they belong to a living person.
    """
    check_in_person_verifier(staff, place)
    if not (citizen.is_active and citizen.is_citizen):
        raise ValidationError(_("Only citizen accounts have an identity assurance level."))
    if document not in IdentityDocument.values:
        raise ValidationError({"document": _("Choose the document you checked.")})
    real_name, resident_id = _clean_identity(real_name, resident_id)
    if not registry_confirms(real_name, resident_id):
        with transaction.atomic():
            record_audit(staff, "accounts.identity_verification_failed", citizen, {"reason": "registry"})
        raise ValidationError({"resident_id": [ValidationError(NOT_CONFIRMED_MESSAGE)]})
    with transaction.atomic():
        citizen = _bind(
            citizen,
            resident_id,
            real_name,
            AssuranceLevel.L3,
            {
                "method": VerificationMethod.IN_PERSON,
                "verified_by": staff,
                "place": place,
                "document": document,
            },
        )
        record_audit(
            staff,
            "accounts.identity_verified",
            citizen,
            {"level": 3, "method": "in_person", "place": place.code, "document": document},
        )
        _notify(
            "identity-verified-in-person",
            citizen,
            {"place": place.name, "time": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        )
    return citizen

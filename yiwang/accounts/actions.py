"""State changes of the accounts app (账户): registration, login codes, identity levels, TOTP, companies.

Every ``do_*`` function validates, changes, writes the audit record and sends its notification inside one
transaction. Secrets (passwords, codes, TOTP keys) never reach the audit record.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

import django_otp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from yiwang.accounts import onetime
from yiwang.accounts.company_registry import EntityRegistration, get_legal_representative_verifier
from yiwang.accounts.models import (
    AgentRole,
    ApiToken,
    AssuranceLevel,
    CodePurpose,
    Company,
    CompanyAgent,
    User,
    UserKind,
)
from yiwang.accounts.onetime import CodeRequest
from yiwang.accounts.queries import active_citizen_with_phone
from yiwang.accounts.verification import NOT_CONFIRMED_MESSAGE, registry_confirms
from yiwang.core import ratelimit
from yiwang.core.audit import record_audit
from yiwang.core.models import AuditRecord
from yiwang.core.validators import (
    normalise_phone,
    normalise_resident_id,
    normalise_uscc,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)
from yiwang.notify.actions import do_send_notification
from yiwang.notify.models import Channel, NotificationTemplate

logger = logging.getLogger(__name__)

REAL_NAME_MAX_LENGTH = 50
REGISTRATION_CODE_WRONG = gettext_lazy(
    "The verification code is wrong, used or expired. Ask for a new code to be sent to your mobile number."
)
TOTP_DEVICE_NAME = "authenticator"


def _notify_if_template(template_key: str, user: User, personalisation: dict[str, Any]) -> None:
    """Put a message in the user's inbox (站内信) when that template is set up."""
    if NotificationTemplate.objects.filter(key=template_key, channel=Channel.INBOX).exists():
        do_send_notification(template_key, Channel.INBOX, recipient=user, personalisation=personalisation)


def _collect(errors: dict[str, list[ValidationError]], field: str, validator: Any, value: str) -> None:
    try:
        validator(value)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.error_list)


def _check_real_name(errors: dict[str, list[ValidationError]], field: str, real_name: str) -> None:
    if not real_name:
        errors.setdefault(field, []).append(ValidationError(_("Enter your real name as on your ID card.")))
    elif len(real_name) > REAL_NAME_MAX_LENGTH:
        errors.setdefault(field, []).append(
            ValidationError(_("A name has at most %(max)d characters.") % {"max": REAL_NAME_MAX_LENGTH})
        )


# --- Citizen registration and identity levels (实名等级) ---------------------------------------------------


def check_citizen_registration(real_name: str, resident_id: str, phone: str, password: str) -> None:
    """Raise one ValidationError with every field problem of a registration (formats, duplicates, password)."""
    errors: dict[str, list[ValidationError]] = {}
    _check_real_name(errors, "real_name", real_name)
    _collect(errors, "resident_id", validate_resident_id, resident_id)
    _collect(errors, "phone", validate_phone, phone)
    if "resident_id" not in errors and User.objects.filter(resident_id=resident_id).exists():
        # Only a verified account holds the number; unverified claims never block the person it belongs to.
        errors["resident_id"] = [
            ValidationError(
                _(
                    "This resident ID number is already registered. Log in, or reset the password of that account."
                )
            )
        ]
    if "phone" not in errors and User.objects.filter(phone=phone).exists():
        errors["phone"] = [
            ValidationError(
                _("This mobile number is already registered. Log in with it, or use another number.")
            )
        ]
    candidate = User(username=phone, phone=phone, real_name=real_name, resident_id=resident_id)
    _collect(errors, "password", lambda value: validate_password(value, candidate), password)
    if errors:
        raise ValidationError(errors)


def do_request_registration_code(phone: str, *, client_ip: str = "") -> CodeRequest:
    """Text a registration code (注册验证码) to ``phone``: registering proves the person holds the phone.

    A number already registered gets no text but the same answer (the registration itself then says it is
    taken). Raises ValidationError on ``phone`` for a malformed number, RateLimited past the SMS limits.
    """
    phone = normalise_phone(phone)
    taken = _phone_is_valid(phone) and User.objects.filter(phone=phone).exists()
    return onetime.do_send_code(
        CodePurpose.REGISTRATION, phone, template="registration-code", client_ip=client_ip, deliver=not taken
    )


def do_register_citizen(*, real_name: str, resident_id: str, phone: str, password: str, code: str) -> User:
    """Register a citizen (公众注册, assurance L1); the phone number is the username.

    The name and resident ID number must belong together in the population registry (yes/no only), but the
    number is only *claimed* (``claimed_resident_id``): it is bound to the account, and registry data flows, once
    the person verifies (L2, :mod:`yiwang.accounts.verification`).
    """
    real_name = real_name.strip()
    resident_id = normalise_resident_id(resident_id)
    phone = normalise_phone(phone)
    check_citizen_registration(real_name, resident_id, phone, password)
    # The phone first (before the registry is asked): without the code texted to it nobody registers, and the
    # registration cannot be used to test names against resident ID numbers.
    if not onetime.do_check_code(CodePurpose.REGISTRATION, phone, code):
        raise ValidationError({"code": [ValidationError(REGISTRATION_CODE_WRONG, code="code_wrong")]})
    if not registry_confirms(real_name, resident_id):
        raise ValidationError({"resident_id": [ValidationError(NOT_CONFIRMED_MESSAGE)]})
    try:
        with transaction.atomic():
            user = User(
                username=phone,
                phone=phone,
                real_name=real_name,
                claimed_resident_id=resident_id,
                kind=UserKind.CITIZEN,
                assurance_level=AssuranceLevel.L1,
            )
            user.set_password(password)
            user.save()
            record_audit(user, "accounts.register", user, {"kind": user.kind, "assurance_level": 1})
            _notify_if_template("welcome", user, {"name": real_name})
    except IntegrityError:
        # Someone registered the same number between the check and the insert: report it as a field error.
        check_citizen_registration(real_name, resident_id, phone, password)
        raise
    return user


# --- One-time login codes by SMS (短信验证码, made and checked by yiwang.accounts.onetime) --------------------


def do_request_login_code(phone: str, *, client_ip: str = "") -> CodeRequest:
    """Create a one-time login code and text it, if the number belongs to a citizen.

    A code row is created for any well-formed number (unsent when unregistered), so the answer, the resend wait
    and the rate limits are the same for registered and unknown numbers: the page does not reveal who is
    registered. Raises RateLimited past the per-number or per-address limits. Code requests are not audited; the
    login they lead to is.
    """
    phone = normalise_phone(phone)
    citizen = active_citizen_with_phone(phone) if _phone_is_valid(phone) else None
    return onetime.do_send_code(
        CodePurpose.LOGIN,
        phone,
        recipient=citizen,
        template="login-code",
        client_ip=client_ip,
        deliver=citizen is not None,
    )


def do_use_login_code(phone: str, code: str) -> User | None:
    """Spend one attempt on the newest login code for ``phone``; the citizen if it matches (single use, expiring)."""
    phone = normalise_phone(phone)
    if not onetime.do_check_code(CodePurpose.LOGIN, phone, code):
        return None
    return active_citizen_with_phone(phone)


def _phone_is_valid(phone: str) -> bool:
    try:
        validate_phone(phone)
    except ValidationError:
        return False
    return True


# --- Staff second factor (TOTP 动态口令) -------------------------------------------------------------------


def do_start_totp_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed authenticator device a staff member is enrolling (created on first call)."""
    if not user.is_government_staff:
        raise PermissionDenied(_("Only staff use an authenticator app."))
    with transaction.atomic():
        device, created = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": TOTP_DEVICE_NAME}
        )
        if created:
            record_audit(user, "accounts.totp_enrolment_started", ("otp_totp.totpdevice", str(device.pk)))
    return device


TOTP_FAILURE_RULE = "totp-failure-per-address"


def totp_throttle_cap() -> int:
    """The most consecutive failures django-otp's throttle may count: its wait (factor × 2^(n−1) seconds) then
    stays within ``OTP_TOTP_THROTTLE_MAX_DELAY_SECONDS``."""
    factor = max(1, int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)))
    cap_seconds = max(factor, int(settings.OTP_TOTP_THROTTLE_MAX_DELAY_SECONDS))
    return int(math.log2(cap_seconds / factor)) + 1


def do_verify_totp(
    user: User, token: str, *, device: TOTPDevice | None = None, client_ip: str = ""
) -> TOTPDevice | None:
    """Check an authenticator code against ``device`` (or the user's confirmed devices); throttled by django-otp.

    Verifying the unconfirmed ``device`` of an enrolment confirms it. The throttle cannot lock the staff member
    out for good (someone holding only the password could otherwise type wrong codes until the wait is days):
    its failure count is capped so the wait never exceeds ``OTP_TOTP_THROTTLE_MAX_DELAY_SECONDS``, it resets on
    success, and wrong codes are also counted per client address (rule ``totp-failure-per-address``), which
    stops the attacker's address, not the staff member. Raises RateLimited when that address is over the rule.
    """
    ratelimit.check(TOTP_FAILURE_RULE, client_ip)
    devices = (
        [device] if device is not None else list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    )
    cap = totp_throttle_cap()
    TOTPDevice.objects.filter(
        pk__in=[candidate.pk for candidate in devices], throttling_failure_count__gt=cap
    ).update(throttling_failure_count=cap)
    for candidate in devices:
        verified = django_otp.verify_token(user, candidate.persistent_id, token.strip())
        if verified is None:
            continue
        if not verified.confirmed:
            with transaction.atomic():
                verified.confirmed = True
                verified.save(update_fields=["confirmed"])
                record_audit(user, "accounts.totp_enrolled", ("otp_totp.totpdevice", str(verified.pk)))
                _notify_if_template(
                    "staff-totp-enrolled",
                    user,
                    {"name": str(user), "time": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
                )
        return verified
    ratelimit.hit(TOTP_FAILURE_RULE, client_ip)
    return None


def has_confirmed_totp_device(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


# --- Login, logout and lockout records ----------------------------------------------------------------------


def do_record_login(user: User, method: str) -> None:
    with transaction.atomic():
        record_audit(user, "accounts.login", user, {"method": method})


def do_record_logout(user: User) -> None:
    with transaction.atomic():
        record_audit(user, "accounts.logout", user)


def do_record_address_throttled(ip_address: str, rule: str) -> None:
    """Record that failed logins from ``ip_address`` used up ``rule`` (password spraying across accounts)."""
    logger.warning(
        "rate limit %s used up by %s: further logins from it are refused for a while", rule, ip_address
    )
    with transaction.atomic():
        record_audit(
            None, "accounts.address_throttled", ("core.client_address", ip_address[:100]), {"rule": rule}
        )


def do_record_lockout(username: str, ip_address: str | None) -> None:
    """Record a login attempt refused by the lockout (账户锁定); tell the account holder once per lockout."""
    user = User.objects.filter(username=username).first()
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    with transaction.atomic():
        first_of_lockout = (
            user is None
            or not AuditRecord.objects.filter(
                action="accounts.locked",
                object_type=User._meta.label_lower,
                object_id=str(user.pk),
                created_at__gte=timezone.now() - cooloff,
            ).exists()
        )
        record_audit(
            None,
            "accounts.locked",
            user if user is not None else ("accounts.login_name", username[:100]),
            {"ip_address": ip_address or ""},
        )
        if user is not None and first_of_lockout:
            _notify_if_template("account-locked", user, {"minutes": math.ceil(cooloff.total_seconds() / 60)})


# --- Companies and their agents (企业认领与经办人) -------------------------------------------------------------


def verify_identity_url() -> str:
    """Where an unverified citizen verifies their identity (实名核验)."""
    return reverse("accounts:verify_identity")


class CompanyClaimRefused(PermissionDenied):
    """A company claim the registry does not support (企业认领被拒), already written to the audit chain."""


def _refuse_claim(user: User, uscc: str, role: str, reason: str, error: Exception) -> NoReturn:
    """Write the refusal to the audit chain in its own transaction (it stays although the action fails), then raise
    ``error``. The record names the code and the reason, never anything the registry holds about the company."""
    with transaction.atomic():
        record_audit(
            user,
            "accounts.company_claim_refused",
            ("accounts.company", uscc),
            {"role": role, "reason": reason},
        )
    raise error


def check_company_claim(user: User, uscc: str, role: str) -> None:
    """Who may claim a company at all: a citizen verified at L2 or above, for a well-formed code and a known role.

    Raises PermissionDenied (staff), :class:`CompanyClaimRefused` (an unverified citizen: the message says where
    to verify) or a ValidationError on ``uscc`` / ``role``. Reads nothing from the registry, writes nothing.
    """
    if not user.is_citizen:
        raise PermissionDenied(_("Staff accounts cannot claim companies."))
    errors: dict[str, list[ValidationError]] = {}
    _collect(errors, "uscc", validate_uscc, uscc)
    if role not in AgentRole.values:
        errors["role"] = [ValidationError(_("Choose whether you are the legal representative or an agent."))]
    if errors:
        raise ValidationError(errors)
    if not user.is_verified_citizen:
        raise CompanyClaimRefused(
            _(
                "Only a person whose identity is verified can claim a company. Verify your identity first "
                "(%(url)s), then claim the company again."
            )
            % {"url": verify_identity_url()}
        )


def _acting_legal_representatives(company: Company) -> list[CompanyAgent]:
    now = timezone.now()
    rows = company.agents.select_for_update().filter(
        role=AgentRole.LEGAL_REPRESENTATIVE, revoked_at__isnull=True
    )
    return [row for row in rows.select_related("user") if row.is_active_at(now)]


def _replace_wrong_claims(company: Company, representative: User) -> None:
    """The registered representative claims: earlier legal-representative rows of anyone else end (the registry
    says they are not, or no longer, the representative; they are told), and the agents those people approved
    wait for the registered representative's decision again."""
    now = timezone.now()
    wrong = (
        company.agents.select_for_update()
        .filter(role=AgentRole.LEGAL_REPRESENTATIVE, revoked_at__isnull=True)
        .exclude(user=representative)
    )
    for row in wrong.select_related("user"):
        was_acting = row.is_active_at(now)
        row.revoked_at = now
        row.save(update_fields=["revoked_at"])
        record_audit(
            representative,
            "accounts.agent_revoked",
            row,
            {"user_id": row.user_id, "reason": "registered_representative_claimed"},
        )
        if was_acting:
            _notify_if_template(
                "company-claim-replaced",
                row.user,
                {"name": str(row.user), "company": company.name, "uscc": company.uscc},
            )
        approved_by_them = company.agents.select_for_update().filter(
            role=AgentRole.AUTHORISED_AGENT,
            granted_by=row.user,
            revoked_at__isnull=True,
            approved_at__isnull=False,
        )
        for agent in approved_by_them:
            agent.approved_at = None
            agent.granted_by = None
            agent.save(update_fields=["approved_at", "granted_by"])
            record_audit(
                representative,
                "accounts.agent_suspended",
                agent,
                {"user_id": agent.user_id, "reason": "approved_by_a_replaced_claim"},
            )


def do_claim_company(user: User, *, uscc: str, role: str = AgentRole.LEGAL_REPRESENTATIVE) -> CompanyAgent:
    """Claim a company (企业认领) as its legal representative, or ask to act for it as an agent (申请经办).

    Only a citizen verified at L2 or above may claim. The company's name, legal representative and address come
    from the legal-entity registry (法人.登记信息), never from the claimant; a deregistered or revoked entity
    (注销/吊销) cannot be claimed. The claimant becomes the approved legal representative only when the registry
    confirms their verified resident ID number is the legal representative's (法人.法定代表人核验, yes/no); that
    claim ends any earlier legal-representative claim by someone else. Asking as an agent is possible once the
    legal representative has claimed the company, and stays pending until they approve. Every refusal after the
    input checks is written to the audit chain, and every registry question is in the exchange's access log.
    """
    uscc = normalise_uscc(uscc)
    try:
        check_company_claim(user, uscc, role)
    except CompanyClaimRefused as refusal:
        _refuse_claim(user, uscc, role, "unverified", refusal)
    verifier = get_legal_representative_verifier()
    # The registry questions run before (and outside) the write: each is logged even when the claim is refused.
    registration = verifier.registration(uscc)
    if registration is None:
        _refuse_claim(
            user,
            uscc,
            role,
            "not_registered",
            ValidationError(
                {
                    "uscc": _(
                        "No market entity with this code is in the legal-entity registry. Check the code on the "
                        "business licence."
                    )
                }
            ),
        )
    if registration.is_closed:
        _refuse_claim(
            user,
            uscc,
            role,
            "closed",
            ValidationError(
                {
                    "uscc": _(
                        "This market entity is deregistered or its business licence is revoked; it cannot be "
                        "claimed."
                    )
                }
            ),
        )
    if role == AgentRole.LEGAL_REPRESENTATIVE:
        if not verifier.is_legal_representative(uscc, user.resident_id or ""):
            _refuse_claim(
                user,
                uscc,
                role,
                "not_legal_representative",
                CompanyClaimRefused(
                    _(
                        "The legal-entity registry does not record you as this company's legal representative, "
                        "so you cannot claim it. If you work for the company, ask to act for it as an agent; if "
                        "the registration is wrong, have it corrected by the market regulation authority."
                    )
                ),
            )
        return _claim_as_legal_representative(user, registration)
    return _ask_to_act_as_agent(user, registration)


def _claim_as_legal_representative(user: User, registration: EntityRegistration) -> CompanyAgent:
    now = timezone.now()
    from_registry = {
        "name": registration.name,
        "legal_representative_name": registration.legal_representative_name,
        "legal_representative_id": user.resident_id or "",
        "registered_address": registration.registered_address,
    }
    with transaction.atomic():
        company, created = Company.objects.select_for_update().get_or_create(
            uscc=registration.uscc, defaults=from_registry
        )
        if created:
            record_audit(
                user, "accounts.company_registered", company, {"uscc": company.uscc, "source": "registry"}
            )
        else:
            changed = [name for name, value in from_registry.items() if getattr(company, name) != value]
            if changed:
                for name in changed:
                    setattr(company, name, from_registry[name])
                company.save(update_fields=changed)
                record_audit(
                    user, "accounts.company_updated", company, {"fields": changed, "source": "registry"}
                )
        _replace_wrong_claims(company, user)
        agent, _created = CompanyAgent.objects.select_for_update().get_or_create(
            company=company, user=user, role=AgentRole.LEGAL_REPRESENTATIVE
        )
        if not agent.is_active_at(now):
            agent.approved_at = now
            agent.granted_by = None
            agent.revoked_at = None
            agent.expires_at = None
            agent.save()
            record_audit(
                user,
                "accounts.company_claimed",
                agent,
                {"role": agent.role, "check": "legal_entity_registry"},
            )
    return agent


def _ask_to_act_as_agent(user: User, registration: EntityRegistration) -> CompanyAgent:
    with transaction.atomic():
        company = Company.objects.select_for_update().filter(uscc=registration.uscc).first()
        representatives = _acting_legal_representatives(company) if company is not None else []
        if company is None or not representatives:
            raise ValidationError(
                {
                    "uscc": _(
                        "Its legal representative has not claimed this company here yet. Ask them to claim it "
                        "first; then ask again to act for it."
                    )
                }
            )
        if any(row.user_id == user.pk for row in representatives):
            raise ValidationError(
                {"role": _("You already act for this company as its legal representative.")}
            )
        agent, created = CompanyAgent.objects.select_for_update().get_or_create(
            company=company, user=user, role=AgentRole.AUTHORISED_AGENT
        )
        if created or agent.revoked_at is not None:
            agent.approved_at = None
            agent.granted_by = None
            agent.revoked_at = None
            agent.expires_at = None
            agent.save()
            record_audit(user, "accounts.agent_added", agent, {"role": agent.role, "pending": True})
            for representative in representatives:
                _notify_if_template(
                    "company-agent-requested",
                    representative.user,
                    {"name": str(user), "company": company.name},
                )
    return agent


def check_can_manage_agents(company: Company, user: User) -> None:
    """Only the company's acting legal representative authorises and revokes agents."""
    now = timezone.now()
    roles = company.agents.filter(user=user, role=AgentRole.LEGAL_REPRESENTATIVE)
    if not any(role.is_active_at(now) for role in roles):
        raise PermissionDenied(_("Only the company's legal representative can authorise or revoke agents."))


def do_authorise_agent(
    company: Company, granted_by: User, user: User, expires_at: datetime | None = None
) -> CompanyAgent:
    """Authorise ``user`` to act for ``company`` until ``expires_at`` (经办授权); approves a pending request."""
    check_can_manage_agents(company, granted_by)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": _("The authorisation must end in the future.")})
    if not user.is_citizen:
        raise ValidationError({"user": _("Only citizen accounts can act for a company.")})
    with transaction.atomic():
        agent, _created = CompanyAgent.objects.select_for_update().get_or_create(
            company=company, user=user, role=AgentRole.AUTHORISED_AGENT
        )
        agent.granted_by = granted_by
        agent.approved_at = now
        agent.revoked_at = None
        agent.expires_at = expires_at
        agent.save()
        record_audit(
            granted_by, "accounts.agent_authorised", agent, {"user_id": user.pk, "expires_at": expires_at}
        )
    return agent


def do_revoke_agent(agent: CompanyAgent, revoked_by: User) -> CompanyAgent:
    """End an agent's authorisation (撤销授权); the legal representative cannot revoke themself."""
    check_can_manage_agents(agent.company, revoked_by)
    if agent.role == AgentRole.LEGAL_REPRESENTATIVE:
        raise ValidationError(_("The legal representative's own role cannot be revoked here."))
    with transaction.atomic():
        agent = CompanyAgent.objects.select_for_update().get(pk=agent.pk)
        if agent.revoked_at is None:
            agent.revoked_at = timezone.now()
            agent.save(update_fields=["revoked_at"])
            record_audit(revoked_by, "accounts.agent_revoked", agent, {"user_id": agent.user_id})
    return agent


# --- Personal API tokens (接口令牌) --------------------------------------------------------------------------

API_TOKEN_PREFIX = "yw_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for
API_TOKEN_MAX_DAYS = 365


def api_token_digest(raw_token: str) -> str:
    """The SHA-256 kept for a token; the token itself is shown once and never stored."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiToken:
    token: ApiToken
    raw: str  # show to the user once


def do_create_api_token(user: User, name: str, days: int) -> NewApiToken:
    """Create a token that acts as ``user`` in the API for ``days`` days (1–365)."""
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name, e.g. the app that will use it.")]
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        errors["days"] = [_("A token is valid for 1 to %(max)s days.") % {"max": API_TOKEN_MAX_DAYS}]
    if errors:
        raise ValidationError(errors)
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            token_hash=api_token_digest(raw),
            expires_at=timezone.now() + timedelta(days=days),
        )
        record_audit(user, "accounts.api_token_created", token, {"name": name, "days": days})
    return NewApiToken(token, raw)


def do_revoke_api_token(user: User, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens; it stops working at once."""
    if token.user_id != user.pk:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_audit(user, "accounts.api_token_revoked", token, {"name": token.name})
    return token


def do_note_api_token_use(token: ApiToken) -> None:
    """Record when a token was last used, at most once a minute (no audit: reading is not a change)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
